// Streaming input (passes/input_rows.cpp): which models take their input row by row,
// what the compiler emits for them (push_row API, a ring of window rows instead of the
// whole input in the arena), the clear refusal of `--streaming-input on` when a model
// cannot, and the generated code of both forms giving identical outputs on the host.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "emitter/emitter.h"
#include "test_util.h"

namespace {

using namespace mftest;
using microflow::StreamingMode;

constexpr const char* kName = "stream.tflite";

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  return w::to_bytes(v);
}

std::vector<uint8_t> pattern(size_t n, int period, int offset) {
  std::vector<int8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(static_cast<int>(i % static_cast<size_t>(period)) - offset);
  return bytes_of(v);
}

int fc(w::ModelWriter& m, int in, int in_depth, int units, const std::string& name) {
  const int wt = m.add_const_tensor(name + "/w", w::TensorType::INT8, {units, in_depth},
                                    pattern(static_cast<size_t>(in_depth * units), 7, 3), q(0.01f, 0));
  const int b = m.add_const_tensor(name + "/b", w::TensorType::INT32, {units},
                                   bytes_of(std::vector<int32_t>(static_cast<size_t>(units), 11)), q(0.005f, 0));
  const int out = m.add_tensor(name, w::TensorType::INT8, {1, units}, q(0.25f, 3));
  m.add_fully_connected({in, wt, b}, out);
  return out;
}

// micro_speech in small: in[1,144] -RESHAPE-> [1,12,6,2] -DEPTHWISE 4x3 s2 SAME-> [1,6,3,4]
// -RESHAPE-> [1,72] -FC-> [1,3]. The depthwise and FC fuse; the input streams 12 rows of 12.
std::vector<uint8_t> depthwise_fc_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 144}, q(0.1f, -128));
  const int x = m.add_tensor("x", w::TensorType::INT8, {1, 12, 6, 2}, q(0.1f, -128));
  m.add_reshape({in}, x, std::vector<int32_t>{1, 12, 6, 2});
  const int f = m.add_const_tensor("dw/w", w::TensorType::INT8, {1, 4, 3, 4}, pattern(48, 9, 4),
                                   w::Quantization::symmetric_per_channel({0.02f, 0.03f, 0.02f, 0.01f}, 3));
  const int b = m.add_const_tensor("dw/b", w::TensorType::INT32, {4}, bytes_of(std::vector<int32_t>{5, -7, 100, 0}),
                                   w::Quantization::symmetric_per_channel({0.002f, 0.003f, 0.002f, 0.001f}, 0));
  const int dw = m.add_tensor("dw", w::TensorType::INT8, {1, 6, 3, 4}, q(0.5f, -3));
  w::DepthwiseConv2DOptions o;
  o.stride_h = 2, o.stride_w = 2, o.depth_multiplier = 2;
  m.add_depthwise_conv_2d({x, f, b}, dw, o);
  const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, 72}, q(0.5f, -3));
  m.add_reshape({dw}, flat, std::vector<int32_t>{1, 72});
  m.set_outputs({fc(m, flat, 72, 3, "out")});
  return m.finish();
}

// in[1,9,5,3] -MAX_POOL 3x2 s2 VALID-> [1,4,2,3] -RESHAPE-> [1,24] -FC-> [1,2]
std::vector<uint8_t> pool_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 9, 5, 3}, q(0.5f, 1));
  const int p = m.add_tensor("pool", w::TensorType::INT8, {1, 4, 2, 3}, q(0.5f, 1));
  w::Pool2DOptions o;
  o.padding = w::Padding::VALID, o.stride_h = 2, o.stride_w = 2, o.filter_height = 3, o.filter_width = 2;
  m.add_max_pool_2d(in, p, o);
  const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, 24}, q(0.5f, 1));
  m.add_reshape({p}, flat, std::vector<int32_t>{1, 24});
  m.set_outputs({fc(m, flat, 24, 2, "out")});
  return m.finish();
}

