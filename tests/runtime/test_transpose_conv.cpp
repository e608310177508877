#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "microflow/kernels/transpose_conv.h"
#include "reference.h"

namespace {

struct Geometry {
  int32_t batches, in_h, in_w, in_d, out_h, out_w, out_d, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
};

// TFLM's reference: scatter every input pixel into a zeroed scratch of the output's size
// (loops batch, in_y, in_x, in_channel, filter_y, filter_x, out_channel), then finish each
// output element.
template <typename Acc, typename In, typename W, typename Finish>
void tflm_scatter(const Geometry& g, const std::vector<In>& in, const std::vector<W>& filter, Acc input_offset,
                  Finish finish) {
  std::vector<Acc> scratch(static_cast<size_t>(g.batches * g.out_h * g.out_w * g.out_d), Acc(0));
  for (int b = 0; b < g.batches; ++b)
    for (int iy = 0; iy < g.in_h; ++iy)
      for (int ix = 0; ix < g.in_w; ++ix)
        for (int ic = 0; ic < g.in_d; ++ic)
          for (int fy = 0; fy < g.k_h; ++fy)
            for (int fx = 0; fx < g.k_w; ++fx)
              for (int oc = 0; oc < g.out_d; ++oc) {
                const int ox = ix * g.stride_w - g.pad_left + fx, oy = iy * g.stride_h - g.pad_top + fy;
                if (ox < 0 || ox >= g.out_w || oy < 0 || oy >= g.out_h) continue;
                const Acc x = static_cast<Acc>(in[((b * g.in_h + iy) * g.in_w + ix) * g.in_d + ic]) + input_offset;
                const Acc w = static_cast<Acc>(filter[((oc * g.k_h + fy) * g.k_w + fx) * g.in_d + ic]);
                scratch[((b * g.out_h + oy) * g.out_w + ox) * g.out_d + oc] += x * w;
              }
  for (size_t i = 0; i < scratch.size(); ++i) finish(scratch[i], static_cast<int32_t>(i % g.out_d));
}

// Output sizes as TensorFlow makes them (SAME: in * stride, VALID: (in - 1) * stride + k),
// or a random size around them (TFLM takes the output tensor's shape as it is).
Geometry random_geometry(ref::Random& rng) {
  Geometry g;
  g.batches = rng.uniform(1, 2);
  g.in_h = rng.uniform(1, 5);
  g.in_w = rng.uniform(1, 5);
  g.in_d = rng.uniform(1, 9);
  g.out_d = rng.uniform(1, 6);
  g.k_h = rng.uniform(1, 4);
  g.k_w = rng.uniform(1, 4);
  g.stride_h = rng.uniform(1, 3);
  g.stride_w = rng.uniform(1, 3);
  const int mode = rng.uniform(0, 2);
  if (mode == 0) {  // SAME
    g.out_h = g.in_h * g.stride_h;
    g.out_w = g.in_w * g.stride_w;
  } else if (mode == 1) {  // VALID
    g.out_h = (g.in_h - 1) * g.stride_h + g.k_h;
    g.out_w = (g.in_w - 1) * g.stride_w + g.k_w;
  } else {
    g.out_h = rng.uniform(1, 12);
    g.out_w = rng.uniform(1, 12);
  }
  g.pad_top = mode == 1 ? 0 : ref::same_pad(g.out_h, ref::same_out(g.out_h, g.stride_h), g.stride_h, g.k_h, 1);
  g.pad_left = mode == 1 ? 0 : ref::same_pad(g.out_w, ref::same_out(g.out_w, g.stride_w), g.stride_w, g.k_w, 1);
  return g;
}

mf::TransposeConvParams int_params(const Geometry& g) {
  mf::TransposeConvParams p = {};
  p.batches = g.batches;
  p.input_height = g.in_h;
  p.input_width = g.in_w;
  p.input_depth = g.in_d;
  p.output_height = g.out_h;
  p.output_width = g.out_w;
  p.output_depth = g.out_d;
  p.filter_height = g.k_h;
  p.filter_width = g.k_w;
  p.stride_height = g.stride_h;
  p.stride_width = g.stride_w;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  return p;
}

size_t input_size(const Geometry& g) { return static_cast<size_t>(g.batches * g.in_h * g.in_w * g.in_d); }
size_t filter_size(const Geometry& g) { return static_cast<size_t>(g.out_d * g.k_h * g.k_w * g.in_d); }
size_t output_size(const Geometry& g) { return static_cast<size_t>(g.batches * g.out_h * g.out_w * g.out_d); }

TEST(TransposeConvS8, MatchesTflmScatter) {
  ref::Random rng(67);
  for (int iter = 0; iter < 400; ++iter) {
    const Geometry g = random_geometry(rng);
    const auto in = rng.s8(input_size(g));
    const auto filter = rng.s8(filter_size(g), -127, 127);
    const auto bias = rng.s32(static_cast<size_t>(g.out_d), -5000, 5000);
    const bool with_bias = iter % 2;
    const int32_t zi = rng.uniform(-128, 127), zo = rng.uniform(-128, 127);
    std::vector<int32_t> mult(g.out_d), shift(g.out_d);
    for (int32_t c = 0; c < g.out_d; ++c)
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-12, -5)), &mult[c], &shift[c]);
    const int32_t act_min = rng.uniform(-128, -20), act_max = rng.uniform(20, 127);
    std::vector<int8_t> expected;
    tflm_scatter<int32_t>(g, in, filter, -zi, [&](int32_t acc, int32_t oc) {
      if (with_bias) acc += bias[oc];
      expected.push_back(ref::clamp8(ref::mbqm(acc, mult[oc], shift[oc]) + zo, act_min, act_max));
    });
    // Z_in * (sum of each tap's filter row), as the compiler folds it.
    std::vector<int32_t> offsets(static_cast<size_t>(g.out_d * g.k_h * g.k_w));
    for (size_t t = 0; t < offsets.size(); ++t) {
      int32_t sum = 0;
      for (int32_t ic = 0; ic < g.in_d; ++ic) sum += filter[t * g.in_d + ic];
      offsets[t] = zi * sum;
    }
    mf::TransposeConvParams p = int_params(g);
    p.output_zero_point = zo;
    p.tap_offsets = zi != 0 ? offsets.data() : nullptr;
    p.channel_multiplier = mult.data();
    p.channel_shift = shift.data();
    p.act_min = act_min;
    p.act_max = act_max;
    std::vector<int8_t> out(output_size(g));
    mf::transpose_conv_s8(p, in.data(), filter.data(), with_bias ? bias.data() : nullptr, out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

TEST(TransposeConvS16, MatchesTflmScatter) {
  ref::Random rng(16);
  for (int iter = 0; iter < 400; ++iter) {
    Geometry g = random_geometry(rng);
    if (iter % 50 == 0) g.in_d = 300;  // more channels than one int32 partial sum holds
    const auto in = rng.s16(input_size(g));
    const auto filter = rng.s8(filter_size(g), -127, 127);
    std::vector<int64_t> bias(static_cast<size_t>(g.out_d));
    for (auto& b : bias) b = int64_t{rng.uniform(-(1 << 30), 1 << 30)} * rng.uniform(1, 64);
    const bool with_bias = iter % 2;
    std::vector<int32_t> mult(g.out_d), reduced(g.out_d), shift(g.out_d);
    for (int32_t c = 0; c < g.out_d; ++c) {
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-24, -10)), &mult[c], &shift[c]);
      reduced[c] = mult[c] < 0x7FFF0000 ? (mult[c] + (1 << 15)) >> 16 : 0x7FFF;
    }
    const int32_t act_min = rng.uniform(-32768, -100), act_max = rng.uniform(100, 32767);
    std::vector<int16_t> expected;
    tflm_scatter<int64_t>(g, in, filter, 0, [&](int64_t acc, int32_t oc) {
      if (with_bias) acc += bias[oc];
      expected.push_back(static_cast<int16_t>(std::min(std::max(ref::mbqm64(acc, mult[oc], shift[oc]), act_min), act_max)));
    });
    mf::TransposeConvParams p = int_params(g);
    p.channel_multiplier = reduced.data();
    p.channel_shift = shift.data();
    p.act_min = act_min;
    p.act_max = act_max;
    std::vector<int16_t> out(output_size(g));
    mf::transpose_conv_s16(p, in.data(), filter.data(), with_bias ? bias.data() : nullptr, out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

TEST(TransposeConvF32, MatchesTflmScatterBitForBit) {
  // The gather visits each output's contributions in the scatter's order, so every rounding
  // is the same.
  ref::Random rng(32);
  for (int iter = 0; iter < 400; ++iter) {
    const Geometry g = random_geometry(rng);
    const auto in = rng.f32(input_size(g)), filter = rng.f32(filter_size(g), -1.f, 1.f);
    const auto bias = rng.f32(static_cast<size_t>(g.out_d));
    const bool with_bias = iter % 2, relu = iter % 3 == 0;
    const float lo = relu ? 0.f : -3.40282347e+38f, hi = 3.40282347e+38f;
    std::vector<float> expected;
    tflm_scatter<float>(g, in, filter, 0.f, [&](float acc, int32_t oc) {
      if (with_bias) acc += bias[oc];
      expected.push_back(ref::clampf(acc, lo, hi));
    });
    const mf::TransposeConvParams q = int_params(g);
    const mf::TransposeConvF32Params p = {q.batches,      q.input_height,  q.input_width,   q.input_depth,
                                          q.output_height, q.output_width,  q.output_depth,  q.filter_height,
                                          q.filter_width,  q.stride_height, q.stride_width,  q.pad_top,
                                          q.pad_left,      lo,              hi};
    std::vector<float> out(output_size(g));
    mf::transpose_conv_f32(p, in.data(), filter.data(), with_bias ? bias.data() : nullptr, out.data());
    ASSERT_EQ(0, std::memcmp(out.data(), expected.data(), out.size() * sizeof(float))) << "iter " << iter;
  }
}

}  // namespace
