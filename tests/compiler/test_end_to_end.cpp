// End to end: writer-made models with several inputs and outputs go through
// the `microflow` executable (compile, verify), and the generated code is
// compared with expected outputs computed here from TFLM's formulas.
#include <sys/wait.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <cstdlib>
#include <cstring>

#include "test_util.h"
#include "tflm_reference.h"

namespace mftest {
namespace {

using tflm_ref::Act;
using tflm_ref::QParams;

// Quantization of the DAG model's tensors.
constexpr QParams kA{0.05f, -3}, kB{0.08f, 5}, kS{0.09f, -20}, kW{0.02f, 0}, kF{0.15f, 3}, kR{0.12f, 2},
    kQ{0.04f, -7};
constexpr int kDepth = 8, kUnits = 4;

struct DagModel {
  std::vector<uint8_t> bytes;
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  bool float_output = true;
};

// a[1,8], b[1,8] int8 inputs:
//   s = ADD(a, b) RELU;  f = FULLY_CONNECTED(a, W, bias);  r = ADD(s, a)
//   q = QUANTIZE(s) (int8 -> int8, scale 0.09 -> 0.04);  d = DEQUANTIZE(f)
// outputs {r, d, q} (or {r, f, q} with float_output = false). `a` feeds three ops.
DagModel dag_model(bool float_output) {
  DagModel d;
  d.float_output = float_output;
  std::mt19937 rng(77);
  d.weights.resize(kUnits * kDepth);
  for (auto& v : d.weights) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  d.bias = {1234, -5678, 0, 250};
  w::ModelWriter m;
  m.set_description("multi-input multi-output DAG");
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, kDepth}, q(kA.scale, kA.zero_point));
  const int b = m.add_input_tensor("b", w::TensorType::INT8, {1, kDepth}, q(kB.scale, kB.zero_point));
  const int s = m.add_tensor("s", w::TensorType::INT8, {1, kDepth}, q(kS.scale, kS.zero_point));
  m.add_add(a, b, s, w::Activation::RELU);
  const int wt = m.add_const_tensor("W", w::TensorType::INT8, {kUnits, kDepth}, bytes_of(d.weights),
                                    q(kW.scale, kW.zero_point));
  const int bias = m.add_const_tensor("bias", w::TensorType::INT32, {kUnits}, bytes_of(d.bias),
                                      q(kA.scale * kW.scale, 0));
  const int f = m.add_tensor("f", w::TensorType::INT8, {1, kUnits}, q(kF.scale, kF.zero_point));
  m.add_fully_connected({a, wt, bias}, f);
  const int r = m.add_tensor("r", w::TensorType::INT8, {1, kDepth}, q(kR.scale, kR.zero_point));
  m.add_add(s, a, r);
  const int qt = m.add_tensor("q", w::TensorType::INT8, {1, kDepth}, q(kQ.scale, kQ.zero_point));
  m.add_quantize(s, qt);
  if (float_output) {
    const int dt = m.add_tensor("d", w::TensorType::FLOAT32, {1, kUnits});
    m.add_dequantize(f, dt);
    m.set_outputs({r, dt, qt});
  } else {
    m.set_outputs({r, f, qt});
  }
  d.bytes = m.finish();
  return d;
}

template <typename T>
void append(std::vector<uint8_t>& out, const std::vector<T>& v) {
  const auto b = w::to_bytes(v);
  out.insert(out.end(), b.begin(), b.end());
}

// Expected outputs of the DAG model, concatenated in model-output order.
std::vector<uint8_t> dag_expected(const DagModel& d, const std::vector<int8_t>& a, const std::vector<int8_t>& b) {
  const auto s = tflm_ref::add(a, kA, b, kB, kS, Act::Relu);
  const auto f = tflm_ref::fully_connected(a, kA, d.weights, kW, d.bias, kF, Act::None);
  const auto r = tflm_ref::add(s, kS, a, kA, kR, Act::None);
  const auto qv = tflm_ref::requantize(s, kS, kQ);
  std::vector<uint8_t> out;
  append(out, r);
  if (d.float_output) append(out, tflm_ref::dequantize(f, kF));
  else append(out, f);
  append(out, qv);
  return out;
}

// Random vectors plus the extremes, written as NAME.in.bin / NAME.out.bin.
int write_dag_vectors(const DagModel& d, const fs::path& dir) {
  std::mt19937 rng(4242);
  std::vector<std::pair<std::vector<int8_t>, std::vector<int8_t>>> inputs;
  for (int i = 0; i < 24; ++i) {
    std::vector<int8_t> a(kDepth), b(kDepth);
    for (auto& v : a) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    for (auto& v : b) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    inputs.emplace_back(a, b);
  }
  for (int8_t x : {int8_t{-128}, int8_t{127}, int8_t{0}})
    for (int8_t y : {int8_t{-128}, int8_t{127}, int8_t{0}})
      inputs.emplace_back(std::vector<int8_t>(kDepth, x), std::vector<int8_t>(kDepth, y));
  int n = 0;
  for (const auto& [a, b] : inputs) {
    std::vector<uint8_t> in;
    append(in, a);
    append(in, b);
    char name[32];
    std::snprintf(name, sizeof name, "v%03d", n++);
    write_file(dir / (std::string(name) + ".in.bin"), in);
    write_file(dir / (std::string(name) + ".out.bin"), dag_expected(d, a, b));
  }
  return n;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built: " << MICROFLOW_EXE;
  }
};

// Self-check of the expected values: the reference reproduces the doc's §10
// worked example, so the vectors are not just the compiler's own output.
TEST(EndToEndReference, AddMatchesTheDocumentedExample) {
  const QParams p1{0.0393936f, -128}, p2{0.1041950f, 4}, po{0.0509457f, -128};
  const auto y = tflm_ref::add({0, 100}, p1, {4, -50}, p2, po, Act::None);
  EXPECT_EQ(y[0], -29);
  EXPECT_EQ(y[1], -62);
  EXPECT_EQ(tflm_ref::rdbpot(-3, 1), -2);
  EXPECT_EQ(tflm_ref::rdbpot(-5, 2), -1);
  EXPECT_EQ(tflm_ref::srdhm(-1, 1 << 30), 0);
  EXPECT_EQ(tflm_ref::srdhm(1, 1 << 30), 1);
}

TEST_F(EndToEnd, MultiInputMultiOutputDagIsExact) {
  TempDir dir("dag");
  const DagModel d = dag_model(/*float_output=*/true);
  write_file(dir.path() / "dag.tflite", d.bytes);
  fs::create_directories(dir.path() / "vectors");
  const int n = write_dag_vectors(d, dir.path() / "vectors");
  // Tolerance 0: the float output (DEQUANTIZE) must match bit for bit too.
  const RunResult r = run("verify " + quoted(dir.path() / "dag.tflite") + " --vectors " +
                          quoted(dir.path() / "vectors") + " --tolerance 0");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // With a float output, verify reports "within tolerance" for the whole model.
  const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " within tolerance";
  EXPECT_TRUE(contains(r.output, want)) << "expected '" << want << "' in:\n" << r.output;
  EXPECT_FALSE(contains(r.output, "FAIL")) << r.output;
}

