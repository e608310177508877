// RV32 depthwise for one input channel (every output channel reads it: micro_speech's and
// person_detect's first layers), stride 1 or 2 along the width, dilation_width 1. RV32IMC has
// no SIMD, so a MAC is at least a MUL and an ADD; this loop keeps the loads around them few:
// four output pixels x four channels of accumulators in registers, each weight byte loaded
// once for the four pixels, and each input byte once for the four channels *and* for every
// tap that reads it. Along a filter row the taps kx = r, r + S, r + 2S, ... (a chain) meet
// pixel p's window at input r + S*(j + p), so tap j + 1 of pixel p reads what tap j of pixel
// p + 1 read: each chain step loads one new input (registers rotate, unrolled by four) and
// four weights for sixteen MACs, about 2.4 instructions per MAC where the two-pixel blocks
// (depthwise_blocks.h) take about 3.5.
//
// Per run of output pixels of a row, the input rows under their windows are first copied, a
// word at a time, into a buffer with Z_in around them (the folded bias counts out-of-image
// taps as Z_in), so border pixels run the same loop, and the output may overwrite the input
// row by row (the planner's row gap).
// The requantized values go to the sink a run at a time (StoreSink: straight into the output;
// the fused FULLY_CONNECTED: four units' sums per run with rows4_dot). Bit-exact: the same
// int32 sums in another order, then requantize_q31 (or TFLM's general path).
#ifndef MICROFLOW_DEPTHWISE_ONE_CHANNEL_RV32_H_
#define MICROFLOW_DEPTHWISE_ONE_CHANNEL_RV32_H_

#include <stdint.h>
#include <string.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/variants/depthwise_blocks.h"

