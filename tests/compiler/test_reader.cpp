// The .tflite reader and the structural passes (schedule, lowering checks):
// every bad input is a CompileError in the common "<file>: ..." /
// "<file>: op N (NAME): ..." format, never a crash.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <limits>
#include <optional>
#include <tuple>
#include <cstring>

#include <flatbuffers/flexbuffers.h>

#include "seed_models.h"
#include "ops/options.h"
#include "test_util.h"

namespace mftest {
namespace {

using microflow::DType;

const std::string kName = "test.tflite";

// The writer-made models of tools/fuzz/seed_models.h are the valid bases that
// the tests below break.
std::vector<uint8_t> small_fc_model() { return mfseed::small_fc(); }
template <typename Writer>
std::vector<uint8_t> zoo_model_with(Writer& m) { return mfseed::int8_zoo_with(m); }
std::vector<uint8_t> zoo_model() { return mfseed::int8_zoo(); }
template <typename Writer>
std::vector<uint8_t> float_zoo_model_with(Writer& m) { return mfseed::float_zoo_with(m); }
std::vector<uint8_t> float_zoo_model() { return mfseed::float_zoo(); }

// A ModelWriter front end that perturbs, now and then, one field of what it is
// asked to write: dimensions (0, 1, huge), types, scales (0, NaN, inf),
// zero points, strides, dilations, activations, operator inputs. Constant
// data follows a changed shape, so most mutants get past the reader and
// reach the schedule, lowering and planner checks.
class MutatingWriter {
 public:
  MutatingWriter(uint32_t seed, unsigned one_in) : rng_(seed), one_in_(one_in) {}

  int32_t add_input_tensor(std::string name, w::TensorType type, std::vector<int32_t> shape,
                           std::optional<w::Quantization> quant = std::nullopt) {
    mutate_tensor(type, shape, quant);
    return m_.add_input_tensor(std::move(name), type, shape, quant);
  }
  int32_t add_tensor(std::string name, w::TensorType type, std::vector<int32_t> shape,
                     std::optional<w::Quantization> quant = std::nullopt) {
    mutate_tensor(type, shape, quant);
    return m_.add_tensor(std::move(name), type, shape, quant);
  }
  int32_t add_const_tensor(std::string name, w::TensorType type, std::vector<int32_t> shape,
                           std::vector<uint8_t> data, std::optional<w::Quantization> quant = std::nullopt) {
    const auto old_type = type;
    const auto old_shape = shape;
    mutate_tensor(type, shape, quant);
    if ((type != old_type || shape != old_shape) && !hit(4)) {  // usually keep the buffer consistent
      int64_t n = element_size(type);
      for (int32_t d : shape) n = d < 0 ? -1 : n * d;
      if (n >= 0 && n <= 1 << 16) {
        data.resize(static_cast<size_t>(n));
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 29 + 3);
      }
    }
    if (hit()) data.resize(data.size() / 2);
    return m_.add_const_tensor(std::move(name), type, shape, std::move(data), quant);
  }
  int32_t add_fully_connected(std::vector<int32_t> inputs, int32_t output, w::Activation act = w::Activation::NONE,
                              bool keep_num_dims = false) {
    mutate_inputs(inputs);
    return m_.add_fully_connected(inputs, output, activation(act), hit() ? !keep_num_dims : keep_num_dims);
  }
  int32_t add_conv_2d(std::vector<int32_t> inputs, int32_t output, w::Conv2DOptions o) {
    mutate_inputs(inputs);
    o.padding = padding(o.padding);
    int_field(o.stride_w), int_field(o.stride_h), int_field(o.dilation_w), int_field(o.dilation_h);
    o.activation = activation(o.activation);
    return m_.add_conv_2d(inputs, output, o);
  }
  int32_t add_depthwise_conv_2d(std::vector<int32_t> inputs, int32_t output, w::DepthwiseConv2DOptions o) {
    mutate_inputs(inputs);
    o.padding = padding(o.padding);
    int_field(o.stride_w), int_field(o.stride_h), int_field(o.dilation_w), int_field(o.dilation_h);
    int_field(o.depth_multiplier);
    o.activation = activation(o.activation);
    return m_.add_depthwise_conv_2d(inputs, output, o);
  }
  int32_t add_max_pool_2d(int32_t input, int32_t output, w::Pool2DOptions o) {
    return m_.add_max_pool_2d(tensor_ref(input), output, pool(o));
  }
  int32_t add_average_pool_2d(int32_t input, int32_t output, w::Pool2DOptions o) {
    return m_.add_average_pool_2d(tensor_ref(input), output, pool(o));
  }
  int32_t add_reshape(std::vector<int32_t> inputs, int32_t output,
                      std::optional<std::vector<int32_t>> new_shape = std::nullopt) {
    mutate_inputs(inputs);
    return m_.add_reshape(inputs, output, new_shape);
  }
  int32_t add_softmax(int32_t input, int32_t output, float beta = 1.f) {
    float_field(beta);
    return m_.add_softmax(tensor_ref(input), output, beta);
  }
  int32_t add_add(int32_t a, int32_t b, int32_t output, w::Activation act = w::Activation::NONE) {
    return m_.add_add(tensor_ref(a), tensor_ref(b), output, activation(act));
  }
  int32_t add_quantize(int32_t input, int32_t output) { return m_.add_quantize(tensor_ref(input), output); }
  int32_t add_dequantize(int32_t input, int32_t output) { return m_.add_dequantize(tensor_ref(input), output); }
  void set_outputs(std::vector<int32_t> outputs) {
    if (hit()) outputs.push_back(static_cast<int32_t>(rng_() % 24));
    m_.set_outputs(outputs);
  }
  std::vector<uint8_t> finish() const { return m_.finish(); }