TEST_F(EndToEnd, Int8DagIsBitExact) {
  TempDir dir("dag8");
  const DagModel d = dag_model(/*float_output=*/false);
  write_file(dir.path() / "dag8.tflite", d.bytes);
  fs::create_directories(dir.path() / "vectors");
  const int n = write_dag_vectors(d, dir.path() / "vectors");
  const RunResult r = run("verify " + quoted(dir.path() / "dag8.tflite") + " --vectors " + quoted(dir.path() / "vectors"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
  EXPECT_TRUE(contains(r.output, want)) << "expected '" << want << "' in:\n" << r.output;
  EXPECT_FALSE(contains(r.output, "MISMATCH")) << r.output;
}

// Weights from external memory: the FULLY_CONNECTED (4 units x 8 inputs, 12 B per unit with
// its folded bias) read through pages of 12..48 B, i.e. 1 to 4 units per read_weights() with a
// remainder group, stays bit-exact.
TEST_F(EndToEnd, Int8DagWithPagedWeightsIsBitExact) {
  TempDir dir("dag8paged");
  const DagModel d = dag_model(/*float_output=*/false);
  write_file(dir.path() / "dag8.tflite", d.bytes);
  fs::create_directories(dir.path() / "vectors");
  const int n = write_dag_vectors(d, dir.path() / "vectors");
  for (int page : {12, 16, 36, 40, 48}) {
    const RunResult r = run("verify " + quoted(dir.path() / "dag8.tflite") + " --vectors " +
                            quoted(dir.path() / "vectors") + " --weights external --page-bytes " + std::to_string(page));
    EXPECT_EQ(r.exit_code, 0) << "page " << page << ":\n" << r.output;
    const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
    EXPECT_TRUE(contains(r.output, want)) << "page " << page << ": expected '" << want << "' in:\n" << r.output;
  }
}

TEST_F(EndToEnd, CompileWithExternalWeightsWritesTheImageAndPagingCode) {
  TempDir dir("paged");
  const DagModel d = dag_model(/*float_output=*/false);
  write_file(dir.path() / "dag.tflite", d.bytes);
  const RunResult r = run("compile " + quoted(dir.path() / "dag.tflite") + " -o " + quoted(dir.path() / "out") +
                          " --weights external --page-bytes 40");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 3 units per group (36 B), then 1 (12 B): the image is the FC's 4 x 8 weights + 4 biases.
  EXPECT_EQ(fs::file_size(dir.path() / "out" / "dag.weights.bin"), 48u);
  const std::string header = read_text(dir.path() / "out" / "dag.h");
  EXPECT_TRUE(contains(header, "constexpr size_t kPageBytes = 40;")) << header;
  EXPECT_TRUE(contains(header, "constexpr unsigned long kWeightImageBytes = 48UL;")) << header;
  EXPECT_TRUE(contains(header, "void read_weights(uint32_t offset, void* dst, uint32_t bytes);")) << header;
  const std::string source = read_text(dir.path() / "out" / "dag.cpp");
  EXPECT_TRUE(contains(source, "read_weights(0u, weight_page, 36u);")) << source;
  EXPECT_TRUE(contains(source, "read_weights(36u, weight_page, 12u);")) << source;
  EXPECT_TRUE(contains(source, "int32_t weight_page[kPageBytes / 4];")) << source;
  // The weights themselves are not in the source any more.
  EXPECT_FALSE(contains(source, "Weights[")) << source;
}

TEST_F(EndToEnd, PageTooSmallForOneOutputIsAnErrorNamingTheOp) {
  TempDir dir("paged_small");
  const DagModel d = dag_model(/*float_output=*/false);
  write_file(dir.path() / "dag.tflite", d.bytes);
  RunResult r = run("compile " + quoted(dir.path() / "dag.tflite") + " -o " + quoted(dir.path() / "out") +
                    " --weights external --page-bytes 8");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "(FULLY_CONNECTED): one group of 1 output channel(s) needs 12 B")) << r.output;
  EXPECT_TRUE(contains(r.output, "more than the 8 B page (raise --page-bytes)")) << r.output;
  r = run("compile " + quoted(dir.path() / "dag.tflite") + " -o " + quoted(dir.path() / "out") +
          " --weights external --page-bytes 30");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "--page-bytes 30: the page must be a positive multiple of 4 bytes")) << r.output;
}

TEST_F(EndToEnd, ExternalWeightsAreRejectedOnAvr) {
  TempDir dir("paged_avr");
  const DagModel d = dag_model(/*float_output=*/false);
  write_file(dir.path() / "dag.tflite", d.bytes);
  fs::create_directories(dir.path() / "vectors");
  write_dag_vectors(d, dir.path() / "vectors");
  const RunResult r = run("verify " + quoted(dir.path() / "dag.tflite") + " --vectors " + quoted(dir.path() / "vectors") +
                          " --target atmega328p --weights external");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "--weights external is not supported on atmega328p")) << r.output;
}

// int16 PAD (zeros) in front of CONV_2D and DEPTHWISE_CONV_2D folds into the convolution:
// with zero point 0 the taps the 16x8 kernels skip outside the image are the padded zeros.
// x[1,5,6,3] -> PAD (1,1 rows; 2,0 cols) -> CONV_2D 3x3 VALID (4 channels, int64 bias)
// -> PAD (0,2 rows; 1,1 cols) -> DEPTHWISE_CONV_2D 2x2 VALID (multiplier 1, no bias).
struct PadConvS16 {
  std::vector<int8_t> conv_w, dw_w;
  std::vector<int64_t> conv_bias;
  std::vector<float> conv_scales = {0.004f, 0.006f, 0.003f, 0.005f}, dw_scales = {0.01f, 0.02f, 0.015f, 0.012f};
  float in_scale = 1.f / 8192, mid_scale = 1.f / 2048, out_scale = 1.f / 1024;
};

// A VALID convolution of the zero-padded image, TFLM's 16x8 arithmetic (int64 sums,
// mbqm64); `depthwise` reads input channel oc for output channel oc.
std::vector<int16_t> conv_s16_reference(const std::vector<int16_t>& x, int h, int wd, int c, int top, int bottom,
                                        int left, int right, const std::vector<int8_t>& w, int k, int oc, bool depthwise,
                                        const std::vector<int64_t>& bias, float in_scale,
                                        const std::vector<float>& w_scales, float out_scale) {
  const int ph = h + top + bottom, pw = wd + left + right, oh = ph - k + 1, ow = pw - k + 1;
  auto at = [&](int y, int xx, int ch) -> int32_t {
    y -= top, xx -= left;
    return y < 0 || y >= h || xx < 0 || xx >= wd ? 0 : x[(y * wd + xx) * c + ch];
  };
  std::vector<int16_t> out;
  for (int y = 0; y < oh; ++y)
    for (int xx = 0; xx < ow; ++xx)
      for (int o = 0; o < oc; ++o) {
        int64_t acc = bias.empty() ? 0 : bias[o];
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            if (depthwise) acc += int64_t{w[(ky * k + kx) * oc + o]} * at(y + ky, xx + kx, o);
            else
              for (int ci = 0; ci < c; ++ci) acc += int64_t{w[((o * k + ky) * k + kx) * c + ci]} * at(y + ky, xx + kx, ci);
          }
        const tflm_ref::QM q = tflm_ref::quantize_multiplier(static_cast<double>(in_scale) * w_scales[o] / out_scale);
        out.push_back(static_cast<int16_t>(std::min(32767, std::max(-32768, tflm_ref::mbqm64(acc, q.m, q.s)))));
      }
  return out;
}

