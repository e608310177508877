// int8 activations folded into the layer before them (passes/activation_fold.cpp): which
// pairs fold (a table into CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD and pooling, a
// clamp into any int8 layer with an activation range),
// which do not (the intermediate tensor read elsewhere or a model output, --rewrites off),
// and the generated code with the fold is bit-exact: expected outputs are TFLM's formulas
// for the layer (tflm_reference.h) followed by the activation's table, and `verify` runs
// the same vectors with --rewrites on and off.
#include <random>

#include "kernels/binary.h"
#include "kernels/conv.h"
#include "kernels/fully_connected.h"
#include "kernels/pooling.h"
#include "ops/int8_table.h"
#include "passes/activation_fold.h"
#include "test_util.h"
#include "tflm_reference.h"

namespace mftest {
namespace {

using tflm_ref::Act;
using tflm_ref::QParams;
using Op = w::BuiltinOperator;
constexpr auto kRelu6 = static_cast<Op>(21), kHardSwish = static_cast<Op>(117);

constexpr QParams kIn{0.05f, -3}, kMid{0.04f, -20}, kAddend{0.06f, 7};

// The layer before the activation. FullyConnected: x [1, depth] (height = width = 1),
// per-tensor weights. Add: x plus a constant of x's shape. Pooling: kernel x kernel, stride 1,
// SAME. Add and pooling keep the channels (out_depth = depth).
enum class Kind { Conv, Depthwise, FullyConnected, Add, AveragePool, MaxPool };

// x [1,H,W,C] -> layer -> mid -> activation -> y, `blocks` times (each later block's layer
// reads the previous y: depth out_depth, quantization `out`); `also` adds a second reader of
// the first mid (a RELU6 to a second output), `mid_is_output` makes it a model output.
struct Model {
  Kind kind = Kind::Conv;
  int32_t height = 7, width = 6, depth = 5, out_depth = 8, kernel = 3, blocks = 1;
  Op activation = Op::LeakyRelu;
  w::BuiltinOptions options = w::LeakyReluOptions{0.2f};
  QParams out = {0.03f, 5};
  bool also = false, mid_is_output = false;
  struct Layer {
    std::vector<int8_t> weights;
    std::vector<float> scales;
    std::vector<int32_t> bias;
  };
  std::vector<Layer> layers;

  bool fully_connected() const { return kind == Kind::FullyConnected; }
  bool depthwise() const { return kind == Kind::Depthwise; }
  bool pooling() const { return kind == Kind::AveragePool || kind == Kind::MaxPool; }
  int32_t in_depth(int block) const { return block == 0 ? depth : out_depth; }
  std::vector<int32_t> shape(int32_t channels) const {
    return fully_connected() ? std::vector<int32_t>{1, channels} : std::vector<int32_t>{1, height, width, channels};
  }
  static constexpr QParams kFcWeights{0.02f, 0};
  QParams in_quant(int block) const { return block == 0 ? kIn : out; }
  // TFLM's pooling keeps its input's quantization.
  QParams mid_quant(int block) const { return pooling() ? in_quant(block) : kMid; }

