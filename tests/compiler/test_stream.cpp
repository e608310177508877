// Band streaming (passes/stream.cpp): which chains become regions under
// --patch-streaming auto / on / off, what the region needs, and that the plan
// with regions keeps every invariant.
#include <cctype>
#include <fstream>

#include "plan_checks.h"
#include "targets/firmware.h"
#include "targets/target.h"

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

// input [1,24,24,1] -> depthwise x8 -> 1x1 conv to 16 (24x24x16 = 9,216 B) -> `tail`:
//   Pool: global average pooling -> RESHAPE -> FC to 4 (the pooling's window is the whole
//         conv output: as a sink it needs one row and 16 sums; the FC on its 16 values pays
//         only under `on`);
//   Fc:   RESHAPE -> FC to 4 on the whole conv output (9,216 inputs: one row and 4 sums);
//   FcTapped: Fc, with the conv output also a model output;
//   FcSecondReader: Fc, with a max pooling reading the conv output as well.
enum class Tail { Pool, Fc, FcTapped, FcSecondReader };

std::vector<uint8_t> head_with_tail(Tail tail) {
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, 24, 24, 1}, q(0.02f, -1));
  const int dwf = m.add_const_tensor("dw/w", w::TensorType::INT8, {1, 3, 3, 8}, weights(72, 37),
                                     w::Quantization::symmetric_per_channel(std::vector<float>(8, 0.02f), 3));
  const int d = m.add_tensor("dw", w::TensorType::INT8, {1, 24, 24, 8}, q(0.05f, -128));
  m.add_depthwise_conv_2d({x, dwf, -1}, d, {.depth_multiplier = 8, .activation = w::Activation::RELU6});
  const int pwf = m.add_const_tensor("pw/w", w::TensorType::INT8, {16, 1, 1, 8}, weights(128, 53),
                                     w::Quantization::symmetric_per_channel(std::vector<float>(16, 0.01f), 0));
  const int c = m.add_tensor("pw", w::TensorType::INT8, {1, 24, 24, 16}, q(0.05f, -128));
  m.add_conv_2d({d, pwf, -1}, c, {.activation = w::Activation::RELU6});
  std::vector<int> outputs;
  int flat_in = c, depth = 24 * 24 * 16;
  if (tail == Tail::Pool) {
    flat_in = m.add_tensor("pool", w::TensorType::INT8, {1, 1, 1, 16}, q(0.05f, -128));
    m.add_average_pool_2d(c, flat_in, {.padding = w::Padding::VALID, .stride_w = 24, .stride_h = 24, .filter_width = 24,
                                      .filter_height = 24});
    depth = 16;
  }
  if (tail == Tail::FcTapped) outputs.push_back(c);
  if (tail == Tail::FcSecondReader) {
    const int mp = m.add_tensor("max", w::TensorType::INT8, {1, 12, 12, 16}, q(0.05f, -128));
    m.add_max_pool_2d(c, mp, {.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .filter_width = 2,
                              .filter_height = 2});
    outputs.push_back(mp);
  }
  const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, depth}, q(0.05f, -128));
  m.add_reshape({flat_in}, flat, std::vector<int32_t>{1, depth});
  const int fw = m.add_const_tensor("fc/w", w::TensorType::INT8, {4, depth}, weights(static_cast<size_t>(4 * depth), 71),
                                    q(0.002f, 0));
  const int y = m.add_tensor("y", w::TensorType::INT8, {1, 4}, q(0.5f, 1));
  m.add_fully_connected({flat, fw, -1}, y);
  outputs.push_back(y);
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
      if (i > 0) {
        EXPECT_EQ(b.buffer_bytes, (b.span * b.input_row_bytes + 3) / 4 * 4);
      }
      buffers += b.buffer_bytes;
    }
    EXPECT_EQ(c->graph.tensor(k.args[1].tensor).bytes(), buffers);
    EXPECT_EQ(k.function(), "band_stream_s8");
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

std::vector<std::string> kernels(const microflow::KernelCall& k) {
  std::vector<std::string> r;
  for (const auto& b : k.bands) r.push_back(b.kernel);
  return r;
}

const microflow::KernelCall& only_region(const Compiled& c) {
  for (const auto& k : c.calls)
    if (!k.stages.empty()) return k;
  throw std::runtime_error("no region");
}

