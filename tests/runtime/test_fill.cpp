#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "microflow/kernels/fill.h"

namespace {

TEST(Fill, EveryElementIsTheValue) {
  const float f = -2.75f;
  std::vector<float> out(24);
  mf::fill(mf::FillParams{24, 0}, &f, out.data());
  EXPECT_EQ(out, std::vector<float>(24, f));
  const int8_t q = -3;
  std::vector<int8_t> out8(30, 1);
  mf::fill(mf::FillParams{30, 0}, &q, out8.data());
  EXPECT_EQ(out8, std::vector<int8_t>(30, q));
  const int32_t i = 123456789;
  std::vector<int32_t> out32(20);
  mf::fill(mf::FillParams{20, 0}, &i, out32.data());
  EXPECT_EQ(out32, std::vector<int32_t>(20, i));
}

// TFLM's resetZeros writes static_cast<T>(0), not the zero point.
TEST(ZerosLike, RawZeros) {
  std::vector<int8_t> q(60, -3);
  mf::zeros_like(mf::ZerosLikeParams{60}, q.data());
  EXPECT_EQ(q, std::vector<int8_t>(60, 0));
  std::vector<int64_t> w(12, -1);
  mf::zeros_like(mf::ZerosLikeParams{96}, w.data());
  EXPECT_EQ(w, std::vector<int64_t>(12, 0));
}

}  // namespace
