#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "microflow/kernels/quantize.h"
#include "reference.h"

namespace {

std::vector<int8_t> quantize(float scale, int32_t zero_point, const std::vector<float>& x) {
  std::vector<int8_t> out(x.size());
  mf::quantize_f32_to_s8({static_cast<int32_t>(x.size()), scale, zero_point}, x.data(), out.data());
  return out;
}

TEST(RoundHalfAwayToInt32, Ties) {
  EXPECT_EQ(mf::round_half_away_to_int32(2.5f), 3);
  EXPECT_EQ(mf::round_half_away_to_int32(-2.5f), -3);
  EXPECT_EQ(mf::round_half_away_to_int32(0.5f), 1);
  EXPECT_EQ(mf::round_half_away_to_int32(-0.5f), -1);
  EXPECT_EQ(mf::round_half_away_to_int32(1.5f), 2);
  EXPECT_EQ(mf::round_half_away_to_int32(-1.5f), -2);
}

TEST(RoundHalfAwayToInt32, JustBelowHalf) {
  // 0.49999997f + 0.5f rounds up to 1.0f in float; roundf gives 0.
  EXPECT_EQ(mf::round_half_away_to_int32(0.49999997f), 0);
  EXPECT_EQ(mf::round_half_away_to_int32(-0.49999997f), 0);
  EXPECT_EQ(mf::round_half_away_to_int32(8388609.f), 8388609);   // 2^23 + 1: already integral
  EXPECT_EQ(mf::round_half_away_to_int32(4194304.5f), 4194305);  // 2^22 + 0.5
  EXPECT_EQ(mf::round_half_away_to_int32(-0.f), 0);
  EXPECT_EQ(mf::round_half_away_to_int32(1e-45f), 0);
}

TEST(RoundHalfAwayToInt32, RangeLimits) {
  EXPECT_EQ(mf::round_half_away_to_int32(2147483520.f), 2147483520);  // largest float < 2^31
  EXPECT_EQ(mf::round_half_away_to_int32(-2147483648.f), ref::kMin);
  // x86 cvttss2si behaviour that TFLM's host goldens exhibit.
  EXPECT_EQ(mf::round_half_away_to_int32(2147483648.f), ref::kMin);
  EXPECT_EQ(mf::round_half_away_to_int32(std::numeric_limits<float>::quiet_NaN()), ref::kMin);
  EXPECT_EQ(mf::round_half_away_to_int32(-std::numeric_limits<float>::infinity()), ref::kMin);
}

TEST(RoundHalfAwayToInt32, EqualsRoundfOverFloatRange) {
  // Every float in [-2^24, 2^24] with a stride through the bit patterns, plus all floats near
  // small halves.
  for (uint32_t bits = 0; bits < 0x4B800000u; bits += 97) {
    for (float sign : {1.f, -1.f}) {
      float x;
      std::memcpy(&x, &bits, sizeof x);
      x *= sign;
      ASSERT_EQ(mf::round_half_away_to_int32(x), static_cast<int32_t>(std::round(x))) << x;
    }
  }
  for (int k = -1000; k <= 1000; ++k) {
    float x = k + 0.5f;
    for (int step = 0; step < 8; ++step) {
      ASSERT_EQ(mf::round_half_away_to_int32(x), static_cast<int32_t>(std::round(x))) << x;
      x = std::nextafter(x, -1e9f);
    }
  }
}

TEST(QuantizeF32ToS8, RoundsTiesAwayFromZeroThenAddsZeroPoint) {
  // x / 0.5: 1.25 -> 2.5 -> 3; -1.25 -> -2.5 -> -3; 0.2 -> 0.4 -> 0.
  EXPECT_EQ(quantize(0.5f, -3, {1.25f, -1.25f, 0.2f, 0.f}), (std::vector<int8_t>{0, -6, -3, -3}));
}

TEST(QuantizeF32ToS8, Saturates) {
  EXPECT_EQ(quantize(0.1f, 10, {100.f, -100.f, 11.7f, -13.8f}),
            (std::vector<int8_t>{127, -128, 127, -128}));
}

TEST(QuantizeF32ToS8, DividesRatherThanMultipliesByReciprocal) {
  // With scale 0.1f, x = 0.35f: 0.35f / 0.1f = 3.4999998 -> 3, whereas 0.35f * (1 / 0.1f)
  // gives 3.5000002 -> 4. Find such values and check the division path.
  ref::Random rng(700);
  int differing = 0;
  for (int i = 0; i < 100000 && differing < 50; ++i) {
    const float scale = rng.uniform_f(0.001f, 1.f);
    const float x = (rng.uniform(-100, 100) + 0.5f) * scale;
    const float divided = x / scale, multiplied = x * (1.f / scale);
    if (std::round(divided) == std::round(multiplied)) continue;
    ++differing;
    const int32_t expected =
        std::min(127, std::max(-128, static_cast<int32_t>(std::round(divided)) + 1));
    ASSERT_EQ(quantize(scale, 1, {x})[0], expected) << x << " / " << scale;
  }
  EXPECT_GT(differing, 0);
}

TEST(DequantizeS8ToF32, ScaleTimesOffsetValue) {
  const int8_t in[] = {-128, -3, 0, 127};
  float out[4];
  mf::dequantize_s8_to_f32({4, 0.05f, -3}, in, out);
  EXPECT_EQ(out[0], 0.05f * -125.f);
  EXPECT_EQ(out[1], 0.f);
  EXPECT_EQ(out[2], 0.05f * 3.f);
  EXPECT_EQ(out[3], static_cast<float>(static_cast<double>(0.05f) * 130));
}

TEST(DequantizeS8ToF32, MatchesDoubleProductForAllInputs) {
  const float scale = 0.0393936f;
  for (int z : {-128, 0, 4, 127}) {
    std::vector<int8_t> in(256);
    std::vector<float> out(256);
    for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
    mf::dequantize_s8_to_f32({256, scale, z}, in.data(), out.data());
    for (int i = 0; i < 256; ++i) {
      ASSERT_EQ(out[i], static_cast<float>(static_cast<double>(scale) * (in[i] - z)));
    }
  }
}

TEST(RequantizeS8, MatchesReferenceForAllInputs) {
  ref::Random rng(701);
  for (int iter = 0; iter < 50; ++iter) {
    int32_t m, s;
    const double ratio = rng.uniform_f(0.05f, 4.f);
    ref::quantize_multiplier(ratio, &m, &s);
    const int32_t zi = rng.uniform(-128, 127), zo = rng.uniform(-128, 127);
    std::vector<int8_t> in(256), out(256);
    for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
    mf::requantize_s8({256, zi, zo, m, s}, in.data(), out.data());
    for (int i = 0; i < 256; ++i) {
      ASSERT_EQ(out[i], ref::clamp8(ref::mbqm(in[i] - zi, m, s) + zo, -128, 127));
    }
  }
}

TEST(RequantizeS8, HandComputed) {
  // Ratio 0.5 = (2^30, 0) is SRDHM alone, ties toward +infinity:
  // (5 - 1) * 0.5 = 2 -> 12; (-2 - 1) * 0.5 = -1.5 -> -1 -> 9.
  const int8_t in[] = {5, -2};
  int8_t out[2];
  mf::requantize_s8({2, 1, 10, 1 << 30, 0}, in, out);
  EXPECT_EQ(out[0], 12);
  EXPECT_EQ(out[1], 9);
}

TEST(QuantizeF32ToS16, RoundsThenSaturatesToInt16) {
  // x / 2^-12: 1.0001220703125 * 4096 = 4096.5 -> 4097; +-10 saturate; -0.00018310546875 *
  // 4096 = -0.75 -> -1.
  const std::vector<float> x = {1.0001220703125f, 10.f, -10.f, -0.00018310546875f};
  std::vector<int16_t> out(4);
  mf::quantize_f32_to_s16({4, 1.f / 4096, 0}, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{4097, 32767, -32768, -1}));
}

