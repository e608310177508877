// Hostile and broken models through the `microflow` binary itself (not just
// the library): every one must make `microflow compile` exit with status 1 and
// print `error: <file>: <what>` in the common diagnostics format, naming what
// is wrong; no crash, no hang, no other exception, and (in the asan build)
// no sanitizer report. The corpus is generated here from the valid models of
// seed_models.h: truncations at many offsets, random bit flips, and one model
// per semantic defect with its expected message. Regression inputs found by
// the fuzzer (tests/robustness/corpus/) go through the same check.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <flatbuffers/flexbuffers.h>

#include "seed_models.h"
#include "tflite_subset_generated.h"

namespace {

namespace fs = std::filesystem;
namespace w = microflow::tools;
namespace tfl = microflow::tfl;
using mfseed::q;

// Builtins the writer has no name for: one microflow never compiles, one without int16.
constexpr auto kHashtableLookup = static_cast<w::BuiltinOperator>(10);
constexpr auto kDiv = static_cast<w::BuiltinOperator>(42);

// ---------------------------------------------------------------------------
// Running the binary.

struct ProcResult {
  bool signaled = false;
  int status = -1;  // exit status, or the signal
  std::string output;  // stdout + stderr
};

ProcResult run(const std::vector<std::string>& argv, const fs::path& log) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  ProcResult r;
  r.signaled = WIFSIGNALED(st);
  r.status = r.signaled ? WTERMSIG(st) : WEXITSTATUS(st);
  std::ifstream in(log, std::ios::binary);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("microflow_robustness_" + std::to_string(getpid()) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    if (!::testing::Test::HasFailure()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

bool has_sanitizer_report(const std::string& out) {
  for (const char* s : {"AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
                        "terminate called", "Segmentation fault", "Aborted"})
    if (out.find(s) != std::string::npos) return true;
  return false;
}

// The error line for `model`: "error: <model>: ...", or "" when there is none.
std::string error_line(const std::string& out, const fs::path& model) {
  const std::string prefix = "error: " + model.string() + ": ";
  size_t p = out.find(prefix);
  if (p == std::string::npos) return "";
  const size_t end = out.find('\n', p);
  return out.substr(p, end == std::string::npos ? std::string::npos : end - p);
}

enum class Expect { Rejected, RejectedOrAccepted };

struct Outcome {
  bool accepted = false;
  std::string message;  // the error line when rejected
  fs::path out_dir;
};

// Runs `microflow compile` on bytes and checks the common contract; with
// Expect::Rejected, also that the error line holds each fragment (any one of
// the alternatives separated by '|').
Outcome compile_case(const TempDir& tmp, const std::string& tag, const std::vector<uint8_t>& bytes, Expect expect,
                     const std::vector<std::string>& fragments = {}) {
  const fs::path model = tmp.path() / (tag + ".tflite");
  const fs::path out_dir = tmp.path() / (tag + "_out");
  write_file(model, bytes);
  const ProcResult r = run({"timeout", "-s", "KILL", "120", MICROFLOW_EXE, "compile", model.string(), "-o", out_dir.string(),
                     "--name", "m"},
                    tmp.path() / (tag + ".log"));
  Outcome o;
  o.out_dir = out_dir;
  const std::string where = tag + " (" + model.string() + ")";
  EXPECT_FALSE(r.signaled) << where << ": killed by signal " << r.status << "\n" << r.output;
  EXPECT_FALSE(has_sanitizer_report(r.output)) << where << ": sanitizer report or crash\n" << r.output;
  if (r.signaled) return o;
  if (r.status == 0) {
    EXPECT_EQ(expect, Expect::RejectedOrAccepted) << where << ": accepted, expected an error\n" << r.output;
    EXPECT_TRUE(fs::exists(out_dir / "m.h") && fs::exists(out_dir / "m.cpp")) << where << ": no generated code";
    o.accepted = true;
    return o;
  }
  EXPECT_EQ(r.status, 1) << where << ": exit status " << r.status << "\n" << r.output;
  o.message = error_line(r.output, model);
  EXPECT_FALSE(o.message.empty()) << where << ": no 'error: " << model.string() << ": ...' line in\n" << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1)
      << where << ": the diagnostic must be one line\n" << r.output;
  for (const std::string& alternatives : fragments) {
    bool found = false;
    size_t start = 0;
    while (!found) {
      const size_t bar = alternatives.find('|', start);
      const std::string f = alternatives.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      found = o.message.find(f) != std::string::npos;
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    EXPECT_TRUE(found) << where << ": '" << alternatives << "' not in: " << o.message;
  }
  return o;
}

// ---------------------------------------------------------------------------
// Models the writer cannot express, built with the flatbuffers API directly:
// ADD(a, b) -> c, with knobs for the defects.
struct RawKnobs {
  uint32_t opcode_index = 0;
  bool no_subgraphs = false;
  bool no_operator_codes = false;
  uint64_t external_offset = 0, external_size = 0;  // tensor b's buffer (offset > 1: outside the flatbuffer)
  int fc_weights_format = -1;                       // >= 0: a FULLY_CONNECTED with this weights_format
};

std::vector<uint8_t> raw_model(const RawKnobs& k) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers = {tfl::CreateBuffer(fbb)};
  if (k.external_offset) buffers.push_back(tfl::CreateBuffer(fbb, 0, k.external_offset, k.external_size));
  const bool fc = k.fc_weights_format >= 0;
  if (fc) buffers.push_back(tfl::CreateBuffer(fbb, fbb.CreateVector(std::vector<uint8_t>(16, 1))));
  auto quant = [&] {
    return tfl::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(std::vector<float>{1.f}),
                                             fbb.CreateVector(std::vector<int64_t>{0}));
  };
  auto shape = [&](std::vector<int32_t> s) { return fbb.CreateVector(s); };
  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors = {
      tfl::CreateTensor(fbb, shape({1, 4}), tfl::TensorType::INT8, 0, fbb.CreateString("a"), quant()),
      tfl::CreateTensor(fbb, fc ? shape({4, 4}) : shape({1, 4}), tfl::TensorType::INT8,
                        k.external_offset ? 1u : fc ? 1u : 0u, fbb.CreateString("b"), quant()),
      tfl::CreateTensor(fbb, shape({1, 4}), tfl::TensorType::INT8, 0, fbb.CreateString("c"), quant())};
  flatbuffers::Offset<tfl::Operator> op;
  if (fc)
    op = tfl::CreateOperator(
        fbb, k.opcode_index, fbb.CreateVector(std::vector<int32_t>{0, 1, -1}), fbb.CreateVector(std::vector<int32_t>{2}),
        tfl::BuiltinOptions::FullyConnectedOptions,
        tfl::CreateFullyConnectedOptions(fbb, tfl::ActivationFunctionType::NONE,
                                         static_cast<tfl::FullyConnectedOptionsWeightsFormat>(k.fc_weights_format))
            .Union());
  else
    op = tfl::CreateOperator(fbb, k.opcode_index, fbb.CreateVector(std::vector<int32_t>{0, k.external_offset ? 1 : 0}),
                             fbb.CreateVector(std::vector<int32_t>{2}), tfl::BuiltinOptions::AddOptions,
                             tfl::CreateAddOptions(fbb).Union());
  auto sg = tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(std::vector<int32_t>{0}),
                                fbb.CreateVector(std::vector<int32_t>{2}), fbb.CreateVector(std::vector{op}));
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes = {
      tfl::CreateOperatorCode(fbb, fc ? 9 : 0, 0, 1, fc ? 9 : 0)};
  auto model = tfl::CreateModel(
      fbb, 3, k.no_operator_codes ? 0 : fbb.CreateVector(codes),
      k.no_subgraphs ? fbb.CreateVector(std::vector<flatbuffers::Offset<tfl::SubGraph>>{}) : fbb.CreateVector(std::vector{sg}),
      fbb.CreateString("raw"), fbb.CreateVector(buffers));
  tfl::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// ---------------------------------------------------------------------------
// One model per semantic defect, with the fragments its message must hold.

struct Defect {
  std::string name;
  std::function<std::vector<uint8_t>()> build;
  std::vector<std::string> fragments;
};

constexpr float nan = std::numeric_limits<float>::quiet_NaN();
constexpr float inf = std::numeric_limits<float>::infinity();
constexpr auto I8 = w::TensorType::INT8;
constexpr auto F32 = w::TensorType::FLOAT32;
constexpr auto I32 = w::TensorType::INT32;

// a int8[1,4] + a -> out: the base for graph and type defects.
std::vector<uint8_t> add_model(std::function<void(w::ModelWriter&)> edit = {}) {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", I8, {1, 4}, q(0.5f, 0));
  const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
  m.add_add(a, a, out);
  m.set_outputs({out});
  if (edit) edit(m);
  return m.finish();
}

// in int8[1,4,4,C] -> CONV_2D(filter int8[O,3,3,C] with the given quantization) -> int8[1,4,4,O]
std::vector<uint8_t> conv_model(int c, int o, const w::Quantization& fq, w::Conv2DOptions opts = {},
                                std::vector<int32_t> filter_shape = {}) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", I8, {1, 4, 4, c}, q(0.5f, 0));
  if (filter_shape.empty()) filter_shape = {o, 3, 3, c};
  size_t n = 1;
  for (int32_t d : filter_shape) n *= static_cast<size_t>(d);
  const int f = m.add_const_tensor("filter", I8, filter_shape, mfseed::int8_bytes(n, 7), fq);
  const int out = m.add_tensor("out", I8, {1, 4, 4, o}, q(1.f, 0));
  m.add_conv_2d({in, f, -1}, out, opts);
  m.set_outputs({out});
  return m.finish();
}

