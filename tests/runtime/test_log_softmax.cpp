#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "microflow/kernels/log_softmax.h"
#include "reference.h"

namespace {

// TFLM's Prepare: PreprocessLogSoftmaxScalingExp(beta 1, S_in, 5 integer bits) and the radius.
mf::LogSoftmaxS8Params scaling(double scale, int32_t rows, int32_t depth) {
  int32_t m, s, rm, rs;
  ref::quantize_multiplier(std::min(scale * (1 << 26), 2147483647.0), &m, &s);
  ref::quantize_multiplier(static_cast<double>(1 << (31 - s)) / m, &rm, &rs);
  return {rows, depth, m, s, rm, rs, -static_cast<int32_t>(std::floor(31.0 * (1 << 26) / std::ldexp(1.0, s)))};
}

std::vector<int8_t> run(const mf::LogSoftmaxS8Params& p, const std::vector<int8_t>& in) {
  std::vector<int8_t> out(in.size());
  mf::log_softmax_s8(p, in.data(), out.data());
  return out;
}

TEST(LogSoftmaxS8, MatchesTflmGoldenVectors) {
  // operators/LOG_SOFTMAX/int8 rand_000, first row: S_in = 0.1 (output 16/256, zero point 127).
  const std::vector<int8_t> in = {-95, -109, 58, -12, -16, 100, -118, 36, 24, -109, -121, -120, -121, -61, 24, 39};
  const std::vector<int8_t> expected = {-128, -128, 59, -53, -59, 127, -128, 24, 5, -128, -128, -128, -128, -128, 5, 29};
  EXPECT_EQ(run(scaling(static_cast<double>(0.1f), 1, 16), in), expected);
}

TEST(LogSoftmaxS8, CloseToRealLogSoftmax) {
  ref::Random rng(50);
  for (int iter = 0; iter < 300; ++iter) {
    const int32_t depth = rng.uniform(1, 64);
    const float scale = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-8, -2));
    const auto in = rng.s8(depth);
    const auto out = run(scaling(scale, 1, depth), in);
    const int8_t mx = *std::max_element(in.begin(), in.end());
    double sum = 0;
    for (int8_t v : in) sum += std::exp((v - mx) * static_cast<double>(scale));
    for (int32_t c = 0; c < depth; ++c) {
      const double expected = ((in[c] - mx) * static_cast<double>(scale) - std::log(sum)) * 16 + 127;
      ASSERT_NEAR(out[c], std::max(expected, -128.0), 1.01) << "iter " << iter << " c " << c;
    }
  }
}

TEST(LogSoftmaxS8, UniformRowsAndExcludedElements) {
  // n equal elements give log(1/n) * 16 + 127: 127 for one, 127 - 11.09 -> 116 for two.
  EXPECT_EQ(run(scaling(0.05, 1, 1), {-7}), (std::vector<int8_t>{127}));
  EXPECT_EQ(run(scaling(0.05, 1, 2), {40, 40}), (std::vector<int8_t>{116, 116}));
  // S_in = 0.5: diff_min = -31; the element 255 below the maximum is excluded (-128) and adds
  // nothing to the sum.
  EXPECT_EQ(run(scaling(0.5, 1, 3), {127, -128, 127}), (std::vector<int8_t>{116, -128, 116}));
}

TEST(LogSoftmaxS8, LogOfSumAccuracy) {
  // log(x) for x in [1, 4096) given in Q12.19, result in Q5.26.
  for (int64_t x = int64_t{1} << 19; x < (int64_t{1} << 31); x = x * 9 / 8 + 7) {
    const double expected = std::log(x / 524288.0) * 67108864.0;
    ASSERT_NEAR(mf::detail::log_q12_to_q5(static_cast<int32_t>(x)), expected, 64) << x;
  }
}

TEST(LogSoftmaxF32, ShiftedLogits) {
  const float in[6] = {0.f, std::log(3.f), 5.f, 5.f, 5.f, 5.f};
  float out[6];
  mf::log_softmax_f32({2, 3}, in, out);
  // Row 1: log(1/4.. ) with exp sum 1 + 3 + e^5; row 2: log(1/3) each.
  const double s = 1 + 3 + std::exp(5.0);
  EXPECT_NEAR(out[0], -std::log(s), 1e-5);
  EXPECT_NEAR(out[1], std::log(3.0) - std::log(s), 1e-5);
  for (int i = 3; i < 6; ++i) EXPECT_FLOAT_EQ(out[i], -std::log(3.f));
  // TFLM's order: exponentials summed in index order, then (x - max) - log(sum) in float.
  const float sum = std::exp(0.f - 5.f) + std::exp(std::log(3.f) - 5.f) + std::exp(5.f - 5.f);
  EXPECT_EQ(out[0], 0.f - 5.f - std::log(sum));
}

}  // namespace