TEST(Streaming, OnEndsTheRegionInAPoolingAndFullyConnectedSink) {
  auto on = compile_with(head_with_tail(Tail::Pool), StreamingMode::On);
  // ops: 0 depthwise, 1 conv, 2 pooling, 3 RESHAPE, 4 FC: one call, the RESHAPE folded in.
  ASSERT_EQ(regions(*on), (std::vector<std::vector<int>>{{0, 1, 2, 4}}));
  ASSERT_EQ(on->calls.size(), 1u);
  const auto& k = on->calls[0];
  EXPECT_EQ(k.op_indices(), "0+1+2+3+4");
  EXPECT_EQ(kernels(k), (std::vector<std::string>{"kBandDepthwise", "kBandConv1x1", "kBandAveragePoolSink",
                                                  "kBandFullyConnectedSink"}));
  // The pooling sink: one conv output row (24 x 16 B) and 16 sums; the FC: its 16 inputs
  // as one row and 4 sums plus the input sum.
  EXPECT_EQ(k.bands[2].accumulator_bytes, 64);
  EXPECT_EQ(k.bands[2].buffer_bytes, 384 + 64);
  EXPECT_EQ(k.bands[3].input_height, 1);
  EXPECT_EQ(k.bands[3].accumulator_bytes, 20);
  EXPECT_EQ(k.bands[3].buffer_bytes, 16 + 20);
  // The conv's line buffer is one depthwise output row (24 x 8 B); the depthwise reads the input.
  EXPECT_EQ(on->graph.tensor(k.args[1].tensor).bytes(), 192 + 448 + 36);
  EXPECT_EQ(on->graph.tensor(k.output_tensor()).name, "y");
  // input 576 + output 4 + scratch
  EXPECT_EQ(on->plan.lower_bound, 576 + 4 + 192 + 448 + 36);
  check_plan(*on);
}

TEST(Streaming, AutoTakesASinkOnlyWhereItLowersTheArena) {
  // The pooling's window spans the whole 9,216 B conv output: as a sink it takes 448 B. The
  // FC after it would take 36 B of scratch to save a 16 B tensor: auto leaves it alone.
  auto pool = compile_with(head_with_tail(Tail::Pool), StreamingMode::Auto);
  ASSERT_EQ(regions(*pool), (std::vector<std::vector<int>>{{0, 1, 2}}));
  EXPECT_EQ(kernels(only_region(*pool)).back(), "kBandAveragePoolSink");
  auto on = compile_with(head_with_tail(Tail::Pool), StreamingMode::On);
  EXPECT_LT(pool->plan.arena_bytes, on->plan.arena_bytes);
  EXPECT_LT(pool->plan.arena_bytes, pool->streaming.arena_before);
  check_plan(*pool);
  // The FC reading the whole conv output: its sink replaces 9,216 B by one row and 5 sums.
  auto fc = compile_with(head_with_tail(Tail::Fc), StreamingMode::Auto);
  ASSERT_EQ(regions(*fc), (std::vector<std::vector<int>>{{0, 1, 3}}));
  const auto& k = only_region(*fc);
  EXPECT_EQ(k.op_indices(), "0+1+2+3");
  EXPECT_EQ(k.bands[2].kernel, "kBandFullyConnectedSink");
  EXPECT_EQ(k.bands[2].input_height, 24);
  EXPECT_EQ(k.bands[2].buffer_bytes, 384 + 20);
  EXPECT_EQ(fc->plan.arena_bytes, 576 + 4 + 192 + 404);
  check_plan(*fc);
}

TEST(Streaming, ASecondReaderOrAModelOutputKeepsTheFinalTensorWhole) {
  for (Tail tail : {Tail::FcTapped, Tail::FcSecondReader}) {
    auto on = compile_with(head_with_tail(tail), StreamingMode::On);
    ASSERT_EQ(regions(*on), (std::vector<std::vector<int>>{{0, 1}})) << static_cast<int>(tail);
    for (const auto& k : on->calls)
      for (const auto& b : k.bands) EXPECT_EQ(b.accumulator_bytes, 0);
    check_plan(*on);
  }
}

