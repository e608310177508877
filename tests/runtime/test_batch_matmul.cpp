#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "microflow/kernels/batch_matmul.h"
#include "reference.h"

namespace {

// A product as TFLM's Eval runs it: transposed copies (lhs when adj_x, rhs unless adj_y),
// then reference_ops::BatchMatMul on (rhs^T, lhs) with 5-D extents, 0 on broadcast dims.
struct Case {
  std::vector<int32_t> lhs_shape, rhs_shape;  // same rank, 2..5
  bool adj_x = false, adj_y = false;
};

template <typename T>
std::vector<T> transpose_last_two(const std::vector<T>& v, const std::vector<int32_t>& shape) {
  const int32_t r = shape[shape.size() - 2], c = shape.back();
  std::vector<T> t(v.size());
  for (size_t b = 0; b < v.size() / (r * c); ++b)
    for (int32_t i = 0; i < r; ++i)
      for (int32_t j = 0; j < c; ++j) t[b * r * c + j * r + i] = v[b * r * c + i * c + j];
  return t;
}

// Calls total(lhs_row_ptr, rhs_col_ptr, depth) for each output in order, as TFLM's loops.
template <typename T, typename F>
void tflm_batch_matmul(const Case& k, const std::vector<T>& lhs, const std::vector<T>& rhs, F total) {
  const std::vector<T> lhs_t = k.adj_x ? transpose_last_two(lhs, k.lhs_shape) : lhs;  // [.., rows, depth]
  const std::vector<T> rhs_t = k.adj_y ? rhs : transpose_last_two(rhs, k.rhs_shape);  // [.., cols, depth]
  std::vector<int32_t> l(5 - k.lhs_shape.size(), 1), r(5 - k.rhs_shape.size(), 1);
  l.insert(l.end(), k.lhs_shape.begin(), k.lhs_shape.end());
  r.insert(r.end(), k.rhs_shape.begin(), k.rhs_shape.end());
  if (k.adj_x) std::swap(l[3], l[4]);
  if (!k.adj_y) std::swap(r[3], r[4]);
  auto extent = [](const std::vector<int32_t>& s, int x) {
    if (s[x] == 1) return 0;
    int prod = 1;
    for (int i = x + 1; i < 5; ++i) prod *= s[i];
    return prod;
  };
  const int32_t rows = l[3], cols = r[3], depth = l[4];
  for (int b0 = 0; b0 < std::max(l[0], r[0]); ++b0)
    for (int b1 = 0; b1 < std::max(l[1], r[1]); ++b1)
      for (int b2 = 0; b2 < std::max(l[2], r[2]); ++b2) {
        const T* lp = lhs_t.data() + b0 * extent(l, 0) + b1 * extent(l, 1) + b2 * extent(l, 2);
        const T* rp = rhs_t.data() + b0 * extent(r, 0) + b1 * extent(r, 1) + b2 * extent(r, 2);
        for (int i = 0; i < rows; ++i)
          for (int j = 0; j < cols; ++j) total(lp + i * depth, rp + j * depth, depth);
      }
}

// The kernel's parameters as the compiler derives them.
mf::BatchMatMulParams params(const Case& k) {
  mf::BatchMatMulParams p = {};
  const size_t rank = k.lhs_shape.size();
  const auto& l = k.lhs_shape;
  const auto& r = k.rhs_shape;
  for (int i = 0; i < 3; ++i) {
    const int d = i - static_cast<int>(3 - (rank - 2));
    if (d < 0) {
      p.batches[i] = 1;
      continue;
    }
    p.batches[i] = std::max(l[d], r[d]);
    int32_t ls = 1, rs = 1;
    for (size_t j = d + 1; j < rank; ++j) ls *= l[j], rs *= r[j];
    p.lhs_batch_strides[i] = l[d] == 1 ? 0 : ls;
    p.rhs_batch_strides[i] = r[d] == 1 ? 0 : rs;
  }
  p.rows = k.adj_x ? l[rank - 1] : l[rank - 2];
  p.depth = k.adj_x ? l[rank - 2] : l[rank - 1];
  p.cols = k.adj_y ? r[rank - 2] : r[rank - 1];
  p.lhs_row_stride = k.adj_x ? 1 : p.depth;
  p.lhs_depth_stride = k.adj_x ? p.rows : 1;
  p.rhs_depth_stride = k.adj_y ? 1 : p.cols;
  p.rhs_col_stride = k.adj_y ? p.depth : 1;
  return p;
}

size_t elements(const std::vector<int32_t>& s) {
  size_t n = 1;
  for (int32_t d : s) n *= static_cast<size_t>(d);
  return n;
}

Case random_case(ref::Random& rng) {
  Case k;
  const int rank = rng.uniform(2, 5);
  for (int i = 0; i < rank - 2; ++i) {
    const int32_t d = rng.uniform(1, 3);
    const int which = rng.uniform(0, 2);  // broadcast on the lhs, the rhs, or none
    k.lhs_shape.push_back(which == 0 ? 1 : d);
    k.rhs_shape.push_back(which == 1 ? 1 : d);
  }
  const int32_t rows = rng.uniform(1, 6), cols = rng.uniform(1, 6), depth = rng.uniform(1, 20);
  k.adj_x = rng.uniform(0, 1);
  k.adj_y = rng.uniform(0, 1);
  k.lhs_shape.push_back(k.adj_x ? depth : rows);
  k.lhs_shape.push_back(k.adj_x ? rows : depth);
  k.rhs_shape.push_back(k.adj_y ? cols : depth);
  k.rhs_shape.push_back(k.adj_y ? depth : cols);
  return k;
}

TEST(BatchMatMulS8, MatchesTflmFormulation) {
  ref::Random rng(126);
  for (int iter = 0; iter < 300; ++iter) {
    const Case k = random_case(rng);
    const auto lhs = rng.s8(elements(k.lhs_shape)), rhs = rng.s8(elements(k.rhs_shape));
    const int32_t zl = rng.uniform(-128, 127), zr = rng.uniform(-128, 127), zo = rng.uniform(-128, 127);
    int32_t m, s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-14, -6)), &m, &s);
    std::vector<int8_t> expected;
    tflm_batch_matmul(k, lhs, rhs, [&](const int8_t* l, const int8_t* r, int32_t depth) {
      int32_t total = 0;
      for (int32_t i = 0; i < depth; ++i) total += (r[i] - zr) * (l[i] - zl);
      expected.push_back(ref::clamp8(ref::mbqm(total, m, s) + zo, -128, 127));
    });
    mf::BatchMatMulParams p = params(k);
    p.lhs_offset = -zl;
    p.rhs_offset = -zr;
    p.output_multiplier = m;
    p.output_shift = s;
    p.output_zero_point = zo;
    p.rhs_in_flash = iter % 2;  // flash reads are plain loads on the host: both paths agree
    std::vector<int8_t> out(expected.size());
    mf::batch_matmul_s8(p, lhs.data(), rhs.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

TEST(BatchMatMulS16, MatchesTflmFormulation) {
  ref::Random rng(16);
  for (int iter = 0; iter < 300; ++iter) {
    const Case k = random_case(rng);
    const auto lhs = rng.s16(elements(k.lhs_shape)), rhs = rng.s16(elements(k.rhs_shape));
    int32_t m, s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-30, -14)), &m, &s);
    std::vector<int16_t> expected;
    tflm_batch_matmul(k, lhs, rhs, [&](const int16_t* l, const int16_t* r, int32_t depth) {
      int64_t total = 0;
      for (int32_t i = 0; i < depth; ++i) total += int64_t{r[i]} * l[i];
      expected.push_back(static_cast<int16_t>(std::min(std::max(ref::mbqm64(total, m, s), -32768), 32767)));
    });
    mf::BatchMatMulParams p = params(k);
    p.output_multiplier = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
    p.output_shift = s;
    std::vector<int16_t> out(expected.size());
    mf::batch_matmul_s16(p, lhs.data(), rhs.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

TEST(BatchMatMulF32, MatchesTflmBitForBit) {
  ref::Random rng(32);
  for (int iter = 0; iter < 200; ++iter) {
    const Case k = random_case(rng);
    const auto lhs = rng.f32(elements(k.lhs_shape)), rhs = rng.f32(elements(k.rhs_shape));
    std::vector<float> expected;
    tflm_batch_matmul(k, lhs, rhs, [&](const float* l, const float* r, int32_t depth) {
      float total = 0.f;
      for (int32_t i = 0; i < depth; ++i) total += r[i] * l[i];
      expected.push_back(total);
    });
    std::vector<float> out(expected.size());
    mf::BatchMatMulParams p = params(k);
    p.lhs_in_flash = iter % 2;
    mf::batch_matmul_f32(p, lhs.data(), rhs.data(), out.data());
    ASSERT_EQ(0, std::memcmp(out.data(), expected.data(), out.size() * sizeof(float))) << "iter " << iter;
  }
}

}  // namespace