TEST_F(EndToEnd, Int16PadFoldsIntoTheConvolutionsBitExact) {
  PadConvS16 t;
  std::mt19937 rng(1616);
  t.conv_w.resize(4 * 3 * 3 * 3);
  for (auto& v : t.conv_w) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  t.dw_w.resize(2 * 2 * 4);
  for (auto& v : t.dw_w) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  t.conv_bias = {1000000, -2000000, 0, 123456789};
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::INT16, {1, 5, 6, 3}, q(t.in_scale, 0));
  const int pads1 = m.add_const_tensor("pads1", w::TensorType::INT32, {4, 2}, bytes_of(std::vector<int32_t>{0, 0, 1, 1, 2, 0, 0, 0}));
  const int padded1 = m.add_tensor("padded1", w::TensorType::INT16, {1, 7, 8, 3}, q(t.in_scale, 0));
  m.add_operator(static_cast<w::BuiltinOperator>(34), {x, pads1}, {padded1});
  const int cw = m.add_const_tensor("conv_w", w::TensorType::INT8, {4, 3, 3, 3}, bytes_of(t.conv_w),
                                    w::Quantization::symmetric_per_channel(t.conv_scales, 0));
  const int cb = m.add_const_tensor("conv_b", w::TensorType::INT64, {4}, bytes_of(t.conv_bias));
  const int mid = m.add_tensor("mid", w::TensorType::INT16, {1, 5, 6, 4}, q(t.mid_scale, 0));
  w::Conv2DOptions conv;
  conv.padding = w::Padding::VALID;
  m.add_conv_2d({padded1, cw, cb}, mid, conv);
  const int pads2 = m.add_const_tensor("pads2", w::TensorType::INT32, {4, 2}, bytes_of(std::vector<int32_t>{0, 0, 0, 2, 1, 1, 0, 0}));
  const int padded2 = m.add_tensor("padded2", w::TensorType::INT16, {1, 7, 8, 4}, q(t.mid_scale, 0));
  m.add_operator(static_cast<w::BuiltinOperator>(34), {mid, pads2}, {padded2});
  const int dw = m.add_const_tensor("dw_w", w::TensorType::INT8, {1, 2, 2, 4}, bytes_of(t.dw_w),
                                    w::Quantization::symmetric_per_channel(t.dw_scales, 3));
  const int y = m.add_tensor("y", w::TensorType::INT16, {1, 6, 7, 4}, q(t.out_scale, 0));
  w::DepthwiseConv2DOptions dwo;
  dwo.padding = w::Padding::VALID;
  m.add_depthwise_conv_2d({padded2, dw, -1}, y, dwo);
  m.set_outputs({y});
  const std::vector<uint8_t> bytes = m.finish();

  // Both PADs fold: two calls, each reading the unpadded tensor.
  const auto c = compile_bytes(bytes, "pad_conv_s16.tflite");
  ASSERT_EQ(c->calls.size(), 2u);
  for (const microflow::KernelCall& k : c->calls) {
    ASSERT_NE(k.folded_pad, nullptr) << k.function();
    EXPECT_STREQ(k.folded_pad->name, "PAD");
  }
  EXPECT_EQ(c->calls[0].input_tensor(), x);

  TempDir dir("pad_conv_s16");
  write_file(dir.path() / "pad_conv_s16.tflite", bytes);
  fs::create_directories(dir.path() / "vectors");
  const int n = 8;
  for (int v = 0; v < n; ++v) {
    std::vector<int16_t> in(5 * 6 * 3);
    for (auto& e : in) e = static_cast<int16_t>(static_cast<int>(rng() % 65536) - 32768);
    const auto h = conv_s16_reference(in, 5, 6, 3, 1, 1, 2, 0, t.conv_w, 3, 4, false, t.conv_bias, t.in_scale,
                                      t.conv_scales, t.mid_scale);
    const auto out = conv_s16_reference(h, 5, 6, 4, 0, 2, 1, 1, t.dw_w, 2, 4, true, {}, t.mid_scale, t.dw_scales,
                                        t.out_scale);
    const std::string name = "v" + std::to_string(v);
    write_file(dir.path() / "vectors" / (name + ".in.bin"), bytes_of(in));
    write_file(dir.path() / "vectors" / (name + ".out.bin"), bytes_of(out));
  }
  const RunResult r = run("verify " + quoted(dir.path() / "pad_conv_s16.tflite") + " --vectors " + quoted(dir.path() / "vectors"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
  EXPECT_TRUE(contains(r.output, want)) << "expected '" << want << "' in:\n" << r.output;
}

TEST_F(EndToEnd, CorruptedInt8ReferenceIsReportedAsMismatch) {
  TempDir dir("dag8bad");
  const DagModel d = dag_model(/*float_output=*/false);
  write_file(dir.path() / "dag8.tflite", d.bytes);
  const fs::path vec = dir.path() / "vectors";
  fs::create_directories(vec);
  const int n = write_dag_vectors(d, vec);
  // Flip one bit of output q (the last output) in one vector.
  std::ifstream in(vec / "v003.out.bin", std::ios::binary);
  std::vector<uint8_t> out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  ASSERT_EQ(out.size(), static_cast<size_t>(kDepth + kUnits + kDepth));
  out[kDepth + kUnits + 5] ^= 0x01;
  write_file(vec / "v003.out.bin", out);
  const RunResult r = run("verify " + quoted(dir.path() / "dag8.tflite") + " --vectors " + quoted(vec));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "v003: MISMATCH")) << r.output;
  const std::string want = "verify: " + std::to_string(n - 1) + "/" + std::to_string(n) + " bit-exact";
  EXPECT_TRUE(contains(r.output, want)) << "expected '" << want << "' in:\n" << r.output;
}

TEST_F(EndToEnd, CorruptedFloatReferenceFailsAtZeroTolerance) {
  TempDir dir("dagbad");
  const DagModel d = dag_model(/*float_output=*/true);
  write_file(dir.path() / "dag.tflite", d.bytes);
  const fs::path vec = dir.path() / "vectors";
  fs::create_directories(vec);
  const int n = write_dag_vectors(d, vec);
  // Move one float of output d by one ulp.
  std::ifstream in(vec / "v000.out.bin", std::ios::binary);
  std::vector<uint8_t> out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  ASSERT_EQ(out.size(), static_cast<size_t>(kDepth + 4 * kUnits + kDepth));
  float v;
  std::memcpy(&v, &out[kDepth + 4], 4);
  v = std::nextafter(v, INFINITY);
  std::memcpy(&out[kDepth + 4], &v, 4);
  write_file(vec / "v000.out.bin", out);
  const RunResult r = run("verify " + quoted(dir.path() / "dag.tflite") + " --vectors " + quoted(vec) +
                          " --tolerance 0");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "v000: FAIL")) << r.output;
  const std::string want = "verify: " + std::to_string(n - 1) + "/" + std::to_string(n) + " within tolerance";
  EXPECT_TRUE(contains(r.output, want)) << "expected '" << want << "' in:\n" << r.output;
}

