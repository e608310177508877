// targets/xtensa/soft_float.h (the lx106's missing float helpers) against the host FPU: every
// result bit-identical (NaNs: any NaN), over special values, subnormals, ties and random bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "soft_float.h"

namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float value(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Hardware results through volatile operands, so nothing is folded at compile time.
uint32_t hw_add(uint32_t a, uint32_t b) { volatile float x = value(a), y = value(b); return bits(x + y); }
uint32_t hw_sub(uint32_t a, uint32_t b) { volatile float x = value(a), y = value(b); return bits(x - y); }
uint32_t hw_mul(uint32_t a, uint32_t b) { volatile float x = value(a), y = value(b); return bits(x * y); }

std::vector<uint32_t> operands() {
  std::vector<uint32_t> v = {0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007FFFFFu, 0x00800000u,
                             0x00800001u, 0x3F800000u, 0xBF800000u, 0x3F800001u, 0x3FFFFFFFu, 0x4B000000u,
                             0x4B7FFFFFu, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x7F000000u, 0x7F800000u, 0xFF800000u,
                             0x7FC00000u, 0x7F800001u, 0x33800000u, 0x34000000u, 0x3E99999Au, 0x40490FDBu};
  std::mt19937 rng(1234);
  for (int i = 0; i < 400; ++i) v.push_back(static_cast<uint32_t>(rng()));
  for (int i = 0; i < 200; ++i) v.push_back(static_cast<uint32_t>(rng()) & 0x807FFFFFu);  // subnormals
  for (int i = 0; i < 200; ++i) v.push_back((static_cast<uint32_t>(rng()) & 0x80FFFFFFu) | 0x3F000000u);  // near 1
  return v;
}

void expect_same(uint32_t expected, uint32_t actual, const char* op, uint32_t a, uint32_t b) {
  if (std::isnan(value(expected))) {
    EXPECT_TRUE(std::isnan(value(actual))) << op << std::hex << " 0x" << a << " 0x" << b;
  } else {
    EXPECT_EQ(expected, actual) << op << std::hex << " 0x" << a << " 0x" << b;
  }
}

TEST(SoftFloat, AddSubtractMultiplyMatchTheFpu) {
  const std::vector<uint32_t> v = operands();
  for (uint32_t a : v)
    for (uint32_t b : v) {
      expect_same(hw_add(a, b), mf_soft_float::add(a, b), "add", a, b);
      expect_same(hw_sub(a, b), mf_soft_float::subtract(a, b), "sub", a, b);
      expect_same(hw_mul(a, b), mf_soft_float::multiply(a, b), "mul", a, b);
      if (HasFailure()) return;
    }
}

TEST(SoftFloat, NearlyEqualOperandsCancelExactly) {
  std::mt19937 rng(99);
  for (int i = 0; i < 100000; ++i) {
    const uint32_t a = static_cast<uint32_t>(rng());
    const uint32_t b = (a & 0xFF800000u) | (static_cast<uint32_t>(rng()) & 0x007FFFFFu);  // same exponent
    const uint32_t c = a + static_cast<uint32_t>(rng() & 3u) - 1u;  // neighbours, maybe across an exponent boundary
    expect_same(hw_sub(a, b), mf_soft_float::subtract(a, b), "sub", a, b);
    expect_same(hw_sub(a, c), mf_soft_float::subtract(a, c), "sub", a, c);
    if (HasFailure()) return;
  }
}

TEST(SoftFloat, IntegerConversionsMatchTheFpu) {
  std::vector<int32_t> ints = {0, 1, -1, 2, 16777216, 16777217, 16777219, -16777217, 2147483647, -2147483647 - 1,
                               2147483520, 2147483584, -2147483584};
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) ints.push_back(static_cast<int32_t>(rng()) >> (rng() % 32));
  for (int32_t i : ints) {
    volatile int32_t x = i;
    volatile uint32_t u = static_cast<uint32_t>(i);
    EXPECT_EQ(bits(static_cast<float>(x)), mf_soft_float::from_int32(i)) << i;
    EXPECT_EQ(bits(static_cast<float>(u)), mf_soft_float::from_uint32(static_cast<uint32_t>(i))) << i;
    if (HasFailure()) return;
  }
}

TEST(SoftFloat, ToUnsignedTruncatesInRange) {
  for (uint32_t u : {0u, 1u, 7u, 255u, 65535u, 16777215u, 16777216u, 0x80000000u, 0xFFFFFF00u}) {
    volatile float f = static_cast<float>(u);
    EXPECT_EQ(static_cast<uint32_t>(f), mf_soft_float::to_uint32(bits(f))) << u;
  }
  EXPECT_EQ(2u, mf_soft_float::to_uint32(bits(2.75f)));
  EXPECT_EQ(0u, mf_soft_float::to_uint32(bits(0.999f)));
  EXPECT_EQ(0u, mf_soft_float::to_uint32(bits(-3.0f)));
  EXPECT_EQ(0xFFFFFFFFu, mf_soft_float::to_uint32(bits(1e12f)));
  EXPECT_EQ(0u, mf_soft_float::to_uint32(0x7FC00000u));
}

}  // namespace
