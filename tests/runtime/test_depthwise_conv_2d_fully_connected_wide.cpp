// The --optimize=speed fused DEPTHWISE_CONV_2D -> FULLY_CONNECTED kernel (one input channel,
// constants as template arguments, int16 tap pairs) must equal the generic fused kernel bit
// for bit, borders (padding rows and columns) included. The host runs its plain-C path over
// the same layout; the Arm DSP path runs in the golden tests on the Cortex-M targets.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microflow/kernels/depthwise_conv_2d_fully_connected.h"
#include "microflow/variants/depthwise_conv_2d_fully_connected_wide.h"
#include "reference.h"

namespace {

// The compiler's filter layout (specialize.cpp, wide_depthwise_weights): w [KH][KW][channels].
std::vector<int32_t> pack_wide_depthwise(const std::vector<int8_t>& w, int32_t kh, int32_t kw, int32_t channels) {
  auto at = [&](int32_t ky, int32_t kx, int32_t c) -> int32_t {
    return kx < kw ? w[static_cast<size_t>((ky * kw + kx) * channels + c)] : 0;
  };
  auto pack = [](int32_t lo, int32_t hi) {
    return static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16));
  };
  std::vector<int32_t> words;
  for (int32_t b = 0; b < channels / 4; ++b)
    for (int32_t ky = 0; ky < kh; ++ky)
      for (int32_t g = 0; g < (kw + 3) / 4; ++g)
        for (int32_t c = 4 * b; c < 4 * b + 4; ++c) {
          words.push_back(pack(at(ky, 4 * g, c), at(ky, 4 * g + 2, c)));
          words.push_back(pack(at(ky, 4 * g + 1, c), at(ky, 4 * g + 3, c)));
        }
  return words;
}

template <typename C>
void check_random(bool per_channel, uint32_t seed) {
  ref::Random rng(seed);
  const int32_t channels = C::channels, taps = C::filter_height * C::filter_width, units = C::units;
  const int32_t depth = C::output_height * C::output_width * channels;
  const int32_t z_w = C::weights_zero_point;  // 0 with per-channel weights (symmetric)
  for (int i = 0; i < 12; ++i) {
    const std::vector<int8_t> dw_w = rng.s8(taps * channels, -127, 127);
    const std::vector<int32_t> dw_bias = rng.s32(channels, -3000, 3000);
    std::vector<int32_t> dw_m(static_cast<size_t>(channels)), dw_s(static_cast<size_t>(channels)), dw_rq;
    std::vector<int32_t> dw_folded;
    for (int32_t c = 0; c < channels; ++c) {
      const size_t k = static_cast<size_t>(c);
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-9, -5)), &dw_m[k], &dw_s[k]);
      dw_rq.push_back(dw_m[k]);
      dw_rq.push_back(-dw_s[k] - 1);
      int32_t sum = 0;
      for (int32_t t = 0; t < taps; ++t) sum += dw_w[static_cast<size_t>(t * channels + c)];
      dw_folded.push_back(dw_bias[k] - C::input_zero_point * sum);
    }
    const std::vector<int8_t> fc_w = rng.s8(units * depth, -127, 127);
    const std::vector<int32_t> fc_bias = rng.s32(units, -5000, 5000);
    int32_t fc_m, fc_s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), -10), &fc_m, &fc_s);
    std::vector<int32_t> fc_cm(static_cast<size_t>(units)), fc_cs(static_cast<size_t>(units)), fc_rq, fc_folded;
    for (int32_t u = 0; u < units; ++u) {
      const size_t k = static_cast<size_t>(u);
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-12, -8)), &fc_cm[k], &fc_cs[k]);
      fc_rq.push_back(per_channel ? fc_cm[k] : fc_m);
      fc_rq.push_back(per_channel ? fc_cs[k] : fc_s);
      int32_t sum = 0;
      for (int32_t d = 0; d < depth; ++d) sum += fc_w[static_cast<size_t>(u * depth + d)];
      fc_folded.push_back(fc_bias[k] - C::output_zero_point * sum + depth * C::output_zero_point * z_w);
    }
    const std::vector<int8_t> x = rng.s8(C::input_height * C::input_width);

    const mf::DepthwiseConv2DFullyConnectedS8Params p = {
        {1, C::input_height, C::input_width, 1, C::output_height, C::output_width, channels, C::filter_height,
         C::filter_width, channels, C::stride_height, C::stride_width, 1, 1, C::pad_top, C::pad_left,
         C::input_zero_point, C::output_zero_point, dw_m.data(), dw_s.data(), C::act_min, C::act_max, nullptr},
        {1, depth, units, z_w, C::fc_output_zero_point, fc_m, fc_s, per_channel ? fc_cm.data() : nullptr,
         per_channel ? fc_cs.data() : nullptr, C::fc_act_min, C::fc_act_max, units, nullptr}};
    std::vector<int32_t> accumulators(static_cast<size_t>(units));
    std::vector<int8_t> want(static_cast<size_t>(units)), got(static_cast<size_t>(units), 99);
    mf::depthwise_conv_2d_fully_connected_s8(p, x.data(), dw_w.data(), dw_folded.data(), fc_w.data(), fc_folded.data(),
                                             accumulators.data(), want.data());
    const std::vector<int32_t> words = pack_wide_depthwise(dw_w, C::filter_height, C::filter_width, channels);
    std::fill(accumulators.begin(), accumulators.end(), 12345);
    mf::depthwise_conv_2d_fully_connected_s8_wide_fixed<C>(x.data(), words.data(), dw_folded.data(), dw_rq.data(),
                                                           fc_w.data(), fc_folded.data(), fc_rq.data(),
                                                           accumulators.data(), got.data());
    ASSERT_EQ(got, want) << "seed " << seed << " case " << i;
  }
}