namespace mf {
namespace detail {

// Output pixels per pass; the stack buffers (RV32 firmware has a 2 KB stack): the padded
// window rows of one run of output pixels, and the run's requantized outputs (for sinks that
// do not take them in place).
constexpr int32_t kDepthwiseRv32Pixels = 4;
constexpr int32_t kDepthwiseRv32RowsBytes = 448;
constexpr int32_t kDepthwiseRv32RunBytes = 128;

// Channel C of one tap for the four pixels, whose inputs are xa..xd: one weight byte (flash is
// memory-mapped on RV32, so LB reads it in place), four MUL + ADD. In assembly, as
// dot_s8.h's block4_step_x3_rv32: in C, GCC moves the rotating inputs between registers.
#define MF_DW_RV32_MACS(C)                                    \
  "lb %[wv], " #C "(%[w])\n\t"                                \
  "mul %[t], %[xa], %[wv]\n\tadd %[a], %[a], %[t]\n\t"        \
  "mul %[t], %[xb], %[wv]\n\tadd %[b], %[b], %[t]\n\t"        \
  "mul %[t], %[xc], %[wv]\n\tadd %[c], %[c], %[t]\n\t"        \
  "mul %[t], %[xd], %[wv]\n\tadd %[d], %[d], %[t]"

template <int C>
MF_ALWAYS_INLINE void dw_channel_rv32(int32_t& a, int32_t& b, int32_t& c, int32_t& d, int32_t xa, int32_t xb,
                                      int32_t xc, int32_t xd, const int8_t* w) {
  int32_t wv, t;
  __asm__ volatile(MF_DW_RV32_MACS(%[o])
                   : [a] "+r"(a), [b] "+r"(b), [c] "+r"(c), [d] "+r"(d), [wv] "=&r"(wv), [t] "=&r"(t)
                   : [xa] "r"(xa), [xb] "r"(xb), [xc] "r"(xc), [xd] "r"(xd), [w] "r"(w), [o] "i"(C)
                   : "memory");
}

// Channel 0, after loading the fourth pixel's input (X bytes after x) into xd: one asm
// statement, so GCC puts the load straight into xd's register.
template <int X>
MF_ALWAYS_INLINE void dw_channel0_load_rv32(int32_t& a, int32_t& b, int32_t& c, int32_t& d, int32_t xa, int32_t xb,
                                            int32_t xc, int32_t& xd, const int8_t* x, const int8_t* w) {
  int32_t wv, t;
  __asm__ volatile("lb %[xd], %[ox](%[x])\n\t" MF_DW_RV32_MACS(0)
                   : [a] "+r"(a), [b] "+r"(b), [c] "+r"(c), [d] "+r"(d), [xd] "=&r"(xd), [wv] "=&r"(wv), [t] "=&r"(t)
                   : [xa] "r"(xa), [xb] "r"(xb), [xc] "r"(xc), [x] "r"(x), [w] "r"(w), [ox] "i"(X)
                   : "memory");
}

#undef MF_DW_RV32_MACS

// One chain step: the fourth pixel's new input, then the four channels' weights at w[0..3]
// meet the four inputs.
#define MF_DW_RV32_STEP(X, xa, xb, xc, xd)                                     \
  do {                                                                      \
    dw_channel0_load_rv32<X>(a00, a10, a20, a30, xa, xb, xc, xd, x, w);     \
    dw_channel_rv32<1>(a01, a11, a21, a31, xa, xb, xc, xd, w);              \
    dw_channel_rv32<2>(a02, a12, a22, a32, xa, xb, xc, xd, w);              \
    dw_channel_rv32<3>(a03, a13, a23, a33, xa, xb, xc, xd, w);              \
    w += w_step;                                                            \
  } while (0)

// The n taps of one chain from input x and weights w: pixel p's input of tap j at
// x[S * (j + p)], the channels' weights of tap j at w + j * w_step.
#define MF_DW_RV32_CHAIN(x_begin, w_begin, n)                          \
  do {                                                                 \
    const int8_t* x = x_begin;                                         \
    const int8_t* w = w_begin;                                         \
    int32_t x0 = x[0], x1 = x[S], x2 = x[2 * S], x3;                   \
    for (int32_t k = (n) >> 2; k > 0; --k) {                           \
      MF_DW_RV32_STEP(3 * S, x0, x1, x2, x3);                          \
      MF_DW_RV32_STEP(4 * S, x1, x2, x3, x0);                          \
      MF_DW_RV32_STEP(5 * S, x2, x3, x0, x1);                          \
      MF_DW_RV32_STEP(6 * S, x3, x0, x1, x2);                          \
      x += 4 * S;                                                      \
      /* opaque: no trip count and end pointers worked out per chain */ \
      __asm__("" : "+r"(x), "+r"(w));                                  \
    }                                                                  \
    const int32_t rest = (n) & 3;                                      \
    if (rest != 0) {                                                   \
      MF_DW_RV32_STEP(3 * S, x0, x1, x2, x3);                          \
      if (rest > 1) MF_DW_RV32_STEP(4 * S, x1, x2, x3, x0);            \
      if (rest > 2) MF_DW_RV32_STEP(5 * S, x2, x3, x0, x1);            \
    }                                                                  \
  } while (0)

// A layer's window walk, worked out once: filter rows, the bytes between them in the input
// buffer and in the filter, a tap's weights from the next, the chains' lengths (S of them).
struct DwWalkRv32 {
  int32_t rows, row_step, w_row_step, tap_stride, n0, n1;
};

// The block's four channels of four pixel sums requantized into out (pixel p's at
// out + p * stride), `count` pixels.
MF_ALWAYS_INLINE void dw_store_rv32(const OutputRange& o, const Requant4& rq, const Acc4* sums, int32_t count,
                                    int32_t stride, int8_t* out) {
  for (int32_t p = 0; p < count; ++p, out += stride) {
    const int32_t s[4] = {sums[p].a0, sums[p].a1, sums[p].a2, sums[p].a3};
    if (rq.all_q31) {
#pragma GCC unroll 4
      for (int32_t c = 0; c < 4; ++c)
        out[c] = clamp_to_s8(requantize_q31(s[c], rq.q31[c], o.zero_point), o.act_min, o.act_max);
    } else {
      for (int32_t c = 0; c < 4; ++c)
        out[c] = clamp_to_s8(multiply_by_quantized_multiplier(s[c], rq.multiplier[c], rq.shift[c]) + o.zero_point,
                             o.act_min, o.act_max);
    }
  }
}

// The four windows S bytes apart from `row`, from the block's bias; filter: the block's
// channels of tap 0 (flash [KH][KW][output_depth]). The first `count` pixels' outputs go to
// out + p * stride. Sixteen accumulators a<p><c> (pixel p, channel c) as separate locals: GCC
// keeps a 64-byte struct on the stack, and the assembly's memory clobber would then store
// and reload it around every step; the usual q31 case requantizes them straight from the
// registers, a channel's constants loaded once for its four pixels.
template <int S>
MF_ALWAYS_INLINE void dw_windows_rv32(const OutputRange& o, const Requant4& rq, const DwWalkRv32& walk,
                                      const int8_t* row, const int8_t* filter, int32_t count, int32_t stride,
                                      int8_t* out) {
  const Acc4 bias = {rq.bias[0], rq.bias[1], rq.bias[2], rq.bias[3]};
  int32_t a00 = bias.a0, a01 = bias.a1, a02 = bias.a2, a03 = bias.a3;
  int32_t a10 = a00, a11 = a01, a12 = a02, a13 = a03, a20 = a00, a21 = a01, a22 = a02, a23 = a03;
  int32_t a30 = a00, a31 = a01, a32 = a02, a33 = a03;
  const int32_t w_step = S * walk.tap_stride;
  for (int32_t ky = walk.rows; ky > 0; --ky, row += walk.row_step, filter += walk.w_row_step) {
    // Opaque to GCC, so the chains' start pointers are not kept as induction variables of
    // their own (spilled, and updated every row).
    __asm__("" : "+r"(row), "+r"(filter));
    MF_DW_RV32_CHAIN(row, filter, walk.n0);  // taps 0, S, 2S, ...
    if (S == 2) MF_DW_RV32_CHAIN(row + 1, filter + walk.tap_stride, walk.n1);  // taps 1, 3, ...
  }
  if (rq.all_q31 && count == kDepthwiseRv32Pixels) {
    const auto put = [&](int32_t c, int32_t p0, int32_t p1, int32_t p2, int32_t p3) __attribute__((always_inline)) {
      const Q31Channel q = rq.q31[c];
      out[c] = clamp_to_s8(requantize_q31(p0, q, o.zero_point), o.act_min, o.act_max);
      out[stride + c] = clamp_to_s8(requantize_q31(p1, q, o.zero_point), o.act_min, o.act_max);
      out[2 * stride + c] = clamp_to_s8(requantize_q31(p2, q, o.zero_point), o.act_min, o.act_max);
      out[3 * stride + c] = clamp_to_s8(requantize_q31(p3, q, o.zero_point), o.act_min, o.act_max);
    };
    put(0, a00, a10, a20, a30), put(1, a01, a11, a21, a31), put(2, a02, a12, a22, a32), put(3, a03, a13, a23, a33);
    return;
  }
  const Acc4 sums[kDepthwiseRv32Pixels] = {{a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23},
                                           {a30, a31, a32, a33}};
  dw_store_rv32(o, rq, sums, count, stride, out);
}

#undef MF_DW_RV32_CHAIN
#undef MF_DW_RV32_STEP

// Bytes of one row of a run's window buffer: the run's windows starting at most 3 bytes in.
inline int32_t dw_rows_width_rv32(const DepthwiseGeometry& g, int32_t run_pixels) {
  return ((run_pixels - 1) * g.stride_width + g.filter_width + 3 + 3) & ~3;
}

// Copies the filter_height input rows under the windows of output row oy's pixels from ox on
// into `rows` (width bytes apart), Z_in outside the image; returns where pixel ox's window
// starts. Columns keep their address modulo 4, so aligned image rows move as words.
inline const int8_t* dw_copy_rows_rv32(const DepthwiseGeometry& g, const int8_t* image, int32_t oy, int32_t ox,
                                       int32_t width, int8_t* rows) {
  const int8_t z = static_cast<int8_t>(g.input_zero_point);
  const int32_t origin_x = ox * g.stride_width - g.pad_left;
  const int32_t skew = origin_x & 3;         // buffer column of origin_x
  const int32_t left = origin_x - skew;      // image column of buffer column 0
  const int32_t begin = left < 0 ? -left : 0;  // buffer columns [begin, end) are in the image
  int32_t end = g.input_width - left;
  if (end > width) end = width;
  if (end < begin) end = begin;
  const int32_t origin_y = oy * g.stride_height - g.pad_top;
  // Z_in in every byte; picolibc's memset stores a byte at a time.
  typedef uint32_t __attribute__((may_alias)) Word;
  const uint32_t fill = static_cast<uint8_t>(z) * 0x01010101u;
  for (int32_t ky = 0; ky < g.filter_height; ++ky) {
    int8_t* row = rows + ky * width;
    Word* words = reinterpret_cast<Word*>(row);
    const int32_t iy = origin_y + ky * g.dilation_height;
    if (iy < 0 || iy >= g.input_height) {
      for (int32_t i = 0; i < width / 4; ++i) words[i] = fill;
      continue;
    }
    // The words around the copied columns (begin is a multiple of 4; the copy then
    // overwrites the last word's leading bytes).
    for (int32_t i = 0; i < begin / 4; ++i) words[i] = fill;
    for (int32_t i = end / 4; i < width / 4; ++i) words[i] = fill;
    move_rows_down(row + begin, image + iy * g.input_width + left + begin, end - begin);
  }
  return rows + skew;
}

// Pixels per run: whole groups whose outputs fit the run buffer.
inline int32_t dw_run_pixels_rv32(const DepthwiseGeometry& g) {
  return kDepthwiseRv32RunBytes / (kDepthwiseRv32Pixels * g.output_depth) * kDepthwiseRv32Pixels;
}

template <int S, typename Params, typename Sink>
inline void depthwise_one_channel_rv32_s(const DepthwiseGeometry& g, const Params& p, const int8_t* image,
                                         const int8_t* filter, const int32_t* folded_bias, Sink& sink) {
  alignas(4) int8_t rows[kDepthwiseRv32RowsBytes];
  int8_t run[kDepthwiseRv32RunBytes];
  const int32_t run_pixels = dw_run_pixels_rv32(g), width = dw_rows_width_rv32(g, run_pixels);
  const int32_t depth = g.output_depth;
  const DwWalkRv32 walk = {g.filter_height, width, g.filter_width * depth, depth, (g.filter_width + S - 1) / S,
                           g.filter_width / S};
  const OutputRange range = {p.output_zero_point, p.act_min, p.act_max};
  Requant4 rq;
  for (int32_t oy = 0; oy < g.output_height; ++oy) {
    for (int32_t ox = 0; ox < g.output_width; ox += run_pixels) {
      const int32_t pixels = g.output_width - ox < run_pixels ? g.output_width - ox : run_pixels;
      const int8_t* windows = dw_copy_rows_rv32(g, image, oy, ox, width, rows);
      const int32_t index = (oy * g.output_width + ox) * depth;
      int8_t* out = sink.run_target(index, run);
      for (int32_t oc = 0; oc < depth; oc += 4) {
        load_requant4(rq, folded_bias + oc, p.channel_multiplier + oc, p.channel_shift + oc);
        for (int32_t i = 0; i < pixels; i += kDepthwiseRv32Pixels) {
          const int32_t count = pixels - i < kDepthwiseRv32Pixels ? pixels - i : kDepthwiseRv32Pixels;
          dw_windows_rv32<S>(range, rq, walk, windows + i * S, filter + oc, count, depth, out + i * depth + oc);
        }
      }
      sink.put_run(index, out, pixels * depth);
    }
  }
}

// Runs the layer if it has this shape (one input channel, 4, 8, 12, ... 32 output channels,
// stride_width 1 or 2, dilation_width 1, runs whose rows fit the buffer); false otherwise.
template <typename Params, typename Sink>
inline bool depthwise_one_channel_rv32(const DepthwiseGeometry& g, const Params& p, const int8_t* image,
                                       const int8_t* filter, const int32_t* folded_bias, Sink& sink) {
  if (g.input_depth != 1 || g.output_depth % 4 != 0 || g.dilation_width != 1) return false;
  if (g.stride_width != 1 && g.stride_width != 2) return false;
  const int32_t run_pixels = dw_run_pixels_rv32(g);
  if (run_pixels == 0 || g.filter_height * dw_rows_width_rv32(g, run_pixels) > kDepthwiseRv32RowsBytes) return false;
  if (g.stride_width == 1) depthwise_one_channel_rv32_s<1>(g, p, image, filter, folded_bias, sink);
  else depthwise_one_channel_rv32_s<2>(g, p, image, filter, folded_bias, sink);
  return true;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_ONE_CHANNEL_RV32_H_