// in int8[1,4] -> FULLY_CONNECTED(W int8[3,4] quantized wq, bias?) -> int8[1,3]
std::vector<uint8_t> fc_model(const w::Quantization& wq, float in_scale = 0.5f, float out_scale = 1.f,
                              std::optional<std::vector<uint8_t>> bias = std::nullopt, int32_t bias_elements = -1) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", I8, {1, 4}, q(in_scale, 0));
  const int wt = m.add_const_tensor("weights", I8, {3, 4}, mfseed::int8_bytes(12, 5), wq);
  int b = -1;
  if (bias)
    b = m.add_const_tensor("bias", I32, {bias_elements >= 0 ? bias_elements : static_cast<int32_t>(bias->size() / 4)},
                           *bias, q(in_scale * wq.scales[0], 0));
  const int out = m.add_tensor("out", I8, {1, 3}, q(out_scale, 0));
  m.add_fully_connected({in, wt, b}, out);
  m.set_outputs({out});
  return m.finish();
}

// One Signal custom operator `code` with integer flexbuffer options, its inputs and
// outputs (type, shape) as given: the base for option and shape defects.
using Shaped = std::pair<w::TensorType, std::vector<int32_t>>;
std::vector<uint8_t> signal_model(const std::string& code, const std::vector<std::pair<std::string, int64_t>>& options,
                                  const std::vector<Shaped>& inputs, const std::vector<Shaped>& outputs) {
  w::ModelWriter m;
  std::vector<int32_t> ins, outs;
  for (size_t i = 0; i < inputs.size(); ++i)
    ins.push_back(m.add_input_tensor("in" + std::to_string(i), inputs[i].first, inputs[i].second));
  for (size_t i = 0; i < outputs.size(); ++i)
    outs.push_back(m.add_tensor("out" + std::to_string(i), outputs[i].first, outputs[i].second));
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    for (const auto& [k, v] : options) fbb.Int(k.c_str(), v);
  });
  fbb.Finish();
  m.add_custom_operator(code, ins, outs, fbb.GetBuffer());
  m.set_outputs(outs);
  return m.finish();
}

