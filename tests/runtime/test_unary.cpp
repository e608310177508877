// Single-input element-wise kernels, PRELU and the int8 table lookup: the requantizing
// kernels against TFLM's formulation written out here (reference.h primitives), the
// fixed-point LOGISTIC / TANH / RSQRT against the real functions within their error
// bounds plus TFLM's fixed points (0, saturation), the float kernels against <cmath>.
// The operators/ goldens check all of them bit for bit against TFLM.
#include <gtest/gtest.h>

#include <cmath>

#include "microflow/fixed_point_math.h"
#include "microflow/kernels/lookup.h"
#include "microflow/kernels/prelu.h"
#include "microflow/kernels/sigmoid_tanh.h"
#include "microflow/kernels/unary_f32.h"
#include "microflow/kernels/unary_quantized.h"
#include "reference.h"

namespace {

template <typename T>
T sat(int32_t v) {
  return static_cast<T>(std::min<int32_t>(std::max<int32_t>(v, std::numeric_limits<T>::min()), std::numeric_limits<T>::max()));
}

TEST(LookupS8, IndexesTheTableByTheInputByte) {
  int8_t table[256];
  for (int b = 0; b < 256; ++b) table[b] = static_cast<int8_t>(255 - b);
  const int8_t in[4] = {0, 1, -1, -128};
  int8_t out[4];
  mf::lookup_s8({4}, in, table, out);
  EXPECT_EQ(out[0], static_cast<int8_t>(255));
  EXPECT_EQ(out[1], static_cast<int8_t>(254));
  EXPECT_EQ(out[2], static_cast<int8_t>(0));    // byte 255
  EXPECT_EQ(out[3], static_cast<int8_t>(127));  // byte 128
}

TEST(ClampS8, UpperBoundFirstAsTflmRelu6) {
  const int8_t in[5] = {-128, -4, -3, 117, 127};
  int8_t out[5];
  mf::clamp_s8({5, -3, 117}, in, out);
  EXPECT_EQ(std::vector<int8_t>(out, out + 5), (std::vector<int8_t>{-3, -3, -3, 117, 117}));
}

TEST(ReluS8S16, RequantizeThenClampAtTheOutputZero) {
  ref::Random rng(11);
  for (int iter = 0; iter < 50; ++iter) {
    const int32_t zin = rng.uniform(-128, 127), zout = rng.uniform(-128, 127);
    const double ratio = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-4, 3));
    int32_t m, s;
    ref::quantize_multiplier(ratio, &m, &s);
    const auto in = rng.s8(64);
    std::vector<int8_t> out(64);
    mf::relu_s8({64, zin, zout, m, s, std::max(-128, zout), 127}, in.data(), out.data());
    for (size_t i = 0; i < in.size(); ++i)
      ASSERT_EQ(out[i], ref::clamp8(zout + ref::mbqm(in[i] - zin, m, s), std::max(-128, zout), 127));
  }
  const int16_t in16[3] = {-32768, 1000, 32767};
  int16_t out16[3];
  int32_t m, s;
  ref::quantize_multiplier(0.75, &m, &s);
  mf::relu_s16({3, 0, 0, m, s, 0, 32767}, in16, out16);
  EXPECT_EQ(out16[0], 0);
  EXPECT_EQ(out16[1], 750);
  EXPECT_EQ(out16[2], 24575);  // 32767 * 0.75 = 24575.25
}

