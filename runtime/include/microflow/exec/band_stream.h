// Band (patch) streaming of a chain of int8 layers (MCUNetV2-style): the chain's
// intermediate tensors never exist whole. Each layer after the first keeps a line buffer of
// only the input rows one output row's window spans; the executor always advances the
// deepest layer whose next window is complete, so a row is dropped as soon as no later
// window reads it. Each row is computed by the layer's own whole-tensor kernel on a one-row
// "band" of the tensor: the same parameters with input_height = the rows held, output_height
// = 1 and pad_top shifted so the window lands on the held rows. Rows outside the image are
// exactly the rows outside the buffer, so the kernels' padding rules (and their results) are
// unchanged: the output is bit-identical to running the layers one after the other.
//
// A stage with one output row that reads every input row it needs once (a global pooling,
// a FULLY_CONNECTED on the flattened previous tensor) can instead be a *sink*: it keeps one
// input row and int32 accumulators, folds each row in as it arrives (integer sums and maxima
// do not depend on the order, so results stay exact) and finishes its output row after the
// last one, exactly as the whole-tensor kernel requantizes. Its input tensor then never
// holds more than one row.
#ifndef MICROFLOW_BAND_STREAM_H_
#define MICROFLOW_BAND_STREAM_H_

#include <stdint.h>
#include <string.h>

#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/variants/conv_2d_wide.h"
#include "microflow/kernels/conv_2d_packed.h"
#include "microflow/kernels/depthwise_conv_2d.h"
#include "microflow/exec/flash.h"
#include "microflow/exec/input_rows.h"
#include "microflow/kernels/fully_connected.h"
#include "microflow/kernels/pooling.h"

// Per-stage counts (the compiler's profile_calls: `microflow report`, bench/layer_profile.py):
// a build defining MF_BAND_PROFILE calls the count markers (targets/common/platform.h) around
// every row that stage `mf_band_profile_stage` (-1: none) of a region computes; the counters
// sum the pairs, so the count is that stage's share of the region. Other builds: no code.
#ifdef MF_BAND_PROFILE
extern "C" {
void mf_bench_begin(void);
void mf_bench_end(void);
extern int32_t mf_band_profile_stage;
}
#endif

