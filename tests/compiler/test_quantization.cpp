// Build-time quantization arithmetic of the compiler (ops/quantization.h)
// against the facts of shared/docs/tflm-arithmetic.md §2-§4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <random>

#include "ops/quantization.h"

namespace microflow {
namespace {

constexpr int32_t k2Pow30 = int32_t{1} << 30;

void expect_qm(double d, int32_t multiplier, int shift) {
  const QuantizedMultiplier q = quantize_multiplier(d);
  EXPECT_EQ(q.multiplier, multiplier) << "QuantizeMultiplier(" << d << ")";
  EXPECT_EQ(q.shift, shift) << "QuantizeMultiplier(" << d << ")";
}

// §2 "Consequences (verified)".
TEST(QuantizeMultiplier, DocumentedFacts) {
  expect_qm(1.0, k2Pow30, 1);
  expect_qm(0.5, k2Pow30, 0);
  expect_qm(1.0 - 1e-12, k2Pow30, 1);          // f rounds up to 1.0: the 2^31 carry
  expect_qm(std::ldexp(1.0, -31), k2Pow30, -30);
  expect_qm(std::ldexp(1.0, -32), k2Pow30, -31);  // kept: flush only below 2^-32
  expect_qm(1.86e-10, 0, 0);                      // < 2^-32: flushed
  expect_qm(0.0, 0, 0);
}

TEST(QuantizeMultiplier, CarryIsAppliedBeforeTheFlushTest) {
  // Just below 2^-32: frexp gives s = -32, the fraction rounds to 1.0, the carry makes
  // s = -31, which is kept (doc §2 step 5 is tested after step 4).
  expect_qm(std::ldexp(1.0 - 1e-12, -32), k2Pow30, -31);
  // Just below 2^-33 flushes even after the carry (s = -32).
  expect_qm(std::ldexp(1.0 - 1e-12, -33), 0, 0);
}

TEST(QuantizeMultiplier, RoundsHalfAwayFromZero) {
  // f * 2^31 = 2^30 + 0.5 exactly: std::round gives 2^30 + 1 (banker's would give 2^30).
  expect_qm(0.5 + std::ldexp(1.0, -32), k2Pow30 + 1, 0);
  // 2^30 + 1.5 -> 2^30 + 2 (banker's would also give 2^30 + 2; 2^30 + 2.5 -> 2^30 + 3 would not).
  expect_qm(0.5 + 3 * std::ldexp(1.0, -32), k2Pow30 + 2, 0);
  expect_qm(0.5 + 5 * std::ldexp(1.0, -32), k2Pow30 + 3, 0);
  // 2^30 + 0.25 rounds down.
  expect_qm(0.5 + std::ldexp(1.0, -33), k2Pow30, 0);
}

TEST(QuantizeMultiplier, LargeMultipliersKeepTheirShift) {
  // Double-rounding build: no cap on the shift.
  expect_qm(3.0, 1610612736, 2);  // 0.75 * 2^2
  expect_qm(std::ldexp(1.0, 40), k2Pow30, 41);
}

TEST(QuantizeMultiplier, RandomValuesReconstructWithinHalfAnUlpOfQ31) {
  std::mt19937_64 rng(1234);
  std::uniform_real_distribution<double> mantissa(0.5, 1.0);
  std::uniform_int_distribution<int> exponent(-30, 10);
  for (int i = 0; i < 10000; ++i) {
    const double d = std::ldexp(mantissa(rng), exponent(rng));
    const QuantizedMultiplier q = quantize_multiplier(d);
    ASSERT_GE(q.multiplier, k2Pow30) << d;
    ASSERT_LE(q.multiplier, INT32_MAX) << d;
    const double back = std::ldexp(static_cast<double>(q.multiplier), q.shift - 31);
    // Rounding f * 2^31 to an integer errs by at most 0.5 in units of 2^(s-31).
    ASSERT_LE(std::abs(back - d), std::ldexp(0.5, q.shift - 31)) << d;
  }
}

// §3.1: act range = clamp(Z + round_f32(f / S)) per activation.
TEST(ActivationRangeS8, HandComputedExample) {
  // S = 0.05, Z = -10: Q(0) = -10, Q(6) = -10 + 120 = 110, Q(-1) = -30, Q(1) = 10.
  EXPECT_EQ(activation_range_quantized(Activation::None, 0.05f, -10, -128, 127), std::make_pair(-128, 127));
  EXPECT_EQ(activation_range_quantized(Activation::Relu, 0.05f, -10, -128, 127), std::make_pair(-10, 127));
  EXPECT_EQ(activation_range_quantized(Activation::Relu6, 0.05f, -10, -128, 127), std::make_pair(-10, 110));
  EXPECT_EQ(activation_range_quantized(Activation::ReluN1To1, 0.05f, -10, -128, 127), std::make_pair(-30, 10));
}

TEST(ActivationRangeS8, BoundsAreClampedToInt8) {
  // Z = -128: RELU clamps nothing extra.
  EXPECT_EQ(activation_range_quantized(Activation::Relu, 0.1f, -128, -128, 127), std::make_pair(-128, 127));
  // S = 0.01, Z = 0: Q(6) = 600 -> 127, Q(+-1) = +-100.
  EXPECT_EQ(activation_range_quantized(Activation::Relu6, 0.01f, 0, -128, 127), std::make_pair(0, 127));
  EXPECT_EQ(activation_range_quantized(Activation::ReluN1To1, 0.01f, 0, -128, 127), std::make_pair(-100, 100));
  // S = 0.1, Z = 100: RELU6 top 100 + 60 = 160 -> 127.
  EXPECT_EQ(activation_range_quantized(Activation::Relu6, 0.1f, 100, -128, 127), std::make_pair(100, 127));
  // S = 0.001, Z = 50: RELU_N1_TO_1 bounds 50 -+ 1000 -> [-128, 127].
  EXPECT_EQ(activation_range_quantized(Activation::ReluN1To1, 0.001f, 50, -128, 127), std::make_pair(-128, 127));
}

TEST(ActivationRangeS8, RoundsHalfAwayFromZeroInFloat) {
  // 1.f / 0.4f is exactly 2.5f in float32; std::round(2.5f) = 3, std::round(-2.5f) = -3.
  ASSERT_EQ(1.f / 0.4f, 2.5f);
  EXPECT_EQ(activation_range_quantized(Activation::ReluN1To1, 0.4f, 0, -128, 127), std::make_pair(-3, 3));
  EXPECT_EQ(activation_range_quantized(Activation::ReluN1To1, 0.4f, 7, -128, 127), std::make_pair(4, 10));
  // 6.f / 0.4f is exactly 15.
  EXPECT_EQ(activation_range_quantized(Activation::Relu6, 0.4f, 7, -128, 127), std::make_pair(7, 22));
}

TEST(ActivationRangeS16, BoundsAreClampedToInt16) {
  // S = 0.0001, Z = 0: Q(6) = 60000 -> 32767, Q(-1) = -10000.
  EXPECT_EQ(activation_range_quantized(Activation::Relu6, 0.0001f, 0, -32768, 32767), std::make_pair(0, 32767));
  EXPECT_EQ(activation_range_quantized(Activation::ReluN1To1, 0.0001f, 0, -32768, 32767), std::make_pair(-10000, 10000));
  EXPECT_EQ(activation_range_quantized(Activation::None, 0.0001f, 0, -32768, 32767), std::make_pair(-32768, 32767));
}

TEST(ActivationRangeF32, MatchesTflm) {
  EXPECT_EQ(activation_range_f32(Activation::None), std::make_pair(-FLT_MAX, FLT_MAX));
  EXPECT_EQ(activation_range_f32(Activation::Relu), std::make_pair(0.f, FLT_MAX));
  EXPECT_EQ(activation_range_f32(Activation::Relu6), std::make_pair(0.f, 6.f));
  EXPECT_EQ(activation_range_f32(Activation::ReluN1To1), std::make_pair(-1.f, 1.f));
}

void expect_padding(Padding p, int in, int k, int stride, int dilation, int out, int pad_before) {
  const PaddedSize r = compute_padding(p, in, k, stride, dilation);
  EXPECT_EQ(r.output, out) << (p == Padding::Same ? "SAME" : "VALID") << " in=" << in << " k=" << k
                           << " stride=" << stride << " dilation=" << dilation;
  EXPECT_EQ(r.pad_before, pad_before) << (p == Padding::Same ? "SAME" : "VALID") << " in=" << in << " k=" << k
                                      << " stride=" << stride << " dilation=" << dilation;
}

// §4 worked by hand: total = max(0, (out-1)*stride + eff - in), before = total/2.
TEST(ComputePadding, SameHandComputed) {
  expect_padding(Padding::Same, 5, 3, 1, 1, 5, 1);   // total 2
  expect_padding(Padding::Same, 5, 3, 2, 1, 3, 1);   // out 3, total 2
  expect_padding(Padding::Same, 6, 3, 2, 1, 3, 0);   // total 1: the odd pixel goes after
  expect_padding(Padding::Same, 7, 4, 1, 1, 7, 1);   // total 3: 1 before, 2 after
  expect_padding(Padding::Same, 96, 3, 2, 1, 48, 0); // person_detect first layer: total 1
  expect_padding(Padding::Same, 1, 5, 1, 1, 1, 2);   // filter larger than input
  expect_padding(Padding::Same, 5, 1, 2, 1, 3, 0);   // 1x1, stride 2: no padding
  expect_padding(Padding::Same, 4, 1, 3, 1, 2, 0);
}

TEST(ComputePadding, SameWithDilation) {
  expect_padding(Padding::Same, 7, 3, 1, 2, 7, 2);   // eff 5: total 4
  expect_padding(Padding::Same, 8, 3, 2, 3, 4, 2);   // eff 7: total 3*2+7-8 = 5: 2 before, 3 after
}

TEST(ComputePadding, ValidHasNoPadding) {
  expect_padding(Padding::Valid, 7, 3, 2, 1, 3, 0);
  expect_padding(Padding::Valid, 7, 3, 1, 2, 3, 0);  // eff 5
  expect_padding(Padding::Valid, 8, 3, 3, 1, 2, 0);
  expect_padding(Padding::Valid, 5, 5, 1, 1, 1, 0);
  expect_padding(Padding::Valid, 2, 3, 1, 1, 0, 0);  // filter larger than input: empty output
}

TEST(ComputePadding, MatchesTheFormulaOverAGrid) {
  for (int in = 1; in <= 20; ++in)
    for (int k = 1; k <= 5; ++k)
      for (int s = 1; s <= 3; ++s)
        for (int d = 1; d <= 3; ++d) {
          const int eff = (k - 1) * d + 1;
          const PaddedSize same = compute_padding(Padding::Same, in, k, s, d);
          ASSERT_EQ(same.output, (in + s - 1) / s);
          const int64_t total = std::max<int64_t>(0, (same.output - 1) * s + eff - in);
          ASSERT_EQ(same.pad_before, total / 2) << in << " " << k << " " << s << " " << d;
          // The extra pixel (if any) is after: before <= after.
          ASSERT_LE(same.pad_before, total - same.pad_before);
          const PaddedSize valid = compute_padding(Padding::Valid, in, k, s, d);
          ASSERT_EQ(valid.output, (in + s - eff) / s);
          // VALID never pads when the output is non-empty. (For an empty output TFLM's
          // formula can give a nonzero padding; no kernel runs then.)
          if (valid.output >= 1) {
            ASSERT_EQ(valid.pad_before, 0) << in << " " << k << " " << s << " " << d;
          }
        }
}

}  // namespace
}  // namespace microflow
