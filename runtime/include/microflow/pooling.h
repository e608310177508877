// AVERAGE_POOL_2D and MAX_POOL_2D (TFLM reference pooling, docs §8), NHWC.
// Only in-image cells of a window are visited; input and output share scale and zero point.
#ifndef MICROFLOW_POOLING_H_
#define MICROFLOW_POOLING_H_

#include <stdint.h>

#include "flash.h"
#include "kernel_util.h"

namespace mf {

struct Pool2DS8Params {
  int32_t batches, input_height, input_width, depth, output_height, output_width, filter_height,
      filter_width, stride_height, stride_width, pad_top, pad_left, act_min, act_max;
};

struct Pool2DF32Params {
  int32_t batches, input_height, input_width, depth, output_height, output_width, filter_height,
      filter_width, stride_height, stride_width, pad_top, pad_left;
  float act_min, act_max;
};

namespace detail {

// In-image part of one pooling window: filter taps [begin, end) along one axis.
struct PoolSpan {
  int32_t begin, end;
};

inline PoolSpan pool_span(int32_t origin, int32_t filter, int32_t size) {
  PoolSpan s;
  s.begin = origin < 0 ? -origin : 0;
  s.end = size - origin < filter ? size - origin : filter;
  return s;
}

// Calls visit(x, rows, cols, row_stride) for every output pixel in output order: x points
// at channel 0 of the window's first in-image cell, which spans rows x cols cells.
template <typename Params, typename T, typename Visit>
inline void for_each_pool_window(const Params& p, const T* input, Visit visit) {
  const int32_t row_stride = p.input_width * p.depth;
  for (int32_t b = 0; b < p.batches; ++b, input += p.input_height * row_stride) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      const int32_t origin_y = oy * p.stride_height - p.pad_top;
      const PoolSpan ys = pool_span(origin_y, p.filter_height, p.input_height);
      for (int32_t ox = 0; ox < p.output_width; ++ox) {
        const int32_t origin_x = ox * p.stride_width - p.pad_left;
        const PoolSpan xs = pool_span(origin_x, p.filter_width, p.input_width);
        visit(input + (origin_y + ys.begin) * row_stride + (origin_x + xs.begin) * p.depth,
              ys.end - ys.begin, xs.end - xs.begin, row_stride);
      }
    }
  }
}

}  // namespace detail

// Rounds the raw-q average half away from zero with C truncating division, exactly as
// TFLM. Every window must contain at least one in-image cell (TFLM errors otherwise).
inline void average_pool_2d_s8(const Pool2DS8Params& params, const int8_t* in, int8_t* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const int8_t* x, int32_t rows, int32_t cols,
                                          int32_t row_stride) {
    const int32_t count = rows * cols;
    for (int32_t c = 0; c < p.depth; ++c) {
      int32_t sum = 0;
      for (int32_t y = 0; y < rows; ++y) {
        for (int32_t xx = 0; xx < cols; ++xx) sum += x[y * row_stride + xx * p.depth + c];
      }
      const int32_t average = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
      *out++ = clamp_to_s8(average, p.act_min, p.act_max);
    }
  });
}

inline void max_pool_2d_s8(const Pool2DS8Params& params, const int8_t* in, int8_t* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const int8_t* x, int32_t rows, int32_t cols,
                                          int32_t row_stride) {
    for (int32_t c = 0; c < p.depth; ++c) {
      int32_t max = -128;
      for (int32_t y = 0; y < rows; ++y) {
        for (int32_t xx = 0; xx < cols; ++xx) {
          const int32_t v = x[y * row_stride + xx * p.depth + c];
          max = v > max ? v : max;
        }
      }
      *out++ = clamp_to_s8(max, p.act_min, p.act_max);
    }
  });
}

// Sums in TFLM's order (fy, fx) and divides by the in-image cell count.
inline void average_pool_2d_f32(const Pool2DF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const float* x, int32_t rows, int32_t cols,
                                          int32_t row_stride) {
    const float count = static_cast<float>(rows * cols);
    for (int32_t c = 0; c < p.depth; ++c) {
      float total = 0.f;
      for (int32_t y = 0; y < rows; ++y) {
        for (int32_t xx = 0; xx < cols; ++xx) total += x[y * row_stride + xx * p.depth + c];
      }
      *out++ = clamp_f32(total / count, p.act_min, p.act_max);
    }
  });
}

// Starts from the lowest float and keeps the running max on ties and NaN (std::max).
inline void max_pool_2d_f32(const Pool2DF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const float* x, int32_t rows, int32_t cols,
                                          int32_t row_stride) {
    for (int32_t c = 0; c < p.depth; ++c) {
      float max = -3.40282347e+38f;
      for (int32_t y = 0; y < rows; ++y) {
        for (int32_t xx = 0; xx < cols; ++xx) {
          const float v = x[y * row_stride + xx * p.depth + c];
          max = max < v ? v : max;
        }
      }
      *out++ = clamp_f32(max, p.act_min, p.act_max);
    }
  });
}

}  // namespace mf

#endif  // MICROFLOW_POOLING_H_