 private:
  bool hit(unsigned extra = 1) { return rng_() % (one_in_ * extra) == 0; }
  static int element_size(w::TensorType t) {
    switch (t) {
      case w::TensorType::INT8: case w::TensorType::UINT8: case w::TensorType::BOOL: return 1;
      case w::TensorType::INT16: return 2;
      case w::TensorType::INT64: return 8;
      default: return 4;
    }
  }
  void int_field(int32_t& v) {
    if (!hit()) return;
    static const int32_t kValues[] = {0, 1, 2, 3, -1, 5, 8, 65536, INT32_MAX, INT32_MIN};
    const unsigned k = rng_() % 13;
    v = k < 10 ? kValues[k] : k == 10 ? v + 1 : k == 11 ? v - 1 : v * 2;
  }
  void float_field(float& v) {
    if (!hit()) return;
    const float kValues[] = {0.f, -v, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity(), 1e-30f, 1e30f, v * 2, 1.f / 256, 1e-10f};
    v = kValues[rng_() % 10];
  }
  w::Padding padding(w::Padding p) {
    return hit() ? static_cast<w::Padding>(rng_() % 3) : p;
  }
  w::Activation activation(w::Activation a) { return hit() ? static_cast<w::Activation>(rng_() % 7) : a; }
  w::Pool2DOptions pool(w::Pool2DOptions o) {
    o.padding = padding(o.padding);
    int_field(o.stride_w), int_field(o.stride_h), int_field(o.filter_width), int_field(o.filter_height);
    o.activation = activation(o.activation);
    return o;
  }
  int32_t tensor_ref(int32_t t) {
    if (!hit()) return t;
    const unsigned k = rng_() % 4;
    return k == 0 ? -1 : k == 1 ? t + 1 : k == 2 ? t - 1 : static_cast<int32_t>(rng_() % 24);
  }
  void mutate_inputs(std::vector<int32_t>& inputs) {
    for (int32_t& t : inputs) t = tensor_ref(t);
    if (hit()) inputs.pop_back();
    if (hit()) inputs.push_back(static_cast<int32_t>(rng_() % 24));
  }
  void mutate_tensor(w::TensorType& type, std::vector<int32_t>& shape, std::optional<w::Quantization>& quant) {
    if (hit()) {
      static const w::TensorType kTypes[] = {w::TensorType::INT8, w::TensorType::FLOAT32, w::TensorType::INT32,
                                             w::TensorType::INT16, w::TensorType::UINT8, w::TensorType::BOOL,
                                             w::TensorType::INT64};
      type = kTypes[rng_() % 7];
    }
    for (int32_t& d : shape) int_field(d);
    if (hit()) shape.pop_back();
    if (hit()) shape.push_back(1 + static_cast<int32_t>(rng_() % 3));
    if (hit()) quant.reset();
    if (quant) {
      for (float& sc : quant->scales) float_field(sc);
      for (int64_t& z : quant->zero_points)
        if (hit()) {
          static const int64_t kZeros[] = {-129, 128, 0, -128, 127, 1000, INT64_MIN};
          z = kZeros[rng_() % 7];
        }
      if (hit()) quant->scales.push_back(0.5f);
      if (hit()) quant->zero_points.clear();
      int32_t dim = quant->quantized_dimension;
      int_field(dim);
      quant->quantized_dimension = dim;
    } else if (hit()) {
      quant = w::Quantization(0.5f, 0);
    }
  }

  std::mt19937 rng_;
  unsigned one_in_;
  w::ModelWriter m_;
};

// ---------------------------------------------------------------------------
// Running untrusted inputs in a child process, so a crash fails one case
// instead of killing the test binary.

enum class Outcome { CompileError, Accepted, OtherException, Crashed };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::CompileError: return "CompileError";
    case Outcome::Accepted: return "accepted";
    case Outcome::OtherException: return "a non-CompileError exception";
    case Outcome::Crashed: return "a crash (signal) or hang";
  }
  return "?";
}

struct Guarded {
  Outcome outcome;
  int signal = 0;
};

Guarded run_guarded(const std::function<void()>& fn) {
  // Exit codes no runtime (sanitizers exit with 1) uses for a failure.
  constexpr int kRejected = 70, kAccepted = 71, kOther = 72;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return {Outcome::Crashed};
  }
  if (pid == 0) {
    alarm(10);  // a hang counts as a failure too
    int code = kOther;
    try {
      fn();
      code = kAccepted;
    } catch (const CompileError&) {
      code = kRejected;
    } catch (...) {
      code = kOther;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return {Outcome::Crashed, WTERMSIG(status)};
  switch (WEXITSTATUS(status)) {
    case kRejected: return {Outcome::CompileError};
    case kAccepted: return {Outcome::Accepted};
    case kOther: return {Outcome::OtherException};
    default: return {Outcome::Crashed};
  }
}

// Runs fn(0..n-1) in as few child processes as possible: the children record
// each case's outcome in shared memory, and a crash only costs a new child
// that continues after the crashing case.
std::vector<Guarded> run_cases_guarded(size_t n, const std::function<void(size_t)>& fn) {
  struct Shared {
    size_t progress;
    int outcome[1];
  };
  const size_t bytes = sizeof(Shared) + n * sizeof(int);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    ADD_FAILURE() << "mmap failed";
    return {};
  }
  auto* shared = static_cast<Shared*>(mem);
  std::vector<Guarded> results(n, Guarded{Outcome::Crashed});
  size_t start = 0;
  while (start < n) {
    shared->progress = start;
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
      ADD_FAILURE() << "fork failed";
      break;
    }
    if (pid == 0) {
      alarm(60);  // a hang counts as a failure of the case in progress
      for (size_t i = start; i < n; ++i) {
        int code = 3;
        try {
          fn(i);
          code = 1;
        } catch (const CompileError&) {
          code = 0;
        } catch (...) {
          code = 2;
        }
        shared->outcome[i] = code;
        shared->progress = i + 1;
      }
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const size_t done = shared->progress;
    for (size_t i = start; i < done; ++i)
      results[i] = {shared->outcome[i] == 0   ? Outcome::CompileError
                    : shared->outcome[i] == 1 ? Outcome::Accepted
                                              : Outcome::OtherException};
    if (done >= n) break;
    results[done] = {Outcome::Crashed, WIFSIGNALED(status) ? WTERMSIG(status) : 0};
    start = done + 1;
  }
  munmap(mem, bytes);
  return results;
}

// Everything the compiler does to a model short of printing code.
void run_pipeline(const std::vector<uint8_t>& bytes) {
  microflow::Graph g = microflow::read_tflite_buffer(bytes, kName);
  microflow::schedule(g);
  const auto calls = microflow::lower_graph(g);
  const auto plan = microflow::plan_memory(g, calls);
  (void)plan;
}

void dump_case(const std::string& tag, const std::vector<uint8_t>& bytes) {
  const fs::path p = fs::temp_directory_path() / ("microflow_compiler_tests_" + tag + ".tflite");
  write_file(p, bytes);
  std::cerr << "  failing input written to " << p << "\n";
}