// TFLM's Signal operators beyond the audio front end: options and shapes TFLM's Prepare
// rejects, or that would make its kernels read or write past a buffer.
void add_signal_defects(std::vector<Defect>& d) {
  constexpr auto I16 = w::TensorType::INT16;
  constexpr auto BOOL = w::TensorType::BOOL;
  auto fft = [](int type, int length) { return std::vector<std::pair<std::string, int64_t>>{{"T", type}, {"fft_length", length}}; };
  d.push_back({"signal_rfft_int8", [=] { return signal_model("SignalRfft", fft(9, 16), {{I8, {16}}}, {{I8, {18}}}); },
               {"op 0 (SignalRfft)", "T = 9 is not a type TFLM registers SignalRfft for"}});
  d.push_back({"signal_rfft_radix7", [=] { return signal_model("SignalRfft", fft(0, 14), {{F32, {14}}}, {{F32, {16}}}); },
               {"op 0 (SignalRfft)", "kissfft radix 7 is not supported"}});
  d.push_back({"signal_rfft_type_differs_from_T",
               [=] { return signal_model("SignalRfft", fft(2, 16), {{F32, {16}}}, {{F32, {18}}}); },
               {"op 0 (SignalRfft)", "input tensor 0", "T is int32"}});
  d.push_back({"signal_irfft_odd_row", [=] { return signal_model("SignalIrfft", fft(7, 16), {{I16, {2, 17}}}, {{I16, {2, 16}}}); },
               {"op 0 (SignalIrfft)", "complex bins (re, im), at least fft_length / 2 + 1 = 9"}});
  d.push_back({"signal_irfft_short_output",
               [=] { return signal_model("SignalIrfft", fft(2, 16), {{I32, {2, 18}}}, {{I32, {2, 8}}}); },
               {"op 0 (SignalIrfft)", "rows of fft_length = 16 samples"}});
  d.push_back({"signal_framer_zero_step",
               [=] {
                 return signal_model("SignalFramer", {{"frame_size", 4}, {"frame_step", 0}, {"prefill", 0}}, {{I16, {8}}},
                                     {{I16, {2, 4}}, {BOOL, {}}});
               },
               {"op 0 (SignalFramer)", "frame_step 0 must be positive"}});
  d.push_back({"signal_framer_prefill_step_beyond_frame",
               [=] {
                 return signal_model("SignalFramer", {{"frame_size", 4}, {"frame_step", 8}, {"prefill", 1}}, {{I16, {8}}},
                                     {{I16, {1, 4}}, {BOOL, {}}});
               },
               {"op 0 (SignalFramer)", "prefill with frame_step 8 > frame_size 4"}});
  d.push_back({"signal_framer_input_not_whole_steps",
               [=] {
                 return signal_model("SignalFramer", {{"frame_size", 4}, {"frame_step", 3}, {"prefill", 0}}, {{I16, {8}}},
                                     {{I16, {2, 4}}, {BOOL, {}}});
               },
               {"op 0 (SignalFramer)", "innermost dimension 8 is not a positive multiple of frame_step 3"}});
  // An absent input (index -1): the kernel state is sized without it, the lowering names it.
  d.push_back({"signal_delay_absent_input",
               [=] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I16, {4});
                 const int out = m.add_tensor("out", I16, {4});
                 flexbuffers::Builder fbb;
                 fbb.Map([&] { fbb.Int("delay_length", 2); });
                 fbb.Finish();
                 m.add_custom_operator("SignalDelay", {-1}, {out}, fbb.GetBuffer());
                 m.set_inputs({a});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (SignalDelay)", "missing input input"}});
  d.push_back({"signal_framer_valid_not_bool",
               [=] {
                 return signal_model("SignalFramer", {{"frame_size", 4}, {"frame_step", 4}, {"prefill", 0}}, {{I16, {8}}},
                                     {{I16, {2, 4}}, {I16, {}}});
               },
               {"op 0 (SignalFramer)", "output tensor 2 'out1'"}});
  d.push_back({"signal_stacker_step_beyond_frames",
               [=] {
                 return signal_model("SignalStacker",
                                     {{"num_channels", 2}, {"stacker_left_context", 1}, {"stacker_right_context", 0}, {"stacker_step", 3}},
                                     {{I16, {2}}}, {{I16, {4}}, {BOOL, {}}});
               },
               {"op 0 (SignalStacker)", "stacker_step 3 is outside [1, 2]"}});
  d.push_back({"signal_stacker_input_not_num_channels",
               [=] {
                 return signal_model("SignalStacker",
                                     {{"num_channels", 2}, {"stacker_left_context", 1}, {"stacker_right_context", 0}, {"stacker_step", 1}},
                                     {{I16, {3}}}, {{I16, {4}}, {BOOL, {}}});
               },
               {"op 0 (SignalStacker)", "3 elements, num_channels is 2"}});
  d.push_back({"signal_delay_negative",
               [=] { return signal_model("SignalDelay", {{"delay_length", -1}}, {{I16, {4}}}, {{I16, {4}}}); },
               {"op 0 (SignalDelay)", "delay_length -1 is negative"}});
  d.push_back({"signal_overlap_add_int32",
               [=] { return signal_model("SignalOverlapAdd", {{"T", 2}, {"frame_step", 2}}, {{I32, {2, 4}}}, {{I32, {4}}}); },
               {"op 0 (SignalOverlapAdd)", "T = 2 is not a type TFLM registers SignalOverlapAdd for"}});
  d.push_back({"signal_overlap_add_step_beyond_frame",
               [=] { return signal_model("SignalOverlapAdd", {{"T", 7}, {"frame_step", 5}}, {{I16, {2, 4}}}, {{I16, {10}}}); },
               {"op 0 (SignalOverlapAdd)", "frame_step 5 exceeds the frame size 4"}});
  d.push_back({"signal_overlap_add_rank1",
               [=] { return signal_model("SignalOverlapAdd", {{"T", 0}, {"frame_step", 2}}, {{F32, {4}}}, {{F32, {2}}}); },
               {"op 0 (SignalOverlapAdd)", "needs [..., frames, frame_size]"}});
}

std::vector<Defect> defects() {
  std::vector<Defect> d;
  // -- not a model / empty model
  d.push_back({"empty_file", [] { return std::vector<uint8_t>{}; }, {"too small", "0 bytes"}});
  d.push_back({"seven_bytes", [] { return std::vector<uint8_t>{8, 0, 0, 0, 'T', 'F', 'L'}; }, {"too small"}});
  d.push_back({"wrong_identifier",
               [] {
                 auto b = mfseed::small_fc();
                 std::memcpy(b.data() + 4, "ONNX", 4);
                 return b;
               },
               {"not a TFLite model", "'ONNX'"}});
  d.push_back({"garbage_with_identifier",
               [] {
                 std::vector<uint8_t> b(1024);
                 std::mt19937 rng(7);
                 for (auto& x : b) x = static_cast<uint8_t>(rng());
                 std::memcpy(b.data() + 4, "TFL3", 4);
                 return b;
               },
               {"corrupt or truncated"}});
  // TFLM runs a model only when model->version() == TFLITE_SCHEMA_VERSION (3): older and newer alike are rejected.
  d.push_back({"schema_version_2", [] { return add_model([](w::ModelWriter& m) { m.set_version(2); }); },
               {"model schema version 2 is not supported (TFLM requires version 3)"}});
  d.push_back({"schema_version_4", [] { return add_model([](w::ModelWriter& m) { m.set_version(4); }); },
               {"model schema version 4 is not supported (TFLM requires version 3)"}});
  d.push_back({"no_subgraphs", [] { return raw_model({.no_subgraphs = true}); }, {"no subgraph"}});
  d.push_back({"no_operators",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 m.set_outputs({a});
                 return m.finish();
               },
               {"no operators"}});
  d.push_back({"no_inputs", [] { return add_model([](w::ModelWriter& m) { m.set_inputs({}); }); }, {"no inputs"}});
  d.push_back({"no_outputs", [] { return add_model([](w::ModelWriter& m) { m.set_outputs({}); }); }, {"no outputs"}});
  // -- indices
  d.push_back({"buffer_index_out_of_range",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int b = m.add_tensor("b", I8, {1, 4}, q(1.f, 0), /*buffer=*/99);
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, b, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"tensor 1 'b'", "buffer index 99 is out of range"}});
  d.push_back({"op_input_tensor_out_of_range",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, 99, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "input refers to tensor 99", "2 tensors"}});
  d.push_back({"op_input_tensor_negative",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, -7, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "tensor -7"}});
  d.push_back({"op_output_tensor_out_of_range",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, a, 5);
                 m.set_outputs({a});
                 return m.finish();
               },
               {"op 0 (ADD)", "output refers to tensor 5"}});
  d.push_back({"model_input_out_of_range", [] { return add_model([](w::ModelWriter& m) { m.set_inputs({42}); }); },
               {"model input refers to tensor 42"}});
  d.push_back({"model_output_out_of_range", [] { return add_model([](w::ModelWriter& m) { m.set_outputs({-3}); }); },
               {"model output refers to tensor -3"}});
  d.push_back({"opcode_index_out_of_range", [] { return raw_model({.opcode_index = 5}); },
               {"op 0", "operator code index 5 is out of range", "1 operator codes"}});
  d.push_back({"no_operator_codes", [] { return raw_model({.no_operator_codes = true}); },
               {"op 0", "operator code index 0 is out of range", "0 operator codes"}});
  d.push_back({"external_buffer_outside_file",
               [] { return raw_model({.external_offset = uint64_t{1} << 40, .external_size = 4}); },
               {"tensor 1 'b'", "points outside the file"}});
  d.push_back({"external_buffer_size_past_end",
               [] { return raw_model({.external_offset = 16, .external_size = ~uint64_t{0} - 8}); },
               {"tensor 1 'b'", "points outside the file"}});
  // -- shapes and buffer sizes
  d.push_back({"negative_dimension",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, -4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"tensor 0 'a'", "dimension -4 is negative"}});
  d.push_back({"element_count_overflow",
               [] {
                 w::ModelWriter m;
                 const std::vector<int32_t> huge = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
                 const int a = m.add_input_tensor("a", I8, huge, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, huge, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"tensor 0 'a'", "more than 2^31 elements"}});
  d.push_back({"zero_size_activation",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 0}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 0}, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "is empty"}});
  d.push_back({"int8_weights_buffer_too_short",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int wt = m.add_const_tensor("weights", I8, {3, 4}, std::vector<uint8_t>(10, 1), q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 3}, q(1.f, 0));
                 m.add_fully_connected({in, wt, -1}, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"tensor 1 'weights'", "buffer holds 10 bytes", "needs 12"}});
  d.push_back({"int32_bias_buffer_counts_bytes", [] { return fc_model(q(0.25f, 0), 0.5f, 1.f, std::vector<uint8_t>{1, 2, 3}, 3); },
               {"tensor 2 'bias'", "buffer holds 3 bytes, shape [3] of int32 needs 12"}});
  d.push_back({"float_weights_buffer_too_long",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", F32, {1, 2});
                 const int wt = m.add_const_tensor("weights", F32, {2, 2}, std::vector<uint8_t>(20, 0));
                 const int out = m.add_tensor("out", F32, {1, 2});
                 m.add_fully_connected({in, wt, -1}, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"tensor 1 'weights'", "buffer holds 20 bytes", "needs 16"}});
  // -- quantization arrays
  d.push_back({"scales_and_zero_points_differ",
               [] { return conv_model(2, 3, w::Quantization({0.1f, 0.2f, 0.3f}, {0, 0}, 0)); },
               {"tensor 1 'filter'", "3 scale(s) but 2 zero point(s)"}});
  d.push_back({"scale_without_zero_point", [] { return fc_model(w::Quantization({0.25f}, {}, 0)); },
               {"tensor 1 'weights'", "1 scale(s) but 0 zero point(s)"}});
  d.push_back({"per_channel_axis_out_of_range",
               [] { return conv_model(2, 3, w::Quantization::symmetric_per_channel({0.1f, 0.2f, 0.3f}, 4)); },
               {"op 0 (CONV_2D)", "filter tensor 1 'filter'", "quantized_dimension 4 is out of range", "[3,3,3,2]"}});
  d.push_back({"per_channel_axis_negative",
               [] { return conv_model(2, 3, w::Quantization::symmetric_per_channel({0.1f, 0.2f, 0.3f}, -1)); },
               {"tensor 1 'filter'", "quantized_dimension -1 is out of range"}});
  d.push_back({"per_channel_scale_count_mismatch",
               [] { return conv_model(2, 3, w::Quantization::symmetric_per_channel({0.1f, 0.2f}, 0)); },
               {"op 0 (CONV_2D)", "filter tensor 1 'filter'", "2 per-channel scales, but dimension 0", "has 3 entries"}});
  d.push_back({"per_channel_along_input_channels",
               [] { return conv_model(3, 3, w::Quantization::symmetric_per_channel({0.1f, 0.2f, 0.3f}, 3)); },
               {"op 0 (CONV_2D)", "filter tensor 1 'filter'", "along dimension 3", "output channels are dimension 0"}});
  d.push_back({"depthwise_per_channel_along_height",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4, 4, 3}, q(0.5f, 0));
                 const int f = m.add_const_tensor("dw", I8, {1, 3, 3, 3}, mfseed::int8_bytes(27, 3),
                                                  w::Quantization::symmetric_per_channel({0.1f, 0.2f, 0.3f}, 1));
                 const int out = m.add_tensor("out", I8, {1, 4, 4, 3}, q(1.f, 0));
                 m.add_depthwise_conv_2d({in, f, -1}, out, {});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (DEPTHWISE_CONV_2D)", "filter tensor 1 'dw'", "along dimension 1", "output channels are dimension 3"}});
  d.push_back({"weights_scale_nan", [] { return fc_model(q(nan, 0)); },
               {"op 0 (FULLY_CONNECTED)", "weights tensor 1 'weights'", "scale nan is not a positive number"}});
  d.push_back({"weights_scale_zero", [] { return fc_model(q(0.f, 0)); }, {"weights tensor 1", "not a positive number"}});
  d.push_back({"filter_channel_scale_negative",
               [] { return conv_model(2, 3, w::Quantization::symmetric_per_channel({0.1f, -0.2f, 0.3f}, 0)); },
               {"op 0 (CONV_2D)", "of channel 1", "not a positive number"}});
  d.push_back({"filter_channel_scale_infinite",
               [] { return conv_model(2, 3, w::Quantization::symmetric_per_channel({0.1f, 0.2f, inf}, 0)); },
               {"op 0 (CONV_2D)", "scale inf of channel 2", "not a positive number"}});
  d.push_back({"weights_zero_point_outside_int8", [] { return fc_model(q(0.25f, 300)); },
               {"op 0 (FULLY_CONNECTED)", "zero point 300 is outside int8"}});
  d.push_back({"activation_scale_zero",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(0.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "tensor 0 'a'", "not a positive number"}});
  d.push_back({"activation_zero_point_outside_int8",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, -200));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "output tensor 1 'out'", "zero point -200 is outside int8"}});
  d.push_back({"int8_activation_without_quantization",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4});
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "tensor 0 'a'", "no quantization parameters"}});
  d.push_back({"requantization_ratio_too_large",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1e30f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1e-30f, 0));
                 m.add_quantize(a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (QUANTIZE)", "requantization shift", "out of range"}});
  // Found by the fuzzer: an int8 table is computed at build time by running the operator's
  // reference kernel, which would shift int32 by these out-of-range shifts (UB) before
  // lowering checked them.
  d.push_back({"leaky_relu_table_alpha_shift_too_large",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_operator(w::BuiltinOperator::LeakyRelu, {in}, {out}, w::LeakyReluOptions{1e20f});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (LEAKY_RELU)", "requantization alpha_shift", "out of range"}});
  d.push_back({"rsqrt_table_shift_too_large",
               [] {
                 constexpr auto kRsqrt = static_cast<w::BuiltinOperator>(76);
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1e-30f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1e-30f, 0));
                 m.add_operator(kRsqrt, {in}, {out});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (RSQRT)", "requantization", "out of range"}});
  d.push_back({"pad_int64_paddings_overflow",  // found by the fuzzer: the shape check's sum overflowed
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 std::vector<uint8_t> pads(4 * 8, 0);
                 for (size_t i = 16; i < 32; ++i) pads[i] = i % 8 == 7 ? 0x7f : 0xff;  // [[0, 0], [max, max]]
                 const int p = m.add_const_tensor("paddings", w::TensorType::INT64, {2, 2}, pads);
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_operator(w::BuiltinOperator::MirrorPad, {in, p}, {out}, w::MirrorPadOptions{});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (MIRROR_PAD)", "is not the input [1,4] padded by 9223372036854775807"}});
  d.push_back({"fc_scale_product_not_finite", [] { return fc_model(q(1e30f, 0), 1e30f, 1.f); },
               {"op 0 (FULLY_CONNECTED)", "requantization", "is not finite"}});
  // -- graph structure
  d.push_back({"cycle",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int x = m.add_tensor("x", I8, {1, 4}, q(1.f, 0));
                 const int y = m.add_tensor("y", I8, {1, 4}, q(1.f, 0));
                 m.add_add(in, y, x);
                 m.add_add(in, x, y);
                 m.set_outputs({y});
                 return m.finish();
               },
               {"(ADD)", "cycle"}});
  d.push_back({"self_loop",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int x = m.add_tensor("x", I8, {1, 4}, q(1.f, 0));
                 m.add_add(in, x, x);
                 m.set_outputs({x});
                 return m.finish();
               },
               {"op 0 (ADD)", "cycle"}});
  d.push_back({"read_but_never_produced",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int ghost = m.add_tensor("ghost", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, ghost, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "tensor 1 'ghost'", "neither a constant, a model input nor produced"}});
  d.push_back({"produced_twice",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int x = m.add_tensor("x", I8, {1, 4}, q(1.f, 0));
                 m.add_add(in, in, x);
                 m.add_add(in, in, x);
                 m.set_outputs({x});
                 return m.finish();
               },
               {"op 1 (ADD)", "tensor 1 'x'", "also produced by op 0"}});
  d.push_back({"model_input_written_by_op",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int other = m.add_input_tensor("other", I8, {1, 4}, q(1.f, 0));
                 m.add_add(in, in, other);
                 m.set_outputs({other});
                 return m.finish();
               },
               {"model input tensor 1 'other'", "output of op 0"}});
  d.push_back({"model_output_never_produced",
               [] {
                 return add_model([](w::ModelWriter& m) {
                   const int orphan = m.add_tensor("orphan", I8, {1, 4}, q(1.f, 0));
                   m.set_outputs({1, orphan});
                 });
               },
               {"model output tensor 2 'orphan'", "not produced"}});
  d.push_back({"op_output_is_constant",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int c = m.add_const_tensor("c", I8, {1, 4}, std::vector<uint8_t>(4, 1), q(1.f, 0));
                 m.add_add(in, in, c);
                 m.set_outputs({c});
                 return m.finish();
               },
               {"tensor 1 'c'", "is a constant"}});
  d.push_back({"model_input_is_constant",
               [] {
                 return add_model([](w::ModelWriter& m) {
                   const int c = m.add_const_tensor("c", I8, {1, 4}, std::vector<uint8_t>(4, 1), q(1.f, 0));
                   m.set_inputs({0, c});
                 });
               },
               {"model input tensor 2 'c'", "is a constant"}});
  d.push_back({"model_input_listed_twice", [] { return add_model([](w::ModelWriter& m) { m.set_inputs({0, 0}); }); },
               {"model input tensor 0 'a'", "listed twice"}});
  d.push_back({"model_output_listed_twice", [] { return add_model([](w::ModelWriter& m) { m.set_outputs({1, 1}); }); },
               {"model output tensor 1 'out'", "listed twice"}});
  // -- types
  d.push_back({"int16_activations",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a16", w::TensorType::INT16, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out16", w::TensorType::INT16, {1, 4}, q(1.f, 0));
                 m.add_operator(kDiv, {a, a}, {out});  // TFLM's DIV has no int16 kernel
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (DIV)", "tensor 0 'a16'", "INT16", "not supported"}});
  d.push_back({"uint8_activations",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("u", w::TensorType::UINT8, {1, 4}, q(1.f, 128));
                 const int out = m.add_tensor("out", w::TensorType::UINT8, {1, 4}, q(1.f, 128));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "UINT8", "not supported"}});
  d.push_back({"unknown_tensor_type",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", static_cast<w::TensorType>(99), {1, 4});
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"model input tensor 0 'a'", "unknown(99)", "not supported"}});
  d.push_back({"unsupported_type_model_output",
               [] {
                 return add_model([](w::ModelWriter& m) {
                   const int s = m.add_tensor("text", w::TensorType::STRING, {1});
                   m.set_inputs({0, s});
                   m.set_outputs({1, s});
                 });
               },
               {"model input tensor 2 'text'", "STRING", "not supported"}});
  d.push_back({"mixed_int8_and_float",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int b = m.add_input_tensor("b", F32, {1, 4});
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, b, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "tensor 1 'b'", "FLOAT32", "differs from the first input's INT8"}});
  // -- operators and options
  d.push_back({"unsupported_builtin",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int b = m.add_tensor("b", I8, {1, 4}, q(1.f, 0));
                 m.add_operator(kHashtableLookup, {a, a}, {b});
                 m.set_outputs({b});
                 return m.finish();
               },
               {"op 0 (HASHTABLE_LOOKUP)", "operator HASHTABLE_LOOKUP is not supported"}});
  d.push_back({"builtin_code_beyond_known",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int b = m.add_tensor("b", I8, {1, 4}, q(1.f, 0));
                 m.add_operator(static_cast<w::BuiltinOperator>(100000), {a}, {b});
                 m.set_outputs({b});
                 return m.finish();
               },
               {"op 0 (", "100000", "not supported"}});
  d.push_back({"custom_operator",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int b = m.add_tensor("b", I8, {1, 4}, q(1.f, 0));
                 m.add_custom_operator("Evil\nName", {a}, {b}, {1, 2, 3});
                 m.set_outputs({b});
                 return m.finish();
               },
               {"op 0 (CUSTOM)", "custom operator 'Evil?Name'", "not supported"}});
  d.push_back({"conv_options_missing",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4, 4, 1}, q(1.f, 0));
                 const int f = m.add_const_tensor("filter", I8, {1, 3, 3, 1}, std::vector<uint8_t>(9, 1), q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4, 4, 1}, q(1.f, 0));
                 m.add_operator(w::BuiltinOperator::Conv2D, {in, f, -1}, {out});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (CONV_2D)", "builtin options missing"}});
  d.push_back({"conv_options_of_another_op",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4, 4, 1}, q(1.f, 0));
                 const int f = m.add_const_tensor("filter", I8, {1, 3, 3, 1}, std::vector<uint8_t>(9, 1), q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4, 4, 1}, q(1.f, 0));
                 m.add_operator(w::BuiltinOperator::Conv2D, {in, f, -1}, {out}, w::Pool2DOptions{});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (CONV_2D)", "Pool2DOptions"}});
  d.push_back({"padding_out_of_enum", [] { return conv_model(1, 1, q(0.1f, 0), {.padding = static_cast<w::Padding>(7)}); },
               {"op 0 (CONV_2D)", "padding 7 is neither SAME (0) nor VALID (1)"}});
  d.push_back({"activation_out_of_enum",
               [] { return conv_model(1, 1, q(0.1f, 0), {.activation = static_cast<w::Activation>(42)}); },
               {"op 0 (CONV_2D)", "fused activation 42"}});
  d.push_back({"activation_tanh", [] { return conv_model(1, 1, q(0.1f, 0), {.activation = w::Activation::TANH}); },
               {"op 0 (CONV_2D)", "fused activation TANH is not supported"}});
  d.push_back({"conv_stride_zero", [] { return conv_model(1, 1, q(0.1f, 0), {.stride_w = 0}); },
               {"op 0 (CONV_2D)", "strides and dilations must be >= 1"}});
  d.push_back({"conv_dilation_huge", [] { return conv_model(1, 1, q(0.1f, 0), {.dilation_w = INT32_MAX}); },
               {"op 0 (CONV_2D)", "out of range"}});
  d.push_back({"conv_filter_rank_2", [] { return conv_model(1, 1, q(0.1f, 0), {}, {3, 3}); },
               {"op 0 (CONV_2D)", "filter tensor 1 'filter'", "expected 4 dimensions, got 2"}});
  d.push_back({"conv_output_shape_mismatch", [] { return conv_model(1, 1, q(0.1f, 0), {.padding = w::Padding::VALID}); },
               {"op 0 (CONV_2D)", "output tensor 2 'out'", "does not match"}});
  d.push_back({"conv_filter_channels_mismatch", [] { return conv_model(2, 2, q(0.1f, 0), {}, {2, 3, 3, 3}); },
               {"op 0 (CONV_2D)", "filter tensor 1 'filter'", "does not fit input channels 2"}});
  d.push_back({"pool_filter_zero",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4, 4, 1}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4, 4, 1}, q(1.f, 0));
                 m.add_max_pool_2d(in, out, {.filter_width = 0, .filter_height = 1});
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (MAX_POOL_2D)", "filter size and strides must be in"}});
  d.push_back({"fc_weights_not_constant",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int wt = m.add_input_tensor("weights", I8, {3, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 3}, q(1.f, 0));
                 m.add_fully_connected({in, wt, -1}, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (FULLY_CONNECTED)", "weights tensor 1 'weights'", "must be a constant"}});
  d.push_back({"fc_bias_elements_mismatch",
               [] { return fc_model(q(0.25f, 0), 0.5f, 1.f, w::to_bytes(std::vector<int32_t>{1, 2})); },
               {"op 0 (FULLY_CONNECTED)", "bias tensor 2 'bias'", "expected 3 elements, got 2"}});
  d.push_back({"fc_shuffled_weights", [] { return raw_model({.fc_weights_format = 1}); },
               {"op 0 (FULLY_CONNECTED)", "shuffled weights format is not supported"}});
  d.push_back({"fc_missing_weights",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 3}, q(1.f, 0));
                 m.add_fully_connected({in}, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (FULLY_CONNECTED)", "missing weights input"}});
  d.push_back({"fc_folded_bias_overflow",
               [] {
                 w::ModelWriter m;
                 const int in = m.add_input_tensor("in", I8, {1, 4}, q(0.5f, -128));
                 const int wt = m.add_const_tensor("weights", I8, {3, 4}, std::vector<uint8_t>(12, 0x7f), q(0.25f, 0));
                 const int b = m.add_const_tensor("bias", I32, {3},
                                                  w::to_bytes(std::vector<int32_t>{INT32_MAX, 0, 0}), q(0.125f, 0));
                 const int out = m.add_tensor("out", I8, {1, 3}, q(1.f, 0));
                 m.add_fully_connected({in, wt, b}, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (FULLY_CONNECTED)", "folded bias of channel 0 overflows int32"}});
  d.push_back({"two_outputs",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int b = m.add_tensor("b", I8, {1, 4}, q(1.f, 0));
                 const int c = m.add_tensor("c", I8, {1, 4}, q(1.f, 0));
                 m.add_operator(w::BuiltinOperator::Add, {a, a}, {b, c}, w::AddOptions{});
                 m.set_outputs({b, c});
                 return m.finish();
               },
               {"op 0 (ADD)", "expected exactly one output, got 2"}});
  d.push_back({"softmax_wrong_output_quantization",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(0.1f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(0.1f, 0));
                 m.add_softmax(a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (SOFTMAX)", "1/256"}});
  d.push_back({"softmax_beta_nan",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(0.1f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f / 256, -128));
                 m.add_softmax(a, out, std::numeric_limits<float>::quiet_NaN());
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (SOFTMAX)", "too small"}});
  d.push_back({"add_cannot_broadcast",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 3}, q(1.f, 0));
                 const int b = m.add_input_tensor("b", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, b, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (ADD)", "tensor 0 'a'", "cannot broadcast"}});
  d.push_back({"reshape_element_mismatch",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int out = m.add_tensor("out", I8, {1, 5}, q(1.f, 0));
                 m.add_reshape({a}, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (RESHAPE)", "output tensor 1 'out'", "holds 5 elements"}});
  // A RESHAPE of a constant read by another operator folds into a constant; one whose
  // output the application reads from the arena cannot be placed there.
  d.push_back({"reshape_of_constant_as_model_output",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", I8, {1, 4}, q(1.f, 0));
                 const int c = m.add_const_tensor("c", I8, {2, 2}, std::vector<uint8_t>(4, 1), q(1.f, 0));
                 const int r = m.add_tensor("r", I8, {1, 4}, q(1.f, 0));
                 m.add_reshape({c}, r);
                 const int out = m.add_tensor("out", I8, {1, 4}, q(1.f, 0));
                 m.add_add(a, a, out);
                 m.set_outputs({out, r});
                 return m.finish();
               },
               {"op 0 (RESHAPE)", "constant"}});
  d.push_back({"dequantize_float_input",
               [] {
                 w::ModelWriter m;
                 const int a = m.add_input_tensor("a", F32, {1, 4});
                 const int out = m.add_tensor("out", F32, {1, 4});
                 m.add_dequantize(a, out);
                 m.set_outputs({out});
                 return m.finish();
               },
               {"op 0 (DEQUANTIZE)", "FLOAT32", "not supported (int8 and int16 are)"}});
  add_signal_defects(d);
  return d;
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> bases() {
  auto all = mfseed::all_seed_models();
  return {all[0], all[1], all[2]};
}

// ---------------------------------------------------------------------------

TEST(BrokenModels, ValidBasesCompile) {
  TempDir tmp;
  for (const auto& [name, bytes] : mfseed::all_seed_models()) {
    const Outcome o = compile_case(tmp, "valid_" + name, bytes, Expect::RejectedOrAccepted);
    EXPECT_TRUE(o.accepted) << name << ": " << o.message;
  }
}

TEST(BrokenModels, EachSemanticDefectHasItsMessage) {
  TempDir tmp;
  const auto all = defects();
  std::vector<std::string> names;
  for (const Defect& d : all) {
    SCOPED_TRACE(d.name);
    EXPECT_EQ(std::count(names.begin(), names.end(), d.name), 0) << "duplicate case name";
    names.push_back(d.name);
    const Outcome o = compile_case(tmp, d.name, d.build(), Expect::Rejected, d.fragments);
    if (std::getenv("MICROFLOW_ROBUSTNESS_VERBOSE")) std::cout << d.name << ": " << o.message << "\n";
  }
}

TEST(BrokenModels, TruncationsAtManyOffsetsAreRejected) {
  TempDir tmp;
  for (const auto& [name, bytes] : bases()) {
    // ~60 offsets spread over the file plus the first and last bytes.
    std::vector<size_t> cuts = {0, 1, 4, 7, 8, 9, 16, bytes.size() - 1, bytes.size() - 2, bytes.size() - 4};
    for (size_t n = 17; n < bytes.size(); n += bytes.size() / 60 + 1) cuts.push_back(n);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (size_t n : cuts) {
      SCOPED_TRACE(name + " truncated to " + std::to_string(n));
      const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      compile_case(tmp, name + "_cut" + std::to_string(n), cut, Expect::Rejected,
                   {n < 8 ? "too small" : "corrupt or truncated"});
    }
  }
}

TEST(BrokenModels, RandomBitFlipsNeverCrashTheBinary) {
  TempDir tmp;
  std::mt19937 rng(20240611);
  int accepted = 0, rejected = 0, compiled_checked = 0;
  for (const auto& [name, bytes] : bases()) {
    for (int i = 0; i < 70; ++i) {
      std::vector<uint8_t> b = bytes;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      const std::string tag = name + "_flip" + std::to_string(i);
      SCOPED_TRACE(tag);
      const Outcome o = compile_case(tmp, tag, b, Expect::RejectedOrAccepted);
      (o.accepted ? accepted : rejected)++;
      // Code generated from a corrupted-but-valid model must still compile.
      if (o.accepted && compiled_checked < 4) {
        ++compiled_checked;
        const ProcResult r = run({"g++", "-std=c++14", "-fsyntax-only", "-I", o.out_dir.string(), "-I", MICROFLOW_RUNTIME_INCLUDE,
                           (o.out_dir / "m.cpp").string()},
                          tmp.path() / (tag + "_gxx.log"));
        EXPECT_TRUE(!r.signaled && r.status == 0) << tag << ": generated code does not compile\n" << r.output;
      }
    }
  }
  std::cout << "bit flips: " << rejected << " rejected, " << accepted << " compiled\n";
  EXPECT_GT(rejected, 0);
}

// Inputs that once crashed or misled the compiler (tests/robustness/corpus/):
// each must now be rejected in the common format or compile; NAME.expected,
// when present, holds a fragment the error message must contain.
TEST(BrokenModels, FuzzerRegressionCorpus) {
  TempDir tmp;
  const fs::path dir = MICROFLOW_ROBUSTNESS_CORPUS;
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || e.path().filename().string().starts_with(".") || ext == ".md" || ext == ".expected")
      continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(e.path().string());
    fs::path expected_file = e.path();
    expected_file.replace_extension(".expected");
    std::string expected;
    if (std::ifstream ex{expected_file}; ex) std::getline(ex, expected);
    if (expected.empty())
      compile_case(tmp, "corpus_" + e.path().stem().string(), bytes, Expect::RejectedOrAccepted);
    else
      compile_case(tmp, "corpus_" + e.path().stem().string(), bytes, Expect::Rejected, {expected});
    ++n;
  }
  std::cout << n << " regression inputs\n";
}

}  // namespace