// in[1,10,4,2] -CONV 3x3, dilation 2x2, SAME-> [1,10,4,3]: conv_2d_s8 (the packed kernels
// take only unit dilation_width); window 5 rows.
std::vector<uint8_t> dilated_conv_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 10, 4, 2}, q(0.2f, 5));
  const int f = m.add_const_tensor("conv/w", w::TensorType::INT8, {3, 3, 3, 2}, pattern(54, 11, 5),
                                   w::Quantization::symmetric_per_channel({0.01f, 0.02f, 0.03f}, 0));
  const int out = m.add_tensor("conv", w::TensorType::INT8, {1, 10, 4, 3}, q(0.3f, -2));
  w::Conv2DOptions o;
  o.dilation_h = 2, o.dilation_w = 2;
  m.add_conv_2d({in, f, -1}, out, o);
  m.set_outputs({out});
  return m.finish();
}

// in[1,24,24,1] -DEPTHWISE x8-> [1,24,24,8] -CONV 1x1-> [1,24,24,8] -DEPTHWISE s2-> [1,12,12,8]:
// one band region (auto) whose first stage reads the input, its 1x1 stage in place.
std::vector<uint8_t> band_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 24, 24, 1}, q(0.02f, -1));
  auto dw = [&](int x, int multiplier, int stride, int size, const std::string& name) {
    const int f = m.add_const_tensor(name + "/w", w::TensorType::INT8, {1, 3, 3, 8}, pattern(72, 13, 6),
                                     w::Quantization::symmetric_per_channel(std::vector<float>(8, 0.02f), 3));
    const int o = m.add_tensor(name, w::TensorType::INT8, {1, size, size, 8}, q(0.05f, -128));
    w::DepthwiseConv2DOptions opt;
    opt.stride_h = stride, opt.stride_w = stride, opt.depth_multiplier = multiplier;
    opt.activation = w::Activation::RELU6;
    m.add_depthwise_conv_2d({x, f, -1}, o, opt);
    return o;
  };
  const int a = dw(in, 8, 1, 24, "dw0");
  const int f = m.add_const_tensor("pw/w", w::TensorType::INT8, {8, 1, 1, 8}, pattern(64, 11, 5),
                                   w::Quantization::symmetric_per_channel(std::vector<float>(8, 0.01f), 0));
  const int b = m.add_tensor("pw", w::TensorType::INT8, {1, 24, 24, 8}, q(0.05f, -128));
  w::Conv2DOptions opt;
  opt.activation = w::Activation::RELU6;
  m.add_conv_2d({a, f, -1}, b, opt);
  m.set_outputs({dw(b, 1, 2, 12, "dw1")});
  return m.finish();
}

std::unique_ptr<Compiled> compile(const std::vector<uint8_t>& bytes, StreamingMode mode) {
  auto c = std::make_unique<Compiled>();
  microflow::CompileOptions options;
  options.input_rows = mode;
  microflow::compile_model_buffer(bytes, kName, *c, options);
  return c;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Streaming, OffKeepsTheWholeInputApi) {
  auto c = compile(depthwise_fc_model(), StreamingMode::Off);
  EXPECT_FALSE(c->input_rows.enabled);
  const auto code = microflow::emit_cpp(c->graph, c->calls, c->plan, "net");
  EXPECT_TRUE(contains(code.header, "void invoke(uint8_t* arena);"));
  EXPECT_FALSE(contains(code.header, "push_row"));
  EXPECT_TRUE(contains(code.source, "mf::depthwise_conv_2d_fully_connected_s8("));
  EXPECT_TRUE(c->plan.in_arena(c->graph.inputs[0]));
}

