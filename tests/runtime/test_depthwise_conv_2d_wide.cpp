// The --optimize=speed 3x3 depthwise kernel (depth multiplier 1, stride 1 or 2, constants as
// template arguments, TFLite's int8 filter) must equal the generic kernel bit for bit over the
// whole layer: borders (padding rows and columns, a last window past the image), zero points
// and activation clamps. The host runs its portable form; the Arm DSP assembly runs in the
// golden tests on the Cortex-M targets.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microflow/kernels/depthwise_conv_2d.h"
#include "microflow/variants/depthwise_conv_2d_wide.h"
#include "reference.h"

namespace {

template <typename C>
void check_random(uint32_t seed) {
  ref::Random rng(seed);
  const int32_t depth = C::depth;
  const auto input = rng.s8(static_cast<size_t>(C::input_height * C::input_width * C::input_depth));
  const auto filter = rng.s8(static_cast<size_t>(9 * depth), -127, 127);
  std::vector<int32_t> multiplier(static_cast<size_t>(depth)), shift(static_cast<size_t>(depth)), requant;
  for (int32_t c = 0; c < depth; ++c) {
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-9, -1)), &multiplier[c], &shift[c]);
    requant.push_back(multiplier[static_cast<size_t>(c)]);
    requant.push_back(-shift[static_cast<size_t>(c)] - 1);
  }
  // folded_bias = bias - Z_in * sum of the channel's taps, as the compiler folds it.
  std::vector<int32_t> bias = rng.s32(depth, -5000, 5000);
  for (int32_t c = 0; c < depth; ++c)
    for (int32_t t = 0; t < 9; ++t) bias[static_cast<size_t>(c)] -= C::input_zero_point * filter[static_cast<size_t>(t * depth + c)];
  const mf::DepthwiseConv2DS8Params p = {1, C::input_height, C::input_width, C::input_depth, C::output_height,
                                         C::output_width, depth, 3, 3, depth / C::input_depth, C::stride, C::stride, 1, 1, C::pad_top, C::pad_left,
                                         C::input_zero_point, C::output_zero_point, multiplier.data(), shift.data(),
                                         C::act_min, C::act_max, nullptr};
  const size_t out_size = static_cast<size_t>(C::output_height * C::output_width * depth);
  std::vector<int8_t> expected(out_size), got(out_size, 0x55);
  mf::depthwise_conv_2d_s8(p, input.data(), filter.data(), bias.data(), expected.data());
  mf::depthwise_conv_2d_s8_wide_fixed<C>(input.data(), filter.data(), bias.data(), requant.data(), got.data());
  EXPECT_EQ(got, expected) << "seed " << seed;
}

// H, W, input depth, depth, OH, OW, stride, pad_top, pad_left, Z_in, Z_out, act_min, act_max.
TEST(DepthwiseConv2DS8Wide, SameStride1) {
  check_random<mf::DepthwiseConv2DS8WideConstants<7, 9, 8, 8, 7, 9, 1, 1, 1, -3, 5, -128, 127>>(1);
  check_random<mf::DepthwiseConv2DS8WideConstants<12, 12, 64, 64, 12, 12, 1, 1, 1, -128, -128, -128, 127>>(2);
}

TEST(DepthwiseConv2DS8Wide, SameStride2OddAndEvenSizes) {
  // 11x9 -> 6x5: padding 1 on every side; 8x10 -> 4x5: only below and right.
  check_random<mf::DepthwiseConv2DS8WideConstants<11, 9, 12, 12, 6, 5, 2, 1, 1, 7, -2, -128, 127>>(3);
  check_random<mf::DepthwiseConv2DS8WideConstants<8, 10, 4, 4, 4, 5, 2, 0, 0, -128, -128, -128, 127>>(4);
}

TEST(DepthwiseConv2DS8Wide, ValidWithReluSixClamps) {
  check_random<mf::DepthwiseConv2DS8WideConstants<6, 5, 16, 16, 4, 3, 1, 0, 0, 10, -128, -128, 24>>(5);
  check_random<mf::DepthwiseConv2DS8WideConstants<4, 3, 8, 8, 1, 1, 2, 0, 0, -1, 0, -20, 100>>(6);
}

TEST(DepthwiseConv2DS8Wide, NarrowerThanTheWindowIsAllBorder) {
  // 2x2 with SAME: every window crosses the border.
  check_random<mf::DepthwiseConv2DS8WideConstants<2, 2, 4, 4, 2, 2, 1, 1, 1, 3, 1, -128, 127>>(7);
  check_random<mf::DepthwiseConv2DS8WideConstants<1, 1, 4, 4, 1, 1, 2, 1, 1, -5, 0, -128, 127>>(8);
}

TEST(DepthwiseConv2DS8Wide, FoldedPaddingWiderThanOne) {
  // A folded PAD of 2: strip columns 0 and 1 (and rows above the image) hold Z_in; odd and even widths.
  check_random<mf::DepthwiseConv2DS8WideConstants<5, 6, 8, 8, 6, 7, 1, 2, 2, 9, -4, -128, 127>>(11);
  check_random<mf::DepthwiseConv2DS8WideConstants<9, 9, 4, 4, 5, 6, 2, 2, 2, -7, 3, -128, 127>>(12);
}

TEST(DepthwiseConv2DS8Wide, OneInputChannelToEveryOutputChannel) {
  // person_detect's first layer in small (96x96x1 -> 48x48x8, SAME, stride 2), and stride 1.
  check_random<mf::DepthwiseConv2DS8WideConstants<13, 10, 1, 8, 7, 5, 2, 1, 0, -1, -128, -128, 127>>(9);
  check_random<mf::DepthwiseConv2DS8WideConstants<9, 7, 1, 12, 9, 7, 1, 1, 1, 4, -3, -128, 90>>(10);
}

}  // namespace