TEST(LeakyReluS8S16, IdentityAboveTheZeroPointAlphaBelowIncludingNegativeAlpha) {
  ref::Random rng(12);
  for (int iter = 0; iter < 50; ++iter) {
    const int32_t zin = rng.uniform(-128, 127), zout = rng.uniform(-128, 127);
    int32_t mi, si, ma, sa;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-3, 1)), &mi, &si);
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-5, 0)), &ma, &sa);
    if (iter % 2) ma = -ma;  // TFLM's QuantizeMultiplier of a negative alpha: a negative Q31 value
    const auto in = rng.s8(64);
    std::vector<int8_t> out(64);
    mf::leaky_relu_s8({64, zin, zout, ma, sa, mi, si}, in.data(), out.data());
    for (size_t i = 0; i < in.size(); ++i) {
      const int32_t v = in[i] - zin;
      ASSERT_EQ(out[i], ref::clamp8(zout + (v >= 0 ? ref::mbqm(v, mi, si) : ref::mbqm(v, ma, sa)), -128, 127));
    }
  }
  int32_t ma, sa;
  ref::quantize_multiplier(0.1, &ma, &sa);
  const int16_t in16[2] = {-32768, 32767};
  int16_t out16[2];
  mf::leaky_relu_s16({2, 0, 0, ma, sa, 1 << 30, 1}, in16, out16);
  EXPECT_EQ(out16[0], -3277);  // -3276.8 rounded half away from zero
  EXPECT_EQ(out16[1], 32767);
}

TEST(AbsS8S16, ThreeModes) {
  const int8_t in[4] = {-128, -3, 0, 127};
  int8_t out[4];
  mf::abs_s8({4, mf::kAbsOffset, -3, -100, 0, 0}, in, out);
  EXPECT_EQ(std::vector<int8_t>(out, out + 4), (std::vector<int8_t>{25, -100, -97, 30}));
  int32_t m, s;
  ref::quantize_multiplier(2.2222, &m, &s);
  mf::abs_s8({4, mf::kAbsRescale, -3, -128, m, s}, in, out);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], ref::clamp8(ref::mbqm(std::abs(in[i] + 3), m, s) - 128, -128, 127));
  const int16_t in16[3] = {-32768, -5, 7};
  int16_t out16[3];
  mf::abs_s16({3, mf::kAbsPlain, 0, 0, 0, 0}, in16, out16);
  EXPECT_EQ(std::vector<int16_t>(out16, out16 + 3), (std::vector<int16_t>{-32768, 5, 7}));  // TFLM's wrap
  mf::abs_s16({3, mf::kAbsOffset, 0, 0, 0, 0}, in16, out16);
  EXPECT_EQ(out16[0], 32767);  // quantized: saturates
}

// TFLM reference_ops::HardSwish<int8_t>, written with its int16 gemmlowp primitives.
int16_t srdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = a * b;
  return static_cast<int16_t>((ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15));
}
int16_t rdbpot16(int16_t x, int e) {
  const auto mask = static_cast<int16_t>((1ll << e) - 1);
  const auto remainder = static_cast<int16_t>(x & mask);
  const auto threshold = static_cast<int16_t>((mask >> 1) + (x < 0 ? 1 : 0));
  return static_cast<int16_t>((x >> e) + (remainder > threshold ? 1 : 0));
}
int16_t sat_shift16(int16_t v, int amount) {
  return sat<int16_t>(static_cast<int32_t>(std::clamp<int64_t>(int64_t{v} * (int64_t{1} << amount), INT16_MIN, INT16_MAX)));
}
int8_t hard_swish_ref(int8_t x, const mf::HardSwishS8Params& p) {
  const auto hires = static_cast<int16_t>((x - p.input_zero_point) * 128);
  const int16_t pre = srdhm16(hires, static_cast<int16_t>(p.output_multiplier));
  int16_t r = hires;
  if (p.reluish_shift > 0) r = sat_shift16(r, p.reluish_shift - 1);
  r = srdhm16(r, static_cast<int16_t>(p.reluish_multiplier));
  if (p.reluish_shift > 0) r = sat_shift16(r, 1);
  if (p.reluish_shift < 0) r = rdbpot16(r, -p.reluish_shift);
  r = static_cast<int16_t>((r + (1 << 15)) >> 1);
  const auto product = static_cast<int16_t>(static_cast<int32_t>(r) * pre / (1 << 15));
  const auto v = static_cast<int16_t>(rdbpot16(product, -p.output_shift) + p.output_zero_point);
  return sat<int8_t>(v);
}