// ---------------------------------------------------------------------------
// Not a TFLite file at all.

TEST(Reader, EmptyBufferIsRejected) {
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer({}, kName), kName, "too small", "0 bytes");
}

TEST(Reader, FourByteBufferIsRejected) {
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer({0x1c, 0, 0, 0}, kName), kName, "too small", "4 bytes");
}

TEST(Reader, WrongFileIdentifierIsRejected) {
  std::vector<uint8_t> bytes = small_fc_model();
  ASSERT_EQ(std::memcmp(bytes.data() + 4, "TFL3", 4), 0);
  std::memcpy(bytes.data() + 4, "XYZ1", 4);
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(bytes, kName), kName, "not a TFLite model", "'XYZ1'", "TFL3");
}

TEST(Reader, MissingFileIsRejected) {
  const std::string path = (fs::temp_directory_path() / "microflow_no_such_model.tflite").string();
  EXPECT_COMPILE_ERROR(microflow::read_tflite_file(path), path, "cannot open");
}

TEST(Reader, TruncatedModelAlwaysThrows) {
  for (const auto& [tag, bytes] : {std::pair{"small_fc", small_fc_model()}, std::pair{"zoo", zoo_model()}}) {
    ASSERT_NO_THROW(run_pipeline(bytes)) << tag << ": the untruncated model must compile";
    const auto results = run_cases_guarded(bytes.size(), [&](size_t n) {
      const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      (void)microflow::read_tflite_buffer(cut, kName);
    });
    ASSERT_EQ(results.size(), bytes.size());
    int failures = 0;
    for (size_t n = 0; n < bytes.size(); ++n) {
      const Guarded& r = results[n];
      if (r.outcome == Outcome::CompileError) continue;
      ADD_FAILURE() << tag << " truncated to " << n << " of " << bytes.size() << " bytes gave "
                    << outcome_name(r.outcome) << (r.signal ? " signal " + std::to_string(r.signal) : "");
      if (++failures == 1) dump_case(std::string(tag) + "_truncated", {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)});
      if (failures > 10) break;
    }
  }
}

TEST(Reader, TruncatedModelMessageNamesTheFile) {
  std::vector<uint8_t> bytes = small_fc_model();
  bytes.resize(bytes.size() / 2);
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(bytes, kName), kName, "corrupt or truncated");
}

// MICROFLOW_FUZZ_SCALE=N runs N times as many mutants (for long runs, e.g. under sanitizers).
int fuzz_scale() {
  const char* v = std::getenv("MICROFLOW_FUZZ_SCALE");
  const int n = v ? std::atoi(v) : 1;
  return n > 0 ? n : 1;
}

// Random corruption: each mutant is rejected with a CompileError or goes
// through the whole pipeline; nothing crashes or throws anything else.
void fuzz(const std::vector<uint8_t>& seed, uint32_t rng_seed, int cases, const std::string& tag) {
  cases *= fuzz_scale();
  ASSERT_NO_THROW(run_pipeline(seed)) << "the seed model must compile";
  std::mt19937 rng(rng_seed);
  std::vector<std::vector<uint8_t>> mutants;
  std::vector<std::string> descriptions;
  for (int i = 0; i < cases; ++i) {
    std::vector<uint8_t> bytes = seed;
    const int flips = 1 + static_cast<int>(rng() % 4);
    std::string what;
    for (int f = 0; f < flips; ++f) {
      const size_t pos = rng() % bytes.size();
      if (rng() % 4 == 0) {  // overwrite a byte (small ints, 0xff, 0x80 are the interesting ones)
        static const uint8_t kValues[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0xfe, 0x10};
        bytes[pos] = kValues[rng() % 8];
      } else {
        bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      what += " @" + std::to_string(pos);
    }
    mutants.push_back(std::move(bytes));
    descriptions.push_back(what);
  }
  const auto results = run_cases_guarded(mutants.size(), [&](size_t i) { run_pipeline(mutants[i]); });
  ASSERT_EQ(results.size(), mutants.size());
  int counts[4] = {0, 0, 0, 0};
  int failures = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const Guarded& r = results[i];
    ++counts[static_cast<int>(r.outcome)];
    if (r.outcome == Outcome::OtherException || r.outcome == Outcome::Crashed) {
      ADD_FAILURE() << tag << " mutant " << i << " (bytes changed at" << descriptions[i] << ") gave "
                    << outcome_name(r.outcome)
                    << (r.signal ? " signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")" : "");
      if (++failures == 1) dump_case(tag + "_mutant", mutants[i]);
      if (failures > 10) break;
    }
  }
  std::cout << tag << ": " << counts[0] << " rejected, " << counts[1] << " compiled, " << counts[2]
            << " other exceptions, " << counts[3] << " crashes\n";
  // The mutations must exercise both outcomes, or the test checks nothing.
  EXPECT_GT(counts[0], cases / 10);
  EXPECT_GT(counts[1], 0);
}

TEST(Reader, RandomBitFlipsOfSmallModelNeverCrash) { fuzz(small_fc_model(), 1, 5000, "small_fc"); }

TEST(Reader, RandomBitFlipsOfAllOpsModelNeverCrash) { fuzz(zoo_model(), 2, 10000, "zoo"); }

TEST(Reader, RandomBitFlipsOfFloatModelNeverCrash) { fuzz(float_zoo_model(), 3, 5000, "float_zoo"); }

// The Signal operators' flexbuffer options and kernel state under corruption.
TEST(Reader, RandomBitFlipsOfSignalModelNeverCrash) { fuzz(mfseed::signal_zoo(), 4, 2000, "signal_zoo"); }