// micro_speech's layer: 49x40 input, 10x8 filter, 8 channels, stride 2, SAME (pad 4, 3), 4 units.
using MicroSpeech = mf::DepthwiseConv2DFullyConnectedS8WideConstants<49, 40, 25, 20, 8, 10, 8, 2, 2, 4, 3, -128, -128,
                                                                      -128, 127, 4, 0, 14, -128, 127>;
TEST(DepthwiseConv2DFullyConnectedS8Wide, MicroSpeechShape) {
  EXPECT_EQ(ref::same_pad(49, 25, 2, 10, 1), MicroSpeech::pad_top);
  EXPECT_EQ(ref::same_pad(40, 20, 2, 8, 1), MicroSpeech::pad_left);
  check_random<MicroSpeech>(false, 21);
}

// 3x3 at stride 1, SAME: a filter row of 3 taps (one zero-weight padding tap), a ReLU-like
// activation range, nonzero zero points everywhere, an asymmetric FC weight zero point.
using Same3x3 = mf::DepthwiseConv2DFullyConnectedS8WideConstants<7, 9, 7, 9, 4, 3, 3, 1, 1, 1, 1, 5, -3, -100, 90, 3, 7,
                                                                 -20, -60, 100>;
TEST(DepthwiseConv2DFullyConnectedS8Wide, SamePaddingOddFilterAsymmetricWeights) {
  EXPECT_EQ(ref::same_pad(7, 7, 1, 3, 1), Same3x3::pad_top);
  check_random<Same3x3>(false, 22);
}

// The same with per-channel (symmetric) FC weights.
using Same3x3PerChannel = mf::DepthwiseConv2DFullyConnectedS8WideConstants<7, 9, 7, 9, 4, 3, 3, 1, 1, 1, 1, 5, -3, -100,
                                                                           90, 3, 0, -20, -60, 100>;
TEST(DepthwiseConv2DFullyConnectedS8Wide, PerChannelFullyConnected) { check_random<Same3x3PerChannel>(true, 23); }

// VALID at stride (1, 2) with a 2x4 filter: the last of 13 input columns is read by no window
// (windows span columns 0..11), so only 12 are copied; rows never padded.
using Valid2x4 = mf::DepthwiseConv2DFullyConnectedS8WideConstants<8, 13, 7, 5, 4, 2, 4, 1, 2, 0, 0, -7, 11, -128, 127, 2,
                                                                  0, 3, -128, 127>;
TEST(DepthwiseConv2DFullyConnectedS8Wide, ValidPaddingUnreadColumn) {
  EXPECT_EQ(ref::valid_out(8, 1, 2, 1), Valid2x4::output_height);
  EXPECT_EQ(ref::valid_out(13, 2, 4, 1), Valid2x4::output_width);
  EXPECT_EQ(Valid2x4::copy_width, 12);
  check_random<Valid2x4>(false, 24);
}

// Stride (2, 3), SAME, a window wider than the input (6 taps over 6 columns, 2 padding on
// the right), 12 channels (three blocks), one unit, Z_in at the top of the int8 range.
using Wide4x6 = mf::DepthwiseConv2DFullyConnectedS8WideConstants<5, 6, 3, 2, 12, 4, 6, 2, 3, 1, 1, 127, -128, -128,
                                                                 127, 1, -3, 0, -128, 127>;
TEST(DepthwiseConv2DFullyConnectedS8Wide, StridedSamePaddingWideWindow) {
  EXPECT_EQ(ref::same_out(5, 2), Wide4x6::output_height);
  EXPECT_EQ(ref::same_out(6, 3), Wide4x6::output_width);
  EXPECT_EQ(ref::same_pad(5, 3, 2, 4, 1), Wide4x6::pad_top);
  EXPECT_EQ(ref::same_pad(6, 2, 3, 6, 1), Wide4x6::pad_left);
  check_random<Wide4x6>(false, 25);
}

}  // namespace
