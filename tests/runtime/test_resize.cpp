// The resize kernels take per-row / per-column tables; these tests build them as the
// compiler does and compare whole images with TFLM's reference loops, which recompute
// every position per pixel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "microflow/kernels/resize.h"

namespace {

struct Geometry {
  int batches, in_h, in_w, depth, out_h, out_w;
  bool align, half;
};

// TFLM GetNearestNeighbor.
int32_t nearest(int value, int32_t in, int32_t out, bool align, bool half) {
  const float scale = (align && out > 1) ? (in - 1) / static_cast<float>(out - 1) : in / static_cast<float>(out);
  const float offset = half ? 0.5f : 0.0f;
  int32_t v = std::min(align ? static_cast<int32_t>(std::round((value + offset) * scale))
                             : static_cast<int32_t>(std::floor((value + offset) * scale)),
                       in - 1);
  if (half) v = std::max(static_cast<int32_t>(0), v);
  return v;
}

TEST(ResizeNearestNeighbor, MatchesTflm) {
  std::mt19937 rng(5);
  for (const Geometry g : {Geometry{2, 3, 4, 2, 7, 5, false, false}, Geometry{1, 4, 3, 4, 6, 7, false, true},
                           Geometry{1, 5, 4, 2, 9, 7, true, false}, Geometry{1, 6, 6, 3, 4, 9, false, true},
                           Geometry{1, 4, 5, 3, 8, 10, true, true}}) {
    std::vector<int16_t> in(static_cast<size_t>(g.batches * g.in_h * g.in_w * g.depth));
    for (int16_t& v : in) v = static_cast<int16_t>(rng());
    const int32_t pixel = g.depth * 2;
    std::vector<int32_t> rows, columns;
    for (int y = 0; y < g.out_h; ++y) rows.push_back(nearest(y, g.in_h, g.out_h, g.align, g.half) * g.in_w * pixel);
    for (int x = 0; x < g.out_w; ++x) columns.push_back(nearest(x, g.in_w, g.out_w, g.align, g.half) * pixel);
    const mf::ResizeNearestNeighborParams p{g.batches, g.out_h, g.out_w, pixel, g.in_h * g.in_w * pixel, 0};
    std::vector<int16_t> out(static_cast<size_t>(g.batches * g.out_h * g.out_w * g.depth)), want;
    mf::resize_nearest_neighbor(p, in.data(), rows.data(), columns.data(), out.data());
    for (int b = 0; b < g.batches; ++b)
      for (int y = 0; y < g.out_h; ++y)
        for (int x = 0; x < g.out_w; ++x)
          for (int c = 0; c < g.depth; ++c) {
            const int32_t iy = nearest(y, g.in_h, g.out_h, g.align, g.half);
            const int32_t ix = nearest(x, g.in_w, g.out_w, g.align, g.half);
            want.push_back(in[static_cast<size_t>(((b * g.in_h + iy) * g.in_w + ix) * g.depth + c)]);
          }
    EXPECT_EQ(out, want);
  }
}

// TFLM ComputeInterpolationValuesInteger.
void integer_position(int32_t value, int32_t scale_10, bool half, int32_t in, int32_t* scaled, int32_t* lower,
                      int32_t* upper) {
  *scaled = half ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
  *lower = std::max(*scaled / (1 << 10), 0);
  *upper = std::min((*scaled + (1 << 10) - 1) / (1 << 10), in - 1);
}

int32_t scale_10(int32_t in, int32_t out, bool align) {
  if (align && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  return ((1 << 10) * in + out / 2) / out;
}

// TFLM ComputeInterpolationValues (float).
void float_position(int32_t value, float scale, bool half, int32_t in, float* scaled, int32_t* lower, int32_t* upper) {
  *scaled = half ? (value + 0.5f) * scale - 0.5f : value * scale;
  *lower = std::max(static_cast<int32_t>(std::floor(*scaled)), static_cast<int32_t>(0));
  *upper = std::min(static_cast<int32_t>(std::ceil(*scaled)), in - 1);
}

float float_scale(int32_t in, int32_t out, bool align) {
  float s = static_cast<float>(in) / out;
  if (align && out > 1) s = static_cast<float>(in - 1) / (out - 1);
  return s;
}

const Geometry kBilinearCases[] = {Geometry{1, 4, 5, 3, 8, 10, false, false}, Geometry{1, 5, 4, 2, 9, 7, true, false},
                                   Geometry{1, 6, 6, 3, 4, 9, false, true}, Geometry{2, 3, 4, 2, 7, 5, false, true},
                                   Geometry{1, 4, 4, 3, 7, 7, true, false}, Geometry{1, 7, 3, 1, 2, 11, false, true}};

TEST(ResizeBilinearS8, MatchesTflmIntegerPath) {
  std::mt19937 rng(9);
  for (const Geometry g : kBilinearCases) {
    std::vector<int8_t> in(static_cast<size_t>(g.batches * g.in_h * g.in_w * g.depth));
    for (int8_t& v : in) v = static_cast<int8_t>(rng());
    const int32_t sy = scale_10(g.in_h, g.out_h, g.align), sx = scale_10(g.in_w, g.out_w, g.align);
    std::vector<int32_t> rows, columns;
    for (int y = 0; y < g.out_h; ++y) {
      int32_t s, lo, hi;
      integer_position(y, sy, g.half, g.in_h, &s, &lo, &hi);
      rows.insert(rows.end(), {lo * g.in_w * g.depth, hi * g.in_w * g.depth, s - (1 << 10) * lo});
    }
    for (int x = 0; x < g.out_w; ++x) {
      int32_t s, lo, hi;
      integer_position(x, sx, g.half, g.in_w, &s, &lo, &hi);
      columns.insert(columns.end(), {lo * g.depth, hi * g.depth, s - (1 << 10) * lo});
    }
    const mf::ResizeBilinearParams p{g.batches, g.out_h, g.out_w, g.depth, g.in_h * g.in_w * g.depth, 0};
    std::vector<int8_t> out(static_cast<size_t>(g.batches * g.out_h * g.out_w * g.depth)), want;
    mf::resize_bilinear_s8(p, in.data(), rows.data(), columns.data(), out.data());
    auto at = [&](int b, int y, int x, int c) {
      return static_cast<int64_t>(in[static_cast<size_t>(((b * g.in_h + y) * g.in_w + x) * g.depth + c)]);
    };
    for (int b = 0; b < g.batches; ++b)
      for (int y = 0; y < g.out_h; ++y) {
        int32_t iy, y0, y1;
        integer_position(y, sy, g.half, g.in_h, &iy, &y0, &y1);
        for (int x = 0; x < g.out_w; ++x) {
          int32_t ix, x0, x1;
          integer_position(x, sx, g.half, g.in_w, &ix, &x0, &x1);
          for (int c = 0; c < g.depth; ++c) {
            const int64_t sum = at(b, y0, x0, c) * ((1 << 10) - (iy - (1 << 10) * y0)) * ((1 << 10) - (ix - (1 << 10) * x0)) +
                                at(b, y1, x0, c) * (iy - (1 << 10) * y0) * ((1 << 10) - (ix - (1 << 10) * x0)) +
                                at(b, y0, x1, c) * ((1 << 10) - (iy - (1 << 10) * y0)) * (ix - (1 << 10) * x0) +
                                at(b, y1, x1, c) * (iy - (1 << 10) * y0) * (ix - (1 << 10) * x0);
            const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
            want.push_back(static_cast<int8_t>((sum + round) / (1 << 20)));
          }
        }
      }
    EXPECT_EQ(out, want);
  }
}

TEST(ResizeBilinearF32, MatchesTflmFloatPathBitForBit) {
  std::mt19937 rng(13);
  for (const Geometry g : kBilinearCases) {
    std::vector<float> in(static_cast<size_t>(g.batches * g.in_h * g.in_w * g.depth));
    for (float& v : in) v = std::uniform_real_distribution<float>(-3, 3)(rng);
    const float sy = float_scale(g.in_h, g.out_h, g.align), sx = float_scale(g.in_w, g.out_w, g.align);
    std::vector<int32_t> rows, columns;
    std::vector<float> row_weights, column_weights;
    for (int y = 0; y < g.out_h; ++y) {
      float s;
      int32_t lo, hi;
      float_position(y, sy, g.half, g.in_h, &s, &lo, &hi);
      rows.insert(rows.end(), {lo * g.in_w * g.depth, hi * g.in_w * g.depth});
      row_weights.insert(row_weights.end(), {1 - (s - lo), s - lo});
    }
    for (int x = 0; x < g.out_w; ++x) {
      float s;
      int32_t lo, hi;
      float_position(x, sx, g.half, g.in_w, &s, &lo, &hi);
      columns.insert(columns.end(), {lo * g.depth, hi * g.depth});
      column_weights.insert(column_weights.end(), {1 - (s - lo), s - lo});
    }
    const mf::ResizeBilinearParams p{g.batches, g.out_h, g.out_w, g.depth, g.in_h * g.in_w * g.depth, 0};
    std::vector<float> out(static_cast<size_t>(g.batches * g.out_h * g.out_w * g.depth)), want;
    mf::resize_bilinear_f32(p, in.data(), rows.data(), row_weights.data(), columns.data(), column_weights.data(),
                            out.data());
    auto at = [&](int b, int y, int x, int c) {
      return in[static_cast<size_t>(((b * g.in_h + y) * g.in_w + x) * g.depth + c)];
    };
    for (int b = 0; b < g.batches; ++b)
      for (int y = 0; y < g.out_h; ++y) {
        float iy;
        int32_t y0, y1;
        float_position(y, sy, g.half, g.in_h, &iy, &y0, &y1);
        for (int x = 0; x < g.out_w; ++x) {
          float ix;
          int32_t x0, x1;
          float_position(x, sx, g.half, g.in_w, &ix, &x0, &x1);
          for (int c = 0; c < g.depth; ++c)
            want.push_back(at(b, y0, x0, c) * (1 - (iy - y0)) * (1 - (ix - x0)) +
                           at(b, y1, x0, c) * (iy - y0) * (1 - (ix - x0)) +
                           at(b, y0, x1, c) * (1 - (iy - y0)) * (ix - x0) + at(b, y1, x1, c) * (iy - y0) * (ix - x0) +
                           0.0f);
        }
      }
    ASSERT_EQ(out.size(), want.size());
    for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], want[i]) << i;
  }
}

}  // namespace