  // The block's layer from x to mid; its constants into `l`.
  void write_layer(w::ModelWriter& m, std::mt19937& rng, int block, const std::string& tag, int x, int mid) {
    Layer& l = layers[static_cast<size_t>(block)];
    const auto random_bytes = [&](size_t n) {
      l.weights.resize(n);
      for (auto& v : l.weights) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    };
    const w::Pool2DOptions window{.filter_width = kernel, .filter_height = kernel};
    switch (kind) {
      case Kind::Add:
        random_bytes(static_cast<size_t>(height * width * out_depth));
        m.add_add(x, m.add_const_tensor(tag + "c", w::TensorType::INT8, shape(out_depth), bytes_of(l.weights),
                                        q(kAddend.scale, kAddend.zero_point)),
                  mid);
        return;
      case Kind::AveragePool: m.add_average_pool_2d(x, mid, window); return;
      case Kind::MaxPool: m.add_max_pool_2d(x, mid, window); return;
      default: break;
    }
    random_bytes(static_cast<size_t>(fully_connected() ? out_depth * in_depth(block)
                                                       : kernel * kernel * (depthwise() ? out_depth : out_depth * in_depth(block))));
    for (int32_t c = 0; c < out_depth; ++c) {
      l.scales.push_back(0.002f + 0.0005f * static_cast<float>(c));
      l.bias.push_back(static_cast<int32_t>(rng() % 4001) - 2000);
    }
    const std::vector<int32_t> filter_shape = depthwise() ? std::vector<int32_t>{1, kernel, kernel, out_depth}
                                                          : std::vector<int32_t>{out_depth, kernel, kernel, in_depth(block)};
    const int f = fully_connected()
                      ? m.add_const_tensor(tag + "w", w::TensorType::INT8, {out_depth, in_depth(block)},
                                           bytes_of(l.weights), q(kFcWeights.scale, kFcWeights.zero_point))
                      : m.add_const_tensor(tag + "w", w::TensorType::INT8, filter_shape, bytes_of(l.weights),
                                           w::Quantization::symmetric_per_channel(l.scales, depthwise() ? 3 : 0));
    // FULLY_CONNECTED checks the bias scale (input x weight scale, as TFLite writes it).
    const int b = fully_connected() ? m.add_const_tensor(tag + "b", w::TensorType::INT32, {out_depth}, bytes_of(l.bias),
                                                         q(in_quant(block).scale * kFcWeights.scale, 0))
                                    : m.add_const_tensor(tag + "b", w::TensorType::INT32, {out_depth}, bytes_of(l.bias));
    if (fully_connected()) {
      m.add_fully_connected({x, f, b}, mid);
    } else if (depthwise()) {
      m.add_depthwise_conv_2d({x, f, b}, mid, w::DepthwiseConv2DOptions{});
    } else {
      m.add_conv_2d({x, f, b}, mid, w::Conv2DOptions{});
    }
  }

  std::vector<uint8_t> write(std::mt19937& rng) {
    layers.assign(static_cast<size_t>(blocks), {});
    w::ModelWriter m;
    int x = m.add_input_tensor("x", w::TensorType::INT8, shape(depth), q(kIn.scale, kIn.zero_point));
    std::vector<int32_t> outputs;
    for (int block = 0; block < blocks; ++block) {
      const std::string tag = block ? std::string("b").append(std::to_string(block)) : std::string();
      const QParams mq = mid_quant(block);
      const int mid = m.add_tensor(tag + "mid", w::TensorType::INT8, shape(out_depth), q(mq.scale, mq.zero_point));
      write_layer(m, rng, block, tag, x, mid);
      x = m.add_tensor(tag + "y", w::TensorType::INT8, shape(out_depth), q(out.scale, out.zero_point));
      m.add_operator(activation, {mid}, {x}, options);
      if (block > 0) continue;
      if (also) {
        const int z = m.add_tensor("z", w::TensorType::INT8, shape(out_depth), q(mq.scale, mq.zero_point));
        m.add_operator(kRelu6, {mid}, {z});
        outputs.push_back(z);
      }
      if (mid_is_output) outputs.push_back(mid);
    }
    outputs.insert(outputs.begin(), x);
    m.set_outputs(outputs);
    return m.finish();
  }

