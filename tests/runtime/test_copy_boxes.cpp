// The box-copy kernel (data movement) against straightforward references written the way
// TFLM's kernels index their tensors: PadImpl's per-element border test, Transpose's
// permuted loops, Reverse, broadcast, mirror padding by GetInputDimension, concatenation.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <numeric>
#include <vector>

#include "microflow/kernels/copy_boxes.h"

namespace {

// A box record: header then (count, source stride, target stride) per dimension.
std::vector<int32_t> record(int32_t source, int32_t target, int32_t source_offset, int32_t target_offset,
                            std::initializer_list<std::initializer_list<int32_t>> dims) {
  std::vector<int32_t> r = {source, target, source_offset, target_offset, static_cast<int32_t>(dims.size())};
  for (const auto& d : dims) r.insert(r.end(), d.begin(), d.end());
  return r;
}

struct Boxes {
  std::vector<int32_t> words;
  int32_t count = 0;
  void add(const std::vector<int32_t>& r) {
    words.insert(words.end(), r.begin(), r.end());
    ++count;
  }
  mf::CopyBoxesParams params(int32_t element_bytes, int32_t fill = 0) const {
    return {element_bytes, count, words.data(), fill};
  }
};

template <typename T>
std::vector<T> iota_values(size_t n, T first = T(1)) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(first + static_cast<T>(i));
  return v;
}

// TFLM's PadImpl on a 2-D int8 tensor: every output element either the pad value or the
// next input element.
std::vector<int8_t> reference_pad(const std::vector<int8_t>& in, int h, int w, int top, int bottom, int left,
                                  int right, int8_t value) {
  const int oh = h + top + bottom, ow = w + left + right;
  std::vector<int8_t> out;
  size_t next = 0;
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x)
      out.push_back(y < top || y >= oh - bottom || x < left || x >= ow - right ? value : in[next++]);
  return out;
}

TEST(CopyBoxes, PadFillsTheBorderAndCopiesTheInterior) {
  const int h = 3, w = 4, top = 1, bottom = 2, left = 2, right = 1, ow = w + left + right;
  const std::vector<int8_t> in = iota_values<int8_t>(h * w);
  std::vector<int8_t> out((h + top + bottom) * ow, 99);
  Boxes b;
  b.add(record(mf::kFillSource, 1, 0, 0, {{top * ow, 0, 1}}));
  b.add(record(mf::kFillSource, 1, 0, (top + h) * ow, {{bottom * ow, 0, 1}}));
  b.add(record(mf::kFillSource, 1, 0, top * ow, {{h, 0, ow}, {left, 0, 1}}));
  b.add(record(mf::kFillSource, 1, 0, top * ow + left + w, {{h, 0, ow}, {right, 0, 1}}));
  b.add(record(0, 1, 0, top * ow + left, {{h, w, ow}, {w, 1, 1}}));
  const mf::CopyBoxesParams p = b.params(1, -7);
  mf::copy_boxes(p, in.data(), out.data());
  EXPECT_EQ(out, reference_pad(in, h, w, top, bottom, left, right, -7));
}

TEST(CopyBoxes, TransposeOfInt32ReadsPermutedStrides) {
  // [2][3][4] with perm {2, 0, 1}: output [4][2][3].
  const std::vector<int32_t> in = iota_values<int32_t>(24, -5);
  std::vector<int32_t> out(24), expected;
  for (int c = 0; c < 4; ++c)
    for (int a = 0; a < 2; ++a)
      for (int bb = 0; bb < 3; ++bb) expected.push_back(in[(a * 3 + bb) * 4 + c]);
  Boxes b;
  b.add(record(0, 1, 0, 0, {{4, 1, 6}, {2, 12, 3}, {3, 4, 1}}));
  const mf::CopyBoxesParams p = b.params(4);
  mf::copy_boxes(p, in.data(), out.data());
  EXPECT_EQ(out, expected);
}

TEST(CopyBoxes, NegativeStridesReverseInt16) {
  // [3][5] reversed along both axes: one box from the last element backwards.
  const std::vector<int16_t> in = iota_values<int16_t>(15, -300);
  std::vector<int16_t> out(15), expected(in.rbegin(), in.rend());
  Boxes b;
  b.add(record(0, 1, 14, 0, {{3, -5, 5}, {5, -1, 1}}));
  const mf::CopyBoxesParams p = b.params(2);
  mf::copy_boxes(p, in.data(), out.data());
  EXPECT_EQ(out, expected);
}

TEST(CopyBoxes, ZeroStridesBroadcastFloat) {
  // [1][3] -> [4][3].
  const std::vector<float> in = {1.5f, -2.25f, 3.f};
  std::vector<float> out(12), expected;
  for (int r = 0; r < 4; ++r) expected.insert(expected.end(), in.begin(), in.end());
  Boxes b;
  b.add(record(0, 1, 0, 0, {{4, 0, 3}, {3, 1, 1}}));
  const mf::CopyBoxesParams p = b.params(4);
  mf::copy_boxes(p, in.data(), out.data());
  EXPECT_EQ(out, expected);
}

// TFLM's GetInputDimension: REFLECT (offset 1) / SYMMETRIC (offset 0) source index.
int mirror_index(int i, int left, int size, int offset) {
  if (i < left) return left + offset - 1 - i;
  i -= left;
  if (i >= size) return size - (1 + offset) - (i - size);
  return i;
}

