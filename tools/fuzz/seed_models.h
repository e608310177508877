// Valid models built with tools/tflite_writer: the bases that the robustness
// tests break in every way they can, and writer-made seeds for the fuzzer
// (tools/fuzz.sh). Every model here compiles.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <flatbuffers/flexbuffers.h>

#include "microflow/tflite_writer.h"

namespace mfseed {

namespace w = microflow::tools;

inline w::Quantization q(float scale, int64_t zero_point) { return w::Quantization(scale, zero_point); }

inline std::vector<uint8_t> int8_bytes(size_t n, int mul) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>(i * static_cast<size_t>(mul) % 255) - 127));
  return v;
}

inline std::vector<uint8_t> float_bytes(size_t n, float step) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = step * static_cast<float>(static_cast<int>(i % 9) - 4);
  return w::to_bytes(v);
}

// in int8[1,4] -> FULLY_CONNECTED(W int8[3,4], bias int32[3]) -> out int8[1,3]
inline std::vector<uint8_t> small_fc() {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4}, q(0.5f, -1));
  const int wt = m.add_const_tensor("weights", w::TensorType::INT8, {3, 4}, int8_bytes(12, 31), q(0.25f, 0));
  const int b = m.add_const_tensor("bias", w::TensorType::INT32, {3}, w::to_bytes(std::vector<int32_t>{7, -7, 70}),
                                   q(0.125f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 3}, q(1.f, 3));
  m.add_fully_connected({in, wt, b}, out, w::Activation::RELU);
  m.set_outputs({out});
  return m.finish();
}

