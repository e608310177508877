#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "microflow/kernels/arg_min_max.h"
#include "reference.h"

namespace {

// TFLM's ArgMinMax: for every (outer, inner) the first value, replaced by a later one only
// when cmp(later, best) holds.
template <typename T, typename I, typename Cmp>
std::vector<I> reference_arg(const std::vector<T>& x, int32_t outer, int32_t axis, int32_t inner, Cmp cmp) {
  std::vector<I> out;
  for (int32_t o = 0; o < outer; ++o)
    for (int32_t i = 0; i < inner; ++i) {
      T best = x[static_cast<size_t>(o * axis * inner + i)];
      I index = 0;
      for (int32_t k = 1; k < axis; ++k) {
        const T v = x[static_cast<size_t>((o * axis + k) * inner + i)];
        if (cmp(v, best)) best = v, index = static_cast<I>(k);
      }
      out.push_back(index);
    }
  return out;
}

TEST(ArgMinMax, Int8WithTiesMatchesReference) {
  ref::Random rng(910);
  for (int iter = 0; iter < 200; ++iter) {
    const mf::ArgMinMaxParams p = {rng.uniform(1, 4), rng.uniform(1, 40), rng.uniform(1, 4)};
    const auto x = rng.s8(static_cast<size_t>(p.outer * p.axis_size * p.inner), -3, 3);  // many ties
    std::vector<int32_t> out(static_cast<size_t>(p.outer * p.inner));
    mf::arg_max_s8_s32(p, x.data(), out.data());
    ASSERT_EQ(out, (reference_arg<int8_t, int32_t>(x, p.outer, p.axis_size, p.inner, std::greater<int8_t>())));
    mf::arg_min_s8_s32(p, x.data(), out.data());
    ASSERT_EQ(out, (reference_arg<int8_t, int32_t>(x, p.outer, p.axis_size, p.inner, std::less<int8_t>())));
  }
}

TEST(ArgMinMax, FloatAndInt32InputsInt64Indices) {
  ref::Random rng(911);
  for (int iter = 0; iter < 100; ++iter) {
    const mf::ArgMinMaxParams p = {rng.uniform(1, 4), rng.uniform(1, 20), rng.uniform(1, 4)};
    const size_t n = static_cast<size_t>(p.outer * p.axis_size * p.inner);
    const auto f = rng.f32(n);
    const auto w = rng.s32(n, -5, 5);
    std::vector<int64_t> out(static_cast<size_t>(p.outer * p.inner));
    mf::arg_max_f32_s64(p, f.data(), out.data());
    ASSERT_EQ(out, (reference_arg<float, int64_t>(f, p.outer, p.axis_size, p.inner, std::greater<float>())));
    mf::arg_min_s32_s64(p, w.data(), out.data());
    ASSERT_EQ(out, (reference_arg<int32_t, int64_t>(w, p.outer, p.axis_size, p.inner, std::less<int32_t>())));
  }
}

TEST(ArgMinMax, NaNNeitherWinsNorLoses) {
  // A NaN first stays (nothing compares greater than it); a NaN later never replaces.
  const float nan = std::nanf("");
  const std::vector<float> x = {nan, 5.f, 7.f, 1.f, nan, 0.f};
  std::vector<int32_t> out(2);
  mf::arg_max_f32_s32({2, 3, 1}, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{0, 0}));
  mf::arg_min_f32_s32({2, 3, 1}, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{0, 2}));
}

}  // namespace
