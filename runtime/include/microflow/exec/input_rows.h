// Streaming input: a model whose first kernel reads the input through a sliding window of
// rows (convolution, depthwise, pooling) can take the input one row at a time, so only
// the last `window_rows` rows are ever in RAM. This header keeps those rows and decides
// when an output row can be computed; the kernels' *_rows_s8 entry points (in their own
// headers) compute one output row over the rows held.
//
// Rows held: input rows first..r, in order, at ring[0..held). Output row oy needs input
// rows oy*stride - pad_top .. + window_height - 1 (clipped to the image); it is computed
// as soon as its last row has arrived, which guarantees its first row is still held. The
// kernel sees the held rows as a short image whose top/bottom edges are the real image's
// edges exactly where the window crosses them (elsewhere the window lies inside), so
// out-of-image taps are the same as in the whole-input kernel and results are bit-exact.
#ifndef MICROFLOW_INPUT_ROWS_H_
#define MICROFLOW_INPUT_ROWS_H_

#include <stdint.h>
#include <string.h>

namespace mf {

// Compiler-computed; window_rows = min(input_height, dilation_height*(filter_height-1)+1).
struct InputRowsParams {
  int32_t input_height;   // rows of the whole input
  int32_t row_elements;   // elements per row (width * depth)
  int32_t window_rows;    // rows held in the ring
  int32_t output_height;  // rows of the first kernel's output
  int32_t stride_height, pad_top;
  int32_t window_height;  // input rows one output row spans: dilation_height*(filter_height-1)+1
};

// The arena words the row driver keeps between rows (kernels may use more after these).
enum InputRowsState { kRowsReceived = 0, kOutputRowsDone = 1, kInputRowsStateWords = 2 };

// Where the next row is written: after the held rows (the oldest was dropped when full).
inline int8_t* input_row_slot(const InputRowsParams& p, int8_t* ring, const int32_t* state) {
  const int32_t received = state[kRowsReceived];
  return ring + (received < p.window_rows - 1 ? received : p.window_rows - 1) * p.row_elements;
}

// Discards a partially received input; the next row is row 0.
inline void input_rows_begin(int32_t* state) { state[kRowsReceived] = 0; }

namespace detail {

// Row `state[kRowsReceived]` has just been written at input_row_slot(). Runs
// kernel.row(oy, rows, held, first_row) for every output row it completes (kernel.begin()
// before the first, kernel.end() after the last) and returns true when the whole output
// is ready; the next row then starts a new input.
template <typename Kernel>
inline bool input_rows_push(const InputRowsParams& p, int8_t* ring, int32_t* state, Kernel& kernel) {
  const int32_t r = state[kRowsReceived];
  const bool last = r == p.input_height - 1;
  if (r == 0) {
    state[kOutputRowsDone] = 0;
    kernel.begin();
  }
  const int32_t held = r < p.window_rows ? r + 1 : p.window_rows;
  const int32_t first = r + 1 - held;
  for (int32_t oy = state[kOutputRowsDone]; oy < p.output_height; ++oy) {
    // Last input row output row oy reads; bottom rows past the image wait for the last row.
    if (!last && oy * p.stride_height - p.pad_top + p.window_height - 1 > r) break;
    kernel.row(oy, ring, held, first);
    state[kOutputRowsDone] = oy + 1;
  }
  if (last) {
    kernel.end();
    state[kRowsReceived] = 0;
    return true;
  }
  // The oldest row is no longer needed by any later output row: make room.
  if (held == p.window_rows) memmove(ring, ring + p.row_elements, static_cast<size_t>((held - 1) * p.row_elements));
  state[kRowsReceived] = r + 1;
  return false;
}

// pad_top of the short image `first..first+held` for output row oy (its origin row
// moves up by `first`).
inline int32_t rows_pad_top(const InputRowsParams& p, int32_t oy, int32_t first) {
  return p.pad_top - oy * p.stride_height + first;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_INPUT_ROWS_H_
