// Band streaming (passes/stream.cpp): which chains become regions under
// --patch-streaming auto / on / off, what the region needs, and that the plan
// with regions keeps every invariant.
#include "plan_checks.h"

namespace mftest {
namespace {

using microflow::CompileOptions;
using microflow::StreamingMode;

std::vector<uint8_t> weights(size_t n, int mul) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>(i * static_cast<size_t>(mul) % 251) - 125));
  return v;
}

// input [1,32,32,1] -> depthwise x8 s2 -> depthwise s1 -> 1x1 conv to 16 -> depthwise s2
// -> 1x1 conv to 8 (a small MobileNet head). With `tap`, the first depthwise output is
// also a model output, which breaks the chain there.
std::vector<uint8_t> mobilenet_head(bool tap) {
  w::ModelWriter m;
  int x = m.add_input_tensor("x", w::TensorType::INT8, {1, 32, 32, 1}, q(0.02f, -1));
  int index = 0;
  std::vector<int> outputs;
  auto dw = [&](int in, int channels, int multiplier, int stride, int size) {
    const int oc = channels * multiplier;
    const int f = m.add_const_tensor("dw" + std::to_string(index) + "/w", w::TensorType::INT8, {1, 3, 3, oc},
                                     weights(static_cast<size_t>(9 * oc), 37 + index),
                                     w::Quantization::symmetric_per_channel(std::vector<float>(static_cast<size_t>(oc), 0.02f), 3));
    const int o = m.add_tensor("dw" + std::to_string(index++), w::TensorType::INT8, {1, size, size, oc}, q(0.05f, -128));
    m.add_depthwise_conv_2d({in, f, -1}, o,
                            {.stride_w = stride, .stride_h = stride, .depth_multiplier = multiplier,
                             .activation = w::Activation::RELU6});
    return o;
  };
  auto pw = [&](int in, int ic, int oc, int size) {
    const int f = m.add_const_tensor("pw" + std::to_string(index) + "/w", w::TensorType::INT8, {oc, 1, 1, ic},
                                     weights(static_cast<size_t>(oc * ic), 53 + index),
                                     w::Quantization::symmetric_per_channel(std::vector<float>(static_cast<size_t>(oc), 0.01f), 0));
    const int o = m.add_tensor("pw" + std::to_string(index++), w::TensorType::INT8, {1, size, size, oc}, q(0.05f, -128));
    m.add_conv_2d({in, f, -1}, o, {.activation = w::Activation::RELU6});
    return o;
  };
  const int a = dw(x, 1, 8, 2, 16);
  if (tap) outputs.push_back(a);
  x = dw(a, 8, 1, 1, 16);
  x = pw(x, 8, 16, 16);
  x = dw(x, 16, 1, 2, 8);
  x = pw(x, 16, 8, 8);
  outputs.push_back(x);
  m.set_outputs(outputs);
  return m.finish();
}

std::unique_ptr<Compiled> compile_with(const std::vector<uint8_t>& bytes, StreamingMode mode) {
  auto c = std::make_unique<Compiled>();
  CompileOptions options;
  options.streaming = mode;
  microflow::compile_model_buffer(bytes, "head.tflite", *c, options);
  return c;
}

std::vector<std::vector<int>> regions(const Compiled& c) {
  std::vector<std::vector<int>> r;
  for (const auto& k : c.calls) {
    if (k.stages.empty()) continue;
    r.emplace_back();
    for (const auto& s : k.stages) r.back().push_back(s.op->index);
  }
  return r;
}

TEST(Streaming, AutoStreamsTheChainWhereItLowersThePeak) {
  auto c = compile_with(mobilenet_head(false), StreamingMode::Auto);
  // Without streaming the peak is dw1 + pw2 = 16*16*8 + 16*16*16 = 6,144 B.
  EXPECT_EQ(c->streaming.lower_bound_before, 6144);
  ASSERT_FALSE(regions(*c).empty());
  EXPECT_LT(c->plan.lower_bound, c->streaming.lower_bound_before);
  EXPECT_LT(c->plan.arena_bytes, c->streaming.arena_before);
  check_plan(*c);
  for (const auto& k : c->calls) {
    if (k.stages.empty()) continue;
    ASSERT_EQ(k.bands.size(), k.stages.size());
    // The scratch holds each later stage's window rows, and nothing for the first.
    int64_t buffers = 0;
    for (size_t i = 0; i < k.bands.size(); ++i) {
      const auto& b = k.bands[i];
      EXPECT_EQ(b.buffer_offset, i == 0 ? -1 : buffers);
      if (i > 0) EXPECT_EQ(b.buffer_bytes, (b.span * b.input_row_bytes + 3) / 4 * 4);
      buffers += b.buffer_bytes;
    }
    EXPECT_EQ(c->graph.tensor(k.args[1].tensor).bytes(), buffers);
    EXPECT_EQ(k.function, "band_stream_s8");
  }
}

TEST(Streaming, OffKeepsEveryLayer) {
  auto off = compile_with(mobilenet_head(false), StreamingMode::Off);
  EXPECT_TRUE(regions(*off).empty());
  EXPECT_EQ(off->calls.size(), 5u);
  EXPECT_EQ(off->plan.arena_bytes, off->streaming.arena_before);
  EXPECT_EQ(off->plan.lower_bound, 6144);
}

TEST(Streaming, OnStreamsTheWholeChain) {
  auto on = compile_with(mobilenet_head(false), StreamingMode::On);
  ASSERT_EQ(regions(*on), (std::vector<std::vector<int>>{{0, 1, 2, 3, 4}}));
  const auto& k = on->calls[0];
  EXPECT_EQ(k.bands[0].kernel, "kBandDepthwise");
  EXPECT_EQ(k.bands[2].kernel, "kBandConv1x1");
  EXPECT_EQ(k.bands[1].span, 3);   // 3x3 window, stride 1: three rows of 16x8
  EXPECT_EQ(k.bands[1].buffer_bytes, 3 * 16 * 8);
  EXPECT_EQ(k.bands[2].span, 1);   // pointwise: one row
  EXPECT_EQ(k.bands[3].stride, 2);
  // input 1,024 + output 512 + line buffers 3x128 + 128 + 3x256 + 128
  EXPECT_EQ(on->plan.lower_bound, 1024 + 512 + 384 + 128 + 768 + 128);
  check_plan(*on);
}

TEST(Streaming, ATensorWithASecondReaderEndsTheChain) {
  // The first depthwise output is a model output: it must exist whole, so the
  // chain starts after it.
  auto on = compile_with(mobilenet_head(true), StreamingMode::On);
  ASSERT_EQ(regions(*on), (std::vector<std::vector<int>>{{1, 2, 3, 4}}));
  check_plan(*on);
}

TEST(Streaming, ModeNamesParse) {
  EXPECT_EQ(microflow::parse_streaming_mode("auto"), StreamingMode::Auto);
  EXPECT_EQ(microflow::parse_streaming_mode("on"), StreamingMode::On);
  EXPECT_EQ(microflow::parse_streaming_mode("off"), StreamingMode::Off);
  EXPECT_THROW(microflow::parse_streaming_mode("yes"), CompileError);
}

}  // namespace
}  // namespace mftest
