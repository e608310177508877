#include <gtest/gtest.h>

#include <cmath>

#include "microflow/fixed_point.h"
#include "reference.h"

namespace {

constexpr int32_t kMin = ref::kMin;
constexpr int32_t kMax = ref::kMax;
constexpr int32_t kHalf = 1 << 30;  // 0.5 in Q0.31

TEST(SaturatingRoundingDoublingHighMul, DocumentedTies) {
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(1, kHalf), 1);    // 0.5 -> 1
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(-1, kHalf), 0);   // -0.5 -> 0
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(-3, kHalf), -1);  // -1.5 -> -1
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(3, kHalf), 2);    // 1.5 -> 2
}

TEST(SaturatingRoundingDoublingHighMul, Extremes) {
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(kMin, kMax), -kMax);
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(kMax, kMax), kMax - 1);
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(kMin, 1), -1);
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(kMax, 1), 1);
  EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(0, kMin), 0);
}

TEST(SaturatingRoundingDoublingHighMul, MatchesGemmlowpFormulation) {
  ref::Random rng(1);
  const int32_t edges[] = {kMin, kMin + 1, -kHalf, -3, -2, -1, 0, 1, 2, 3, kHalf, kMax - 1, kMax};
  for (int32_t a : edges) {
    for (int32_t b : edges) {
      EXPECT_EQ(mf::saturating_rounding_doubling_high_mul(a, b), ref::srdhm(a, b)) << a << " " << b;
    }
  }
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = static_cast<int32_t>(rng.gen());
    const int32_t b = i % 2 ? static_cast<int32_t>(rng.gen()) : rng.uniform(-70000, 70000);
    ASSERT_EQ(mf::saturating_rounding_doubling_high_mul(a, b), ref::srdhm(a, b)) << a << " " << b;
  }
}

TEST(RoundingDivideByPOT, DocumentedValues) {
  EXPECT_EQ(mf::rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(mf::rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(mf::rounding_divide_by_pot(-5, 2), -1);
  EXPECT_EQ(mf::rounding_divide_by_pot(-6, 2), -2);
  EXPECT_EQ(mf::rounding_divide_by_pot(-2, 2), -1);
  EXPECT_EQ(mf::rounding_divide_by_pot(2, 2), 1);
  EXPECT_EQ(mf::rounding_divide_by_pot(5, 2), 1);
}

TEST(RoundingDivideByPOT, ZeroExponentIsIdentity) {
  for (int32_t x : {kMin, -7, -1, 0, 1, 7, kMax}) EXPECT_EQ(mf::rounding_divide_by_pot(x, 0), x);
}

TEST(RoundingDivideByPOT, Exponent31) {
  EXPECT_EQ(mf::rounding_divide_by_pot(kMin, 31), -1);
  EXPECT_EQ(mf::rounding_divide_by_pot(kMax, 31), 1);
  EXPECT_EQ(mf::rounding_divide_by_pot(kHalf, 31), 1);    // +0.5 -> 1
  EXPECT_EQ(mf::rounding_divide_by_pot(-kHalf, 31), -1);  // -0.5 -> -1
  EXPECT_EQ(mf::rounding_divide_by_pot(kHalf - 1, 31), 0);
}

TEST(RoundingDivideByPOT, MatchesHalfAwayFromZero) {
  ref::Random rng(2);
  for (int i = 0; i < 200000; ++i) {
    const int32_t x = i % 2 ? static_cast<int32_t>(rng.gen()) : rng.uniform(-5000, 5000);
    const int e = rng.uniform(0, 31);
    ASSERT_EQ(mf::rounding_divide_by_pot(x, e), ref::rdbpot(x, e)) << x << " " << e;
  }
}

TEST(MultiplyByQuantizedMultiplier, DoubleRoundingDiffersFromSingleRounding) {
  // -900 * M / 2^31 = -548.54 rounds to -549 (SRDHM); -549 / 2 = -274.5 rounds away from
  // zero to -275 (RDBPOT). A single rounding of the exact -274.27 would give -274.
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(-900, 1308866855, -1), -275);
  EXPECT_EQ(std::round(-900.0 * 1308866855 / 4294967296.0), -274.0);
}

TEST(MultiplyByQuantizedMultiplier, UnitMultipliers) {
  // QuantizeMultiplier(1.0) = (2^30, 1): identity. (2^30, 0) halves through SRDHM alone,
  // so ties go toward +infinity.
  for (int32_t x : {-1000000, -3, -1, 0, 1, 3, 1000000}) {
    EXPECT_EQ(mf::multiply_by_quantized_multiplier(x, kHalf, 1), x);
  }
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(3, kHalf, 0), 2);
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(-3, kHalf, 0), -1);
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(-1, kHalf, 0), 0);
  // (2^30, -1) quarters: SRDHM(-6, 0.5) = -3, then RDBPOT(-3, 1) = -1.5 -> -2.
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(-6, kHalf, -1), -2);
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(6, kHalf, -1), 2);
}

