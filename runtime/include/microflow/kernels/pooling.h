// AVERAGE_POOL_2D and MAX_POOL_2D (TFLM reference pooling, docs §8), NHWC.
// Only in-image cells of a window are visited; input and output share scale and zero point.
#ifndef MICROFLOW_POOLING_H_
#define MICROFLOW_POOLING_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/input_rows.h"
#include "microflow/kernel_util.h"

namespace mf {

struct Pool2DS8Params {
  int32_t batches, input_height, input_width, depth, output_height, output_width, filter_height,
      filter_width, stride_height, stride_width, pad_top, pad_left, act_min, act_max;
  const int8_t* output_table;  // flash [256] or nullptr: kernel_util.h's activate_s8
};

// The int16 poolings take the same parameters; no activation folds into them (the table
// stays nullptr; their loops never read it).
typedef Pool2DS8Params Pool2DS16Params;

// Streaming input (input_rows.h): the layer reads its input row by row from a ring.
struct Pool2DInputRowsS8Params {
  InputRowsParams rows;
  Pool2DS8Params pool;
};

struct Pool2DF32Params {
  int32_t batches, input_height, input_width, depth, output_height, output_width, filter_height,
      filter_width, stride_height, stride_width, pad_top, pad_left;
  float act_min, act_max;
};

namespace detail {

// In-image cells of one pooling window: rows x cols cells, channel-interleaved.
struct PoolWindow {
  int32_t rows, cols, row_stride, cell_stride;
};

// Calls visit(x, window) for every output pixel in output order; x points at channel 0
// of the window's first in-image cell.
template <typename Params, typename T, typename Visit>
inline void for_each_pool_window(const Params& p, const T* input, Visit visit) {
  PoolWindow window;
  window.row_stride = p.input_width * p.depth;
  window.cell_stride = p.depth;
  for (int32_t b = 0; b < p.batches; ++b, input += p.input_height * window.row_stride) {
    for (int32_t oy = 0; oy < p.output_height; ++oy) {
      const int32_t origin_y = oy * p.stride_height - p.pad_top;
      const int32_t y_begin = origin_y < 0 ? -origin_y : 0;
      const int32_t y_end =
          p.input_height - origin_y < p.filter_height ? p.input_height - origin_y : p.filter_height;
      window.rows = y_end - y_begin;
      for (int32_t ox = 0; ox < p.output_width; ++ox) {
        const int32_t origin_x = ox * p.stride_width - p.pad_left;
        const int32_t x_begin = origin_x < 0 ? -origin_x : 0;
        const int32_t x_end =
            p.input_width - origin_x < p.filter_width ? p.input_width - origin_x : p.filter_width;
        window.cols = x_end - x_begin;
        visit(input + (origin_y + y_begin) * window.row_stride + (origin_x + x_begin) * p.depth,
              window);
      }
    }
  }
}

// Folds one channel's cells into acc in TFLM's (fy, fx) order.
template <typename T, typename Acc, typename Op>
inline Acc fold_window(const T* x, const PoolWindow& w, Acc acc, Op op) {
  for (int32_t y = 0; y < w.rows; ++y, x += w.row_stride) {
    const T* cell = x;
    for (int32_t i = 0; i < w.cols; ++i, cell += w.cell_stride) acc = op(acc, *cell);
  }
  return acc;
}

// How an output value is stored after the activation bounds: as it is, or (int8) through a
// folded activation's table. The int8 kernels pick one per call, so the loop without a table
// tests nothing per value.
struct PoolPlainStore {
  template <typename T>
  T operator()(T v) const {
    return v;
  }
};
struct PoolTableStore {
  const int8_t* table;
  int8_t operator()(int8_t v) const { return flash_read(table + static_cast<uint8_t>(v)); }
};

// TFLM's int8 average: the raw-q sum over `count` cells rounded half away from zero with
// C truncating division.
inline int32_t rounded_average(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

}  // namespace detail

namespace detail {

// The integer poolings over int8 or int16 elements (input and output share scale and zero
// point). Average: the raw-q sum in int32 rounded half away from zero with C truncating
// division, exactly as TFLM. Every window must contain at least one in-image cell (TFLM
// errors otherwise).
template <typename T, typename Store>
inline void average_pool_2d_rows(const Pool2DS8Params& p, const T* in, T* out, Store store) {
  for_each_pool_window(p, in, [&p, &out, store](const T* x, const PoolWindow& w) {
    const int32_t count = w.rows * w.cols;
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t sum = fold_window(x + c, w, static_cast<int32_t>(0), [](int32_t acc, T v) { return acc + v; });
      const int32_t average = rounded_average(sum, count);
      const int32_t clamped = average < p.act_min ? p.act_min : average > p.act_max ? p.act_max : average;
      *out++ = store(static_cast<T>(clamped));
    }
  });
}

// Max: from the type's lowest value, as TFLM starts.
template <typename T, typename Store>
inline void max_pool_2d_rows(const Pool2DS8Params& p, const T* in, T* out, Store store) {
  for_each_pool_window(p, in, [&p, &out, store](const T* x, const PoolWindow& w) {
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t max = fold_window(x + c, w, IntBounds<T>::lowest(),
                                      [](int32_t acc, T v) { return v > acc ? static_cast<int32_t>(v) : acc; });
      *out++ = store(static_cast<T>(max < p.act_min ? p.act_min : max > p.act_max ? p.act_max : max));
    }
  });
}

}  // namespace detail