  // TFLM's layer, then the activation's table (ops/int8_table.h, checked against TFLM's
  // formulas by test_int8_tables.cpp), block after block: tables[block] (each block's
  // activation in execution order).
  std::vector<int8_t> expected(std::vector<int8_t> x, const std::vector<microflow::Int8Table>& tables) const {
    for (int block = 0; block < blocks; ++block) {
      const Layer& l = layers[static_cast<size_t>(block)];
            switch (kind) {
        case Kind::FullyConnected:
          x = tflm_ref::fully_connected(x, in_quant(block), l.weights, kFcWeights, l.bias, kMid, Act::None);
          break;
        case Kind::Depthwise: {
          const tflm_ref::DepthwiseShape s{height, width, in_depth(block), out_depth / in_depth(block), kernel, kernel, 1, 1, true};
          x = tflm_ref::depthwise_conv_2d(x, in_quant(block), s, l.weights, l.scales, l.bias, kMid, Act::None);
          break;
        }
        case Kind::Conv: {
          const tflm_ref::ConvShape s{height, width, in_depth(block), out_depth, kernel, kernel, 1, 1, true};
          x = tflm_ref::conv_2d(x, in_quant(block), s, l.weights, l.scales, l.bias, kMid, Act::None);
          break;
        }
        case Kind::Add: x = tflm_ref::add(x, in_quant(block), l.weights, kAddend, kMid, Act::None); break;
        case Kind::AveragePool:
        case Kind::MaxPool:
          x = tflm_ref::pool_2d(kind == Kind::AveragePool, x, height, width, out_depth,
                                {kernel, kernel, 1, 1, tflm_ref::same_pad_before(height, height, 1, kernel),
                                 tflm_ref::same_pad_before(width, width, 1, kernel)}, height,
                                width);
          break;
      }
      const microflow::Int8Table& table = tables.at(static_cast<size_t>(block));
      for (int8_t& v : x) v = table[static_cast<uint8_t>(v)];
    }
    return x;
  }
};

// The calls with a folded activation in execution order, band regions' stages included.
std::vector<const microflow::KernelCall*> folded_calls(const Compiled& c) {
  std::vector<const microflow::KernelCall*> found;
  for (const microflow::KernelCall& k : c.calls) {
    if (k.folded_activation) found.push_back(&k);
    for (const microflow::KernelCall& stage : k.stages)
      if (stage.folded_activation) found.push_back(&stage);
  }
  return found;
}

// The first of them, or nullptr.
const microflow::KernelCall* folded_call(const Compiled& c) {
  const auto found = folded_calls(c);
  return found.empty() ? nullptr : found.front();
}

std::unique_ptr<Compiled> compile_plain(const std::vector<uint8_t>& bytes) {
  auto c = std::make_unique<Compiled>();
  microflow::CompileOptions o;
  o.rewrites = false;
  microflow::compile_model_buffer(bytes, "plain.tflite", *c, o);
  return c;
}

// The bar models' shapes (bench/models/write_bench_models.cpp: CONV_2D 3x3 to 16 channels on
// 1x24x24x8, then LEAKY_RELU or LOGISTIC with the same output quantization; `blocks` of them).
Model bar_model(Op activation, int blocks = 1) {
  Model m;
  m.blocks = blocks;
  m.height = m.width = 24;
  m.depth = 8;
  m.out_depth = 16;
  m.activation = activation;
  m.options = {};
  m.out = {1.f / 256, -128};
  if (activation == Op::LeakyRelu) {
    m.options = w::LeakyReluOptions{0.2f};
    m.out = {0.04f, -20};
  }
  return m;
}

// ADD or pooling then a table (issue #14: LOGISTIC after ADD, TANH after AVERAGE_POOL_2D,
// LEAKY_RELU after MAX_POOL_2D), channels kept; the activations' int8 output quantizations.
Model elementwise_model(Kind kind, Op activation, int blocks = 1) {
  Model m;
  m.kind = kind;
  m.blocks = blocks;
  m.height = 12;
  m.width = 10;
  m.depth = m.out_depth = 6;
  m.activation = activation;
  m.options = {};
  if (activation == Op::Logistic) m.out = {1.f / 256, -128};
  if (activation == Op::Tanh) m.out = {1.f / 128, 0};
  if (activation == Op::LeakyRelu) {
    m.options = w::LeakyReluOptions{0.2f};
    m.out = {0.04f, -20};
  }
  return m;
}

struct ElementwiseCase {
  Kind kind;
  Op activation;
  const char* name;  // the folded call's op_names()
};
constexpr ElementwiseCase kElementwiseCases[] = {{Kind::Add, Op::Logistic, "ADD+LOGISTIC"},
                                                 {Kind::AveragePool, Op::Tanh, "AVERAGE_POOL_2D+TANH"},
                                                 {Kind::MaxPool, Op::LeakyRelu, "MAX_POOL_2D+LEAKY_RELU"}};

// The table becomes the layer's output_table (BinaryQuantizedParams / Pool2DS8Params), the
// activation's output the layer's; --rewrites off keeps the two calls.
TEST(ActivationFold, TableFoldsIntoAddAndPooling) {
  std::mt19937 rng(7);
  for (const ElementwiseCase& e : kElementwiseCases) {
    Model model = elementwise_model(e.kind, e.activation);
    const auto bytes = model.write(rng);
    const auto c = compile_bytes(bytes, std::string(e.name) + ".tflite");
    ASSERT_EQ(c->calls.size(), 1u) << e.name;
    const microflow::KernelCall* k = folded_call(*c);
    ASSERT_NE(k, nullptr) << e.name;
    EXPECT_EQ(k->op_names(), e.name);
    EXPECT_EQ(k->output_tensor(), c->graph.outputs[0]);
    const microflow::ArrayRef& table = e.kind == Kind::Add ? k->params.as<microflow::BinaryQuantizedParams>().output_table
                                                           : k->params.as<microflow::Pool2DS8Params>().output_table;
    EXPECT_FALSE(table.null()) << e.name;
    const auto plain = compile_plain(bytes);
    EXPECT_EQ(plain->calls.size(), 2u) << e.name;
    EXPECT_LE(c->plan.arena_bytes, plain->plan.arena_bytes) << e.name;
  }
}

// pooling -> TANH -> pooling -> TANH, streamed: both poolings are stages of one region, each
// with its table (the second's input is the first TANH's output quantization: another table).
TEST(ActivationFold, TablesInsidePoolingBandStages) {
  std::mt19937 rng(8);
  Model model = elementwise_model(Kind::AveragePool, Op::Tanh, 2);
  microflow::CompileOptions o;
  o.streaming = microflow::StreamingMode::On;
  Compiled c;
  microflow::compile_model_buffer(model.write(rng), "pool_tanh_x2.tflite", c, o);
  ASSERT_EQ(c.calls.size(), 1u);
  ASSERT_EQ(c.calls[0].stages.size(), 2u);
  for (const microflow::KernelCall& stage : c.calls[0].stages) {
    EXPECT_EQ(stage.op_names(), "AVERAGE_POOL_2D+TANH");
    EXPECT_FALSE(stage.params.as<microflow::Pool2DS8Params>().output_table.null());
  }
}

TEST(ActivationFold, TableFoldsIntoTheConvolution) {
  std::mt19937 rng(1);
  Model model;
  const auto bytes = model.write(rng);
  const auto c = compile_bytes(bytes, "conv_leaky.tflite");
  ASSERT_EQ(c->calls.size(), 1u);
  const microflow::KernelCall* k = folded_call(*c);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->op_names(), "CONV_2D+LEAKY_RELU");
  EXPECT_EQ(k->output_tensor(), c->graph.outputs[0]);
  const auto& p = k->params.as<microflow::Conv2DS8Params>();
  ASSERT_FALSE(p.output_table.null());
  EXPECT_LE(c->plan.arena_bytes, compile_plain(bytes)->plan.arena_bytes);
  // --rewrites off: the two calls.
  EXPECT_EQ(compile_plain(bytes)->calls.size(), 2u);
}

TEST(ActivationFold, ClampNarrowsTheLayersActivationRange) {
  std::mt19937 rng(2);
  Model model;
  model.kind = Kind::Depthwise;
  model.depth = 8;
  model.activation = kRelu6;
  model.options = {};
  model.out = kMid;  // RELU6 keeps its input's quantization
  const auto c = compile_bytes(model.write(rng), "dw_relu6.tflite");
  ASSERT_EQ(c->calls.size(), 1u);
  const microflow::KernelCall* k = folded_call(*c);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->op_names(), "DEPTHWISE_CONV_2D+RELU6");
  const auto& p = k->params.as<microflow::DepthwiseConv2DS8Params>();
  EXPECT_TRUE(p.output_table.null()) << "a clamp needs no table";
  for (const microflow::ConstArray& a : k->arrays) EXPECT_NE(a.suffix, microflow::kOutputTableSuffix);
  // RELU6 clamps to [Z, Z + round(6 / S)] within int8: [-20, 127] here.
  EXPECT_EQ(p.act_min, kMid.zero_point);
  EXPECT_EQ(p.act_max, std::min<int64_t>(127, kMid.zero_point + static_cast<int64_t>(std::round(6.0f / kMid.scale))));
}