// Per-layer counts (report, bench/layer_profile.py) give each stage of a region its own
// entry, labelled with the stage's layer (its row of the stage table), then the region's own
// entry: the band executor, what the region costs beyond its stages. Together they are the
// region's count measured whole.
TEST(Streaming, PerLayerCountsIncludeTheRegions) {
  auto c = compile_with(mobilenet_head(false), StreamingMode::On);
  ASSERT_EQ(regions(*c).size(), 1u);
  const microflow::Target t = microflow::find_target("cortex-m4");
  int64_t input_bytes = 0;
  for (int id : c->graph.inputs) input_bytes += c->graph.tensor(id).bytes();
  TempDir dir("profile_regions");
  const std::vector<uint8_t> input(static_cast<size_t>(input_bytes), 0);
  const std::vector<microflow::CallCount> counts = microflow::profile_calls(t, *c, input, dir.path());
  size_t entries = 0;
  for (const microflow::KernelCall& k : c->calls) entries += 1 + k.stages.size();
  std::string labels;
  for (const microflow::CallCount& n : counts) labels += n.label + " = " + std::to_string(n.count) + "\n";
  ASSERT_EQ(counts.size(), entries) << labels;
  const auto region = std::find_if(c->calls.begin(), c->calls.end(), [](const auto& k) { return !k.stages.empty(); });
  ASSERT_EQ(region->op_indices(), "0+1+2+3+4");
  const auto executor = std::find_if(counts.begin(), counts.end(), [](const microflow::CallCount& n) {
    return n.label.starts_with("ops 0+1+2+3+4: band executor");
  });
  ASSERT_NE(executor, counts.end()) << labels;
  const size_t at = static_cast<size_t>(executor - counts.begin());
  ASSERT_GE(at, region->stages.size());
  int64_t stages = 0;
  for (size_t s = 0; s < region->stages.size(); ++s) {
    const microflow::CallCount& n = counts[at - region->stages.size() + s];
    const microflow::KernelCall& stage = region->stages[s];
    EXPECT_TRUE(n.label.starts_with("op " + stage.op_indices() + ": " + stage.op_names())) << labels;
    // every stage computes rows of a convolution or pooling: hundreds of instructions at least
    EXPECT_GT(n.count, 100) << n.label;
    stages += n.count;
  }
  EXPECT_GT(stages, 10000) << labels;  // the whole head: thousands of MACs
  // The executor moves rows and picks the next stage: more than nothing, far less than the layers.
  EXPECT_GT(executor->count, 0) << labels;
  EXPECT_LT(executor->count, stages) << labels;
}

// `microflow report`'s per-layer table shows a region's layers separately: a row per stage
// with its own measured count, then the region's row for its band executor.
TEST(Streaming, ReportShowsEachStageOfARegion) {
  if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built: " << MICROFLOW_EXE;
  TempDir dir("report_regions");
  write_file(dir.path() / "head.tflite", mobilenet_head(false));
  const RunResult r = run("report " + quoted(dir.path() / "head.tflite") + " -o " + quoted(dir.path() / "r.html") +
                          " --target host --patch-streaming on");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir.path() / "r.html");
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The row that starts with these cells; its last cell must be a count.
  const auto count_cell = [&](const std::string& ops, const std::string& names) {
    const size_t at = html.find("<tr><td>" + ops + "</td><td class=\"l\">" + names + "</td>");
    if (at == std::string::npos) return std::string("no row");
    const std::string row = html.substr(at, html.find("</tr>", at) - at);
    return row.substr(row.rfind("<td>") + 4);
  };
  const auto c = compile_with(mobilenet_head(false), StreamingMode::On);
  const auto region = std::find_if(c->calls.begin(), c->calls.end(), [](const auto& k) { return !k.stages.empty(); });
  ASSERT_NE(region, c->calls.end());
  for (const microflow::KernelCall& stage : region->stages)
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(count_cell(stage.op_indices(), stage.op_names())[0])))
        << stage.op_names() << ": " << count_cell(stage.op_indices(), stage.op_names());
  const std::string executor = count_cell(region->op_indices(), "band executor: " + region->op_names());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(executor[0]))) << executor;
}

TEST(Streaming, ModeNamesParse) {
  EXPECT_EQ(microflow::parse_streaming_mode("auto"), StreamingMode::Auto);
  EXPECT_EQ(microflow::parse_streaming_mode("on"), StreamingMode::On);
  EXPECT_EQ(microflow::parse_streaming_mode("off"), StreamingMode::Off);
  EXPECT_THROW(microflow::parse_streaming_mode("yes"), CompileError);
}

}  // namespace
}  // namespace mftest