// float in -> QUANTIZE -> FULLY_CONNECTED (int8, RELU) -> DEQUANTIZE -> float out
TEST_F(EndToEnd, FloatInterfaceAroundInt8FullyConnectedIsExact) {
  constexpr QParams kX{0.05f, -3}, kY{0.15f, 3};
  std::mt19937 rng(99);
  std::vector<int8_t> weights(kUnits * kDepth);
  for (auto& v : weights) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  const std::vector<int32_t> bias = {-300, 42, 7000, -1};
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::FLOAT32, {1, kDepth});
  const int xq = m.add_tensor("x_q", w::TensorType::INT8, {1, kDepth}, q(kX.scale, kX.zero_point));
  m.add_quantize(x, xq);
  const int wt = m.add_const_tensor("W", w::TensorType::INT8, {kUnits, kDepth}, bytes_of(weights),
                                    q(kW.scale, kW.zero_point));
  const int bt = m.add_const_tensor("bias", w::TensorType::INT32, {kUnits}, bytes_of(bias), q(kX.scale * kW.scale, 0));
  const int yq = m.add_tensor("y_q", w::TensorType::INT8, {1, kUnits}, q(kY.scale, kY.zero_point));
  m.add_fully_connected({xq, wt, bt}, yq, w::Activation::RELU);
  const int y = m.add_tensor("y", w::TensorType::FLOAT32, {1, kUnits});
  m.add_dequantize(yq, y);
  m.set_outputs({y});

  TempDir dir("float");
  write_file(dir.path() / "float_fc.tflite", m.finish());
  const fs::path vec = dir.path() / "vectors";
  fs::create_directories(vec);
  std::uniform_real_distribution<float> dist(-8.f, 8.f);  // beyond the int8 range on purpose
  const int n = 20;
  for (int i = 0; i < n; ++i) {
    std::vector<float> xv(kDepth);
    for (auto& v : xv) v = dist(rng);
    if (i == 0) xv = {0.025f, -0.025f, 0.075f, -0.125f, 0.f, 6.35f, -6.4f, 100.f};  // ties and saturation
    const auto yv = tflm_ref::dequantize(
        tflm_ref::fully_connected(tflm_ref::quantize(xv, kX), kX, weights, kW, bias, kY, Act::Relu), kY);
    char name[32];
    std::snprintf(name, sizeof name, "f%02d", i);
    write_file(vec / (std::string(name) + ".in.bin"), w::to_bytes(xv));
    write_file(vec / (std::string(name) + ".out.bin"), w::to_bytes(yv));
  }
  const RunResult r = run("verify " + quoted(dir.path() / "float_fc.tflite") + " --vectors " + quoted(vec) +
                          " --tolerance 0");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " within tolerance";
  EXPECT_TRUE(contains(r.output, want)) << "expected '" << want << "' in:\n" << r.output;
}

TEST_F(EndToEnd, CompileWritesHeaderWithTheModelApi) {
  TempDir dir("compile");
  const DagModel d = dag_model(/*float_output=*/true);
  write_file(dir.path() / "dag.tflite", d.bytes);
  const RunResult r = run("compile " + quoted(dir.path() / "dag.tflite") + " -o " + quoted(dir.path() / "gen") +
                          " --name dag_net");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(dir.path() / "gen" / "dag_net.h")) << r.output;
  ASSERT_TRUE(fs::exists(dir.path() / "gen" / "dag_net.cpp")) << r.output;
  const std::string h = read_text(dir.path() / "gen" / "dag_net.h");
  const std::string src = read_text(dir.path() / "gen" / "dag_net.cpp");

  // The arena size is the planner's.
  auto c = compile_bytes(d.bytes, "dag.tflite");
  EXPECT_TRUE(contains(h, "namespace dag_net {")) << h;
  EXPECT_TRUE(contains(h, "constexpr size_t kArenaBytes = " + std::to_string(c->plan.arena_bytes) + ";")) << h;
  EXPECT_TRUE(contains(h, "constexpr size_t kNumInputs = 2;")) << h;
  EXPECT_TRUE(contains(h, "constexpr size_t kNumOutputs = 3;")) << h;
  for (const char* fn : {"input0(uint8_t* arena)", "input1(uint8_t* arena)", "output0(uint8_t* arena)",
                         "output1(uint8_t* arena)", "output2(uint8_t* arena)", "void invoke(uint8_t* arena);",
                         "class Model {"})
    EXPECT_TRUE(contains(h, fn)) << "'" << fn << "' not in header:\n" << h;
  EXPECT_FALSE(contains(h, "input2(")) << h;
  EXPECT_FALSE(contains(h, "output3(")) << h;
  // Output 1 is the float DEQUANTIZE result, outputs 0 and 2 are int8.
  EXPECT_TRUE(contains(h, "inline float* output1(")) << h;
  EXPECT_TRUE(contains(h, "inline int8_t* output0(")) << h;
  EXPECT_TRUE(contains(h, "inline int8_t* output2(")) << h;
  // The accessors point where the planner put the tensors.
  const auto& g = c->graph;
  EXPECT_TRUE(contains(h, "arena + " + std::to_string(c->plan.offset_of(g.outputs[1])) + ")")) << h;

  EXPECT_TRUE(contains(src, "namespace dag_net {")) << src;
  for (const char* fn : {"mf::binary_quantized<mf::OpAdd>(", "mf::fully_connected_s8(", "mf::requantize_s8(", "mf::dequantize_s8_to_f32("})
    EXPECT_TRUE(contains(src, fn)) << "'" << fn << "' not in source";
  // For a Cortex-M and the host, --optimize=speed (the default) instantiates the target's FC
  // kernel for this layer; size keeps the generic one. The Cortex-M55 ("isa": ["dsp", "mve"])
  // keeps the int8 rows its Helium loop reads.
  const std::pair<const char*, const char*> variants[] = {{"cortex-m4", "mf::fully_connected_s8_wide_fixed<"},
                                                          {"cortex-m55", "mf::fully_connected_s8_rows_fixed<"},
                                                          {"host", "mf::fully_connected_s8_lanes_fixed<"}};
  for (const auto& [target, kernel] : variants)
    for (const char* level : {"speed", "size"}) {
      const fs::path out = dir.path() / (std::string(target) + level);
      const RunResult r = run("compile " + quoted(dir.path() / "dag.tflite") + " -o " + quoted(out) +
                              " --name dag_net --target " + target + " --optimize " + level);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      const std::string src = read_text(out / "dag_net.cpp");
      EXPECT_EQ(contains(src, kernel), std::string(level) == "speed") << target << "\n" << src;
      EXPECT_EQ(contains(src, "mf::fully_connected_s8("), std::string(level) == "size") << target << "\n" << src;
    }

  // Without --name, the identifier comes from the file stem.
  fs::copy_file(dir.path() / "dag.tflite", dir.path() / "my-dag.v2.tflite");
  const RunResult r2 = run("compile " + quoted(dir.path() / "my-dag.v2.tflite") + " -o " + quoted(dir.path() / "gen2"));
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  EXPECT_TRUE(contains(read_text(dir.path() / "gen2" / "my_dag_v2.h"), "namespace my_dag_v2 {"));
}

TEST_F(EndToEnd, CompileReportsModelErrorsWithFileAndOperator) {
  TempDir dir("compile_err");
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  const int b = m.add_tensor("b", w::TensorType::INT8, {1, 4}, q(1.f, 0));
  m.add_operator(static_cast<w::BuiltinOperator>(10), {a, a}, {b});  // HASHTABLE_LOOKUP
  m.set_outputs({b});
  const fs::path model = dir.path() / "lookup.tflite";
  write_file(model, m.finish());
  const RunResult r = run("compile " + quoted(model) + " -o " + quoted(dir.path() / "gen"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "error: " + model.string() + ": op 0 (HASHTABLE_LOOKUP): ")) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() / "gen" / "lookup.h"));
}