TEST(ActivationFold, NotWhenTheIntermediateIsReadElsewhereOrAnOutput) {
  std::mt19937 rng(3);
  Model shared;
  shared.also = true;
  const auto a = compile_bytes(shared.write(rng), "shared.tflite");
  EXPECT_EQ(folded_call(*a), nullptr);
  EXPECT_EQ(a->calls.size(), 3u);
  Model output;
  output.mid_is_output = true;
  const auto b = compile_bytes(output.write(rng), "mid_output.tflite");
  EXPECT_EQ(folded_call(*b), nullptr);
  EXPECT_EQ(b->calls.size(), 2u);
}

// conv -> LEAKY_RELU -> conv -> LEAKY_RELU (the detectors' backbones): a standalone lookup
// between the convolutions breaks the chain band streaming computes row by row, so the first
// activation exists whole; folded, the two layers (tables in their output stages) stream as
// one region and the arena shrinks.
TEST(ActivationFold, TablesLetBandStreamingContinueThroughTheActivation) {
  std::mt19937 rng(4);
  Model model = bar_model(Op::LeakyRelu, 2);
  const auto bytes = model.write(rng);
  const auto folded = compile_bytes(bytes, "conv_leaky_x2.tflite");
  ASSERT_EQ(folded->calls.size(), 1u);
  const microflow::KernelCall& region = folded->calls[0];
  EXPECT_EQ(region.function(), "band_stream_s8");
  ASSERT_EQ(region.stages.size(), 2u);
  for (const microflow::KernelCall& stage : region.stages) {
    ASSERT_NE(stage.folded_activation, nullptr) << stage.op_names();
    EXPECT_FALSE(stage.params.as<microflow::Conv2DS8Params>().output_table.null()) << stage.op_names();
  }
  const auto plain = compile_plain(bytes);
  EXPECT_EQ(plain->calls.size(), 4u);
  for (const microflow::KernelCall& k : plain->calls) EXPECT_TRUE(k.stages.empty()) << k.op_names();
  EXPECT_LT(folded->plan.arena_bytes, plain->plan.arena_bytes);
}

