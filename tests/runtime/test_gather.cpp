#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "microflow/kernels/gather.h"

namespace {

// TFLM Gather<T>: batch / outer / coord / inner loops over an axis, memcpy per slice.
template <typename T>
std::vector<T> reference_gather(const std::vector<T>& data, const std::vector<int32_t>& coords, int batches, int outer,
                                int axis_size, int positions, int inner) {
  std::vector<T> out(static_cast<size_t>(batches * outer * positions * inner));
  for (int b = 0; b < batches; ++b)
    for (int o = 0; o < outer; ++o)
      for (int c = 0; c < positions; ++c) {
        const int32_t v = coords[static_cast<size_t>(b * positions + c)];
        std::memcpy(&out[static_cast<size_t>(((b * outer + o) * positions + c) * inner)],
                    &data[static_cast<size_t>(((b * outer + o) * axis_size + v) * inner)], sizeof(T) * inner);
      }
  return out;
}

TEST(Gather, AxisBatchDimsAndTypesMatchTflm) {
  std::mt19937 rng(7);
  struct Case {
    int batches, outer, axis_size, positions, inner;
  };
  for (const Case c : {Case{1, 1, 10, 7, 6}, Case{1, 4, 9, 6, 3}, Case{3, 1, 6, 5, 4}, Case{2, 3, 5, 4, 1}}) {
    std::vector<float> data(static_cast<size_t>(c.batches * c.outer * c.axis_size * c.inner));
    for (float& v : data) v = std::uniform_real_distribution<float>(-5, 5)(rng);
    std::vector<int32_t> coords(static_cast<size_t>(c.batches * c.positions));
    for (int32_t& v : coords) v = std::uniform_int_distribution<int32_t>(0, c.axis_size - 1)(rng);
    const mf::GatherParams p{c.batches, c.outer, c.axis_size, c.positions, c.inner * 4, 0, 0};
    std::vector<float> out(static_cast<size_t>(c.batches * c.outer * c.positions * c.inner));
    mf::gather(p, data.data(), coords.data(), out.data());
    EXPECT_EQ(out, reference_gather(data, coords, c.batches, c.outer, c.axis_size, c.positions, c.inner));

    std::vector<int8_t> bytes(data.size());
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<int8_t>(rng());
    std::vector<int8_t> out8(out.size());
    const mf::GatherParams p8{c.batches, c.outer, c.axis_size, c.positions, c.inner, 0, 0};
    mf::gather(p8, bytes.data(), coords.data(), out8.data());
    EXPECT_EQ(out8, reference_gather(bytes, coords, c.batches, c.outer, c.axis_size, c.positions, c.inner));
  }
}

TEST(Gather, OutOfRangePositionGivesZeros) {
  const std::vector<int8_t> data = {1, 2, 3, 4, 5, 6};  // [3][2]
  const std::vector<int32_t> coords = {2, -1, 3, 0};
  std::vector<int8_t> out(8, 9);
  mf::gather(mf::GatherParams{1, 1, 3, 4, 2, 0, 0}, data.data(), coords.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{5, 6, 0, 0, 0, 0, 1, 2}));
}

// TFLM GatherNd: from_pos = sum(index[j] * dims_to_count[j]), one slice per tuple.
mf::GatherNdParams gather_nd_params(const std::vector<int32_t>& dims, int depth, int slices, int element_bytes) {
  mf::GatherNdParams p = {};
  p.slices = slices;
  p.depth = depth;
  int32_t remain = 1;
  for (int32_t d : dims) remain *= d;
  p.data_elements = remain;
  for (int j = 0; j < depth; ++j) {
    remain /= dims[static_cast<size_t>(j)];
    p.strides[j] = remain;
  }
  p.slice_elements = remain;
  p.element_bytes = element_bytes;
  return p;
}

TEST(GatherNd, SlicesAndScalarsMatchTflm) {
  std::vector<int8_t> data(5 * 6 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<int8_t>(i * 7);
  for (int depth = 1; depth <= 3; ++depth) {
    const std::vector<int32_t> tuples = {4, 5, 3, 0, 0, 0, 2, 3, 1, 1, 0, 2};  // 4 tuples of up to 3
    std::vector<int32_t> indices;
    for (int t = 0; t < 4; ++t)
      for (int j = 0; j < depth; ++j) indices.push_back(tuples[static_cast<size_t>(3 * t + j)]);
    const mf::GatherNdParams p = gather_nd_params({5, 6, 4}, depth, 4, 1);
    const int slice = p.slice_elements;
    std::vector<int8_t> out(static_cast<size_t>(4 * slice)), want(out.size());
    mf::gather_nd(p, data.data(), indices.data(), out.data());
    for (int t = 0; t < 4; ++t) {
      int from = 0;
      for (int j = 0; j < depth; ++j) from += indices[static_cast<size_t>(t * depth + j)] * p.strides[j];
      std::memcpy(&want[static_cast<size_t>(t * slice)], &data[static_cast<size_t>(from)], static_cast<size_t>(slice));
    }
    EXPECT_EQ(out, want) << "depth " << depth;
  }
}

// TFLM checks the flat position only: (0, 2) in a 2x2 is element 2, (2, -1) element 3;
// (1, 2) and (-1, 0) fall outside and give zeros here (an error in TFLM).
TEST(GatherNd, OnlyPositionsOutsideTheDataGiveZeros) {
  const std::vector<float> data = {1, 2, 3, 4};
  const std::vector<int32_t> indices = {1, 1, 0, 2, 2, -1, 1, 2, -1, 0};
  std::vector<float> out(5, 9.f);
  mf::gather_nd(gather_nd_params({2, 2}, 2, 5, 4), data.data(), indices.data(), out.data());
  EXPECT_EQ(out, (std::vector<float>{4, 3, 4, 0, 0}));
}

// TFLM EvalHybrid: Dequantize(row, columns, scale, zero_point 0) = (q - 0) * scale.
TEST(EmbeddingLookupDequantize, RowsScaledAsTflm) {
  std::vector<int8_t> table(9 * 6);
  for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<int8_t>(static_cast<int>(i * 37) - 128);
  const std::vector<int32_t> ids = {8, 0, 3, 9, -2, 3};
  const float scale = 0.02f;
  std::vector<float> out(ids.size() * 6, 1.f);
  mf::embedding_lookup_dequantize({6, 9, 6, scale, 0, 0}, table.data(), ids.data(), out.data());
  for (size_t i = 0; i < ids.size(); ++i)
    for (size_t c = 0; c < 6; ++c) {
      const bool valid = ids[i] >= 0 && ids[i] < 9;
      const float want = valid ? (table[static_cast<size_t>(ids[i]) * 6 + c] - 0) * scale : 0.f;
      EXPECT_EQ(out[i * 6 + c], want) << i << "," << c;
    }
}

}  // namespace
