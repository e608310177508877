// CONV_2D with a 1x1 filter, stride 1 and no padding, the variant the compiler picks for the
// host (x86-64, targets.json "host") with --optimize=speed: every pixel is a
// FULLY_CONNECTED row through fully_connected_lanes.h's loop (eight output channels in the
// lanes of one AVX2 vector, one VPMADDWD per input pair and block, no horizontal sums), with
// per-channel requantization eight lanes at a time. A pixel costs about as much as one FC
// row, so a layer of few pixels per call (band-streamed rows of width-1 images) pays no
// im2col or per-call set-up. Sizes and bounds are template arguments (specialize.cpp).
//
// Layouts, P = ceil(input_depth / 2), B = ceil(output_depth / 8):
//   weights  int32 words [B][P][8]: word (b, p, j) holds w[8b + j][2p] in its low and
//            w[8b + j][2p + 1] in its high int16 half (0 past output_depth / input_depth),
//            i.e. fully_connected_lanes.h's int16 layout with Z_w = 0 (per-channel symmetric)
//   folded_bias  bias[c] - Z_in * sum_k w[c][k], zero-padded to 8B
//   requant  [B][16]: the block's eight multipliers, then its eight n = -shift - 1
//            (multiplier in [2^30, 2^31), n in [0, 30]; padded lanes 2^30 and 0)
// The weights are int32 words because the band executor's row kernels (band_stream.h,
// kBandConv1x1Wide) take that type. Without AVX2 a plain C loop reads the same constants.
#ifndef MICROFLOW_CONV_2D_1X1_LANES_H_
#define MICROFLOW_CONV_2D_1X1_LANES_H_

#include <stdint.h>

#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/variants/fully_connected_lanes.h"

namespace mf {

// C: Conv2D1x1S8WideConstants<...>; C::pixels input pixels of C::input_depth channels.
template <typename C>
inline void conv_2d_1x1_s8_lanes_fixed(const int8_t* input, const int32_t* weights, const int32_t* folded_bias,
                                       const int32_t* requant, int8_t* output) {
  detail::lanes_rows<C, detail::LanesChannelQ31>(C::pixels, input, weights, folded_bias, requant, output,
                                                 C::output_stride);
}

}  // namespace mf

#endif  // MICROFLOW_CONV_2D_1X1_LANES_H_