// Semantic mutations (see MutatingWriter): shapes, types, quantization and
// options that are well-formed flatbuffers but wrong models.
void structured_fuzz(bool float_model, uint32_t seed, int cases) {
  cases *= fuzz_scale();
  const std::string tag = float_model ? "float_zoo_fields" : "zoo_fields";
  std::vector<std::vector<uint8_t>> mutants;
  for (int i = 0; i < cases; ++i) {
    MutatingWriter m(seed * 1000003u + static_cast<uint32_t>(i), 150);
    mutants.push_back(float_model ? float_zoo_model_with(m) : zoo_model_with(m));
  }
  const auto results = run_cases_guarded(mutants.size(), [&](size_t i) { run_pipeline(mutants[i]); });
  ASSERT_EQ(results.size(), mutants.size());
  int counts[4] = {0, 0, 0, 0}, failures = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const Guarded& r = results[i];
    ++counts[static_cast<int>(r.outcome)];
    if (r.outcome == Outcome::OtherException || r.outcome == Outcome::Crashed) {
      ADD_FAILURE() << tag << " mutant " << i << " gave " << outcome_name(r.outcome)
                    << (r.signal ? " signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")" : "");
      if (++failures == 1) dump_case(tag + "_mutant", mutants[i]);
      if (failures > 10) break;
    }
  }
  std::cout << tag << ": " << counts[0] << " rejected, " << counts[1] << " compiled, " << counts[2]
            << " other exceptions, " << counts[3] << " crashes\n";
  EXPECT_GT(counts[0], cases / 10);
  EXPECT_GT(counts[1], cases / 20);
}

TEST(Reader, StructuredMutationsOfAllOpsModelNeverCrash) { structured_fuzz(false, 1, 4000); }

TEST(Reader, StructuredMutationsOfFloatModelNeverCrash) { structured_fuzz(true, 2, 3000); }

// The harness above must itself notice crashes and foreign exceptions.
TEST(Reader, GuardedRunnerReportsCrashesPerCase) {
  const auto r = run_cases_guarded(8, [](size_t i) {
    if (i == 2) throw CompileError("x: y");
    if (i == 3) std::raise(SIGSEGV);
    if (i == 5) throw std::runtime_error("not a CompileError");
    if (i == 6) std::abort();
  });
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].outcome, Outcome::Accepted);
  EXPECT_EQ(r[2].outcome, Outcome::CompileError);
  EXPECT_EQ(r[3].outcome, Outcome::Crashed);
  EXPECT_EQ(r[3].signal, SIGSEGV);
  EXPECT_EQ(r[4].outcome, Outcome::Accepted);
  EXPECT_EQ(r[5].outcome, Outcome::OtherException);
  EXPECT_EQ(r[6].outcome, Outcome::Crashed);
  EXPECT_EQ(r[6].signal, SIGABRT);
  EXPECT_EQ(r[7].outcome, Outcome::Accepted);
}

// ---------------------------------------------------------------------------
// Well-formed flatbuffers that microflow does not support.

TEST(Reader, UnsupportedBuiltinNamesOperatorAndIndex) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_operator(static_cast<w::BuiltinOperator>(10), {a, a}, {b});  // HASHTABLE_LOOKUP
  m.set_outputs({b});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (HASHTABLE_LOOKUP)",
                       "operator HASHTABLE_LOOKUP", "not supported", "FULLY_CONNECTED");
}

TEST(Reader, UnsupportedBuiltinLaterInTheGraphHasItsIndex) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int c = m.add_tensor("c", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, b);
  m.add_operator(static_cast<w::BuiltinOperator>(48), {b}, {c});  // TOPK_V2
  m.set_outputs({c});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 1 (TOPK_V2)");
}

TEST(Reader, BuiltinCodeAboveTheDeprecatedLimitIsNamed) {
  // Codes >= 127 live only in builtin_code (deprecated_builtin_code = 127); a code past
  // TFLite's list is named by its number.
  for (const auto& [code, name] : {std::pair<int, std::string>{150, "GELU"}, {250, "builtin operator 250"}}) {
    w::ModelWriter m;
    const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
    const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
    m.add_operator(static_cast<w::BuiltinOperator>(code), {a}, {b});
    m.set_outputs({b});
    EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (", name, "not supported");
  }
}

TEST(Reader, CustomOperatorNamesItsCustomCode) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_custom_operator("AudioMicroFrontend", {a}, {b}, {1, 2, 3});
  m.set_outputs({b});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (CUSTOM)",
                       "custom operator 'AudioMicroFrontend'", "not supported");
}

// A known custom operator reads its options from a flexbuffer map: bytes that are not one,
// and a map without a key the operator needs, are errors naming the operator.
TEST(Reader, CustomOptionsMustBeAFlexbufferMapWithTheKeys) {
  auto model = [](std::vector<uint8_t> options) {
    w::ModelWriter m;
    const int a = m.add_input_tensor("a", w::TensorType::INT16, {1, 4}, q(1.f, 0));
    const int b = m.add_tensor("b", w::TensorType::INT16, {1, 4}, q(1.f, 0));
    m.add_custom_operator("SignalWindow", {a}, {b}, std::move(options));
    m.set_outputs({b});
    return m.finish();
  };
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(model({1, 2, 3}), kName), kName, "op 0 (SignalWindow)",
                       "custom options");
  flexbuffers::Builder fbb;
  fbb.Map([&] { fbb.Int("not_shift", 1); });
  fbb.Finish();
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(model(fbb.GetBuffer()), kName), kName, "op 0 (SignalWindow)",
                       "custom option 'shift' missing");
}

TEST(Reader, OperatorTensorIndexOutOfRange) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, 99, b);
  m.set_outputs({b});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (ADD)", "input",
                       "tensor 99", "2 tensors");
}

TEST(Reader, OperatorOutputIndexOutOfRange) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, -1);  // -1 is only allowed for optional inputs
  m.set_outputs({a});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (ADD)", "output",
                       "tensor -1");
}

TEST(Reader, ModelOutputIndexOutOfRange) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, b);
  m.set_outputs({7});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "model output", "tensor 7");
}

