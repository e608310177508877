// The --optimize=speed depthwise kernel for few output pixels per row (depth multiplier 1, any
// filter, stride and dilation, constants as template arguments, int8 filter with taps in pairs) must
// equal the generic kernel bit for bit over the whole layer: str_ww_ref_model's Kx1 filters on
// width-1 images, borders (padding, dilation, windows past the image), zero points and
// activation clamps, and one row at a time over held rows as a band stage calls it. The host
// runs its portable form; the Arm DSP path runs in the golden tests on the Cortex-M targets.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microflow/kernels/depthwise_conv_2d.h"
#include "microflow/variants/depthwise_conv_2d_narrow.h"
#include "reference.h"

namespace {

struct Layer {
  std::vector<int8_t> input, filter, narrow_filter;
  std::vector<int32_t> multiplier, shift, requant, bias;
  std::vector<int8_t> expected;
};

// Random weights and requantization; `expected` from the generic kernel.
template <typename C>
Layer make_layer(uint32_t seed) {
  ref::Random rng(seed);
  constexpr int32_t depth = C::depth, taps = C::filter_height * C::filter_width;
  Layer l;
  l.input = rng.s8(static_cast<size_t>(C::input_height * C::input_width * depth));
  l.filter = rng.s8(static_cast<size_t>(taps * depth), -127, 127);
  l.multiplier.resize(depth), l.shift.resize(depth);
  for (int32_t c = 0; c < depth; ++c) {
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-9, -1)), &l.multiplier[c], &l.shift[c]);
    l.requant.push_back(l.multiplier[static_cast<size_t>(c)]);
    l.requant.push_back(-l.shift[static_cast<size_t>(c)] - 1);
  }
  // folded_bias = bias - Z_in * sum of the channel's taps, as the compiler folds it.
  l.bias = rng.s32(depth, -5000, 5000);
  for (int32_t c = 0; c < depth; ++c)
    for (int32_t t = 0; t < taps; ++t)
      l.bias[static_cast<size_t>(c)] -= C::input_zero_point * l.filter[static_cast<size_t>(t * depth + c)];
  const mf::DepthwiseConv2DS8Params p = {1, C::input_height, C::input_width, depth, C::output_height,
                                         C::output_width, depth, C::filter_height, C::filter_width, 1,
                                         C::stride_height, C::stride_width, C::dilation_height, C::dilation_width,
                                         C::pad_top, C::pad_left, C::input_zero_point, C::output_zero_point,
                                         l.multiplier.data(), l.shift.data(), C::act_min, C::act_max, nullptr};
  // The kernel's layout (depthwise_conv_2d_narrow.h): per block of four channels, per pair of
  // taps (a, b) a c0, a c1, b c0, b c1, a c2, a c3, b c2, b c3; an odd last tap's c0..c3.
  auto w = [&](int32_t t, int32_t c) { return l.filter[static_cast<size_t>(t * depth + c)]; };
  for (int32_t b = 0; b < depth; b += 4) {
    int32_t t = 0;
    for (; t + 2 <= taps; t += 2)
      l.narrow_filter.insert(l.narrow_filter.end(), {w(t, b), w(t, b + 1), w(t + 1, b), w(t + 1, b + 1), w(t, b + 2),
                                                     w(t, b + 3), w(t + 1, b + 2), w(t + 1, b + 3)});
    if (t < taps) l.narrow_filter.insert(l.narrow_filter.end(), {w(t, b), w(t, b + 1), w(t, b + 2), w(t, b + 3)});
  }
  l.expected.resize(static_cast<size_t>(C::output_height * C::output_width * depth));
  mf::depthwise_conv_2d_s8(p, l.input.data(), l.filter.data(), l.bias.data(), l.expected.data());
  return l;
}

template <typename C>
void check_random(uint32_t seed) {
  const Layer l = make_layer<C>(seed);
  std::vector<int8_t> got(l.expected.size(), 0x55);
  mf::depthwise_conv_2d_s8_narrow_fixed<C>(l.input.data(), reinterpret_cast<const int32_t*>(l.narrow_filter.data()),
                                           l.bias.data(), l.requant.data(),
                                           got.data());
  EXPECT_EQ(got, l.expected) << "seed " << seed;
}