TEST(MultiplyByQuantizedMultiplier, LeftShiftWrapsLikeTflm) {
  // 0x40000001 * 2^2 wraps to 4 before the multiply (TFLM does not saturate): 4 * 0.5 = 2.
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(0x40000001, kHalf, 2), 2);
}

TEST(MultiplyByQuantizedMultiplier, ShiftMinus31) {
  // QuantizeMultiplier(2^-32) = (2^30, -31) is kept by TFLM. INT32_MAX * 2^-32 = 0.49999...
  // but SRDHM first rounds to 2^30 (exactly 0.5 after the shift), which RDBPOT rounds to 1.
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(kMax, kHalf, -31), 1);
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(kMin, kHalf, -31), -1);
  EXPECT_EQ(mf::multiply_by_quantized_multiplier(kHalf, kHalf, -31), 0);
}

TEST(MultiplyByQuantizedMultiplier, MatchesReferenceAndRealScale) {
  ref::Random rng(3);
  for (int i = 0; i < 100000; ++i) {
    const double real = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-20, 3));
    int32_t m, s;
    ref::quantize_multiplier(real, &m, &s);
    const int32_t x = rng.uniform(-(1 << 20), 1 << 20);
    const int32_t got = mf::multiply_by_quantized_multiplier(x, m, s);
    ASSERT_EQ(got, ref::mbqm(x, m, s));
    ASSERT_LE(std::fabs(got - x * real), 1.0) << x << " " << m << " " << s;
  }
}

// The int8 requantization path: every (multiplier, shift) QuantizeMultiplier gives with
// shift in [-31, -1], edge and random accumulators and zero points.
TEST(RequantizeQ31, EqualsMultiplyByQuantizedMultiplierPlusZeroPoint) {
  ref::Random rng(4);
  const int32_t edges[] = {kMin, kMin + 1, -(1 << 30) - 1, -(1 << 30), -65537, -3, -2, -1, 0, 1, 2, 3,
                           65535, 1 << 30, (1 << 30) + 1, kMax - (1 << 22), kMax - 1, kMax};
  for (int shift = -31; shift <= -1; ++shift) {
    for (int32_t m : {kHalf, kHalf + 1, 1518500250, kMax - 1, kMax}) {
      ASSERT_TRUE(mf::is_q31_requantization(m, shift));
      for (int32_t x : edges)
        for (int32_t zero_point : {-128, -1, 0, 127})
          ASSERT_EQ(mf::requantize_q31(x, m, shift, zero_point), ref::mbqm(x, m, shift) + zero_point)
              << x << " " << m << " " << shift;
    }
  }
  for (int i = 0; i < 300000; ++i) {
    int32_t m, s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-32, 2)), &m, &s);
    if (!mf::is_q31_requantization(m, s)) continue;
    const int32_t x = i % 3 ? rng.uniform(-(1 << 24), 1 << 24) : static_cast<int32_t>(rng.gen());
    const int32_t zero_point = rng.uniform(-128, 127);
    ASSERT_EQ(mf::requantize_q31(x, m, s, zero_point), ref::mbqm(x, m, s) + zero_point) << x << " " << m << " " << s;
  }
  EXPECT_FALSE(mf::is_q31_requantization(0, -5));
  EXPECT_FALSE(mf::is_q31_requantization(kHalf, 0));
  EXPECT_FALSE(mf::is_q31_requantization(kHalf, 1));
  EXPECT_FALSE(mf::is_q31_requantization(kHalf - 1, -3));
}

