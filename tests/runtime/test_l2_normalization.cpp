#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microflow/kernels/l2_normalization.h"
#include "reference.h"

namespace {

std::vector<int8_t> run(int32_t rows, int32_t depth, int32_t zero_point, const std::vector<int8_t>& in) {
  std::vector<int8_t> out(in.size());
  mf::l2_normalization_s8({rows, depth, zero_point}, in.data(), out.data());
  return out;
}

TEST(L2NormalizationS8, MatchesTflmGoldenVectors) {
  // operators/L2_NORMALIZATION/int8_2d_depth3 rand_000, first four rows (zero point 20).
  const std::vector<int8_t> in = {-4, -83, -12, -128, -117, -128, 89, -87, 43, -48, -57, 120};
  const std::vector<int8_t> expected = {-28, -119, -37, -76, -70, -76, 68, -106, 23, -61, -69, 89};
  EXPECT_EQ(run(4, 3, 20, in), expected);
}

TEST(L2NormalizationS8, CloseToRealNormalization) {
  ref::Random rng(22);
  for (int iter = 0; iter < 500; ++iter) {
    const int32_t depth = rng.uniform(1, 300), zero_point = rng.uniform(-128, 127);
    const auto in = rng.s8(depth);
    const auto out = run(1, depth, zero_point, in);
    double sum = 0;
    for (int8_t v : in) sum += double(v - zero_point) * (v - zero_point);
    for (int32_t c = 0; c < depth; ++c) {
      const double expected = sum <= 1 ? (in[c] - zero_point) * 128.0 : (in[c] - zero_point) / std::sqrt(sum) * 128;
      ASSERT_NEAR(out[c], std::min(std::max(expected, -128.0), 127.0), 1.01) << "iter " << iter << " c " << c;
    }
  }
}

TEST(L2NormalizationS8, ZeroRowStaysZero) {
  // A sum of squares of 0 is taken as 1 (TFLM): every output is 0.
  EXPECT_EQ(run(1, 4, -5, {-5, -5, -5, -5}), (std::vector<int8_t>{0, 0, 0, 0}));
  // A single element is +-1: 127 (saturated) or -128.
  EXPECT_EQ(run(2, 1, 0, {3, -90}), (std::vector<int8_t>{127, -128}));
}

TEST(L2NormalizationS8, InverseSqrtMultiplier) {
  for (int64_t x = 2; x < (int64_t{1} << 31); x = x * 5 / 4 + 1) {
    const mf::detail::InvSqrt r = mf::detail::inv_sqrt_multiplier(static_cast<int32_t>(x));
    const double value = r.multiplier * std::ldexp(1.0, r.shift - 31);
    ASSERT_NEAR(value * std::sqrt(static_cast<double>(x)), 1.0, 3e-6) << x;
  }
}

TEST(L2NormalizationF32, DividesByTheNorm) {
  const float in[6] = {3.f, 4.f, 0.f, 0.f, 0.f, 1e-8f};
  float out[6];
  mf::l2_normalization_f32({2, 3}, in, out);
  EXPECT_EQ(out[0], 3.f / 5.f);
  EXPECT_EQ(out[1], 4.f / 5.f);
  EXPECT_EQ(out[2], 0.f);
  // The norm is at least 1e-6 (TFLM's epsilon).
  EXPECT_EQ(out[5], 1e-8f / 1e-6f);
}

}  // namespace