TEST(Streaming, DepthwiseFullyConnectedStreamsWithARingOfWindowRows) {
  auto whole = compile(depthwise_fc_model(), StreamingMode::Off);
  auto c = compile(depthwise_fc_model(), StreamingMode::On);
  const auto& s = c->input_rows;
  ASSERT_TRUE(s.enabled);
  EXPECT_EQ(s.rows, 12);
  EXPECT_EQ(s.row_elements, 12);
  EXPECT_EQ(s.window_rows, 4);
  EXPECT_EQ(s.kernel, "depthwise_conv_2d_fully_connected_input_rows_s8");
  // The input is not in the arena; the ring is, for the streamed call, and the row
  // state lives to the end (it carries over to the next input).
  EXPECT_FALSE(c->plan.in_arena(c->graph.inputs[0]));
  EXPECT_EQ(c->graph.tensor(s.ring).bytes(), 4 * 12);
  EXPECT_EQ(c->graph.tensor(s.state).bytes(), 3 * 4);
  auto buffer = [&](int t) { return c->plan.buffers[static_cast<size_t>(c->plan.buffer_of[static_cast<size_t>(t)])]; };
  EXPECT_EQ(buffer(s.ring).last_step, 0);
  EXPECT_EQ(buffer(s.state).last_step, static_cast<int>(c->calls.size()));
  EXPECT_EQ(c->whole_input_arena_bytes, whole->plan.arena_bytes);
  EXPECT_LT(c->plan.arena_bytes, whole->plan.arena_bytes);
  // The RESHAPE in front is gone: the streamed call is the first.
  EXPECT_EQ(c->calls.size(), whole->calls.size() - 1);
  EXPECT_EQ(c->calls[s.call].function(), s.kernel);

  const auto code = microflow::emit_cpp(c->graph, c->calls, c->plan, "net", {}, s, c->whole_input_arena_bytes);
  for (const char* part : {"constexpr size_t kInputRows = 12;", "constexpr size_t kInputRowElements = 12;",
                           "constexpr size_t kInputWindowRows = 4;", "bool push_row(uint8_t* arena);",
                           "int8_t* row_buffer(uint8_t* arena);", "void begin_rows(uint8_t* arena);",
                           "bool push_row(const float* row);", "constexpr size_t kWholeInputArenaBytes = "})
    EXPECT_TRUE(contains(code.header, part)) << part << "\n" << code.header;
  EXPECT_FALSE(contains(code.header, "invoke(")) << code.header;
  EXPECT_FALSE(contains(code.header, "input0(")) << code.header;
  EXPECT_TRUE(contains(code.source, "mf::depthwise_conv_2d_fully_connected_input_rows_s8(")) << code.source;

  // Not combined with weights from external memory: a clear error, not wrong code.
  microflow::EmitOptions paged;
  paged.page_bytes = 4096;
  try {
    microflow::emit_cpp(c->graph, c->calls, c->plan, "net", paged, s, c->whole_input_arena_bytes);
    ADD_FAILURE() << "streaming input with external weights was accepted";
  } catch (const microflow::CompileError& e) {
    EXPECT_TRUE(contains(e.what(), "cannot be combined")) << e.what();
  }
}

TEST(Streaming, PoolingAndDilatedConvolutionStream) {
  auto p = compile(pool_model(), StreamingMode::Auto);
  ASSERT_TRUE(p->input_rows.enabled);
  EXPECT_EQ(p->input_rows.kernel, "max_pool_2d_input_rows_s8");
  EXPECT_EQ(p->input_rows.window_rows, 3);
  EXPECT_EQ(p->input_rows.row_elements, 15);
  auto c = compile(dilated_conv_model(), StreamingMode::Auto);
  ASSERT_TRUE(c->input_rows.enabled);
  EXPECT_EQ(c->input_rows.kernel, "conv_2d_input_rows_s8");
  EXPECT_EQ(c->input_rows.window_rows, 5);  // dilation 2 * (3 - 1) + 1
}

// A model whose first kernel has no row form: FULLY_CONNECTED.
std::vector<uint8_t> fc_first_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 8}, q(0.5f, 0));
  m.set_outputs({fc(m, in, 8, 2, "out")});
  return m.finish();
}