// Built with the flatbuffers API directly: the writer always writes valid
// operator code indices.
std::vector<uint8_t> model_with_raw_operator(uint32_t opcode_index, uint64_t buffer_offset = 0) {
  namespace tfl = microflow::tfl;
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers = {tfl::CreateBuffer(fbb)};
  if (buffer_offset) buffers.push_back(tfl::CreateBuffer(fbb, 0, buffer_offset, 16));
  auto quant = [&] {
    return tfl::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(std::vector<float>{1.f}),
                                             fbb.CreateVector(std::vector<int64_t>{0}));
  };
  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors = {
      tfl::CreateTensor(fbb, fbb.CreateVector(std::vector<int32_t>{1, 4}), tfl::TensorType::INT8, 0,
                        fbb.CreateString("a"), quant()),
      tfl::CreateTensor(fbb, fbb.CreateVector(std::vector<int32_t>{1, 4}), tfl::TensorType::INT8,
                        buffer_offset ? 1 : 0, fbb.CreateString("b"), quant()),
      tfl::CreateTensor(fbb, fbb.CreateVector(std::vector<int32_t>{1, 4}), tfl::TensorType::INT8, 0,
                        fbb.CreateString("c"), quant())};
  auto op = tfl::CreateOperator(fbb, opcode_index, fbb.CreateVector(std::vector<int32_t>{0, 1}),
                                fbb.CreateVector(std::vector<int32_t>{2}), tfl::BuiltinOptions::AddOptions,
                                tfl::CreateAddOptions(fbb).Union());
  auto sg = tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(std::vector<int32_t>{0}),
                                fbb.CreateVector(std::vector<int32_t>{2}), fbb.CreateVector(std::vector{op}));
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes = {tfl::CreateOperatorCode(fbb, 0, 0, 1, 0)};
  auto model = tfl::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(std::vector{sg}),
                                fbb.CreateString("raw"), fbb.CreateVector(buffers));
  tfl::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

TEST(Reader, OperatorCodeIndexOutOfRange) {
  ASSERT_NO_THROW(microflow::read_tflite_buffer(model_with_raw_operator(0), kName)) << "control: index 0 is valid";
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(model_with_raw_operator(5), kName), kName, "op 0",
                       "operator code index 5", "1 operator codes");
}

TEST(Reader, ExternalBufferOutsideTheFileIsRejected) {
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(model_with_raw_operator(0, 1u << 30), kName), kName,
                       "tensor 1 'b'", "outside the file");
}

TEST(Reader, ConstantBufferSizeMustMatchShape) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int wt = m.add_const_tensor("weights", w::TensorType::INT8, {3, 4}, std::vector<uint8_t>(10, 1), q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 3}, q(1.f, 0));
  m.add_fully_connected({in, wt, -1}, out);
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "tensor 1 'weights'",
                       "buffer holds 10 bytes", "[3,4]", "needs 12");
}

TEST(Reader, ConstantInt32BufferSizeCountsBytes) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int wt = m.add_const_tensor("weights", w::TensorType::INT8, {3, 4}, std::vector<uint8_t>(12, 1), q(1.f, 0));
  // 3 bytes instead of 3 int32 values.
  const int b = m.add_const_tensor("bias", w::TensorType::INT32, {3}, std::vector<uint8_t>{1, 2, 3});
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 3}, q(1.f, 0));
  m.add_fully_connected({in, wt, b}, out);
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "tensor 2 'bias'", "holds 3 bytes",
                       "needs 12");
}

TEST(Reader, ModelWithoutOperatorsIsRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.set_outputs({in});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "no operators");
}

TEST(Reader, MissingConv2DOptionsAreRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  const int f = m.add_const_tensor("filter", w::TensorType::INT8, {1, 3, 3, 1}, std::vector<uint8_t>(9, 1), q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  m.add_operator(w::BuiltinOperator::Conv2D, {in, f, -1}, {out});  // no options table
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (CONV_2D)",
                       "builtin options missing");
}

TEST(Reader, Conv2DWithOptionsOfAnotherOperatorIsRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  const int f = m.add_const_tensor("filter", w::TensorType::INT8, {1, 3, 3, 1}, std::vector<uint8_t>(9, 1), q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  m.add_operator(w::BuiltinOperator::Conv2D, {in, f, -1}, {out}, w::Pool2DOptions{});
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (CONV_2D)",
                       "Pool2DOptions");
}

TEST(Reader, UnsupportedFusedActivationIsNamed) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, b, w::Activation::TANH);
  m.set_outputs({b});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "op 0 (ADD)", "TANH");
}

TEST(Reader, NegativeDimensionIsRejected) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {-1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, b);
  m.set_outputs({b});
  EXPECT_COMPILE_ERROR(microflow::read_tflite_buffer(m.finish(), kName), kName, "tensor 0 'a'", "negative");
}

// ---------------------------------------------------------------------------
// Types and structure: rejected by lowering / schedule.

TEST(Lowering, Int16ActivationsAreRejectedNamingTheType) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a16", w::TensorType::INT16, {1, 4}, q(1.f, 0));
  const int b = m.add_input_tensor("b16", w::TensorType::INT16, {1, 4}, q(1.f, 0));
  const int out = m.add_tensor("out16", w::TensorType::INT16, {1, 4}, q(1.f, 0));
  m.add_operator(static_cast<w::BuiltinOperator>(42), {a, b}, {out});  // DIV: TFLM has no int16 kernel
  m.set_outputs({out});
  const auto bytes = m.finish();
  microflow::Graph g = microflow::read_tflite_buffer(bytes, kName);  // readable...
  EXPECT_EQ(g.tensor(a).type, DType::Int16);
  microflow::schedule(g);
  // ...but not compilable.
  EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "op 0 (DIV)", "tensor 0 'a16'", "INT16", "not supported");
}

TEST(Lowering, MixedInt8AndFloatInputsAreRejected) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_input_tensor("b", w::TensorType::FLOAT32, {1, 4});
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, b, out);
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (ADD)", "tensor 1 'b'", "FLOAT32",
                       "differs from the first input's INT8");
}

TEST(Lowering, Int8TensorWithoutQuantizationIsRejected) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4});
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, out);
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (ADD)", "tensor 0 'a'",
                       "no quantization parameters");
}

TEST(Lowering, FullyConnectedBiasScaleMismatchIsRejected) {
  // TFLM Prepare: |S_in*S_w - S_bias| / S_out <= 0.02 (doc §2.1).
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(0.5f, 0));
  const int wt = m.add_const_tensor("weights", w::TensorType::INT8, {3, 4}, std::vector<uint8_t>(12, 1), q(0.25f, 0));
  const int b = m.add_const_tensor("bias", w::TensorType::INT32, {3}, bytes_of(std::vector<int32_t>{0, 0, 0}),
                                   q(0.5f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 3}, q(1.f, 0));
  m.add_fully_connected({in, wt, b}, out);
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (FULLY_CONNECTED)", "tensor 2 'bias'",
                       "does not match");
}