// As a band stage: output row oy from a copy of only the input rows its window reads inside
// the image, the window's first row `top` rows into the copy (negative above the image).
template <typename C>
void check_rows(uint32_t seed) {
  const Layer l = make_layer<C>(seed);
  constexpr int32_t row_bytes = C::input_width * C::depth, out_row = C::output_width * C::depth;
  constexpr int32_t span = (C::filter_height - 1) * C::dilation_height + 1;
  std::vector<int8_t> got(l.expected.size(), 0x55);
  for (int32_t oy = 0; oy < C::output_height; ++oy) {
    const int32_t origin = oy * C::stride_height - C::pad_top;
    const int32_t first = origin > 0 ? origin : 0;
    const int32_t end = origin + span < C::input_height ? origin + span : C::input_height;
    const std::vector<int8_t> held(l.input.begin() + first * row_bytes, l.input.begin() + end * row_bytes);
    mf::depthwise_conv_2d_s8_narrow_row<C>(held.data(), end - first, origin - first, l.narrow_filter.data(), l.bias.data(),
                                           l.requant.data(), got.data() + oy * out_row);
  }
  EXPECT_EQ(got, l.expected) << "seed " << seed;
}

// H, W, depth, OH, OW, KH, KW, stride H, W, dilation H, W, pad_top, pad_left, Z_in, Z_out, act_min, act_max.
// str_ww_ref_model's four depthwise layers (VALID Kx1 filters on [rows, 1, channels]).
using StrWw0 = mf::DepthwiseConv2DS8NarrowConstants<30, 1, 40, 28, 1, 3, 1, 1, 1, 1, 1, 0, 0, -128, 3, -128, 127>;
using StrWw2 = mf::DepthwiseConv2DS8NarrowConstants<28, 1, 128, 24, 1, 5, 1, 1, 1, 1, 1, 0, 0, -128, -7, -128, 127>;
using StrWw4 = mf::DepthwiseConv2DS8NarrowConstants<24, 1, 128, 15, 1, 10, 1, 1, 1, 1, 1, 0, 0, -128, 1, -128, 127>;
using StrWw6 = mf::DepthwiseConv2DS8NarrowConstants<15, 1, 128, 1, 1, 15, 1, 1, 1, 1, 1, 0, 0, -128, -2, -128, 127>;

TEST(DepthwiseConv2DS8Narrow, StrWwLayers) {
  check_random<StrWw0>(1);
  check_random<StrWw2>(2);
  check_random<StrWw4>(3);
  check_random<StrWw6>(4);
}

TEST(DepthwiseConv2DS8Narrow, BandRowsOfStrWwLayers) {
  check_rows<StrWw2>(5);
  check_rows<StrWw4>(6);
}

TEST(DepthwiseConv2DS8Narrow, PaddedStridedAndDilated) {
  // SAME 5x1 (pads 2 above and below), stride 2; dilation 2 with a window past the bottom.
  check_random<mf::DepthwiseConv2DS8NarrowConstants<9, 1, 8, 5, 1, 5, 1, 2, 1, 1, 1, 2, 0, 5, -1, -128, 127>>(7);
  check_random<mf::DepthwiseConv2DS8NarrowConstants<11, 1, 12, 4, 1, 3, 1, 2, 1, 3, 1, 1, 0, -9, 4, -128, 127>>(8);
  check_rows<mf::DepthwiseConv2DS8NarrowConstants<9, 1, 8, 5, 1, 5, 1, 2, 1, 1, 1, 2, 0, 5, -1, -128, 127>>(9);
}

TEST(DepthwiseConv2DS8Narrow, OneAndTwoTaps) {
  check_random<mf::DepthwiseConv2DS8NarrowConstants<4, 2, 8, 4, 2, 1, 1, 1, 1, 1, 1, 0, 0, 3, -5, -128, 127>>(13);
  check_random<mf::DepthwiseConv2DS8NarrowConstants<5, 1, 4, 4, 1, 2, 1, 1, 1, 1, 1, 0, 0, -128, 0, -128, 127>>(14);
}

TEST(DepthwiseConv2DS8Narrow, TwoDimensionalWindowsAndClamps) {
  // 3x3 SAME on 3 pixels per row (every pixel at a border), 2x4 dilated across the columns.
  check_random<mf::DepthwiseConv2DS8NarrowConstants<5, 3, 8, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, -3, 2, -20, 90>>(10);
  check_random<mf::DepthwiseConv2DS8NarrowConstants<6, 8, 4, 5, 2, 2, 4, 1, 2, 1, 2, 0, 0, 7, -128, -128, 24>>(11);
  check_rows<mf::DepthwiseConv2DS8NarrowConstants<5, 3, 8, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, -3, 2, -20, 90>>(12);
}

}  // namespace
