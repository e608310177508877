// microflow_bench_models DIR [NAME...]: writes the benchmark graphs built with the project's
// tflite writer into DIR/<name>.tflite (all of them, or the NAMEs). One model per idiom a
// compile-time rewrite removes, in the shapes real models have (bench/rewrites.py compiles
// each with --rewrites on and off):
//   mobilenet_v2_block_int8  Keras MobileNetV2 blocks: ZeroPadding2D (PAD) before a stride-2
//                            VALID depthwise, a SAME-style PAD before a stride-1 one, 1x1
//                            expand / project convolutions, a residual ADD
//   inception_concat_int8    three branches (1x1, 3x3, pool + 1x1) joined by CONCATENATION
//   conv_leaky_relu_int8     two CONV_2D 3x3, each followed by a standalone LEAKY_RELU (the face
//                            / person detectors' backbone)
//   conv_logistic_int8       the same with a standalone LOGISTIC after each CONV_2D
//   pool_tanh_int8           two AVERAGE_POOL_2D 3x3, each followed by a standalone TANH
// and the single-operator models of bench/int8_tables.py (--int8-tables on and off):
//   logistic_int8, tanh_int8 one LOGISTIC / TANH over 4096 int8 values (input scale 0.05,
//                            zero point 0: |x| up to 6.4, the range where TFLM's arithmetic
//                            does not saturate and sigmoid / tanh still bend)
// Weights are pseudo-random with a fixed seed, so every run writes the same bytes.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "microflow/tflite_writer.h"

namespace {

namespace w = microflow::tools;
using w::Quantization;
using w::TensorType;

// One activation quantization for every tensor that must share it (CONCATENATION inputs, PAD).
const Quantization kActivation(0.05f, -3);

class Builder {
 public:
  explicit Builder(uint32_t seed) : rng_(seed) {}

  int input(std::vector<int32_t> shape) { return m_.add_input_tensor("input", TensorType::INT8, shape, kActivation); }

  int activation(const std::string& name, std::vector<int32_t> shape, Quantization q = kActivation) {
    return m_.add_tensor(name, TensorType::INT8, shape, q);
  }

  // CONV_2D with per-channel weights [out][k][k][in], scales around 0.02.
  int conv(const std::string& name, int x, std::vector<int32_t> out_shape, int32_t in_depth, int32_t k,
           w::Conv2DOptions o) {
    const int32_t out_depth = out_shape[3];
    const int filter = m_.add_const_tensor(name + "/filter", TensorType::INT8, {out_depth, k, k, in_depth},
                                           weights(static_cast<size_t>(out_depth * k * k * in_depth)),
                                           Quantization::symmetric_per_channel(scales(out_depth), 0));
    const int y = activation(name, out_shape);
    m_.add_conv_2d({x, filter, bias(name, out_depth)}, y, o);
    return y;
  }

  int depthwise(const std::string& name, int x, std::vector<int32_t> out_shape, int32_t k,
                w::DepthwiseConv2DOptions o) {
    const int32_t depth = out_shape[3];
    const int filter = m_.add_const_tensor(name + "/filter", TensorType::INT8, {1, k, k, depth},
                                           weights(static_cast<size_t>(k * k * depth)),
                                           Quantization::symmetric_per_channel(scales(depth), 3));
    const int y = activation(name, out_shape);
    m_.add_depthwise_conv_2d({x, filter, bias(name, depth)}, y, o);
    return y;
  }

  // PAD with the input's zero point (TF's ZeroPadding2D): paddings [[0,0],[top,bottom],[left,right],[0,0]].
  int pad(const std::string& name, int x, std::vector<int32_t> out_shape, int32_t top, int32_t bottom, int32_t left,
          int32_t right) {
    const int paddings = m_.add_const_tensor(name + "/paddings", TensorType::INT32, {4, 2},
                                             w::to_bytes(std::vector<int32_t>{0, 0, top, bottom, left, right, 0, 0}));
    const int y = activation(name, out_shape);
    m_.add_operator(w::BuiltinOperator::Pad, {x, paddings}, {y});
    return y;
  }