// 16x8 layers whose TFLM kernels would misread or not take them: an int32 bias where the
// int16 DEPTHWISE_CONV_2D / FULLY_CONNECTED read int64, per-channel int16 FULLY_CONNECTED
// weights, an output scale too small for the int64 rescale (shift over 14), and QUANTIZE
// pairs TFLM has no kernel for.
TEST(Lowering, Int16LayersTflmCannotRunAreRejected) {
  const float s = 1.f / 4096;
  {
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT16, {1, 3, 3, 2}, q(s, 0));
    const int f = m.add_const_tensor("filter", w::TensorType::INT8, {1, 1, 1, 2}, std::vector<uint8_t>(2, 1), q(0.01f, 0));
    const int b = m.add_const_tensor("bias", w::TensorType::INT32, {2}, bytes_of(std::vector<int32_t>{1, 2}));
    const int out = m.add_tensor("out", w::TensorType::INT16, {1, 3, 3, 2}, q(s, 0));
    m.add_depthwise_conv_2d({in, f, b}, out, {});
    m.set_outputs({out});
    EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (DEPTHWISE_CONV_2D)", "tensor 2 'bias'",
                         "INT32, expected int64 for an int16 DEPTHWISE_CONV_2D");
  }
  for (bool per_channel : {false, true}) {
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT16, {1, 4}, q(s, 0));
    const int wt = m.add_const_tensor("weights", w::TensorType::INT8, {2, 4}, std::vector<uint8_t>(8, 1),
                                      per_channel ? w::Quantization::symmetric_per_channel({0.01f, 0.02f}, 0)
                                                  : q(0.01f, 0));
    const int b = per_channel ? -1
                              : m.add_const_tensor("bias", w::TensorType::INT32, {2}, bytes_of(std::vector<int32_t>{0, 0}),
                                                   q(s * 0.01f, 0));
    const int out = m.add_tensor("out", w::TensorType::INT16, {1, 2}, q(s, 0));
    m.add_fully_connected({in, wt, b}, out);
    m.set_outputs({out});
    if (per_channel)
      EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (FULLY_CONNECTED)", "tensor 1 'weights'",
                           "per-channel weights with an int16 input");
    else
      EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (FULLY_CONNECTED)", "tensor 2 'bias'",
                           "expected int64");
  }
  {
    // S_in * S_w / S_out = 2^15: QuantizeMultiplier's shift 16.
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT16, {1, 2, 2, 1}, q(1.f, 0));
    const int f = m.add_const_tensor("filter", w::TensorType::INT8, {1, 1, 1, 1}, std::vector<uint8_t>(1, 1), q(1.f, 0));
    const int b = m.add_const_tensor("bias", w::TensorType::INT64, {1}, bytes_of(std::vector<int64_t>{0}));
    const int out = m.add_tensor("out", w::TensorType::INT16, {1, 2, 2, 1}, q(1.f / 32768, 0));
    m.add_conv_2d({in, f, b}, out, {});
    m.set_outputs({out});
    EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (CONV_2D)", "requantization shift 16 exceeds 14");
  }
  for (auto [from, to, message] : {std::tuple{w::TensorType::FLOAT32, w::TensorType::INT32, "(int8 and int16 are)"},
                                   std::tuple{w::TensorType::INT32, w::TensorType::INT32, "int32 quantizes to int8 and int16"}}) {
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", from, {4}, from == w::TensorType::FLOAT32 ? std::nullopt : std::optional(q(s, 0)));
    const int out = m.add_tensor("out", to, {4}, q(s, 0));
    m.add_quantize(in, out);
    m.set_outputs({out});
    EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (QUANTIZE)", message);
  }
}

TEST(Lowering, ConvWithZeroInputChannelsIsRejectedNotCrashing) {
  // in [1,4,4,0] with a valid 3x3x2 filter: the channel-group check divides by
  // in_c / filter_depth, which is 0.
  auto build = [] {
    w::ModelWriter m;
    const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 0}, q(1.f, 0));
    const int f = m.add_const_tensor("filter", w::TensorType::INT8, {2, 3, 3, 2}, std::vector<uint8_t>(36, 1),
                                     q(1.f, 0));
    const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4, 4, 2}, q(1.f, 0));
    m.add_conv_2d({in, f, -1}, out, {});
    m.set_outputs({out});
    return m.finish();
  };
  const std::vector<uint8_t> bytes = build();
  const Guarded r = run_guarded([&] { (void)compile_bytes(bytes, kName); });
  ASSERT_EQ(r.outcome, Outcome::CompileError)
      << "got " << outcome_name(r.outcome) << (r.signal ? " signal " + std::to_string(r.signal) : "");
  EXPECT_COMPILE_ERROR(compile_bytes(bytes, kName), kName, "op 0 (CONV_2D)", "tensor 0 'in'", "is empty");
}

TEST(Lowering, ActivationTensorTooLargeIsRejected) {
  // 2^64 int8 elements: the element count overflows int64 (and wraps to 0).
  w::ModelWriter m;
  const std::vector<int32_t> huge = {65536, 65536, 65536, 65536};
  const int a = m.add_input_tensor("huge", w::TensorType::INT8, huge, q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, huge, q(1.f, 0));
  m.add_add(a, a, out);
  m.set_outputs({out});
  const auto bytes = m.finish();
  const Guarded r = run_guarded([&] { (void)compile_bytes(bytes, kName); });
  ASSERT_EQ(r.outcome, Outcome::CompileError)
      << "got " << outcome_name(r.outcome) << (r.signal ? " signal " + std::to_string(r.signal) : "");
  EXPECT_COMPILE_ERROR(compile_bytes(bytes, kName), kName, "tensor 0 'huge'");
}