TEST(HardSwishS8, TflmInt16FixedPoint) {
  ref::Random rng(13);
  for (int iter = 0; iter < 200; ++iter) {
    const mf::HardSwishS8Params p{256,
                                  rng.uniform(-128, 127),
                                  rng.uniform(-128, 127),
                                  rng.uniform(16384, 32767),
                                  rng.uniform(-10, 0),
                                  rng.uniform(16384, 32767),
                                  rng.uniform(-6, 6)};
    std::vector<int8_t> in(256), out(256);
    for (int b = 0; b < 256; ++b) in[static_cast<size_t>(b)] = static_cast<int8_t>(b - 128);
    mf::hard_swish_s8(p, in.data(), out.data());
    for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(out[i], hard_swish_ref(in[i], p)) << "iter " << iter << " x " << int{in[i]};
  }
}

TEST(EluS8, TflmFloatTableEntry) {
  const int8_t in[4] = {-128, -3, 0, 127};
  int8_t out[4];
  mf::elu_s8({4, -3, -100, 0.05f, 1.0f / 0.04f}, in, out);
  for (int i = 0; i < 4; ++i) {
    const float x = 0.05f * static_cast<float>(in[i] + 3);
    const float y = x < 0 ? std::exp(x) - 1.0f : x;
    EXPECT_EQ(out[i], sat<int8_t>(static_cast<int32_t>(std::round(y * (1.0f / 0.04f)) + -100.0f))) << i;
  }
}

TEST(FixedPointMath, LogisticAndTanhAccuracy) {
  // Q4.27 inputs over (-16, 16): gemmlowp's logistic / tanh are within a few Q0.31 ulps
  // times 2^9 of the real functions (their exp and division each lose a little).
  for (int64_t a = -(int64_t{1} << 31) + 1; a < (int64_t{1} << 31); a += 9999991) {
    const double x = static_cast<double>(a) / (1 << 27);
    const double sigmoid = 1.0 / (1.0 + std::exp(-x));
    EXPECT_NEAR(mf::detail::logistic<4>(static_cast<int32_t>(a)) / 2147483648.0, sigmoid, 2e-7) << x;
    EXPECT_NEAR(mf::detail::tanh<4>(static_cast<int32_t>(a)) / 2147483648.0, std::tanh(x), 4e-7) << x;
  }
  EXPECT_EQ(mf::detail::logistic<4>(0), 1 << 30);
  EXPECT_EQ(mf::detail::tanh<4>(0), 0);
}

TEST(LogisticTanhS8, WithinOneStepOfTheRealFunctions) {
  for (float scale : {0.1f, 0.05f, 0.02f, 0.25f}) {
    int shift = 0;
    const double f = std::frexp(static_cast<double>(scale) * (1 << 27), &shift);
    const mf::SigmoidS8Params p{256, 10, static_cast<int32_t>(std::floor(15.0 * (1 << 27) / std::ldexp(1.0, shift))),
                                static_cast<int32_t>(std::round(f * 2147483648.0)), shift};
    std::vector<int8_t> in(256), logistic(256), tanh(256);
    for (int b = 0; b < 256; ++b) in[static_cast<size_t>(b)] = static_cast<int8_t>(b - 128);
    mf::logistic_s8(p, in.data(), logistic.data());
    mf::tanh_s8(p, in.data(), tanh.data());
    for (size_t i = 0; i < 256; ++i) {
      const double x = scale * (in[i] - 10);
      EXPECT_NEAR(logistic[i], std::min(256.0 / (1.0 + std::exp(-x)) - 128, 127.0), 1.0) << x;
      EXPECT_NEAR(tanh[i], std::clamp(128.0 * std::tanh(x), -128.0, 127.0), 1.0) << x;
    }
  }
}