// Every supported operator in one int8 graph: CONV_2D (per-channel) ->
// DEPTHWISE_CONV_2D (per-channel, multiplier 2) -> MAX/AVERAGE_POOL_2D -> ADD
// -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX -> DEQUANTIZE, and a QUANTIZE
// (requantize) branch; two outputs. Any writer with ModelWriter's interface
// works (tests/compiler/test_reader.cpp passes one that mutates fields).
template <typename Writer>
std::vector<uint8_t> int8_zoo_with(Writer& m) {
  const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, 4, 4, 2}, q(0.1f, 0));
  const int cw = m.add_const_tensor("conv/w", w::TensorType::INT8, {3, 3, 3, 2}, int8_bytes(54, 37),
                                    w::Quantization::symmetric_per_channel({0.01f, 0.02f, 0.03f}, 0));
  const int cb = m.add_const_tensor("conv/b", w::TensorType::INT32, {3}, w::to_bytes(std::vector<int32_t>{10, -20, 30}),
                                    w::Quantization::symmetric_per_channel({0.001f, 0.002f, 0.003f}, 0));
  const int c1 = m.add_tensor("conv", w::TensorType::INT8, {1, 4, 4, 3}, q(0.2f, -5));
  m.add_conv_2d({x, cw, cb}, c1, {.padding = w::Padding::SAME, .activation = w::Activation::RELU});
  const int dw = m.add_const_tensor("dw/w", w::TensorType::INT8, {1, 3, 3, 6}, int8_bytes(54, 53),
                                    w::Quantization::symmetric_per_channel({0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f}, 3));
  const int db = m.add_const_tensor("dw/b", w::TensorType::INT32, {6}, w::to_bytes(std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
  const int d1 = m.add_tensor("dw", w::TensorType::INT8, {1, 2, 2, 6}, q(0.2f, -5));
  m.add_depthwise_conv_2d({c1, dw, db}, d1,
                          {.padding = w::Padding::SAME, .stride_w = 2, .stride_h = 2, .depth_multiplier = 2});
  const int mp = m.add_tensor("maxpool", w::TensorType::INT8, {1, 1, 1, 6}, q(0.2f, -5));
  m.add_max_pool_2d(d1, mp, {.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .filter_width = 2, .filter_height = 2});
  const int ap = m.add_tensor("avgpool", w::TensorType::INT8, {1, 1, 1, 6}, q(0.2f, -5));
  m.add_average_pool_2d(d1, ap, {.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .filter_width = 2, .filter_height = 2});
  const int s1 = m.add_tensor("sum", w::TensorType::INT8, {1, 1, 1, 6}, q(0.3f, 0));
  m.add_add(mp, ap, s1);
  const int r1 = m.add_tensor("flat", w::TensorType::INT8, {1, 6}, q(0.3f, 0));
  m.add_reshape({s1}, r1, std::vector<int32_t>{1, 6});
  const int fw = m.add_const_tensor("fc/w", w::TensorType::INT8, {4, 6}, int8_bytes(24, 71), q(0.02f, 0));
  const int fb = m.add_const_tensor("fc/b", w::TensorType::INT32, {4}, w::to_bytes(std::vector<int32_t>{5, -5, 50, -50}),
                                    q(0.3f * 0.02f, 0));
  const int f1 = m.add_tensor("fc", w::TensorType::INT8, {1, 4}, q(0.5f, 1));
  m.add_fully_connected({r1, fw, fb}, f1);
  const int sm = m.add_tensor("softmax", w::TensorType::INT8, {1, 4}, q(1.f / 256, -128));
  m.add_softmax(f1, sm);
  const int out = m.add_tensor("probs", w::TensorType::FLOAT32, {1, 4});
  m.add_dequantize(sm, out);
  const int rq = m.add_tensor("requantized", w::TensorType::INT8, {1, 4}, q(0.25f, -3));
  m.add_quantize(f1, rq);
  m.set_outputs({out, rq});
  return m.finish();
}

inline std::vector<uint8_t> int8_zoo() {
  w::ModelWriter m;
  return int8_zoo_with(m);
}

// The same structure in float32, with a QUANTIZE/DEQUANTIZE pair at the end.
template <typename Writer>
std::vector<uint8_t> float_zoo_with(Writer& m) {
  const auto F = w::TensorType::FLOAT32;
  const int x = m.add_input_tensor("x", F, {1, 4, 4, 2});
  const int cw = m.add_const_tensor("conv/w", F, {3, 3, 3, 2}, float_bytes(54, 0.1f));
  const int cb = m.add_const_tensor("conv/b", F, {3}, float_bytes(3, 0.5f));
  const int c1 = m.add_tensor("conv", F, {1, 4, 4, 3});
  m.add_conv_2d({x, cw, cb}, c1, {.padding = w::Padding::SAME, .activation = w::Activation::RELU6});
  const int dw = m.add_const_tensor("dw/w", F, {1, 3, 3, 6}, float_bytes(54, 0.2f));
  const int d1 = m.add_tensor("dw", F, {1, 2, 2, 6});
  m.add_depthwise_conv_2d({c1, dw, -1}, d1,
                          {.padding = w::Padding::SAME, .stride_w = 2, .stride_h = 2, .depth_multiplier = 2});
  const int mp = m.add_tensor("maxpool", F, {1, 1, 1, 6});
  m.add_max_pool_2d(d1, mp, {.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .filter_width = 2, .filter_height = 2});
  const int ap = m.add_tensor("avgpool", F, {1, 1, 1, 6});
  m.add_average_pool_2d(d1, ap, {.padding = w::Padding::VALID, .stride_w = 2, .stride_h = 2, .filter_width = 2, .filter_height = 2});
  const int s1 = m.add_tensor("sum", F, {1, 1, 1, 6});
  m.add_add(mp, ap, s1, w::Activation::RELU_N1_TO_1);
  const int r1 = m.add_tensor("flat", F, {1, 6});
  m.add_reshape({s1}, r1);
  const int fw = m.add_const_tensor("fc/w", F, {4, 6}, float_bytes(24, 0.3f));
  const int f1 = m.add_tensor("fc", F, {1, 4});
  m.add_fully_connected({r1, fw, -1}, f1, w::Activation::RELU);
  const int sm = m.add_tensor("softmax", F, {1, 4});
  m.add_softmax(f1, sm, 2.f);
  const int qz = m.add_tensor("q", w::TensorType::INT8, {1, 4}, q(1.f / 128, -128));
  m.add_quantize(sm, qz);
  const int out = m.add_tensor("probs", F, {1, 4});
  m.add_dequantize(qz, out);
  m.set_outputs({out, sm});
  return m.finish();
}

inline std::vector<uint8_t> float_zoo() {
  w::ModelWriter m;
  return float_zoo_with(m);
}

// Two inputs, a residual ADD with broadcasting and a per-channel FULLY_CONNECTED.
inline std::vector<uint8_t> residual_two_inputs() {
  w::ModelWriter m;
  const int a = m.add_input_tensor("a", w::TensorType::INT8, {1, 3, 3, 4}, q(0.05f, 2));
  const int b = m.add_input_tensor("b", w::TensorType::INT8, {1, 1, 1, 4}, q(0.1f, -3));
  const int cw = m.add_const_tensor("pw/w", w::TensorType::INT8, {4, 1, 1, 4}, int8_bytes(16, 13),
                                    w::Quantization::symmetric_per_channel({0.01f, 0.02f, 0.015f, 0.03f}, 0));
  const int c = m.add_tensor("pw", w::TensorType::INT8, {1, 3, 3, 4}, q(0.05f, 2));
  m.add_conv_2d({a, cw, -1}, c, {.padding = w::Padding::VALID});
  const int s = m.add_tensor("res", w::TensorType::INT8, {1, 3, 3, 4}, q(0.08f, 0));
  m.add_add(c, b, s, w::Activation::RELU6);
  const int s2 = m.add_tensor("res2", w::TensorType::INT8, {1, 3, 3, 4}, q(0.1f, 1));
  m.add_add(s, a, s2);
  const int flat = m.add_tensor("flat", w::TensorType::INT8, {1, 36}, q(0.1f, 1));
  m.add_reshape({s2}, flat);
  const int fw = m.add_const_tensor("fc/w", w::TensorType::INT8, {5, 36}, int8_bytes(180, 7),
                                    w::Quantization::symmetric_per_channel({0.01f, 0.02f, 0.03f, 0.04f, 0.05f}, 0));
  const int fc = m.add_tensor("fc", w::TensorType::INT8, {1, 5}, q(0.2f, -1));
  m.add_fully_connected({flat, fw, -1}, fc);
  m.set_outputs({fc, s});
  return m.finish();
}

// A custom operator's options: a flexbuffer map of integers (and one bool).
inline std::vector<uint8_t> flex_options(const std::vector<std::pair<std::string, int64_t>>& ints,
                                         const char* bool_key = nullptr, bool bool_value = false) {
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    for (const auto& [k, v] : ints) fbb.Int(k.c_str(), v);
    if (bool_key) fbb.Bool(bool_key, bool_value);
  });
  fbb.Finish();
  return fbb.GetBuffer();
}

