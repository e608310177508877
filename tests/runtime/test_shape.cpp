#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "microflow/kernels/shape.h"

namespace {

TEST(Shape, CopiesTheDims) {
  const int32_t dims[4] = {1, 5, 6, 3};
  std::vector<int32_t> out(4);
  mf::shape(mf::ShapeParams{4}, dims, out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{1, 5, 6, 3}));
}

// TFLM BroadcastArgs: aligned at the last entry, missing entries 1, the non-1 one wins.
template <typename T>
std::vector<T> broadcast(const std::vector<T>& a, const std::vector<T>& b, size_t length) {
  std::vector<T> out(length);
  mf::BroadcastArgsParams p{static_cast<int32_t>(a.size()), static_cast<int32_t>(b.size()),
                            static_cast<int32_t>(length), 0, 0};
  mf::broadcast_args(p, a.data(), b.data(), out.data());
  return out;
}

TEST(BroadcastArgs, AlignedFromTheEnd) {
  EXPECT_EQ(broadcast<int32_t>({4, 2, 1, 5}, {1, 3, 5}, 4), (std::vector<int32_t>{4, 2, 3, 5}));
  EXPECT_EQ(broadcast<int32_t>({1, 1, 2, 1}, {5, 2, 6}, 4), (std::vector<int32_t>{1, 5, 2, 6}));
  EXPECT_EQ(broadcast<int64_t>({6, 4}, {1, 5, 1, 4}, 4), (std::vector<int64_t>{1, 5, 6, 4}));
  EXPECT_EQ(broadcast<int64_t>({3, 6}, {1, 3, 1, 1}, 4), (std::vector<int64_t>{1, 3, 3, 6}));
}

TEST(BroadcastArgs, TflmQuirksAndIncompatibleShapes) {
  // TFLM compares int64 entries as int: 2^32 + 7 acts as 7.
  EXPECT_EQ(broadcast<int64_t>({(int64_t{1} << 32) + 7}, {1}, 1), (std::vector<int64_t>{7}));
  // 3 vs 4 stops TFLM; here that entry is 0 and the others are still computed.
  EXPECT_EQ(broadcast<int32_t>({2, 3}, {2, 4}, 2), (std::vector<int32_t>{2, 0}));
}

}  // namespace