TEST(LogisticTanhS16, TflmTableInterpolation) {
  // Power-of-two input scale 2^-12: multiplier 3, shift 0 (TFLM's POT case).
  const int16_t in[5] = {-32768, -4096, 0, 4096, 32767};
  int16_t logistic[5], tanh[5];
  mf::logistic_s16({5, 3, 0}, in, logistic);
  mf::tanh_s16({5, 3, 0}, in, tanh);
  EXPECT_EQ(logistic[2], 16384);  // sigmoid(0) = 0.5
  EXPECT_EQ(tanh[2], 0);
  for (int i = 0; i < 5; ++i) {
    const double x = in[i] / 4096.0;
    EXPECT_NEAR(logistic[i], 32768.0 / (1.0 + std::exp(-x)), 2.0) << x;
    EXPECT_NEAR(tanh[i], 32768.0 * std::tanh(x), 3.0) << x;
  }
  // |v| >= 255 * 2^9 saturates: scale 2^-9 (multiplier 3 << 3) makes 32767 about 64.
  const int16_t big[2] = {-32768, 32767};
  mf::logistic_s16({2, 24, 0}, big, logistic);
  mf::tanh_s16({2, 24, 0}, big, tanh);
  EXPECT_EQ(logistic[0], 1);  // TFLM saturates at 0x7FFF << 10, whose complement rounds to 1
  EXPECT_EQ(logistic[1], 32767);
  EXPECT_EQ(tanh[0], -32767);
  EXPECT_EQ(tanh[1], 32767);
}

TEST(RsqrtS8, InverseSquareRootWithinOneStep) {
  // S_in = 0.05, Z_in = -128, S_out = 1/56.7: 1 / (sqrt(S_in) S_out).
  const double s_in = 0.05, s_out = 1 / 56.7;
  int32_t m, s;
  ref::quantize_multiplier(1.0 / (std::sqrt(s_in) * s_out), &m, &s);
  std::vector<int8_t> in(256), out(256);
  for (int b = 0; b < 256; ++b) in[static_cast<size_t>(b)] = static_cast<int8_t>(b - 128);
  mf::rsqrt_s8({256, -128, -128, m, s}, in.data(), out.data());
  EXPECT_EQ(out[0], 127);  // x - Z_in = 0: TFLM's maximum
  for (size_t i = 1; i < 256; ++i) {
    const double expected = 1.0 / std::sqrt(s_in * static_cast<double>(in[i] + 128)) / s_out - 128;
    EXPECT_NEAR(out[i], std::min(expected, 127.0), 1.0) << int{in[i]};
  }
}

TEST(UnaryF32, MatchesTheCMathFunctions) {
  ref::Random rng(14);
  const auto in = rng.f32(200, -8.f, 8.f);
  std::vector<float> out(in.size());
  const mf::UnaryF32Params p{static_cast<int32_t>(in.size())};
  auto check = [&](void (*kernel)(const mf::UnaryF32Params&, const float*, float*), float (*expected)(float)) {
    kernel(p, in.data(), out.data());
    for (size_t i = 0; i < in.size(); ++i) {
      const float e = expected(in[i]);
      if (std::isnan(e)) {
        EXPECT_TRUE(std::isnan(out[i])) << in[i];
      } else {
        EXPECT_EQ(out[i], e) << in[i];
      }
    }
  };
  check(mf::abs_f32, [](float x) { return std::abs(x); });
  check(mf::neg_f32, [](float x) { return -x; });
  check(mf::exp_f32, [](float x) { return std::exp(x); });
  check(mf::log_f32, [](float x) { return std::log(x); });
  check(mf::sqrt_f32, [](float x) { return std::sqrt(x); });
  check(mf::rsqrt_f32, [](float x) { return 1.f / std::sqrt(x); });
  check(mf::square_f32, [](float x) { return x * x; });
  check(mf::sin_f32, [](float x) { return std::sin(x); });
  check(mf::cos_f32, [](float x) { return std::cos(x); });
  check(mf::floor_f32, [](float x) { return std::floor(x); });
  check(mf::ceil_f32, [](float x) { return std::ceil(x); });
  check(mf::tanh_f32, [](float x) { return std::tanh(x); });
  check(mf::elu_f32, [](float x) { return x < 0 ? std::expm1(x) : x; });
  check(mf::hard_swish_f32, [](float x) { return x * std::min(6.f, std::max(0.f, x + 3)) / 6; });
  check(mf::logistic_f32, [](float x) { return 1.f / (1.f + std::exp(-x)); });
}