// FULLY_CONNECTED (per-tensor requantization, which --optimize=speed would specialize) then
// LOGISTIC: the table folds into the generic kernel's output stage, which the layer keeps.
TEST(ActivationFold, TableFoldsIntoFullyConnected) {
  std::mt19937 rng(5);
  Model model;
  model.kind = Kind::FullyConnected;
  model.height = model.width = 1;
  model.depth = 64;
  model.out_depth = 16;
  model.activation = Op::Logistic;
  model.options = {};
  model.out = {1.f / 256, -128};
  const auto c = compile_bytes(model.write(rng), "fc_logistic.tflite");
  ASSERT_EQ(c->calls.size(), 1u);
  const microflow::KernelCall* k = folded_call(*c);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->op_names(), "FULLY_CONNECTED+LOGISTIC");
  EXPECT_EQ(k->function(), "fully_connected_s8");
  EXPECT_FALSE(k->params.as<microflow::FullyConnectedS8Params>().output_table.null());
}

class ActivationFoldEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built: " << MICROFLOW_EXE;
  }

  // Writes the model and random vectors, then verifies them with the fold and without.
  void expect_bit_exact(Model& model, const std::string& name, const std::string& extra = "") {
    std::mt19937 rng(static_cast<uint32_t>(name.size() * 7919));
    const auto bytes = model.write(rng);
    const auto c = compile_bytes(bytes, name + ".tflite");
    std::vector<microflow::Int8Table> tables;
    for (const microflow::KernelCall* k : folded_calls(*c))
      tables.push_back(microflow::int8_table_for(c->graph, *k->folded_activation));
    ASSERT_EQ(tables.size(), static_cast<size_t>(model.blocks)) << name << ": not every activation folded";
    TempDir dir(name);
    write_file(dir.path() / "model.tflite", bytes);
    fs::create_directories(dir.path() / "vectors");
    const int n = 4;
    for (int v = 0; v < n; ++v) {
      std::vector<int8_t> in(static_cast<size_t>(model.height * model.width * model.depth));
      for (auto& e : in) e = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
      const std::string vec = numbered("v", v);
      write_file(dir.path() / "vectors" / (vec + ".in.bin"), bytes_of(in));
      write_file(dir.path() / "vectors" / (vec + ".out.bin"), bytes_of(model.expected(in, tables)));
    }
    const std::string want = "verify: " + std::to_string(n) + "/" + std::to_string(n) + " bit-exact";
    for (const char* rewrites : {"on", "off"}) {
      const RunResult r = run("verify " + quoted(dir.path() / "model.tflite") + " --vectors " +
                              quoted(dir.path() / "vectors") + " --rewrites " + rewrites + " " + extra);
      EXPECT_EQ(r.exit_code, 0) << name << " --rewrites " << rewrites << ":\n" << r.output;
      EXPECT_NE(r.output.find(want), std::string::npos) << name << " --rewrites " << rewrites << ":\n" << r.output;
    }
  }
};