// A model file named after a C++ keyword must not produce `namespace default {`.
TEST_F(EndToEnd, ModelNamedAfterAKeywordStillGivesCompilableCode) {
  TempDir dir("keyword");
  const DagModel d = dag_model(/*float_output=*/false);
  const fs::path model = dir.path() / "default.tflite";
  write_file(model, d.bytes);
  const RunResult r = run("compile " + quoted(model) + " -o " + quoted(dir.path() / "gen"));
  if (r.exit_code != 0) {
    // Rejecting the name with a clear message is acceptable too.
    EXPECT_TRUE(contains(r.output, "error: ")) << r.output;
    return;
  }
  fs::path header;
  for (const auto& e : fs::directory_iterator(dir.path() / "gen"))
    if (e.path().extension() == ".h") header = e.path();
  ASSERT_FALSE(header.empty()) << r.output;
  const std::string cmd = "c++ -std=c++14 -fsyntax-only -x c++ " + quoted(header) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0)
      << "generated header " << header.filename() << " does not compile:\n" << out;
}

TEST_F(EndToEnd, ExplicitKeywordNameIsRejected) {
  TempDir dir("keyword2");
  const fs::path model = dir.path() / "m.tflite";
  write_file(model, dag_model(false).bytes);
  const RunResult r = run("compile " + quoted(model) + " -o " + quoted(dir.path() / "gen") + " --name class");
  EXPECT_NE(r.exit_code, 0) << "--name class was accepted; generated header starts a 'namespace class {':\n"
                            << read_text(dir.path() / "gen" / "class.h").substr(0, 600);
  EXPECT_TRUE(contains(r.output, "'class' cannot name the model's namespace")) << r.output;
}

// Float FULLY_CONNECTED weights are emitted exactly, including infinities:
// TFLM computes 0 * inf = NaN and inf + 1 = inf (clamped to FLT_MAX by the NONE
// activation range).
TEST_F(EndToEnd, FloatWeightsKeepInfinities) {
  const float inf = std::numeric_limits<float>::infinity();
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::FLOAT32, {1, 2});
  const int wt = m.add_const_tensor("W", w::TensorType::FLOAT32, {2, 2}, w::to_bytes(std::vector<float>{inf, 1.f, 1.f, 1.f}));
  const int y = m.add_tensor("y", w::TensorType::FLOAT32, {1, 2});
  m.add_fully_connected({x, wt, -1}, y);
  m.set_outputs({y});
  TempDir dir("inf");
  write_file(dir.path() / "inf.tflite", m.finish());
  const fs::path vec = dir.path() / "vectors";
  fs::create_directories(vec);
  auto expected = [&](float x0, float x1) {
    // §7 float: total = 0; total += x[d] * w[o,d]; clamp to [-FLT_MAX, FLT_MAX].
    std::vector<float> out;
    const float wv[2][2] = {{inf, 1.f}, {1.f, 1.f}};
    for (int o = 0; o < 2; ++o) {
      float total = 0.f;
      total += x0 * wv[o][0];
      total += x1 * wv[o][1];
      out.push_back(std::min(std::max(total, -FLT_MAX), FLT_MAX));
    }
    return out;
  };
  write_file(vec / "zero.in.bin", w::to_bytes(std::vector<float>{0.f, 1.f}));
  write_file(vec / "zero.out.bin", w::to_bytes(expected(0.f, 1.f)));  // {NaN, 1}
  write_file(vec / "one.in.bin", w::to_bytes(std::vector<float>{1.f, 1.f}));
  write_file(vec / "one.out.bin", w::to_bytes(expected(1.f, 1.f)));  // {FLT_MAX, 2}
  ASSERT_TRUE(std::isnan(expected(0.f, 1.f)[0]));
  const RunResult r = run("verify " + quoted(dir.path() / "inf.tflite") + " --vectors " + quoted(vec) +
                          " --tolerance 0");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "verify: 2/2 within tolerance")) << r.output;
}

TEST_F(EndToEnd, FloatWeightsHoldingNaNGiveCompilableCode) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::FLOAT32, {1, 2});
  const int wt = m.add_const_tensor("W", w::TensorType::FLOAT32, {2, 2}, w::to_bytes(std::vector<float>{nan, 1.f, 1.f, 1.f}));
  const int y = m.add_tensor("y", w::TensorType::FLOAT32, {1, 2});
  m.add_fully_connected({x, wt, -1}, y);
  m.set_outputs({y});
  TempDir dir("nan");
  write_file(dir.path() / "nan.tflite", m.finish());
  const fs::path vec = dir.path() / "vectors";
  fs::create_directories(vec);
  write_file(vec / "a.in.bin", w::to_bytes(std::vector<float>{2.f, 3.f}));
  write_file(vec / "a.out.bin", w::to_bytes(std::vector<float>{nan, 5.f}));
  const RunResult r = run("verify " + quoted(dir.path() / "nan.tflite") + " --vectors " + quoted(vec) +
                          " --tolerance 0");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "verify: 1/1 within tolerance")) << r.output;
}


// FULLY_CONNECTED in both variants, on shapes that exercise every remainder of the wide
// kernel's layout (depth % 4 and units % 4 of 0..3; on the host, where speed is the lanes
// kernel: odd depths and part blocks of eight outputs), a nonzero weight zero point (folded
// into the int16 weights at speed, an input sum at size), a ReLU bound and the smallest
// right shift (n = 0 in round_shift_q31).
TEST_F(EndToEnd, FullyConnectedVariantsAreBitExact) {
  struct Shape {
    int depth, units;
    float out_scale;
  };
  // Output scale 0.0015: the real multiplier 0.0006 / 0.0015 = 0.4 has shift -1 (n = 0).
  // 37 x 6: two whole 16-value Helium steps and a predicated tail of 5, then two single rows.
  for (const Shape sh : {Shape{7, 6, 0.05f}, Shape{9, 5, 0.0015f}, Shape{2, 3, 0.02f}, Shape{12, 8, 0.05f},
                         Shape{1, 1, 0.03f}, Shape{37, 6, 0.2f}}) {
    const QParams kx{0.03f, -5}, kw{0.02f, 6}, ky{sh.out_scale, -20};
    std::mt19937 rng(static_cast<unsigned>(sh.depth * 31 + sh.units));
    std::vector<int8_t> weights(static_cast<size_t>(sh.depth * sh.units));
    for (auto& v : weights) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    std::vector<int32_t> bias(static_cast<size_t>(sh.units));
    for (auto& v : bias) v = static_cast<int32_t>(rng() % 4001) - 2000;
    w::ModelWriter m;
    const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, sh.depth}, q(kx.scale, kx.zero_point));
    const int wt = m.add_const_tensor("W", w::TensorType::INT8, {sh.units, sh.depth}, bytes_of(weights),
                                      q(kw.scale, kw.zero_point));
    const int bt = m.add_const_tensor("bias", w::TensorType::INT32, {sh.units}, bytes_of(bias),
                                      q(kx.scale * kw.scale, 0));
    const int y = m.add_tensor("y", w::TensorType::INT8, {1, sh.units}, q(ky.scale, ky.zero_point));
    m.add_fully_connected({x, wt, bt}, y, w::Activation::RELU);
    m.set_outputs({y});
    TempDir dir("fc_variants");
    write_file(dir.path() / "fc.tflite", m.finish());
    fs::create_directories(dir.path() / "vectors");
    int n = 0;
    for (int i = 0; i < 20; ++i) {
      std::vector<int8_t> xv(static_cast<size_t>(sh.depth));
      for (auto& v : xv) v = static_cast<int8_t>(i < 2 ? (i == 0 ? -128 : 127) : static_cast<int>(rng() % 256) - 128);
      const auto yv = tflm_ref::fully_connected(xv, kx, weights, kw, bias, ky, Act::Relu);
      const std::string name = "v" + std::to_string(n++);
      write_file(dir.path() / "vectors" / (name + ".in.bin"), w::to_bytes(xv));
      write_file(dir.path() / "vectors" / (name + ".out.bin"), w::to_bytes(yv));
    }
    // The Arm DSP and Helium (MVE) inner loops too, where the cross compiler and QEMU are installed.
    std::vector<std::string> runs = {"--optimize speed", "--optimize size"};
    if (std::system("command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null") == 0) {
      runs.push_back("--optimize speed --target cortex-m4");
      runs.push_back("--optimize speed --target cortex-m55");
    }
    for (const std::string& options : runs) {
      const RunResult r = run("verify " + quoted(dir.path() / "fc.tflite") + " --vectors " +
                              quoted(dir.path() / "vectors") + " " + options);
      const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
      EXPECT_TRUE(contains(r.output, want)) << sh.depth << "x" << sh.units << " " << options << ":\n" << r.output;
    }
  }
}