// The per-core forms of rounding_high_mul_q31 (RV32's MULH one, Xtensa's 16-bit halves) are
// plain C: here they meet the int64 formula on the host for edge and random values.
TEST(RoundingHighMulQ31, CoreFormsMatchInt64) {
  const auto reference = [](int32_t x, int32_t m) {
    return static_cast<int32_t>((static_cast<int64_t>(x) * m + (static_cast<int64_t>(1) << 30)) >> 31);
  };
  const auto check = [&](int32_t x, int32_t m) {
    const int32_t m2 = static_cast<int32_t>(static_cast<uint32_t>(m) << 1);
    ASSERT_EQ(mf::rounding_high_mul_q31_rv32(x, m2), reference(x, m)) << x << " " << m;
    ASSERT_EQ(mf::rounding_high_mul_q31_halves(x, m), reference(x, m)) << x << " " << m;
  };
  const int32_t xs[] = {kMin, kMin + 1, -(1 << 30) - 1, -(1 << 30), -65537, -65536, -65535, -32769, -3, -2, -1, 0,
                        1, 2, 3, 32767, 65535, 65536, 1 << 30, (1 << 30) + 1, kMax - 65535, kMax - 1, kMax};
  const int32_t ms[] = {kHalf, kHalf + 1, kHalf + 65535, 1518500250, kMax - 65536, kMax - 1, kMax};
  for (int32_t x : xs)
    for (int32_t m : ms) check(x, m);
  ref::Random rng(7);
  for (int i = 0; i < 1000000; ++i) {
    const int32_t m = kHalf + static_cast<int32_t>(rng.gen() & 0x3FFFFFFFu);
    const int32_t x = i % 2 ? rng.uniform(-(1 << 24), 1 << 24) : static_cast<int32_t>(rng.gen());
    check(x, m);
  }
}

TEST(ClampToS8, ClampsToActivationRange) {
  EXPECT_EQ(mf::clamp_to_s8(-1000, -128, 127), -128);
  EXPECT_EQ(mf::clamp_to_s8(1000, -128, 127), 127);
  EXPECT_EQ(mf::clamp_to_s8(5, -128, 127), 5);
  EXPECT_EQ(mf::clamp_to_s8(-50, -20, 100), -20);
  EXPECT_EQ(mf::clamp_to_s8(101, -20, 100), 100);
}

}  // namespace

namespace {

int32_t reduced_s64(int64_t x, int32_t m, int32_t s) {
  return mf::multiply_by_reduced_multiplier_s64(x, ref::reduce_multiplier_to_q15(m), s);
}

}  // namespace

// TFLM's int64 MultiplyByQuantizedMultiplier (16x8 kernels): a single rounding, ties toward
// +infinity, with the 15-bit multiplier.
TEST(MultiplyByReducedMultiplierS64, TiesTowardPlusInfinity) {
  // M = 2^30 reduces to 2^14; shift 0: x * 2^14 / 2^15 = x / 2.
  EXPECT_EQ(reduced_s64(1, kHalf, 0), 1);    // 0.5 -> 1
  EXPECT_EQ(reduced_s64(-1, kHalf, 0), 0);   // -0.5 -> 0
  EXPECT_EQ(reduced_s64(-3, kHalf, 0), -1);  // -1.5 -> -1
  EXPECT_EQ(reduced_s64(3, kHalf, 0), 2);    // 1.5 -> 2
}

TEST(MultiplyByReducedMultiplierS64, ReductionAndItsCap) {
  // (M + 2^15) >> 16: 2^30 + 2^15 - 1 still reduces to 2^14, 2^30 + 2^15 to 2^14 + 1; M at or
  // above 0x7FFF0000 caps at 0x7FFF instead of rounding up to 2^15.
  EXPECT_EQ(ref::reduce_multiplier_to_q15(kHalf + (1 << 15) - 1), 1 << 14);
  EXPECT_EQ(ref::reduce_multiplier_to_q15(kHalf + (1 << 15)), (1 << 14) + 1);
  EXPECT_EQ(ref::reduce_multiplier_to_q15(0x7FFEFFFF), 0x7FFF);
  EXPECT_EQ(ref::reduce_multiplier_to_q15(kMax), 0x7FFF);
  // Shift 1: 2^20 * 0x7FFF / 2^14 = 2^6 * 0x7FFF.
  EXPECT_EQ(reduced_s64(int64_t{1} << 20, kMax, 1), 64 * 0x7FFF);
}

TEST(MultiplyByReducedMultiplierS64, TruncatesToInt32) {
  // 2^40 * 2^14 / 2^8 (shift 7) = 2^46, whose low 32 bits are 0.
  EXPECT_EQ(reduced_s64(int64_t{1} << 40, kHalf, 7), 0);
  EXPECT_EQ(reduced_s64((int64_t{1} << 40) + (1 << 10), kHalf, 7), 1 << 16);
}

TEST(MultiplyByReducedMultiplierS64, MatchesReferenceOverShiftsAndAccumulators) {
  ref::Random rng(5);
  for (int i = 0; i < 100000; ++i) {
    int32_t m, s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-31, 14)), &m, &s);
    if (s > 14) continue;
    const int64_t x = rng.s64(1, -(int64_t{1} << 47), (int64_t{1} << 47) - 1)[0] >> rng.uniform(0, 40);
    ASSERT_EQ(reduced_s64(x, m, s), ref::mbqm64(x, m, s)) << x << " " << m << " " << s;
  }
}