// The input read by two operators: a pool and (through a RESHAPE) a fully-connected layer.
std::vector<uint8_t> two_readers_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 6, 2, 1}, q(0.5f, 1));
  const int p = m.add_tensor("pool", w::TensorType::INT8, {1, 6, 2, 1}, q(0.5f, 1));
  w::Pool2DOptions o;
  o.filter_height = 2;
  m.add_max_pool_2d(in, p, o);
  const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, 12}, q(0.5f, 1));
  m.add_reshape({in}, flat, std::vector<int32_t>{1, 12});
  m.set_outputs({p, fc(m, flat, 12, 2, "out")});
  return m.finish();
}

// A window as tall as the input: streaming would hold every row anyway.
std::vector<uint8_t> full_window_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 3, 4, 1}, q(0.5f, 1));
  const int p = m.add_tensor("pool", w::TensorType::INT8, {1, 1, 4, 1}, q(0.5f, 1));
  w::Pool2DOptions o;
  o.padding = w::Padding::VALID, o.filter_height = 3;
  m.add_max_pool_2d(in, p, o);
  m.set_outputs({p});
  return m.finish();
}

// The input goes into the band region's first stage: only the ring of its window rows, the
// line buffers (the 1x1 stage in place in the next one's) and the region output are live.
TEST(Streaming, BandRegionTakesTheInputRowByRow) {
  auto c = compile(band_model(), StreamingMode::On);
  ASSERT_TRUE(c->input_rows.enabled);
  EXPECT_EQ(c->input_rows.kernel, "band_stream_input_rows_s8");
  EXPECT_EQ(c->input_rows.window_rows, 3);
  EXPECT_FALSE(c->plan.in_arena(c->graph.inputs[0]));
  const auto& k = c->calls[c->input_rows.call];
  ASSERT_EQ(k.stages.size(), 3u);
  EXPECT_EQ(k.bands[1].in_place_shift, 4 * 8);
  EXPECT_EQ(k.bands[1].buffer_bytes, 0);
  EXPECT_EQ(k.bands[2].buffer_bytes, 3 * 24 * 8 + 4 * 8);
  // Ring 72 B + state (2 + 3 * 3 words) + line buffers 608 B + output 1,152 B.
  EXPECT_EQ(c->plan.arena_bytes, 72 + 44 + 608 + 1152);
  EXPECT_LT(c->plan.arena_bytes, c->whole_input_arena_bytes);
}

TEST(Streaming, OnRefusesModelsThatCannotStreamAndSaysWhy) {
  EXPECT_COMPILE_ERROR(compile(fc_first_model(), StreamingMode::On), kName, "cannot take the input row by row",
                       "op 0 (FULLY_CONNECTED)", "has no row-by-row form");
  EXPECT_COMPILE_ERROR(compile(two_readers_model(), StreamingMode::On), kName, "more than one operator reads the input");
  EXPECT_COMPILE_ERROR(compile(full_window_model(), StreamingMode::On), kName, "window spans all 3 input rows");
  // auto falls back to the whole input without a word.
  for (const auto& model : {fc_first_model(), two_readers_model(), full_window_model()}) {
    auto c = compile(model, StreamingMode::Auto);
    EXPECT_FALSE(c->input_rows.enabled);
    EXPECT_TRUE(c->plan.in_arena(c->graph.inputs[0]));
  }
}

// A small input and a large later tensor: the row state would only add bytes.
std::vector<uint8_t> late_peak_model() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 6, 2, 1}, q(0.5f, 1));
  const int p = m.add_tensor("pool", w::TensorType::INT8, {1, 6, 2, 1}, q(0.5f, 1));
  w::Pool2DOptions o;
  o.filter_height = 2;
  m.add_max_pool_2d(in, p, o);
  const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, 12}, q(0.5f, 1));
  m.add_reshape({p}, flat, std::vector<int32_t>{1, 12});
  m.set_outputs({fc(m, flat, 12, 64, "out")});
  return m.finish();
}