// DEPTHWISE_CONV_2D (one input channel) -> RESHAPE -> FULLY_CONNECTED: the fused call, at
// --optimize=speed on a Cortex-M the wide kernel (int16 tap pairs, padded row buffer; the
// compiler's re-layout and requantization pairs), must match TFLM's two layers bit for bit on
// borders, strides, VALID/SAME, zero points and a ReLU; with --streaming-input on the call
// keeps its generic kernel, which has the row form.
TEST_F(EndToEnd, FusedDepthwiseFullyConnectedVariantsAreBitExact) {
  struct Case {
    tflm_ref::DepthwiseShape shape;
    int units;
    Act dw_act;
  };
  for (const Case& cs : {Case{{9, 10, 1, 4, 3, 3, 2, 2, true}, 3, Act::None},
                         Case{{6, 13, 1, 8, 2, 5, 1, 2, false}, 2, Act::Relu},
                         Case{{11, 8, 1, 4, 10, 8, 2, 2, true}, 4, Act::None}}) {
    const tflm_ref::DepthwiseShape& d = cs.shape;
    const int channels = d.depth * d.depth_multiplier, depth = d.out_height() * d.out_width() * channels;
    const QParams kx{0.1f, -128}, km{0.05f, -7}, kw{0.002f, 0}, ky{0.4f, 14};
    std::mt19937 rng(static_cast<unsigned>(d.height * 131 + d.width * 7 + channels));
    auto s8 = [&](size_t n) {
      std::vector<int8_t> v(n);
      for (auto& e : v) e = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      return v;
    };
    const std::vector<int8_t> dw_w = s8(static_cast<size_t>(d.filter_height * d.filter_width * channels));
    std::vector<float> dw_scales;
    std::vector<int32_t> dw_bias;
    for (int c = 0; c < channels; ++c) {
      dw_scales.push_back(0.004f + 0.001f * static_cast<float>(c % 3));
      dw_bias.push_back(static_cast<int32_t>(rng() % 2001) - 1000);
    }
    const std::vector<int8_t> fc_w = s8(static_cast<size_t>(cs.units * depth));
    std::vector<int32_t> fc_bias;
    for (int u = 0; u < cs.units; ++u) fc_bias.push_back(static_cast<int32_t>(rng() % 4001) - 2000);

    w::ModelWriter m;
    const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, d.height, d.width, 1}, q(kx.scale, kx.zero_point));
    const int f = m.add_const_tensor("dw_filter", w::TensorType::INT8, {1, d.filter_height, d.filter_width, channels},
                                     bytes_of(dw_w), w::Quantization::symmetric_per_channel(dw_scales, 3));
    std::vector<float> dw_bias_scales;
    for (float sc : dw_scales) dw_bias_scales.push_back(kx.scale * sc);
    const int b = m.add_const_tensor("dw_bias", w::TensorType::INT32, {channels}, bytes_of(dw_bias),
                                     w::Quantization::symmetric_per_channel(dw_bias_scales, 0));
    const int mid = m.add_tensor("mid", w::TensorType::INT8, {1, d.out_height(), d.out_width(), channels},
                                 q(km.scale, km.zero_point));
    w::DepthwiseConv2DOptions o;
    o.padding = d.same ? w::Padding::SAME : w::Padding::VALID;
    o.stride_h = d.stride_h, o.stride_w = d.stride_w, o.depth_multiplier = d.depth_multiplier;
    o.activation = cs.dw_act == Act::Relu ? w::Activation::RELU : w::Activation::NONE;
    m.add_depthwise_conv_2d({x, f, b}, mid, o);
    const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, depth}, q(km.scale, km.zero_point));
    m.add_reshape({mid}, flat, std::vector<int32_t>{1, depth});
    const int wt = m.add_const_tensor("fc_w", w::TensorType::INT8, {cs.units, depth}, bytes_of(fc_w),
                                      q(kw.scale, kw.zero_point));
    const int bt = m.add_const_tensor("fc_b", w::TensorType::INT32, {cs.units}, bytes_of(fc_bias),
                                      q(km.scale * kw.scale, 0));
    const int y = m.add_tensor("y", w::TensorType::INT8, {1, cs.units}, q(ky.scale, ky.zero_point));
    m.add_fully_connected({flat, wt, bt}, y, w::Activation::NONE);
    m.set_outputs({y});
    TempDir dir("dw_fc_variants");
    const fs::path model = dir.path() / "dwfc.tflite";
    write_file(model, m.finish());
    fs::create_directories(dir.path() / "vectors");
    int n = 0;
    for (int i = 0; i < 12; ++i) {
      std::vector<int8_t> xv = s8(static_cast<size_t>(d.height * d.width));
      if (i < 2) std::fill(xv.begin(), xv.end(), static_cast<int8_t>(i == 0 ? -128 : 127));
      const auto mv = tflm_ref::depthwise_conv_2d(xv, kx, d, dw_w, dw_scales, dw_bias, km, cs.dw_act);
      const auto yv = tflm_ref::fully_connected(mv, km, fc_w, kw, fc_bias, ky, Act::None);
      const std::string name = "v" + std::to_string(n++);
      write_file(dir.path() / "vectors" / (name + ".in.bin"), w::to_bytes(xv));
      write_file(dir.path() / "vectors" / (name + ".out.bin"), w::to_bytes(yv));
    }
    for (const char* level : {"speed", "size"}) {
      const RunResult r = run("compile " + quoted(model) + " -o " + quoted(dir.path() / level) +
                              " --name dwfc --target cortex-m4 --optimize " + level);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(contains(read_text(dir.path() / level / "dwfc.cpp"), "mf::depthwise_conv_2d_fully_connected_s8_wide_fixed<"),
                std::string(level) == "speed");
    }
    const RunResult rows = run("compile " + quoted(model) + " -o " + quoted(dir.path() / "rows") +
                               " --name dwfc --target cortex-m4 --streaming-input on");
    ASSERT_EQ(rows.exit_code, 0) << rows.output;
    EXPECT_TRUE(contains(read_text(dir.path() / "rows" / "dwfc.cpp"), "depthwise_conv_2d_fully_connected_input_rows_s8"));
    std::vector<std::string> runs = {"--optimize speed", "--optimize size", "--streaming-input on"};
    if (std::system("command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null") == 0) {
      runs.push_back("--optimize speed --target cortex-m4");
      runs.push_back("--optimize speed --target cortex-m4 --streaming-input on");
    }
    for (const std::string& options : runs) {
      const RunResult r = run("verify " + quoted(model) + " --vectors " + quoted(dir.path() / "vectors") + " " + options);
      const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
      EXPECT_TRUE(contains(r.output, want)) << d.height << "x" << d.width << " " << options << ":\n" << r.output;
    }
  }
}

