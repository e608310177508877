// DEPTHWISE_CONV_2D feeding FULLY_CONNECTED, fused: each depthwise output is
// requantized to int8 exactly as the separate kernel would, then immediately
// multiplied into the fully-connected sums, so the intermediate tensor is
// never stored. Integer accumulation is exact in any order, so the result is
// bit-identical to running the two layers one after the other.
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_

#include <stdint.h>

#include "microflow/kernels/depthwise_conv_2d.h"
#include "microflow/exec/flash.h"
#include "microflow/kernels/fully_connected.h"
#include "microflow/exec/input_rows.h"
#include "microflow/kernel_util.h"

namespace mf {

// Both layers' parameters as the compiler lowers them separately; the
// fully-connected layer has one batch and input_depth = the depthwise output size.
struct DepthwiseConv2DFullyConnectedS8Params {
  DepthwiseConv2DS8Params depthwise;
  FullyConnectedS8Params fully_connected;
};

// Streaming input (input_rows.h) into the depthwise layer.
struct DepthwiseConv2DFullyConnectedInputRowsS8Params {
  InputRowsParams rows;
  DepthwiseConv2DS8Params depthwise;
  FullyConnectedS8Params fully_connected;
};

namespace detail {

// Multiplies each depthwise output into the fully-connected sums as it is produced.
struct FullyConnectedSink {
  const int8_t* weights;  // flash [units][depth]
  int32_t depth, units;
  int32_t* accumulators;
  int32_t input_sum;  // of the intermediate values, for a nonzero weight zero point
#if defined(MF_DOT_RV32)
  bool sum_inputs;  // the weight zero point is not 0 (put_run skips the sum otherwise)
#endif
  void operator()(int32_t index, int8_t value) {
    input_sum += value;
    const int8_t* w = weights + index;
    for (int32_t o = 0; o < units; ++o, w += depth) accumulators[o] += mul_s8(flash_read(w), value);
  }
#if defined(MF_DOT_RV32)
  // A run of n values from `index` on (depthwise_one_channel_rv32), written to `scratch`
  // first: four units' sums per pass over them.
  int8_t* run_target(int32_t, int8_t* scratch) { return scratch; }
  void put_run(int32_t index, const int8_t* values, int32_t n) {
    fully_connected_rows_part(weights, depth, units, index, values, n, accumulators);
    if (sum_inputs)
      for (int32_t i = 0; i < n; ++i) input_sum += values[i];
  }
#endif
#if defined(__AVX2__)
  void put8(int32_t index, const int8_t* values) {  // depthwise_avx2_s8
    fc_sink_put8(weights, depth, units, accumulators, input_sum, index, values);
  }
#endif
#if defined(MF_DOT_ARM_MVE)
  // Four values (int32 lanes, clamped to int8) per unit in one VMLADAVA.
  void put4(int32_t index, int32x4_t values) {  // depthwise_blocks_s8
    input_sum = vaddvaq_s32(input_sum, values);
    const int8_t* w = weights + index;
    for (int32_t o = 0; o < units; ++o, w += depth) accumulators[o] = vmladavaq_s32(accumulators[o], vldrbq_s32(w), values);
  }
#endif
};

// The sink of the layer's FC sums; weights: where the depthwise outputs' index 0 meets them.
inline FullyConnectedSink fully_connected_sink(const FullyConnectedS8Params& fc, const int8_t* weights,
                                               int32_t* accumulators, int32_t input_sum) {
#if defined(MF_DOT_RV32)
  return FullyConnectedSink{weights, fc.input_depth, fc.output_depth, accumulators, input_sum,
                            fc.weights_zero_point != 0};
#else
  return FullyConnectedSink{weights, fc.input_depth, fc.output_depth, accumulators, input_sum};
#endif
}

}  // namespace detail

// accumulators: RAM scratch of fully_connected.output_depth int32 (in the arena). The
// depthwise outputs come in any order (four channels at a time); the sums do not mind.
inline void depthwise_conv_2d_fully_connected_s8(const DepthwiseConv2DFullyConnectedS8Params& params,
                                                 const int8_t* input, const int8_t* dw_filter,
                                                 const int32_t* dw_folded_bias, const int8_t* fc_weights,
                                                 const int32_t* fc_folded_bias, int32_t* accumulators,
                                                 int8_t* output) {
  const DepthwiseConv2DS8Params dw = flash_load(params.depthwise);
  const FullyConnectedS8Params fc = flash_load(params.fully_connected);
  detail::fully_connected_sums_begin(fc, fc_folded_bias, accumulators);
  const detail::FullyConnectedSink sink =
      detail::depthwise_image_s8(dw, input, dw_filter, dw_folded_bias,
                                 detail::fully_connected_sink(fc, fc_weights, accumulators, 0));
  detail::fully_connected_sums_end(fc, accumulators, sink.input_sum, output);
}

// Words of `state` the streaming form uses: the row driver's and the running input sum.
constexpr int32_t kDepthwiseFullyConnectedRowsStateWords = kInputRowsStateWords + 1;

// Streaming form: each completed depthwise output row goes straight into the sums, so
// neither the input nor the intermediate tensor is ever whole in RAM. `ring` holds
// params.rows.window_rows input rows, `state` kDepthwiseFullyConnectedRowsStateWords
// words; returns true when the row just written completed the output.
inline bool depthwise_conv_2d_fully_connected_input_rows_s8(const DepthwiseConv2DFullyConnectedInputRowsS8Params& params,
                                                      int8_t* ring, int32_t* state, const int8_t* dw_filter,
                                                      const int32_t* dw_folded_bias, const int8_t* fc_weights,
                                                      const int32_t* fc_folded_bias, int32_t* accumulators,
                                                      int8_t* output) {
  struct Kernel {
    const InputRowsParams& rows;
    const DepthwiseConv2DS8Params& dw;
    const FullyConnectedS8Params& fc;
    const int8_t *dw_filter, *fc_weights;
    const int32_t *dw_folded_bias, *fc_folded_bias;
    int32_t *accumulators, *input_sum;
    int8_t* output;
    void begin() {
      detail::fully_connected_sums_begin(fc, fc_folded_bias, accumulators);
      *input_sum = 0;
    }
    void row(int32_t oy, const int8_t* held_rows, int32_t held, int32_t first) {
      // The sink indexes the row's outputs from 0: start its weights at the row.
      const detail::FullyConnectedSink sink = detail::depthwise_row_s8(
          dw, rows, oy, held_rows, held, first, dw_filter, dw_folded_bias,
          detail::fully_connected_sink(fc, fc_weights + oy * dw.output_width * dw.output_depth, accumulators,
                                       *input_sum));
      *input_sum = sink.input_sum;
    }
    void end() { detail::fully_connected_sums_end(fc, accumulators, *input_sum, output); }
  };
  const InputRowsParams rows = flash_load(params.rows);
  const DepthwiseConv2DS8Params dw = flash_load(params.depthwise);
  const FullyConnectedS8Params fc = flash_load(params.fully_connected);
  Kernel kernel{rows,           dw,           fc, dw_filter, fc_weights, dw_folded_bias, fc_folded_bias,
                accumulators, state + kInputRowsStateWords, output};
  return detail::input_rows_push(rows, ring, state, kernel);
}

}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_FULLY_CONNECTED_H_