  w::ModelWriter& writer() { return m_; }

 private:
  std::vector<uint8_t> weights(size_t n) {
    std::uniform_int_distribution<int> d(-127, 127);
    std::vector<uint8_t> v(n);
    for (uint8_t& b : v) b = static_cast<uint8_t>(static_cast<int8_t>(d(rng_)));
    return v;
  }
  std::vector<float> scales(int32_t n) {
    std::uniform_real_distribution<float> d(0.01f, 0.03f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& s : v) s = d(rng_);
    return v;
  }
  int bias(const std::string& name, int32_t n) {
    std::uniform_int_distribution<int32_t> d(-2000, 2000);
    std::vector<int32_t> v(static_cast<size_t>(n));
    for (int32_t& b : v) b = d(rng_);
    return m_.add_const_tensor(name + "/bias", TensorType::INT32, {n}, w::to_bytes(v));
  }

  w::ModelWriter m_;
  std::mt19937 rng_;
};

constexpr w::Activation kRelu6 = w::Activation::RELU6;

std::vector<uint8_t> mobilenet_v2_block() {
  Builder b(1);
  const int x = b.input({1, 48, 48, 8});
  // Block 1, stride 2: expand, ZeroPadding2D(((0, 1), (0, 1))), 3x3 depthwise VALID, project.
  int t = b.conv("block1/expand", x, {1, 48, 48, 24}, 8, 1, {.padding = w::Padding::VALID, .activation = kRelu6});
  t = b.pad("block1/pad", t, {1, 49, 49, 24}, 0, 1, 0, 1);
  t = b.depthwise("block1/depthwise", t, {1, 24, 24, 24}, 3,
                  {.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .activation = kRelu6});
  const int p1 = b.conv("block1/project", t, {1, 24, 24, 16}, 24, 1, {.padding = w::Padding::VALID});
  // Block 2, stride 1, residual: expand, PAD 1 all round, 3x3 depthwise VALID, project, ADD.
  t = b.conv("block2/expand", p1, {1, 24, 24, 48}, 16, 1, {.padding = w::Padding::VALID, .activation = kRelu6});
  t = b.pad("block2/pad", t, {1, 26, 26, 48}, 1, 1, 1, 1);
  t = b.depthwise("block2/depthwise", t, {1, 24, 24, 48}, 3, {.padding = w::Padding::VALID, .activation = kRelu6});
  const int p2 = b.conv("block2/project", t, {1, 24, 24, 16}, 48, 1, {.padding = w::Padding::VALID});
  const int y = b.activation("block2/add", {1, 24, 24, 16});
  b.writer().add_add(p1, p2, y);
  b.writer().set_outputs({y});
  return b.writer().finish();
}

std::vector<uint8_t> inception_concat() {
  Builder b(2);
  const int x = b.input({1, 16, 16, 16});
  const int a = b.conv("branch_1x1", x, {1, 16, 16, 8}, 16, 1, {.padding = w::Padding::SAME});
  const int c = b.conv("branch_3x3", x, {1, 16, 16, 8}, 16, 3, {.padding = w::Padding::SAME});
  const int pooled = b.activation("branch_pool/pool", {1, 16, 16, 16});
  b.writer().add_max_pool_2d(x, pooled, {.padding = w::Padding::SAME, .filter_width = 3, .filter_height = 3});
  const int p = b.conv("branch_pool/1x1", pooled, {1, 16, 16, 8}, 16, 1, {.padding = w::Padding::SAME});
  const int joined = b.activation("concat", {1, 16, 16, 24});
  b.writer().add_operator(w::BuiltinOperator::Concatenation, {a, c, p}, {joined}, w::ConcatenationOptions{.axis = 3});
  const int y = b.conv("head", joined, {1, 16, 16, 16}, 24, 1, {.padding = w::Padding::SAME});
  b.writer().set_outputs({y});
  return b.writer().finish();
}

// Two CONV_2D 3x3 SAME layers (1x24x24x8 -> 16 -> 16 channels), each followed by one
// standalone activation, as the detectors' backbones chain them. A standalone activation
// between two convolutions also breaks the chain that band streaming would compute row by row.
std::vector<uint8_t> conv_then(w::BuiltinOperator activation, w::BuiltinOptions options, Quantization out) {
  Builder b(3);
  int x = b.input({1, 24, 24, 8});
  int32_t depth = 8;
  for (const std::string block : {"block1", "block2"}) {
    const int c = b.conv(block + "/conv", x, {1, 24, 24, 16}, depth, 3, {.padding = w::Padding::SAME});
    x = b.activation(block + "/activation", {1, 24, 24, 16}, out);
    b.writer().add_operator(activation, {c}, {x}, options);
    depth = 16;
  }
  b.writer().set_outputs({x});
  return b.writer().finish();
}

// Two AVERAGE_POOL_2D 3x3 SAME stride 1 over 1x24x24x16, each followed by a standalone
// TANH (TFLM's int8 output quantization; the pooling keeps its input's).
std::vector<uint8_t> pool_tanh() {
  Builder b(5);
  const Quantization tanh_out(1.f / 128, 0);
  int x = b.input({1, 24, 24, 16});
  Quantization q = kActivation;
  for (const std::string block : {"block1", "block2"}) {
    const int pooled = b.activation(block + "/pool", {1, 24, 24, 16}, q);
    b.writer().add_average_pool_2d(x, pooled, {.padding = w::Padding::SAME, .filter_width = 3, .filter_height = 3});
    x = b.activation(block + "/tanh", {1, 24, 24, 16}, tanh_out);
    b.writer().add_operator(w::BuiltinOperator::Tanh, {pooled}, {x});
    q = tanh_out;
  }
  b.writer().set_outputs({x});
  return b.writer().finish();
}

// One int8 LOGISTIC or TANH over [1,4096], with TFLM's fixed output quantizations.
std::vector<uint8_t> unary(w::BuiltinOperator op, Quantization out) {
  Builder b(4);
  w::ModelWriter& m = b.writer();
  const int x = m.add_input_tensor("input", TensorType::INT8, {1, 4096}, Quantization(0.05f, 0));
  const int y = b.activation("output", {1, 4096}, out);
  m.add_operator(op, {x}, {y});
  m.set_outputs({y});
  return m.finish();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [NAME...]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> models = {
      {"mobilenet_v2_block_int8", mobilenet_v2_block()},
      {"inception_concat_int8", inception_concat()},
      {"conv_leaky_relu_int8",
       conv_then(w::BuiltinOperator::LeakyRelu, w::LeakyReluOptions{.alpha = 0.2f}, Quantization(0.04f, -20))},
      // TFLM's int8 LOGISTIC output: scale 1/256, zero point -128.
      {"conv_logistic_int8", conv_then(w::BuiltinOperator::Logistic, {}, Quantization(1.f / 256, -128))},
      {"pool_tanh_int8", pool_tanh()},
      {"logistic_int8", unary(w::BuiltinOperator::Logistic, Quantization(1.f / 256, -128))},
      {"tanh_int8", unary(w::BuiltinOperator::Tanh, Quantization(1.f / 128, 0))},
  };
  const std::vector<std::string> wanted(argv + 2, argv + argc);
  for (const std::string& name : wanted)
    if (std::find_if(models.begin(), models.end(), [&](const auto& m) { return m.first == name; }) == models.end()) {
      std::fprintf(stderr, "%s: no such benchmark model\n", name.c_str());
      return 2;
    }
  for (const auto& [name, bytes] : models) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    const std::filesystem::path path = dir / (name + ".tflite");
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "%s: cannot write\n", path.c_str());
      return 1;
    }
    std::printf("%s\n", path.c_str());
  }
  return 0;
}