// Depthwise and pooling written over their own input (planner: row-window in place, the
// output a few rows in front of the input): x -> DEPTHWISE_CONV_2D -> d -> pooling -> y,
// the arena smaller than with separate tensors, results bit-exact with TFLM's formulas.
// Case 1: 3x3 SAME stride 1 (gap two rows), then AVERAGE_POOL 2x2 VALID stride 2.
// Case 2: 3x3 SAME stride 2 with depth multiplier 2, then MAX_POOL 3x3 SAME stride 1.
TEST_F(EndToEnd, DepthwiseAndPoolingInPlaceAreBitExact) {
  struct Case {
    int h, w, c, dm, dw_stride, pool_k, pool_stride;
    bool average, pool_same;
  };
  for (const Case cs : {Case{12, 10, 8, 1, 1, 2, 2, true, false}, Case{12, 10, 4, 2, 2, 3, 1, false, true}}) {
    const QParams kx{0.05f, -3}, kd{0.1f, -10};
    const int oc = cs.c * cs.dm;
    const tflm_ref::DepthwiseShape dshape{cs.h, cs.w, cs.c, cs.dm, 3, 3, cs.dw_stride, cs.dw_stride, true};
    const int dh = dshape.out_height(), dwd = dshape.out_width();
    const int ph = cs.pool_same ? (dh + cs.pool_stride - 1) / cs.pool_stride : (dh - cs.pool_k) / cs.pool_stride + 1;
    const int pw = cs.pool_same ? (dwd + cs.pool_stride - 1) / cs.pool_stride : (dwd - cs.pool_k) / cs.pool_stride + 1;
    const tflm_ref::Window pwin{cs.pool_k, cs.pool_k, cs.pool_stride, cs.pool_stride,
                                cs.pool_same ? tflm_ref::same_pad_before(dh, ph, cs.pool_stride, cs.pool_k) : 0,
                                cs.pool_same ? tflm_ref::same_pad_before(dwd, pw, cs.pool_stride, cs.pool_k) : 0};
    std::mt19937 rng(static_cast<unsigned>(cs.c * 7 + cs.dm));
    std::vector<int8_t> weights(static_cast<size_t>(9 * oc));
    for (auto& v : weights) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    std::vector<int32_t> bias(static_cast<size_t>(oc));
    for (auto& v : bias) v = static_cast<int32_t>(rng() % 2001) - 1000;
    std::vector<float> scales(static_cast<size_t>(oc));
    for (size_t i = 0; i < scales.size(); ++i) scales[i] = 0.004f + 0.001f * static_cast<float>(i % 5);
    std::vector<float> bias_scales(scales.size());
    for (size_t i = 0; i < scales.size(); ++i) bias_scales[i] = kx.scale * scales[i];

    w::ModelWriter m;
    const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, cs.h, cs.w, cs.c}, q(kx.scale, kx.zero_point));
    const int wt = m.add_const_tensor("dw/w", w::TensorType::INT8, {1, 3, 3, oc}, bytes_of(weights),
                                      w::Quantization::symmetric_per_channel(scales, 3));
    const int bt = m.add_const_tensor("dw/b", w::TensorType::INT32, {oc}, bytes_of(bias),
                                      w::Quantization::symmetric_per_channel(bias_scales, 0));
    const int d = m.add_tensor("d", w::TensorType::INT8, {1, dh, dwd, oc}, q(kd.scale, kd.zero_point));
    m.add_depthwise_conv_2d({x, wt, bt}, d,
                            {.padding = w::Padding::SAME, .stride_w = cs.dw_stride, .stride_h = cs.dw_stride,
                             .depth_multiplier = cs.dm, .activation = w::Activation::RELU});
    const int y = m.add_tensor("y", w::TensorType::INT8, {1, ph, pw, oc}, q(kd.scale, kd.zero_point));
    const w::Pool2DOptions po{.padding = cs.pool_same ? w::Padding::SAME : w::Padding::VALID, .stride_w = cs.pool_stride,
                              .stride_h = cs.pool_stride, .filter_width = cs.pool_k, .filter_height = cs.pool_k};
    if (cs.average) m.add_average_pool_2d(d, y, po);
    else m.add_max_pool_2d(d, y, po);
    m.set_outputs({y});
    TempDir dir("dw_in_place");
    const std::vector<uint8_t> model = m.finish();
    write_file(dir.path() / "dwp.tflite", model);
    fs::create_directories(dir.path() / "vectors");
    int n = 0;
    for (int i = 0; i < 12; ++i) {
      std::vector<int8_t> xv(static_cast<size_t>(cs.h * cs.w * cs.c));
      for (auto& v : xv) v = static_cast<int8_t>(i < 2 ? (i == 0 ? -128 : 127) : static_cast<int>(rng() % 256) - 128);
      const auto dv = tflm_ref::depthwise_conv_2d(xv, kx, dshape, weights, scales, bias, kd, Act::Relu);
      const auto yv = tflm_ref::pool_2d(cs.average, dv, dh, dwd, oc, pwin, ph, pw);
      const std::string name = "v" + std::to_string(n++);
      write_file(dir.path() / "vectors" / (name + ".in.bin"), w::to_bytes(xv));
      write_file(dir.path() / "vectors" / (name + ".out.bin"), w::to_bytes(yv));
    }
    // Both layers run in place: inspect names them with their gaps, and the arena is
    // smaller than without them.
    const auto c = compile_bytes(model, "dwp.tflite");
    ASSERT_EQ(c->plan.in_place.size(), 2u);
    EXPECT_LT(c->plan.arena_bytes, c->plan.arena_without_row_windows);
    EXPECT_EQ(c->calls[0].function(), "depthwise_conv_2d_by_rows_s8");
    const RunResult inspect = run("inspect " + quoted(dir.path() / "dwp.tflite") + " --memory --patch-streaming off");
    ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
    EXPECT_TRUE(contains(inspect.output, "op 0 DEPTHWISE_CONV_2D writes tensor")) << inspect.output;
    EXPECT_TRUE(contains(inspect.output, cs.average ? "op 1 AVERAGE_POOL_2D writes tensor" : "op 1 MAX_POOL_2D writes tensor"))
        << inspect.output;
    EXPECT_TRUE(contains(inspect.output, "-byte gap: saves ")) << inspect.output;
    std::vector<std::string> runs = {"--optimize speed", "--optimize size"};
    if (std::system("command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null") == 0)
      runs.push_back("--target cortex-m4");
    for (const std::string& options : runs) {
      const RunResult r = run("verify " + quoted(dir.path() / "dwp.tflite") + " --vectors " +
                              quoted(dir.path() / "vectors") + " --patch-streaming off " + options);
      const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
      EXPECT_TRUE(contains(r.output, want)) << "case dm " << cs.dm << " " << options << ":\n" << r.output;
    }
  }
}

