#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "microflow/kernels/cast.h"

namespace {

template <typename From, typename To>
std::vector<To> run(const std::vector<From>& in) {
  std::vector<To> out(in.size());
  mf::cast(mf::CastParams{static_cast<int32_t>(in.size()), 0}, in.data(), out.data());
  return out;
}

TEST(Cast, InRangeValuesAreStaticCasts) {
  const std::vector<float> f = {-100.f, -99.99f, -0.5f, -0.f, 0.49f, 1.f, 127.9f, -127.9f, 99.5f};
  const std::vector<int32_t> i32 = run<float, int32_t>(f);
  const std::vector<int8_t> i8 = run<float, int8_t>(f);
  for (size_t k = 0; k < f.size(); ++k) {
    EXPECT_EQ(i32[k], static_cast<int32_t>(f[k]));
    EXPECT_EQ(i8[k], static_cast<int8_t>(f[k]));
  }
  const std::vector<int32_t> big = {-100000000, 16777217, 16777219, 123456789, 0, -1};
  const std::vector<float> asf = run<int32_t, float>(big);
  for (size_t k = 0; k < big.size(); ++k) EXPECT_EQ(asf[k], static_cast<float>(big[k]));
  const std::vector<uint8_t> flags = {0, 1, 1, 0};
  bool b[4];
  for (size_t k = 0; k < 4; ++k) b[k] = flags[k] != 0;
  std::vector<int32_t> from_bool(4);
  mf::cast(mf::CastParams{4, 0}, b, from_bool.data());
  EXPECT_EQ(from_bool, (std::vector<int32_t>{0, 1, 1, 0}));
  const std::vector<float> from_int8 = run<int8_t, float>({-128, 0, 127});
  EXPECT_EQ(from_int8, (std::vector<float>{-128.f, 0.f, 127.f}));
}

// C++ static_cast keeps the low bits of a narrower integer type.
TEST(Cast, IntegerNarrowingWraps) {
  const std::vector<int8_t> low8 = run<int16_t, int8_t>({-32768, -129, -128, 127, 128, 255, 256, 32767});
  EXPECT_EQ(low8, (std::vector<int8_t>{0, 127, -128, 127, -128, -1, 0, -1}));
  const std::vector<int16_t> low16 = run<int32_t, int16_t>({70000, -70000, 32768});
  EXPECT_EQ(low16, (std::vector<int16_t>{4464, -4464, -32768}));
}

// x86-64's cvttss2si, what TFLM's goldens hold: INT32_MIN for NaN and out-of-range
// values, then the low bits for int8 / int16.
TEST(Cast, FloatOutsideTheRangeAsOnTheHost) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<int32_t> wide = run<float, int32_t>({3e9f, -3e9f, nan, 2147483520.f});
  EXPECT_EQ(wide, (std::vector<int32_t>{INT32_MIN, INT32_MIN, INT32_MIN, 2147483520}));
  const std::vector<int8_t> narrow = run<float, int8_t>({200.5f, -129.f, 3e9f, 511.f});
  EXPECT_EQ(narrow, (std::vector<int8_t>{-56, 127, 0, -1}));
  const std::vector<int16_t> half = run<float, int16_t>({40000.f, nan});
  EXPECT_EQ(half, (std::vector<int16_t>{-25536, 0}));
}

}  // namespace