// The loops of the int8 kernels below on parameters already in RAM (band_stream.h passes
// one band's, the input-row forms one output row's).
inline void average_pool_2d_rows_s8(const Pool2DS8Params& p, const int8_t* in, int8_t* out) {
  if (p.output_table) detail::average_pool_2d_rows(p, in, out, detail::PoolTableStore{p.output_table});
  else detail::average_pool_2d_rows(p, in, out, detail::PoolPlainStore{});
}

inline void max_pool_2d_rows_s8(const Pool2DS8Params& p, const int8_t* in, int8_t* out) {
  if (p.output_table) detail::max_pool_2d_rows(p, in, out, detail::PoolTableStore{p.output_table});
  else detail::max_pool_2d_rows(p, in, out, detail::PoolPlainStore{});
}

// A pooling with one output row fed its input one row at a time (a band region's sink,
// band_stream.h): per output pixel and channel an int32 accumulator, the in-image cells'
// sum (average; start 0) or running max (start -128) in any row order, since integer sums
// and maxima do not depend on it. `row` is one input row; with `out`, that row is the
// window's last one: each accumulator is finished (`window_rows` in-image rows of the
// window, times the pixel's in-image columns, cells for the average) into one output row.
template <bool Average>
inline void pool_2d_sums_row_s8(const Pool2DS8Params& p, const int8_t* row, int32_t* accumulators,
                                int32_t window_rows, int8_t* out) {
  Pool2DS8Params view = p;  // the row alone: one window row, no padding above it
  view.batches = 1;
  view.input_height = 1;
  view.output_height = 1;
  view.filter_height = 1;
  view.pad_top = 0;
  const auto fold = [](int32_t a, int8_t v) { return Average ? a + v : (v > a ? static_cast<int32_t>(v) : a); };
  detail::for_each_pool_window(view, row, [&](const int8_t* x, const detail::PoolWindow& w) {
    const auto finish = [&](int32_t acc) {
      const int32_t value = Average ? detail::rounded_average(acc, window_rows * w.cols) : acc;
      *out++ = activate_s8(p.output_table, clamp_to_s8(value, p.act_min, p.act_max));
    };
    // Four channels at a time over the window's cells, their accumulators in registers: one
    // channel's cells at a time cost a loop and an accumulator load and store per channel
    // (kws_ref_model's 25x5x64 sink: 12 instructions per input on Cortex-M4).
    int32_t c = 0;
    for (; c + 4 <= p.depth; c += 4, accumulators += 4) {
      int32_t a0 = accumulators[0], a1 = accumulators[1], a2 = accumulators[2], a3 = accumulators[3];
      const int8_t* cells = x + c;
      for (int32_t y = 0; y < w.rows; ++y, cells += w.row_stride) {
        const int8_t* cell = cells;
        for (int32_t i = 0; i < w.cols; ++i, cell += w.cell_stride)
          a0 = fold(a0, cell[0]), a1 = fold(a1, cell[1]), a2 = fold(a2, cell[2]), a3 = fold(a3, cell[3]);
      }
      accumulators[0] = a0, accumulators[1] = a1, accumulators[2] = a2, accumulators[3] = a3;
      if (out) finish(a0), finish(a1), finish(a2), finish(a3);
    }
    for (; c < p.depth; ++c, ++accumulators) {
      *accumulators = detail::fold_window(x + c, w, *accumulators, fold);
      if (out) finish(*accumulators);
    }
  });
}