TEST_F(ActivationFoldEndToEnd, ConvolutionWithTables) {
  Model leaky = bar_model(Op::LeakyRelu);
  expect_bit_exact(leaky, "conv_leaky_relu");
  Model logistic = bar_model(Op::Logistic);
  expect_bit_exact(logistic, "conv_logistic");
  Model small_logistic;
  small_logistic.activation = Op::Logistic;
  small_logistic.options = {};
  small_logistic.out = {1.f / 256, -128};
  expect_bit_exact(small_logistic, "conv_logistic_small");
  // 1x1: the pointwise kernel (its --optimize=speed variants are kept for table-free layers).
  Model tanh;
  tanh.kernel = 1;
  tanh.activation = Op::Tanh;
  tanh.options = {};
  tanh.out = {1.f / 128, 0};
  expect_bit_exact(tanh, "conv1x1_tanh");
  Model hard_swish;
  hard_swish.activation = kHardSwish;
  hard_swish.options = {};
  expect_bit_exact(hard_swish, "conv_hard_swish");
}

// The two-block bar model streamed as one region (tables in both stages), on the host and
// cortex-m4 (the 1x1-free region runs the generic band stages there too).
TEST_F(ActivationFoldEndToEnd, TablesInsideABandRegion) {
  Model leaky = bar_model(Op::LeakyRelu, 2);
  expect_bit_exact(leaky, "conv_leaky_relu_x2", "--patch-streaming on");
  Model logistic = bar_model(Op::Logistic, 2);
  expect_bit_exact(logistic, "conv_logistic_x2_m4", "--patch-streaming on --target cortex-m4");
}

// FULLY_CONNECTED + table on the host, cortex-m4 and AVR (AVR's own FC loop).
TEST_F(ActivationFoldEndToEnd, FullyConnectedWithTables) {
  for (const char* target : {"host", "cortex-m4", "atmega328p"}) {
    for (Op activation : {Op::Logistic, Op::LeakyRelu}) {
      Model fc = bar_model(activation);
      fc.kind = Kind::FullyConnected;
      fc.height = fc.width = 1;
      fc.depth = 40;
      fc.out_depth = 10;
      expect_bit_exact(fc, std::string("fc_").append(target).append(activation == Op::Logistic ? "_logistic" : "_leaky"),
                       std::string("--target ").append(target));
    }
  }
}

