#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "microflow/kernels/dynamic_update_slice.h"

namespace {

using Shape = std::vector<int32_t>;

// TFLM EvalImpl: copy the operand, clamp each start to [0, dim - update dim], then
// write the update row by row (UpdateSliceRecursive).
template <typename T>
std::vector<T> reference(const Shape& os, const std::vector<T>& operand, const Shape& us, const std::vector<T>& update,
                         const std::vector<int64_t>& start) {
  std::vector<T> out = operand;
  if (operand.size() == update.size()) return update;
  const size_t rank = os.size();
  std::vector<int32_t> s(rank), ostride(rank, 1), ustride(rank, 1);
  for (size_t d = 0; d < rank; ++d)
    s[d] = static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(0, start[d]), os[d] - us[d]));
  for (size_t d = rank - 1; d-- > 0;) {
    ostride[d] = ostride[d + 1] * os[d + 1];
    ustride[d] = ustride[d + 1] * us[d + 1];
  }
  for (size_t u = 0; u < update.size(); ++u) {
    size_t at = 0, rest = u;
    for (size_t d = 0; d < rank; ++d) {
      at += (s[d] + rest / ustride[d]) * ostride[d];
      rest %= ustride[d];
    }
    out[at] = update[u];
  }
  return out;
}

template <typename T>
mf::DynamicUpdateSliceParams params(const Shape& os, const Shape& us, int32_t source, const std::vector<int64_t>& start) {
  mf::DynamicUpdateSliceParams p = {};
  p.rank = static_cast<int32_t>(os.size());
  int32_t operand = 1, update = 1;
  for (size_t d = os.size(); d-- > 0;) {
    p.update_dims[d] = us[d];
    p.max_start[d] = os[d] - us[d];
    p.strides[d] = operand * static_cast<int32_t>(sizeof(T));
    operand *= os[d];
    update *= us[d];
  }
  p.operand_bytes = operand * static_cast<int32_t>(sizeof(T));
  p.update_row_bytes = us.back() * static_cast<int32_t>(sizeof(T));
  p.update_rows = update / us.back();
  p.whole = operand == update;
  p.start_source = source;
  for (size_t d = 0; d < start.size(); ++d) {
    p.start[d] = static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(0, start[d]), p.max_start[d]));
  }
  return p;
}

TEST(DynamicUpdateSlice, RunTimeStartsAreClampedAsTflm) {
  std::mt19937 rng(11);
  const Shape os = {8, 6}, us = {3, 4};
  std::vector<float> operand(48), update(12);
  for (float& v : operand) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  for (float& v : update) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  for (int32_t a = -2; a <= 8; ++a)
    for (int32_t b = -2; b <= 8; ++b) {
      const int32_t start[2] = {a, b};
      std::vector<float> out(48);
      mf::dynamic_update_slice(params<float>(os, us, mf::kStartInt32, {}), operand.data(), update.data(), start,
                               out.data());
      EXPECT_EQ(out, reference(os, operand, us, update, {a, b})) << a << "," << b;
    }
}

TEST(DynamicUpdateSlice, ConstantAndInt64StartsInHigherRanks) {
  const Shape os = {1, 6, 7, 4}, us = {1, 2, 3, 4};
  std::vector<int16_t> operand(168), update(24);
  for (size_t i = 0; i < operand.size(); ++i) operand[i] = static_cast<int16_t>(i);
  for (size_t i = 0; i < update.size(); ++i) update[i] = static_cast<int16_t>(-1 - static_cast<int>(i));
  const std::vector<int64_t> start = {0, 1, 3, 0};
  std::vector<int16_t> out(168);
  mf::dynamic_update_slice(params<int16_t>(os, us, mf::kStartConstant, start), operand.data(), update.data(), nullptr,
                           out.data());
  EXPECT_EQ(out, reference(os, operand, us, update, start));
  const int64_t wide[4] = {int64_t{1} << 40, -(int64_t{1} << 40), 9, 2};
  mf::dynamic_update_slice(params<int16_t>(os, us, mf::kStartInt64, {}), operand.data(), update.data(), wide,
                           out.data());
  EXPECT_EQ(out, reference(os, operand, us, update, {wide[0], wide[1], wide[2], wide[3]}));
}

TEST(DynamicUpdateSlice, InPlaceOverTheOperandAndWholeUpdate) {
  const Shape os = {10}, us = {4};
  std::vector<int32_t> buffer(10);
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<int32_t>(i);
  const std::vector<int32_t> operand = buffer, update = {-1, -2, -3, -4};
  mf::dynamic_update_slice(params<int32_t>(os, us, mf::kStartConstant, {8}), buffer.data(), update.data(), nullptr,
                           buffer.data());
  EXPECT_EQ(buffer, reference(os, operand, us, update, {8}));

  const std::vector<int8_t> whole = {5, 6, 7}, old = {1, 2, 3};
  std::vector<int8_t> out(3);
  const int32_t start[1] = {2};
  mf::dynamic_update_slice(params<int8_t>({3}, {3}, mf::kStartInt32, {}), old.data(), whole.data(), start, out.data());
  EXPECT_EQ(out, whole);
}

}  // namespace