namespace detail {

// Input-row form of either pooling: one output row per call over the held rows.
template <bool Average>
inline bool pool_2d_input_rows_s8(const Pool2DInputRowsS8Params& params, int8_t* ring, int32_t* state,
                                  int8_t* output) {
  struct Kernel {
    const InputRowsParams& rows;
    const Pool2DS8Params& p;
    int8_t* output;
    void begin() {}
    void row(int32_t oy, const int8_t* held_rows, int32_t held, int32_t first) {
      Pool2DS8Params view = p;
      view.batches = 1;
      view.input_height = held;
      view.output_height = 1;
      view.pad_top = rows_pad_top(rows, oy, first);
      int8_t* out = output + oy * p.output_width * p.depth;
      if (Average) average_pool_2d_rows_s8(view, held_rows, out);
      else max_pool_2d_rows_s8(view, held_rows, out);
    }
    void end() {}
  };
  const InputRowsParams rows = flash_load(params.rows);
  const Pool2DS8Params p = flash_load(params.pool);
  Kernel kernel{rows, p, output};
  return input_rows_push(rows, ring, state, kernel);
}

}  // namespace detail

inline void average_pool_2d_s8(const Pool2DS8Params& params, const int8_t* in, int8_t* out) {
  average_pool_2d_rows_s8(flash_load(params), in, out);
}

inline void max_pool_2d_s8(const Pool2DS8Params& params, const int8_t* in, int8_t* out) {
  max_pool_2d_rows_s8(flash_load(params), in, out);
}

// Input-row forms (one batch): `ring` holds params.rows.window_rows input rows, `state`
// kInputRowsStateWords words; true when the row just written completed the output.
inline bool average_pool_2d_input_rows_s8(const Pool2DInputRowsS8Params& params, int8_t* ring, int32_t* state,
                                          int8_t* out) {
  return detail::pool_2d_input_rows_s8<true>(params, ring, state, out);
}

inline bool max_pool_2d_input_rows_s8(const Pool2DInputRowsS8Params& params, int8_t* ring, int32_t* state,
                                      int8_t* out) {
  return detail::pool_2d_input_rows_s8<false>(params, ring, state, out);
}

// int16 (TFLM's int16 reference poolings: the int8 arithmetic on int16 values). The
// parameters are the int8 kernels' (Pool2DS16Params), act_min/act_max within int16.
inline void average_pool_2d_s16(const Pool2DS16Params& params, const int16_t* in, int16_t* out) {
  detail::average_pool_2d_rows(flash_load(params), in, out, detail::PoolPlainStore{});
}

inline void max_pool_2d_s16(const Pool2DS16Params& params, const int16_t* in, int16_t* out) {
  detail::max_pool_2d_rows(flash_load(params), in, out, detail::PoolPlainStore{});
}

// Sums in TFLM's order (fy, fx) and divides by the in-image cell count.
inline void average_pool_2d_f32(const Pool2DF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const float* x, const detail::PoolWindow& w) {
    const float count = static_cast<float>(w.rows * w.cols);
    for (int32_t c = 0; c < p.depth; ++c) {
      const float total =
          detail::fold_window(x + c, w, 0.f, [](float acc, float v) { return acc + v; });
      *out++ = clamp_f32(total / count, p.act_min, p.act_max);
    }
  });
}

// Starts from the lowest float and keeps the running max on ties and NaN (std::max).
inline void max_pool_2d_f32(const Pool2DF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const float* x, const detail::PoolWindow& w) {
    for (int32_t c = 0; c < p.depth; ++c) {
      const float max = detail::fold_window(x + c, w, -3.40282347e+38f,
                                            [](float acc, float v) { return acc < v ? v : acc; });
      *out++ = clamp_f32(max, p.act_min, p.act_max);
    }
  });
}

}  // namespace mf

#endif  // MICROFLOW_POOLING_H_