// Two blocks with the same activation quantization have the same table: the generated code
// holds it once (the second call points at the first array), bit-exact on AVR (program memory).
TEST_F(ActivationFoldEndToEnd, IdenticalTablesAreEmittedOnce) {
  Model model;
  model.blocks = 2;
  model.out = kMid;  // both tables map kMid to kMid
  std::mt19937 rng(6);
  TempDir dir("same_table");
  write_file(dir.path() / "model.tflite", model.write(rng));
  const RunResult r = run("compile " + quoted(dir.path() / "model.tflite") + " -o " + quoted(dir.path()) + " --name m");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir.path() / "m.cpp");
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t arrays = 0;
  for (size_t at = source.find("OutputTable[256]"); at != std::string::npos; at = source.find("OutputTable[256]", at + 1))
    ++arrays;
  EXPECT_EQ(arrays, 1u) << source;
  EXPECT_NE(source.find("// the same table"), std::string::npos);
  expect_bit_exact(model, "same_table_avr", "--target atmega328p");
}

TEST_F(ActivationFoldEndToEnd, DepthwiseWithAClamp) {
  Model relu6;
  relu6.kind = Kind::Depthwise;
  relu6.depth = 8;
  relu6.activation = kRelu6;
  relu6.options = {};
  relu6.out = kMid;
  expect_bit_exact(relu6, "dw_relu6");
}

TEST_F(ActivationFoldEndToEnd, OnCortexM4AndAvr) {
  Model pointwise;
  pointwise.kernel = 1;
  expect_bit_exact(pointwise, "conv1x1_leaky_relu_m4", "--target cortex-m4");
  Model conv;
  expect_bit_exact(conv, "conv_leaky_relu_avr", "--target atmega328p");
  Model depthwise;
  depthwise.kind = Kind::Depthwise;
  depthwise.depth = 8;
  depthwise.activation = kHardSwish;
  depthwise.options = {};
  expect_bit_exact(depthwise, "dw_hard_swish_avr", "--target atmega328p");
}

// ADD -> LOGISTIC, AVERAGE_POOL_2D -> TANH, MAX_POOL_2D -> LEAKY_RELU on the host,
// cortex-m4 and AVR (tables through program memory), each against TFLM's formulas and the
// unfolded run.
TEST_F(ActivationFoldEndToEnd, AddAndPoolingWithTables) {
  for (const char* target : {"host", "cortex-m4", "atmega328p"}) {
    for (const ElementwiseCase& e : kElementwiseCases) {
      Model model = elementwise_model(e.kind, e.activation);
      expect_bit_exact(model, std::string(e.name).append("_").append(target), std::string("--target ").append(target));
    }
  }
}

// Pooling stages with tables inside a band region, on the host and cortex-m4, with
// --optimize=speed (the default) and size.
TEST_F(ActivationFoldEndToEnd, PoolingTablesInsideABandRegion) {
  for (const char* target : {"host", "cortex-m4"}) {
    for (const ElementwiseCase& e : kElementwiseCases) {
      if (e.kind == Kind::Add) continue;
      Model model = elementwise_model(e.kind, e.activation, 2);
      for (const char* optimize : {"speed", "size"})
        expect_bit_exact(model, std::string(e.name).append("_x2_").append(target).append("_").append(optimize),
                         std::string("--patch-streaming on --target ").append(target).append(" --optimize ").append(optimize));
    }
  }
}

TEST_F(ActivationFoldEndToEnd, DepthwiseWithATable) {
  Model tanh;
  tanh.kind = Kind::Depthwise;
  tanh.depth = 8;
  tanh.activation = Op::Tanh;
  tanh.options = {};
  tanh.out = {1.f / 128, 0};
  expect_bit_exact(tanh, "dw_tanh");
}

}  // namespace
}  // namespace mftest