TEST(Lowering, ConvDilationOverflowingIntIsRejected) {
  // Effective filter size (3-1) * 2^30 + 1 does not fit in int: compute_padding
  // overflows (UB), wraps to a negative size and reports SAME padding 0, which
  // happens to match the output shape, so the op is accepted.
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  const int f = m.add_const_tensor("filter", w::TensorType::INT8, {1, 3, 3, 1}, std::vector<uint8_t>(9, 1), q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  m.add_conv_2d({in, f, -1}, out, {.padding = w::Padding::SAME, .dilation_w = 1 << 30, .dilation_h = 1 << 30});
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (CONV_2D)");
}

TEST(Lowering, PoolStrideOverflowingIntIsRejectedOrValid) {
  // in + stride - 1 overflows int for stride INT32_MAX; the result must still be a
  // CompileError (the output shape cannot match), never an accepted op.
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 1}, q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 1, 1, 1}, q(1.f, 0));
  m.add_max_pool_2d(in, out, {.padding = w::Padding::SAME, .stride_w = INT32_MAX, .stride_h = INT32_MAX,
                              .filter_width = 2, .filter_height = 2});
  m.set_outputs({out});
  // TFLM would give a 1x1 output (ceil(4 / (2^31-1)) = 1) with stride 2^31-1: accepting it is
  // fine, but only if the padding is computed without overflow (pad 0 for a 2-wide window at 4).
  const auto bytes = m.finish();
  try {
    auto c = compile_bytes(bytes, kName);
    ASSERT_EQ(c->calls.size(), 1u);
    for (const auto& p : c->calls[0].params.fields()) {
      if (p.name == "pad_top" || p.name == "pad_left") {
        EXPECT_EQ(p.value, "0") << p.name;
      }
    }
  } catch (const CompileError& e) {
    EXPECT_TRUE(starts_with(e.what(), kName + ": op 0 (MAX_POOL_2D)")) << e.what();
  }
}

TEST(Schedule, TensorReadButNeverProducedIsRejected) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int ghost = m.add_tensor("ghost", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, ghost, out);
  m.set_outputs({out});
  microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_COMPILE_ERROR(microflow::schedule(g), kName, "op 0 (ADD)", "tensor 1 'ghost'",
                       "neither a constant, a model input nor produced");
}

TEST(Schedule, ModelOutputNeverProducedIsRejected) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int orphan = m.add_tensor("orphan", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, b);
  m.set_outputs({b, orphan});
  microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_COMPILE_ERROR(microflow::schedule(g), kName, "model output tensor 2 'orphan'", "not produced");
}