TEST(Streaming, AutoKeepsTheWholeInputWhenRowsSaveNothing) {
  auto on = compile(late_peak_model(), StreamingMode::On);
  ASSERT_TRUE(on->input_rows.enabled);
  EXPECT_GE(on->plan.arena_bytes, on->whole_input_arena_bytes);
  auto c = compile(late_peak_model(), StreamingMode::Auto);
  EXPECT_FALSE(c->input_rows.enabled);
  EXPECT_EQ(c->plan.arena_bytes, on->whole_input_arena_bytes);
}

int sh(const std::string& cmd, std::string& output) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) output.append(buf, n);
  const int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

// Both forms' generated code on the host (warning-free), fed the same inputs: the
// streamed outputs must equal the whole-input ones, over several inputs in a row and
// after an input abandoned half-way with begin().
void check_forms_agree(const std::vector<uint8_t>& model, const std::string& tag) {
  TempDir dir("streaming_" + tag);
  auto whole = compile(model, StreamingMode::Off);
  auto rows = compile(model, StreamingMode::On);
  const auto a = microflow::emit_cpp(whole->graph, whole->calls, whole->plan, "whole");
  const auto b = microflow::emit_cpp(rows->graph, rows->calls, rows->plan, "rows", {}, rows->input_rows,
                                     rows->whole_input_arena_bytes);
  for (const auto& code : {a, b}) {
    std::ofstream(dir.path() / code.header_file) << code.header;
    std::ofstream(dir.path() / code.source_file) << code.source;
  }
  std::ofstream(dir.path() / "main.cpp") << R"(#include <stdio.h>
#include <string.h>
#include "rows.h"
#include "whole.h"

int main() {
  static whole::Model w;
  static rows::Model r;
  static_assert(rows::kInputRows * rows::kInputRowElements == whole::kInput0Elements, "rows cover the input");
  unsigned seed = 1;
  for (int v = 0; v < 20; ++v) {
    int8_t x[whole::kInput0Elements];
    for (size_t i = 0; i < whole::kInput0Elements; ++i) {
      seed = seed * 1103515245u + 12345u;
      x[i] = static_cast<int8_t>(seed >> 24);
    }
    memcpy(w.input(), x, sizeof x);
    w.invoke();
    if (v == 3) {  // half an input, then dropped
      for (size_t k = 0; k < rows::kInputRows / 2; ++k) r.push_row(x + k * rows::kInputRowElements);
      r.begin();
    }
    for (size_t k = 0; k < rows::kInputRows; ++k) {
      const bool ready = r.push_row(x + k * rows::kInputRowElements);
      if (ready != (k + 1 == rows::kInputRows)) return 2;
    }
    if (memcmp(w.output(), r.output(), whole::kOutput0Elements) != 0) {
      printf("vector %d differs\n", v);
      return 1;
    }
  }
  printf("same\n");
  return 0;
}
)";
  std::string out;
  const std::string d = dir.path().string();
  ASSERT_EQ(sh("g++ -std=c++14 -O1 -Wall -Wextra -Wconversion -Werror -I " + d + " -I " MICROFLOW_RUNTIME_INCLUDE " " +
                   d + "/main.cpp " + d + "/whole.cpp " + d + "/rows.cpp -o " + d + "/main",
               out),
            0)
      << out;
  out.clear();
  EXPECT_EQ(sh(d + "/main", out), 0) << out;
  EXPECT_EQ(out, "same\n");
}

TEST(Streaming, GeneratedDepthwiseFullyConnectedMatchesWholeInput) { check_forms_agree(depthwise_fc_model(), "dwfc"); }
TEST(Streaming, GeneratedMaxPoolMatchesWholeInput) { check_forms_agree(pool_model(), "pool"); }
TEST(Streaming, GeneratedDilatedConvMatchesWholeInput) { check_forms_agree(dilated_conv_model(), "conv"); }
TEST(Streaming, GeneratedBandRegionMatchesWholeInput) { check_forms_agree(band_model(), "band"); }

}  // namespace