// The Signal-library operators beyond TFLM's audio front end (SignalRfft int32 / float,
// SignalIrfft, SignalFramer, SignalStacker, SignalDelay, SignalOverlapAdd), each with its
// flexbuffer options; tests/compiler/test_signal_ops.cpp checks its outputs.
inline constexpr int kSignalZooFft = 24;  // radices 4 and 3
inline std::vector<uint8_t> signal_zoo() {
  constexpr int kFft = kSignalZooFft, kHalf = kFft / 2;
  using TT = w::TensorType;
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", TT::FLOAT32, {2, kFft});
  const int x32 = m.add_input_tensor("x32", TT::INT32, {3, 20});
  const int s16 = m.add_input_tensor("s16", TT::INT16, {2, 2 * (kHalf + 1)});
  const int s32 = m.add_input_tensor("s32", TT::INT32, {2, 2 * (kHalf + 2)});
  const int a = m.add_input_tensor("a", TT::INT16, {2, 8});
  const int c = m.add_input_tensor("c", TT::INT16, {3});
  const int f = m.add_input_tensor("f", TT::FLOAT32, {1, 2, 5});
  auto fft = [](int type) { return flex_options({{"T", type}, {"fft_length", kSignalZooFft}}); };
  const int spectrum = m.add_tensor("spectrum", TT::FLOAT32, {2, 2 * (kHalf + 1)});
  const int y = m.add_tensor("y", TT::FLOAT32, {2, kFft});
  m.add_custom_operator("SignalRfft", {x}, {spectrum}, fft(0));
  m.add_custom_operator("SignalIrfft", {spectrum}, {y}, fft(0));
  const int X32 = m.add_tensor("X32", TT::INT32, {3, 2 * (kHalf + 1)});
  m.add_custom_operator("SignalRfft", {x32}, {X32}, fft(2));
  const int y16 = m.add_tensor("y16", TT::INT16, {2, kFft});
  m.add_custom_operator("SignalIrfft", {s16}, {y16}, fft(7));
  const int y32 = m.add_tensor("y32", TT::INT32, {2, kFft});
  m.add_custom_operator("SignalIrfft", {s32}, {y32}, fft(2));
  const int frames = m.add_tensor("frames", TT::INT16, {2, 2, 6});
  const int frames_valid = m.add_tensor("frames_valid", TT::BOOL, {});
  m.add_custom_operator("SignalFramer", {a}, {frames, frames_valid}, flex_options({{"frame_size", 6}, {"frame_step", 4}}, "prefill", false));
  const int ola = m.add_tensor("ola", TT::INT16, {2, 8});
  m.add_custom_operator("SignalOverlapAdd", {frames}, {ola}, flex_options({{"T", 7}, {"frame_step", 4}}));
  const int delayed = m.add_tensor("delayed", TT::INT16, {2, 8});
  m.add_custom_operator("SignalDelay", {a}, {delayed}, flex_options({{"delay_length", 5}}));
  const int stacked = m.add_tensor("stacked", TT::INT16, {9});
  const int stacked_valid = m.add_tensor("stacked_valid", TT::BOOL, {});
  m.add_custom_operator("SignalStacker", {c}, {stacked, stacked_valid},
                        flex_options({{"num_channels", 3}, {"stacker_left_context", 1}, {"stacker_right_context", 1}, {"stacker_step", 1}}));
  const int olf = m.add_tensor("olf", TT::FLOAT32, {1, 4});
  m.add_custom_operator("SignalOverlapAdd", {f}, {olf}, flex_options({{"T", 0}, {"frame_step", 2}}));
  m.set_outputs({y, X32, y16, y32, frames, frames_valid, ola, delayed, stacked, stacked_valid, olf});
  return m.finish();
}

inline std::vector<std::pair<std::string, std::vector<uint8_t>>> all_seed_models() {
  return {{"small_fc", small_fc()},
          {"int8_zoo", int8_zoo()},
          {"float_zoo", float_zoo()},
          {"residual_two_inputs", residual_two_inputs()},
          {"signal_zoo", signal_zoo()}};
}

}  // namespace mfseed