TEST(UnaryF32, RoundHalfToEvenReluSignsAndLogisticCutoffs) {
  const float in[8] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4999998f, -0.0f};
  float out[8];
  mf::round_f32({8}, in, out);
  EXPECT_EQ(std::vector<float>(out, out + 8), (std::vector<float>{0.f, 2.f, 2.f, -0.f, -2.f, -2.f, 2.f, -0.f}));
  const float r[3] = {-0.0f, NAN, 7.f};
  float relu[3], relu6[3];
  mf::relu_f32({3}, r, relu);
  mf::relu6_f32({3}, r, relu6);
  EXPECT_TRUE(std::signbit(relu[0]));  // -0 is not below 0
  EXPECT_TRUE(std::isnan(relu[1]));
  EXPECT_EQ(relu6[2], 6.f);
  const float big[3] = {20.f, -10.f, 16.6f};
  float logistic[3];
  mf::logistic_f32({3}, big, logistic);
  EXPECT_EQ(logistic[0], 1.f);
  EXPECT_EQ(logistic[1], std::exp(-10.f));
  EXPECT_EQ(logistic[2], 1.f / (1.f + std::exp(-16.6f)));
}

TEST(UnaryF32, KahanExpm1KeepsRelativeAccuracyNearZero) {
  // avr-libc has no expm1; ELU uses this form there.
  for (float x : {-1e-7f, -3e-5f, -0.01f, -0.3f, -1.f, -5.f, -20.f, -100.f}) {
    EXPECT_NEAR(mf::detail::expm1_from_exp(x), std::expm1(x), 4e-7 * std::abs(std::expm1(x))) << x;
  }
}

TEST(PreluS8S16F32, BroadcastAlphaAndBothRequantizations) {
  // Input [2,3], alpha [3] (broadcast over rows), alpha zero point -100.
  const int8_t in[6] = {-128, -10, 0, 10, 127, -50};
  const int8_t alpha[3] = {-80, 20, 127};
  int32_t m1, s1, m2, s2;
  ref::quantize_multiplier(0.08 / 0.11, &m1, &s1);
  ref::quantize_multiplier(0.08 * 0.01 / 0.11, &m2, &s2);
  mf::PreluParams p{{1, 1, 1, 2, 3}, {0, 0, 0, 3, 1}, {0, 0, 0, 0, 1}, 0, 1, -10, 100, 50, m1, s1, m2, s2};
  int8_t out[6];
  mf::prelu_s8(p, in, alpha, out);  // alpha "in flash": plain memory on the host
  for (int i = 0; i < 6; ++i) {
    const int32_t v = in[i] - 10;
    const int32_t y = v >= 0 ? ref::mbqm(v, m1, s1) : ref::mbqm(v * (alpha[i % 3] + 100), m2, s2);
    EXPECT_EQ(out[i], ref::clamp8(y + 50, -128, 127)) << i;
  }
  int8_t out_ram[6];
  p.input2_in_flash = 0;
  mf::prelu_s8(p, in, alpha, out_ram);
  EXPECT_EQ(std::vector<int8_t>(out, out + 6), std::vector<int8_t>(out_ram, out_ram + 6));

  const int16_t in16[2] = {-32768, 32767};
  const int16_t alpha16[2] = {17, -39};  // int8 alpha values, widened
  int16_t out16[2];
  mf::prelu_s16({{1, 1, 1, 1, 2}, {0, 0, 0, 0, 1}, {0, 0, 0, 0, 1}, 0, 1, 0, 0, 0, 1 << 30, 1, m2, s2}, in16, alpha16,
                out16);
  EXPECT_EQ(out16[0], sat<int16_t>(ref::mbqm(-32768 * 17, m2, s2)));
  EXPECT_EQ(out16[1], 32767);

  const float inf[4] = {-2.f, 3.f, -0.f, -1.f};
  const float af[2] = {0.5f, -0.25f};
  float outf[4];
  mf::prelu_f32({{1, 1, 1, 2, 2}, {0, 0, 0, 2, 1}, {0, 0, 0, 0, 1}, 0, 0}, inf, af, outf);
  EXPECT_EQ(std::vector<float>(outf, outf + 4), (std::vector<float>{-1.f, 3.f, -0.f, 0.25f}));
}

}  // namespace