namespace mf {

// Which whole-tensor kernel computes a stage's rows.
enum BandKernel : int32_t {
  kBandDepthwise = 0,   // depthwise_conv_2d_s8: DepthwiseConv2DS8Params, int8 filter
  kBandConv1x1 = 1,     // conv_2d_1x1_s8: Conv2DS8Params, packed filter
  kBandConvPacked = 2,  // conv_2d_packed_s8: Conv2DS8Params, packed filter
  kBandAveragePool = 3, // average_pool_2d_s8: Pool2DS8Params
  kBandMaxPool = 4,     // max_pool_2d_s8: Pool2DS8Params
  kBandConv1x1Wide = 5, // BandWideRowParams: the instance; its filter layout, requant
  kBandDepthwiseWide = 6,  // BandDepthwiseRowParams: the instance; int8 filter, folded bias, requant
  kBandConvWide = 7,       // conv_2d_s8_wide (Arm DSP): Conv2DS8Params, channel-pair filter
  // Sinks (never the first stage): one input row, then the accumulators (below).
  kBandAveragePoolSink = 8,     // Pool2DS8Params, output_height 1: int32 sum per output value
  kBandMaxPoolSink = 9,         // Pool2DS8Params, output_height 1: int32 running max per output value
  kBandFullyConnectedSink = 10, // FullyConnectedS8Params, int8 [N][K] weights, folded bias (fully_connected_s8's):
                                // N sums and the input sum; input row r is the flat input [r*row, (r+1)*row)
};

// A stride-1 1x1 layer's output row on a specialized instance with pixels = one row, so the
// sizes stay constants as outside regions: conv_2d_1x1_s8_wide_fixed (int8 channel pairs, SMLAD,
// Cortex-M) or conv_2d_1x1_s8_lanes_fixed (AVX2 lanes, host); the stage's filter and requant
// are in that instance's layout.
typedef void (*BandWideRow)(const int8_t* input, const int32_t* weights, const int32_t* folded_bias,
                            const int32_t* requant, int8_t* output);
struct BandWideRowParams {
  BandWideRow row;
};

// A 3x3 depthwise layer's output row on its specialized instance (depthwise_conv_2d_s8_wide_row,
// Arm DSP): the window starts at row `top` of the `held` rows at `rows`. The stage's params
// point at it (a field in every stage would cost each stage load a word).
typedef void (*BandDepthwiseRow)(const int8_t* rows, int32_t held, int32_t top, const int8_t* filter,
                                 const int32_t* folded_bias, const int32_t* requant, int8_t* output);
struct BandDepthwiseRowParams {
  BandDepthwiseRow row;
};

struct BandStage;
// A non-sink stage's output row: band_row<its kernel> (below).
typedef void (*BandRow)(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out);

// One layer of a streamed chain (flash; written by the compiler).
struct BandStage {
  int32_t kernel;       // BandKernel
  const void* params;   // flash: the layer's parameters for the whole tensor (one batch)
  const void* filter;   // flash, nullptr for pooling
  const int32_t* bias;  // flash folded bias, nullptr for pooling
  const int32_t* requant;  // kBandConv1x1Wide / kBandDepthwiseWide: flash per-channel requantization, else nullptr
  BandRow row;             // band_row<kernel>; nullptr for a sink
  int32_t input_height, input_row_bytes, output_height, output_row_bytes;
  int32_t stride, pad_top, span;  // window rows: output row y reads [y*stride - pad_top, + span)
  int32_t buffer_offset;  // its line buffer (span input rows) in the scratch; the first stage has none. A
                          // sink: one input row, then its int32 accumulators at the next multiple of 4 bytes
  // > 0: an in-place 1x1 stage (input rows as long as its output rows, a plain stage after it):
  // it has no line buffer; its input row is written this many bytes after the next stage's
  // free row and its output row lands on that row. The shift is kBandInPlacePixels input pixels.
  int32_t in_place_shift;
};

// The 1x1 row kernels read at most this many pixels ahead of the first pixel they write
// (SSE2: four-pixel groups read in place; the other paths go pixel by pixel or copy first),
// so an output row written this many input pixels before its input row never overwrites
// input still to be read.
constexpr int32_t kBandInPlacePixels = 4;

// Per stage at run time: the input rows held are [first_row, first_row + rows); the next
// row to arrive is always first_row + rows.
struct BandState {
  int32_t first_row, rows, next_output;
};

namespace detail {

template <typename P>
inline P band_params(const void* params, int32_t rows, int32_t pad_top) {
  P p = flash_load(*static_cast<const P*>(params));
  p.input_height = rows;
  p.output_height = 1;
  p.pad_top = pad_top;
  return p;
}

}  // namespace detail

// Output row of a (non-sink) stage from its `rows` held input rows at `in`, the window's
// first row `pad` rows above them (pad < 0: below the first held row). One specialization per
// BandKernel; the stage table points at the one its stage needs, so a firmware links only the
// kernels its regions use (a switch over the kinds would link every kernel into every region:
// on Cortex-M4 person_detect carried 7 KB of generic depthwise / packed-conv code it never ran).
template <int32_t Kernel>
void band_row(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out);

template <>
inline void band_row<kBandDepthwise>(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out) {
  const DepthwiseConv2DS8Params p = detail::band_params<DepthwiseConv2DS8Params>(s.params, rows, pad);
  depthwise_image_s8(p, in, static_cast<const int8_t*>(s.filter), s.bias, detail::StoreSink{out, p.output_table});
}

// A 1x1 stage reads input row y * stride only (never padded): it gets just that row.
template <>
inline void band_row<kBandConv1x1>(const BandStage& s, const int8_t* in, int32_t, int32_t pad, int8_t* out) {
  conv_2d_1x1_rows_s8(detail::band_params<Conv2DS8Params>(s.params, 1, 0), in + (-pad) * s.input_row_bytes,
                      static_cast<const int32_t*>(s.filter), s.bias, out);
}

template <>
inline void band_row<kBandConv1x1Wide>(const BandStage& s, const int8_t* in, int32_t, int32_t pad, int8_t* out) {
  flash_read(&static_cast<const BandWideRowParams*>(s.params)->row)(
      in + (-pad) * s.input_row_bytes, static_cast<const int32_t*>(s.filter), s.bias, s.requant, out);
}

template <>
inline void band_row<kBandDepthwiseWide>(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad,
                                         int8_t* out) {
  flash_read(&static_cast<const BandDepthwiseRowParams*>(s.params)->row)(
      in, rows, -pad, static_cast<const int8_t*>(s.filter), s.bias, s.requant, out);
}

template <>
inline void band_row<kBandConvPacked>(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out) {
  conv_2d_packed_rows_s8(detail::band_params<Conv2DS8Params>(s.params, rows, pad), in,
                         static_cast<const int32_t*>(s.filter), s.bias, out);
}

#if defined(MF_DOT_ARM_DSP)  // the compiler picks it for these cores only, windows up to kConvWideSmallTaps
template <>
inline void band_row<kBandConvWide>(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out) {
  detail::conv_wide_rows<detail::kConvWideSmallTaps>(detail::band_params<Conv2DS8Params>(s.params, rows, pad), in,
                                                     static_cast<const int32_t*>(s.filter), s.bias, out);
}
#endif

template <>
inline void band_row<kBandAveragePool>(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out) {
  average_pool_2d_rows_s8(detail::band_params<Pool2DS8Params>(s.params, rows, pad), in, out);
}

template <>
inline void band_row<kBandMaxPool>(const BandStage& s, const int8_t* in, int32_t rows, int32_t pad, int8_t* out) {
  max_pool_2d_rows_s8(detail::band_params<Pool2DS8Params>(s.params, rows, pad), in, out);
}

namespace detail {

// Output row `y` of stage s from its `rows` input rows starting with row `first` at `in`.
inline void band_row_s8(const BandStage& s, const int8_t* in, int32_t first, int32_t rows, int32_t y, int8_t* out) {
  s.row(s, in, rows, s.pad_top + first - y * s.stride, out);
}

inline bool band_sink(const BandStage& s) { return s.kernel >= kBandAveragePoolSink; }

inline int32_t* band_accumulators(const BandStage& s, int8_t* scratch) {
  return reinterpret_cast<int32_t*>(scratch + s.buffer_offset + (s.input_row_bytes + 3) / 4 * 4);
}

// Past the last input row a sink folds in (its window's end, inside the image).
inline int32_t band_sink_end(const BandStage& s) {
  const int32_t end = s.span - s.pad_top;
  return end < s.input_height ? end : s.input_height;
}

inline void band_sink_begin(const BandStage& s, int32_t* acc) {
  if (s.kernel == kBandFullyConnectedSink) {
    const FullyConnectedS8Params fc = flash_load(*static_cast<const FullyConnectedS8Params*>(s.params));
    fully_connected_sums_begin(fc, s.bias, acc);
    acc[fc.output_depth] = 0;  // the input sum
    return;
  }
  const int32_t start = s.kernel == kBandAveragePoolSink ? 0 : -128;
  for (int32_t i = 0; i < s.output_row_bytes; ++i) acc[i] = start;
}

// Folds input row `r` (at `in`) into the sink's accumulators; with `out`, it is the last
// row and the output row is finished there.
inline void band_sink_row(const BandStage& s, const int8_t* in, int32_t r, int32_t* acc, int8_t* out) {
  if (s.kernel == kBandFullyConnectedSink) {
    const FullyConnectedS8Params fc = flash_load(*static_cast<const FullyConnectedS8Params*>(s.params));
    fully_connected_sums_part(fc, static_cast<const int8_t*>(s.filter), r * s.input_row_bytes, in,
                              s.input_row_bytes, acc, acc[fc.output_depth]);
    if (out) fully_connected_sums_end(fc, acc, acc[fc.output_depth], out);
    return;
  }
  const Pool2DS8Params p = flash_load(*static_cast<const Pool2DS8Params*>(s.params));
  const int32_t top = s.pad_top > 0 ? 0 : -s.pad_top;
  const int32_t rows = band_sink_end(s) - top;  // in-image rows of the one window
  if (s.kernel == kBandAveragePoolSink) pool_2d_sums_row_s8<true>(p, in, acc, rows, out);
  else pool_2d_sums_row_s8<false>(p, in, acc, rows, out);
}

// First input row the stage still needs (input_height once it is done).
inline int32_t band_needed_from(const BandStage& s, const BandState& st) {
  if (st.next_output >= s.output_height) return s.input_height;
  const int32_t first = st.next_output * s.stride - s.pad_top;
  return first > 0 ? first : 0;
}

// Whether stage `s` (flash) can compute a row: a sink holds a row, a plain stage its next
// window's rows. Reads only these fields (a BandStage copy per stage looked at cost kws_ref_model
// 33 K instructions per invoke).
inline bool band_ready(const BandStage* s, const BandState& st) {
  if (st.next_output >= flash_read(&s->output_height)) return false;
  if (flash_read(&s->kernel) >= kBandAveragePoolSink) return st.rows > 0;
  int32_t end = st.next_output * flash_read(&s->stride) - flash_read(&s->pad_top) + flash_read(&s->span);
  const int32_t input_height = flash_read(&s->input_height);
  if (end > input_height) end = input_height;
  return st.first_row + st.rows >= end;
}

}  // namespace detail

namespace detail {

// Resets the stages' row state and the sinks' accumulators before a region runs.
inline void band_begin(const BandStage* stages, int32_t count, BandState* state, int8_t* scratch) {
  for (int32_t i = 0; i < count; ++i) {
    state[i] = BandState{0, 0, 0};
    const BandStage s = flash_load(stages[i]);
    if (band_sink(s)) band_sink_begin(s, band_accumulators(s, scratch));
  }
}

// Around one row of stage `stage` (MF_BAND_PROFILE above).
MF_ALWAYS_INLINE void band_profile_begin(int32_t stage) {
#ifdef MF_BAND_PROFILE
  if (stage == mf_band_profile_stage) mf_bench_begin();
#endif
  (void)stage;
}

MF_ALWAYS_INLINE void band_profile_end(int32_t stage) {
#ifdef MF_BAND_PROFILE
  if (stage == mf_band_profile_stage) mf_bench_end();
#endif
  (void)stage;
}

// Computes every output row the rows held so far allow: the first stage's input rows
// [state[0].first_row, + state[0].rows) are at `input`. Returns true when it finished the last
// stage's last row.
MF_ALWAYS_INLINE bool band_advance(const BandStage* stages, int32_t count, BandState* state, const int8_t* input,
                         int8_t* scratch, int8_t* output) {
  for (;;) {
    int32_t i = count - 1;
    while (!band_ready(stages + i, state[i]))
      if (--i < 0) return false;  // waiting for input rows
    BandState* st = &state[i];
    BandStage s = flash_load(stages[i]);
    const int8_t* in = i == 0 ? input : scratch + s.buffer_offset;
    const bool sink = band_sink(s);
    int32_t sink_row = 0;
    if (sink) {  // consume the held row; all but the window's last only go into the sums
      sink_row = st->first_row++;
      st->rows = 0;
      if (sink_row + 1 < band_sink_end(s)) {
        band_profile_begin(i);
        band_sink_row(s, in, sink_row, band_accumulators(s, scratch), nullptr);
        band_profile_end(i);
        continue;
      }
    }
    const int32_t y = st->next_output++;
    // Computes output row y of stage i into `out`.
    auto run = [&](int8_t* out) {
      band_profile_begin(i);
      if (sink) band_sink_row(s, in, sink_row, band_accumulators(s, scratch), out);
      else band_row_s8(s, in, st->first_row, st->rows, y, out);
      band_profile_end(i);
    };
    if (i == count - 1) {
      run(output + y * s.output_row_bytes);
      if (st->next_output == s.output_height) return true;
      continue;
    }
    // The row goes to the next stage's buffer, or, when that stage is an in-place 1x1, to the
    // stage after it: row y of both (a 1x1 stage maps input row y to output row y).
    const int32_t shift = flash_read(&stages[i + 1].in_place_shift);
    const int32_t c = shift > 0 ? i + 2 : i + 1;
    const BandStage n = flash_load(stages[c]);
    BandState& nt = state[c];
    if (shift > 0) {  // never "ready" by itself: its rows are always computed here
      state[i + 1].next_output = y + 1;
      state[i + 1].first_row = y + 1;
    }
    // Make room in the next stage's buffer: drop the rows its windows no longer read.
    int32_t drop = band_needed_from(n, nt) - nt.first_row;
    if (drop > nt.rows) drop = nt.rows;
    if (drop > 0) {
      int8_t* buffer = scratch + n.buffer_offset;
      move_rows_down(buffer, buffer + drop * n.input_row_bytes, (nt.rows - drop) * n.input_row_bytes);
      nt.first_row += drop;
      nt.rows -= drop;
    }
    if (y < band_needed_from(n, nt)) {
      ++nt.first_row;  // a row no window reads (stride > window): never computed
      continue;
    }
    int8_t* slot = scratch + n.buffer_offset + nt.rows * n.input_row_bytes;
    if (shift > 0) {
      run(slot + shift);
      band_profile_begin(i + 1);
      band_row_s8(flash_load(stages[i + 1]), slot + shift, y, 1, y, slot);
      band_profile_end(i + 1);
    } else {
      run(slot);
    }
    ++nt.rows;
  }
}

}  // namespace detail

// input: the first stage's whole input tensor; scratch: the line buffers; output: the last
// stage's whole output tensor; state: `count` entries of caller RAM.
inline void band_stream_s8(const BandStage* stages, int32_t count, BandState* state, const int8_t* input,
                           int8_t* scratch, int8_t* output) {
  detail::band_begin(stages, count, state, scratch);
  state[0].rows = flash_read(&stages[0].input_height);  // the whole input is there
  detail::band_advance(stages, count, state, input, scratch, output);
}

// Streaming input into a region (input_rows.h): the first stage reads the ring of the last
// rows.window_rows input rows instead of the whole input.
struct BandStreamInputRowsS8Params {
  InputRowsParams rows;
  const BandStage* stages;  // flash [count]
  int32_t count;
};

// The row state: the row driver's words, then one BandState per stage (all kept between rows).
inline BandState* band_input_rows_state(int32_t* state) {
  return reinterpret_cast<BandState*>(state + kInputRowsStateWords);
}

// Row state[kRowsReceived] has just been written at input_row_slot(): runs every row of every
// stage it makes computable. Returns true when the row completed the region's output.
inline bool band_stream_input_rows_s8(const BandStreamInputRowsS8Params& params, int8_t* ring, int32_t* state,
                                      int8_t* scratch, int8_t* output) {
  const InputRowsParams p = flash_load(params.rows);
  const BandStage* stages = flash_read(&params.stages);
  const int32_t count = flash_read(&params.count);
  BandState* bands = band_input_rows_state(state);
  const int32_t r = state[kRowsReceived];
  if (r == 0) detail::band_begin(stages, count, bands, scratch);
  // The ring holds rows r + 1 - held .. r, oldest first (input_row_slot's order).
  const int32_t held = r < p.window_rows ? r + 1 : p.window_rows;
  bands[0].first_row = r + 1 - held;
  bands[0].rows = held;
  detail::band_advance(stages, count, bands, ring, scratch, output);
  if (r == p.input_height - 1) {
    state[kRowsReceived] = 0;
    return true;
  }
  if (held == p.window_rows)
    detail::move_rows_down(ring, ring + p.row_elements, (held - 1) * p.row_elements);
  state[kRowsReceived] = r + 1;
  return false;
}

}  // namespace mf

#endif  // MICROFLOW_BAND_STREAM_H_