// Band regions ending in sinks (--patch-streaming on): x -> DEPTHWISE_CONV_2D -> d -> pooling
// -> RESHAPE -> FULLY_CONNECTED, bit-exact with TFLM's formulas. Case 1: a global VALID
// average pooling (sink) then the FC (sink) on its one row. Case 2: a max pooling with one
// output row, SAME (window taller than the image: a padded row above it; three-column
// windows at stride 2: edge windows are smaller). Case 3: a 2x2 average pooling with many
// output rows (a line-buffer stage), so the FC sink meets each of its rows with that row's
// slice of the weights. Host, and where the simulators are there Cortex-M4 and ATmega328P.
TEST_F(EndToEnd, BandRegionSinksAreBitExact) {
  struct Case {
    int h, w, dm, dw_stride, pool_kh, pool_kw, pool_sh, pool_sw, units;
    bool dw_same, average, pool_same;
    const char* sinks;  // what inspect --memory names
  };
  for (const Case cs : {Case{9, 7, 2, 1, 9, 7, 9, 7, 3, true, true, false, "(AVERAGE_POOL_2D+FULLY_CONNECTED sink)"},
                        Case{11, 9, 3, 2, 8, 3, 8, 2, 5, true, false, true, "(MAX_POOL_2D+FULLY_CONNECTED sink)"},
                        Case{8, 6, 2, 1, 2, 2, 1, 1, 4, false, true, false, "(FULLY_CONNECTED sink)"}}) {
    const QParams kx{0.05f, -3}, kd{0.1f, -10}, kw{0.003f, 0}, ky{0.3f, 4};
    const int oc = 2 * cs.dm;
    const tflm_ref::DepthwiseShape dshape{cs.h, cs.w, 2, cs.dm, 3, 3, cs.dw_stride, cs.dw_stride, cs.dw_same};
    const int dh = dshape.out_height(), dwd = dshape.out_width();
    auto out = [](bool same, int in, int k, int s) { return same ? (in + s - 1) / s : (in - k) / s + 1; };
    const int ph = out(cs.pool_same, dh, cs.pool_kh, cs.pool_sh), pw = out(cs.pool_same, dwd, cs.pool_kw, cs.pool_sw);
    const tflm_ref::Window pwin{cs.pool_kh, cs.pool_kw, cs.pool_sh, cs.pool_sw,
                                cs.pool_same ? tflm_ref::same_pad_before(dh, ph, cs.pool_sh, cs.pool_kh) : 0,
                                cs.pool_same ? tflm_ref::same_pad_before(dwd, pw, cs.pool_sw, cs.pool_kw) : 0};
    const int depth = ph * pw * oc;
    std::mt19937 rng(static_cast<unsigned>(cs.h * 17 + cs.units));
    auto s8 = [&](size_t n) {
      std::vector<int8_t> v(n);
      for (auto& e : v) e = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      return v;
    };
    const std::vector<int8_t> dw_w = s8(static_cast<size_t>(9 * oc)), fc_w = s8(static_cast<size_t>(cs.units * depth));
    std::vector<float> scales, bias_scales;
    std::vector<int32_t> dw_bias, fc_bias;
    for (int c = 0; c < oc; ++c) {
      scales.push_back(0.004f + 0.001f * static_cast<float>(c % 3));
      bias_scales.push_back(kx.scale * scales.back());
      dw_bias.push_back(static_cast<int32_t>(rng() % 2001) - 1000);
    }
    for (int u = 0; u < cs.units; ++u) fc_bias.push_back(static_cast<int32_t>(rng() % 4001) - 2000);

    w::ModelWriter m;
    const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, cs.h, cs.w, 2}, q(kx.scale, kx.zero_point));
    const int wt = m.add_const_tensor("dw/w", w::TensorType::INT8, {1, 3, 3, oc}, bytes_of(dw_w),
                                      w::Quantization::symmetric_per_channel(scales, 3));
    const int bt = m.add_const_tensor("dw/b", w::TensorType::INT32, {oc}, bytes_of(dw_bias),
                                      w::Quantization::symmetric_per_channel(bias_scales, 0));
    const int d = m.add_tensor("d", w::TensorType::INT8, {1, dh, dwd, oc}, q(kd.scale, kd.zero_point));
    m.add_depthwise_conv_2d({x, wt, bt}, d,
                            {.padding = cs.dw_same ? w::Padding::SAME : w::Padding::VALID, .stride_w = cs.dw_stride,
                             .stride_h = cs.dw_stride, .depth_multiplier = cs.dm, .activation = w::Activation::RELU});
    const int p = m.add_tensor("p", w::TensorType::INT8, {1, ph, pw, oc}, q(kd.scale, kd.zero_point));
    const w::Pool2DOptions po{.padding = cs.pool_same ? w::Padding::SAME : w::Padding::VALID, .stride_w = cs.pool_sw,
                              .stride_h = cs.pool_sh, .filter_width = cs.pool_kw, .filter_height = cs.pool_kh};
    if (cs.average) m.add_average_pool_2d(d, p, po);
    else m.add_max_pool_2d(d, p, po);
    const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, depth}, q(kd.scale, kd.zero_point));
    m.add_reshape({p}, flat, std::vector<int32_t>{1, depth});
    const int fw = m.add_const_tensor("fc/w", w::TensorType::INT8, {cs.units, depth}, bytes_of(fc_w),
                                      q(kw.scale, kw.zero_point));
    const int fb = m.add_const_tensor("fc/b", w::TensorType::INT32, {cs.units}, bytes_of(fc_bias),
                                      q(kd.scale * kw.scale, 0));
    const int y = m.add_tensor("y", w::TensorType::INT8, {1, cs.units}, q(ky.scale, ky.zero_point));
    m.add_fully_connected({flat, fw, fb}, y, w::Activation::NONE);
    m.set_outputs({y});
    TempDir dir("band_sinks");
    write_file(dir.path() / "sinks.tflite", m.finish());
    fs::create_directories(dir.path() / "vectors");
    int n = 0;
    for (int i = 0; i < 12; ++i) {
      std::vector<int8_t> xv = s8(static_cast<size_t>(cs.h * cs.w * 2));
      if (i < 2) std::fill(xv.begin(), xv.end(), static_cast<int8_t>(i == 0 ? -128 : 127));
      const auto dv = tflm_ref::depthwise_conv_2d(xv, kx, dshape, dw_w, scales, dw_bias, kd, Act::Relu);
      const auto pv = tflm_ref::pool_2d(cs.average, dv, dh, dwd, oc, pwin, ph, pw);
      const auto yv = tflm_ref::fully_connected(pv, kd, fc_w, kw, fc_bias, ky, Act::None);
      const std::string name = "v" + std::to_string(n++);
      write_file(dir.path() / "vectors" / (name + ".in.bin"), w::to_bytes(xv));
      write_file(dir.path() / "vectors" / (name + ".out.bin"), w::to_bytes(yv));
    }
    const RunResult inspect = run("inspect " + quoted(dir.path() / "sinks.tflite") + " --memory --patch-streaming on");
    ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
    EXPECT_TRUE(contains(inspect.output, std::string("region ops 0+1+2+3 ") + cs.sinks)) << inspect.output;
    std::vector<std::string> runs = {"--optimize speed", "--optimize size"};
    if (std::system("command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null") == 0)
      runs.push_back("--target cortex-m4");
    // AVR: the sinks read params, weights and biases from program memory.
    if (MICROFLOW_HAS_SIMAVR && std::system("command -v avr-g++ >/dev/null") == 0) runs.push_back("--target atmega328p");
    for (const std::string& options : runs) {
      const RunResult r = run("verify " + quoted(dir.path() / "sinks.tflite") + " --vectors " +
                              quoted(dir.path() / "vectors") + " --patch-streaming on " + options);
      const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
      EXPECT_TRUE(contains(r.output, want)) << "case " << cs.sinks << " " << options << ":\n" << r.output;
    }
  }
}

}  // namespace
}  // namespace mftest