TEST(DequantizeS16ToF32, MatchesDoubleProductForAllInputs) {
  const float scale = 0.000183111057f;
  std::vector<int16_t> in(65536);
  std::vector<float> out(65536);
  for (int i = 0; i < 65536; ++i) in[i] = static_cast<int16_t>(i - 32768);
  mf::dequantize_s16_to_f32({65536, scale, 0}, in.data(), out.data());
  for (int i = 0; i < 65536; ++i) ASSERT_EQ(out[i], static_cast<float>(static_cast<double>(scale) * in[i]));
}

// TFLM's Requantize<In, Out>: clamp(MBQM(x - Z_in) + Z_out) to Out's range.
template <typename In, typename Out>
void check_requantize(uint32_t seed, int32_t z_in_limit, int32_t z_out_limit) {
  ref::Random rng(seed);
  for (int iter = 0; iter < 20; ++iter) {
    int32_t m, s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-20, 12)), &m, &s);
    const int32_t zi = rng.uniform(-z_in_limit, z_in_limit), zo = rng.uniform(-z_out_limit, z_out_limit);
    std::vector<In> in(1000);
    for (auto& v : in)
      v = static_cast<In>(rng.uniform(std::numeric_limits<In>::min() / 2, std::numeric_limits<In>::max() / 2));
    in[0] = std::numeric_limits<In>::min(), in[1] = std::numeric_limits<In>::max();
    std::vector<Out> out(in.size());
    mf::requantize(mf::RequantizeParams{static_cast<int32_t>(in.size()), zi, zo, m, s}, in.data(), out.data());
    for (size_t i = 0; i < in.size(); ++i) {
      // int32 arithmetic that wraps, as TFLM's does in practice.
      const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(in[i]) - static_cast<uint32_t>(zi));
      const int32_t q = static_cast<int32_t>(static_cast<uint32_t>(ref::mbqm(x, m, s)) + static_cast<uint32_t>(zo));
      const int32_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
      ASSERT_EQ(out[i], static_cast<Out>(std::min(std::max(q, lo), hi))) << i << " " << m << " " << s;
    }
  }
}

TEST(Requantize, BetweenInt8Int16AndInt32MatchesReference) {
  check_requantize<int16_t, int8_t>(702, 0, 128);
  check_requantize<int8_t, int16_t>(703, 128, 0);
  check_requantize<int16_t, int16_t>(704, 100, 100);
  check_requantize<int16_t, int32_t>(705, 0, 1000);
  check_requantize<int32_t, int16_t>(706, 1000, 0);
  check_requantize<int32_t, int8_t>(707, 1000, 100);
  check_requantize<int8_t, int32_t>(708, 100, 1000);
}

}  // namespace