TEST(CopyBoxes, MirrorPadReadsTheOutputsOwnInterior) {
  // 1-D [5], REFLECT and SYMMETRIC with 2 before and 3 after.
  for (int offset : {0, 1}) {
    const int size = 5, left = 2, right = 3, n = size + left + right;
    const std::vector<int8_t> in = iota_values<int8_t>(size, 10);
    std::vector<int8_t> out(n), expected;
    for (int i = 0; i < n; ++i) expected.push_back(in[static_cast<size_t>(mirror_index(i, left, size, offset))]);
    Boxes b;
    b.add(record(0, 1, 0, left, {{size, 1, 1}}));
    b.add(record(1, 1, 2 * left + offset - 1, 0, {{left, -1, 1}}));
    b.add(record(1, 1, left + size - 1 - offset, left + size, {{right, -1, 1}}));
    const mf::CopyBoxesParams p = b.params(1);
    mf::copy_boxes(p, in.data(), out.data());
    EXPECT_EQ(out, expected) << "offset " << offset;
  }
}

TEST(CopyBoxes, ConcatenationAndSplitNumberTheirTensorsInCallOrder) {
  // [2][3] and [2][2] -> [2][5] along axis 1, then split back.
  const std::vector<int64_t> a = iota_values<int64_t>(6, int64_t{1} << 40), c = iota_values<int64_t>(4, -9);
  std::vector<int64_t> joined(10), expected;
  for (int r = 0; r < 2; ++r) {
    expected.insert(expected.end(), a.begin() + 3 * r, a.begin() + 3 * r + 3);
    expected.insert(expected.end(), c.begin() + 2 * r, c.begin() + 2 * r + 2);
  }
  Boxes concat;
  concat.add(record(0, 2, 0, 0, {{2, 3, 5}, {3, 1, 1}}));
  concat.add(record(1, 2, 0, 3, {{2, 2, 5}, {2, 1, 1}}));
  const mf::CopyBoxesParams pc = concat.params(8);
  mf::copy_boxes(pc, a.data(), c.data(), joined.data());
  EXPECT_EQ(joined, expected);

  std::vector<int64_t> a2(6), c2(4);
  Boxes split;
  split.add(record(0, 1, 0, 0, {{2, 5, 3}, {3, 1, 1}}));
  split.add(record(0, 2, 3, 0, {{2, 5, 2}, {2, 1, 1}}));
  const mf::CopyBoxesParams ps = split.params(8);
  const int64_t* source = joined.data();
  mf::copy_boxes(ps, source, a2.data(), c2.data());
  EXPECT_EQ(a2, a);
  EXPECT_EQ(c2, c);
}

TEST(CopyBoxes, FillWritesTheSignExtendedValueAtEveryElementSize) {
  std::vector<int8_t> s8(5);
  std::vector<int16_t> s16(5);
  std::vector<int64_t> s64(5);
  std::vector<float> f32(5);
  Boxes b;
  b.add(record(mf::kFillSource, 0, 0, 0, {{5, 0, 1}}));
  const mf::CopyBoxesParams p1 = b.params(1, -15), p2 = b.params(2, -1000), p8 = b.params(8, -7);
  int32_t bits = 0;
  const float value = 1.5f;
  memcpy(&bits, &value, 4);
  const mf::CopyBoxesParams p4 = b.params(4, bits);
  mf::copy_boxes(p1, s8.data());
  mf::copy_boxes(p2, s16.data());
  mf::copy_boxes(p8, s64.data());
  mf::copy_boxes(p4, f32.data());
  EXPECT_EQ(s8, std::vector<int8_t>(5, -15));
  EXPECT_EQ(s16, std::vector<int16_t>(5, -1000));
  EXPECT_EQ(s64, std::vector<int64_t>(5, -7));
  EXPECT_EQ(f32, std::vector<float>(5, 1.5f));
}

TEST(CopyBoxes, SixDimensionsWithStridedInnerRun) {
  // A 6-d space-to-depth-like box whose innermost dimension is strided on both sides.
  const int n = 96;
  std::vector<uint8_t> in(n), out(n, 0), expected(n, 0);
  std::iota(in.begin(), in.end(), uint8_t{0});
  // Source strides: a transpose of [2][2][2][2][2][3] with the last two axes swapped.
  const int32_t ss[6] = {48, 24, 12, 6, 1, 2}, ts[6] = {48, 24, 12, 6, 3, 1};
  int idx[6];
  for (idx[0] = 0; idx[0] < 2; ++idx[0])
    for (idx[1] = 0; idx[1] < 2; ++idx[1])
      for (idx[2] = 0; idx[2] < 2; ++idx[2])
        for (idx[3] = 0; idx[3] < 2; ++idx[3])
          for (idx[4] = 0; idx[4] < 2; ++idx[4])
            for (idx[5] = 0; idx[5] < 3; ++idx[5]) {
              int s = 0, t = 0;
              for (int d = 0; d < 6; ++d) {
                s += idx[d] * ss[d];
                t += idx[d] * ts[d];
              }
              expected[static_cast<size_t>(t)] = in[static_cast<size_t>(s)];
            }
  Boxes b;
  b.add(record(0, 1, 0, 0, {{2, 48, 48}, {2, 24, 24}, {2, 12, 12}, {2, 6, 6}, {2, 1, 3}, {3, 2, 1}}));
  const mf::CopyBoxesParams p = b.params(1);
  mf::copy_boxes(p, in.data(), out.data());
  EXPECT_EQ(out, expected);
}

}  // namespace