TEST(Schedule, CycleIsRejected) {
  // x = ADD(in, y); y = ADD(in, x)
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int x = m.add_tensor("x", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int y = m.add_tensor("y", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(in, y, x);
  m.add_add(in, x, y);
  m.set_outputs({y});
  microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_COMPILE_ERROR(microflow::schedule(g), kName, "(ADD)", "cycle");
}

TEST(Schedule, SelfLoopIsRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int x = m.add_tensor("x", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(in, x, x);
  m.set_outputs({x});
  microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_COMPILE_ERROR(microflow::schedule(g), kName, "op 0 (ADD)", "cycle");
}

TEST(Schedule, TensorProducedTwiceIsRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int x = m.add_tensor("x", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(in, in, x);
  m.add_add(in, in, x);
  m.set_outputs({x});
  microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_COMPILE_ERROR(microflow::schedule(g), kName, "op 1 (ADD)", "tensor 1 'x'", "also produced by op 0");
}

TEST(Schedule, ModelInputWrittenByAnOperatorIsRejected) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int other = m.add_input_tensor("other", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(in, in, other);
  m.set_outputs({other});
  microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_COMPILE_ERROR(microflow::schedule(g), kName, "model input tensor 1 'other'", "output of op 0");
}

TEST(Schedule, OperatorListedBeforeItsProducerIsReordered) {
  // op 0 reads t, which op 1 produces: schedule must run op 1 first.
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int t = m.add_tensor("t", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int u = m.add_tensor("u", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int v = m.add_tensor("v", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_add(t, in, u);  // op 0: consumer
  m.add_add(in, in, t);  // op 1: producer
  m.add_add(u, t, v);  // op 2
  m.set_outputs({v});
  const auto bytes = m.finish();
  microflow::Graph g = microflow::read_tflite_buffer(bytes, kName);
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(g.ops[0].index, 0);
  ASSERT_NO_THROW(microflow::schedule(g));
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(g.ops[0].index, 1);
  EXPECT_EQ(g.ops[1].index, 0);
  EXPECT_EQ(g.ops[2].index, 2);
  EXPECT_EQ(g.ops[0].outputs, std::vector<int>{t});
  // And the whole pipeline accepts it, with the producer's output alive until op 2.
  auto c = compile_bytes(bytes, kName);
  ASSERT_EQ(c->calls.size(), 3u);
  EXPECT_EQ(c->calls[0].op->index, 1);
  const auto& tb = c->plan.buffers.at(static_cast<size_t>(c->plan.buffer_of[static_cast<size_t>(t)]));
  EXPECT_EQ(tb.first_step, 0);
  EXPECT_EQ(tb.last_step, 2);
}

TEST(Schedule, ValidOrderIsKept) {
  const auto bytes = zoo_model();
  microflow::Graph g = microflow::read_tflite_buffer(bytes, kName);
  microflow::schedule(g);
  for (size_t i = 0; i < g.ops.size(); ++i) EXPECT_EQ(g.ops[i].index, static_cast<int>(i));
}

// ---------------------------------------------------------------------------
// A valid model reads back as written.

TEST(Reader, ValidModelReadsBackShapesQuantizationAndOptions) {
  w::ModelWriter m;
  m.set_description("readback test");
  const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, 9, 9, 2}, q(0.125f, -7));
  const std::vector<int8_t> filt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                    -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18};
  const int f = m.add_const_tensor("filter", w::TensorType::INT8, {2, 3, 3, 2}, bytes_of(filt),
                                   w::Quantization::symmetric_per_channel({0.5f, 0.25f}, 0));
  const int b = m.add_const_tensor("bias", w::TensorType::INT32, {2}, bytes_of(std::vector<int32_t>{-5, 123456}));
  const int c = m.add_tensor("conv", w::TensorType::INT8, {1, 4, 3, 2}, q(0.75f, 3));
  m.add_conv_2d({x, f, b}, c,
                {.padding = w::Padding::VALID, .stride_w = 3, .stride_h = 2, .activation = w::Activation::RELU6,
                 .dilation_w = 1, .dilation_h = 1});
  const int p = m.add_tensor("pool", w::TensorType::INT8, {1, 2, 2, 2}, q(0.75f, 3));
  m.add_max_pool_2d(c, p, {.padding = w::Padding::SAME, .stride_w = 2, .stride_h = 2, .filter_width = 3,
                           .filter_height = 2, .activation = w::Activation::RELU_N1_TO_1});
  const int r = m.add_tensor("flat", w::TensorType::INT8, {1, 8}, q(0.75f, 3));
  m.add_reshape({p}, r, std::vector<int32_t>{1, 8});
  const int fw = m.add_const_tensor("fc_w", w::TensorType::INT8, {2, 8}, std::vector<uint8_t>(16, 3), q(0.5f, 0));
  const int fo = m.add_tensor("fc", w::TensorType::INT8, {1, 2}, q(2.f, -1));
  m.add_fully_connected({r, fw, -1}, fo, w::Activation::RELU, /*keep_num_dims=*/true);
  const int so = m.add_tensor("softmax", w::TensorType::INT8, {1, 2}, q(1.f / 256, -128));
  m.add_softmax(fo, so, 0.5f);
  m.set_outputs({so});

  const microflow::Graph g = microflow::read_tflite_buffer(m.finish(), kName);
  EXPECT_EQ(g.source, kName);
  EXPECT_EQ(g.description, "readback test");
  EXPECT_EQ(g.inputs, std::vector<int>{x});
  EXPECT_EQ(g.outputs, std::vector<int>{so});
  ASSERT_EQ(g.tensors.size(), 9u);

  const microflow::Tensor& tx = g.tensor(x);
  EXPECT_EQ(tx.name, "x");
  EXPECT_EQ(tx.type, DType::Int8);
  EXPECT_EQ(tx.shape, (std::vector<int32_t>{1, 9, 9, 2}));
  EXPECT_FALSE(tx.is_constant);
  EXPECT_EQ(tx.quant.scales, std::vector<float>{0.125f});
  EXPECT_EQ(tx.quant.zero_point(), -7);
  EXPECT_FALSE(tx.quant.per_channel());

  const microflow::Tensor& tf = g.tensor(f);
  EXPECT_TRUE(tf.is_constant);
  EXPECT_EQ(tf.shape, (std::vector<int32_t>{2, 3, 3, 2}));
  EXPECT_TRUE(tf.quant.per_channel());
  EXPECT_EQ(tf.quant.scales, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(tf.quant.zero_points, (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(tf.quant.axis, 0);
  ASSERT_EQ(tf.data.size(), filt.size());
  EXPECT_EQ(std::memcmp(tf.data.data(), filt.data(), filt.size()), 0);

  const microflow::Tensor& tb = g.tensor(b);
  EXPECT_EQ(tb.type, DType::Int32);
  ASSERT_EQ(tb.data.size(), 8u);
  EXPECT_EQ(tb.data_as<int32_t>()[1], 123456);
  EXPECT_FALSE(tb.quant.present());

  EXPECT_EQ(g.tensor(so).quant.scale(), 1.f / 256);
  EXPECT_EQ(g.tensor(so).quant.zero_point(), -128);

  ASSERT_EQ(g.ops.size(), 5u);
  const microflow::Operator& conv = g.ops[0];
  EXPECT_STREQ(conv.name, "CONV_2D");
  EXPECT_EQ(conv.inputs, (std::vector<int>{x, f, b}));
  EXPECT_EQ(conv.outputs, std::vector<int>{c});
  const auto& co = conv.opts<microflow::ConvOptions>();
  EXPECT_EQ(co.padding, microflow::Padding::Valid);
  EXPECT_EQ(co.stride_h, 2);
  EXPECT_EQ(co.stride_w, 3);
  EXPECT_EQ(co.dilation_h, 1);
  EXPECT_EQ(co.dilation_w, 1);
  EXPECT_EQ(co.activation, microflow::Activation::Relu6);

  const auto& po = g.ops[1].opts<microflow::PoolOptions>();
  EXPECT_STREQ(g.ops[1].name, "MAX_POOL_2D");
  EXPECT_EQ(po.padding, microflow::Padding::Same);
  EXPECT_EQ(po.filter_h, 2);
  EXPECT_EQ(po.filter_w, 3);
  EXPECT_EQ(po.stride_h, 2);
  EXPECT_EQ(po.activation, microflow::Activation::ReluN1To1);

  EXPECT_STREQ(g.ops[2].name, "RESHAPE");
  EXPECT_STREQ(g.ops[3].name, "FULLY_CONNECTED");
  EXPECT_EQ(g.ops[3].inputs, (std::vector<int>{r, fw, -1}));  // absent bias kept as -1
  EXPECT_EQ(g.ops[3].input(2), -1);
  const auto& fo_opts = g.ops[3].opts<microflow::FullyConnectedOptions>();
  EXPECT_EQ(fo_opts.activation, microflow::Activation::Relu);
  EXPECT_TRUE(fo_opts.keep_num_dims);
  EXPECT_STREQ(g.ops[4].name, "SOFTMAX");
  EXPECT_EQ(g.ops[4].opts<microflow::SoftmaxOptions>().beta, 0.5f);
  for (size_t i = 0; i < g.ops.size(); ++i) EXPECT_EQ(g.ops[i].index, static_cast<int>(i));

  // And it compiles.
  EXPECT_NO_THROW(compile_bytes(m.finish(), kName));
}

TEST(Reader, DepthwiseOptionsReadBack) {
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::FLOAT32, {1, 5, 5, 2});
  const int f = m.add_const_tensor("dw", w::TensorType::FLOAT32, {1, 3, 3, 6}, std::vector<uint8_t>(3 * 3 * 6 * 4, 0));
  const int o = m.add_tensor("o", w::TensorType::FLOAT32, {1, 5, 5, 6});
  m.add_depthwise_conv_2d({x, f, -1}, o,
                          {.padding = w::Padding::SAME, .depth_multiplier = 3, .dilation_w = 2, .dilation_h = 1});
  m.set_outputs({o});
  const auto bytes = m.finish();
  const microflow::Graph g = microflow::read_tflite_buffer(bytes, kName);
  ASSERT_EQ(g.ops.size(), 1u);
  const auto& d = g.ops[0].opts<microflow::DepthwiseOptions>();
  EXPECT_EQ(d.depth_multiplier, 3);
  EXPECT_EQ(d.dilation_w, 2);
  EXPECT_EQ(d.dilation_h, 1);
  EXPECT_EQ(d.padding, microflow::Padding::Same);
  EXPECT_EQ(g.tensor(x).type, DType::Float32);
  EXPECT_FALSE(g.tensor(x).quant.present());
  auto c = compile_bytes(bytes, kName);
  ASSERT_EQ(c->calls.size(), 1u);
  EXPECT_EQ(c->calls[0].function(), "depthwise_conv_2d_f32");
}

}  // namespace
}  // namespace mftest
