// CONV_2D with any filter (groups == 1, dilation_width == 1), the variant the compiler picks
// with --optimize=speed on Cortex-M cores with the DSP extension and without Helium: the int8
// weights of all KH * KW * input_depth taps of an output channel form one row of
// fully_connected_wide.h's channel-pair layout (rows = output channels, in blocks of four), so
// each weight word, one SXTB16 and four SMLADs give two channels' sums for two output pixels.
//
// Tap order (the compiler's, specialize.cpp): per filter row of L = KW * input_depth taps its
// first L / 4 * 4, row after row, then the last L % 4 of every row (3x3x3: 2 words per row,
// then the three rows' ninth taps), so an in-image filter row moves into the window as whole
// words. The last K % 4 taps of that order are each pair's tail halfwords.
//
// Per pair of output pixels the two windows are copied into a stack buffer (out-of-image taps
// = Z_in, so border pixels run the same loop), group by group of four taps interleaved:
//   [group 0 of pixel a][group 0 of pixel b][group 1 of a][group 1 of b] ... ,
//   then the last K % 4 taps of a, then those of b (a word each),
// which pair_block4_x2<4, 8> reads in one pass per block of four channels (an odd last pixel:
// its groups in a row, pair_block4). The tails add to the pairs' S and U words before the
// split. Same arithmetic as conv_2d_packed_s8 (folded bias; exact int32 sums), requantized by
// requantize_channel (the compiler checks every channel's multiplier, shift and accumulator
// bound). Parameters as the packed kernel's (also as a band stage: band_stream.h), but for
// channel_shift (below).
#ifndef MICROFLOW_CONV_2D_WIDE_H_
#define MICROFLOW_CONV_2D_WIDE_H_

#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/kernels/conv_2d.h"
#include "microflow/kernels/conv_2d_packed.h"
#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/variants/fully_connected_wide.h"

namespace mf {

// The most taps (KH * KW * input_depth) of a layer: 2 bytes per tap on the stack (3,072 B). The compiler keeps larger filters on conv_2d_packed_s8 (passes/specialize.cpp, same value).
constexpr int32_t kConvWideMaxTaps = 1536;

// The kernel's channel_shift holds n = -shift - 1 (requantize_channel's), plus this flag on both
// channels of a pair the compiler stored second channel first (its weights fit the halfwords
// only that way round): the pair's two sums come out swapped.
constexpr int32_t kConvWideSwapped = 256;

namespace detail {

// The window buffer of layers up to 3x3x64 (1,152 B of stack); larger ones take kConvWideMaxTaps'.
constexpr int32_t kConvWideSmallTaps = 576;

// The window copy's layer constants, computed once per call.
struct ConvWideGeometry {
  int32_t row_words, row_rest;  // per filter row: whole words, then row_length % 4 taps
  int32_t first_rest;           // the kernel's tap index of the first row remainder
  int32_t grouped, rest;        // taps / 4 * 4, taps % 4
  int32_t row_bytes, filter_row_bytes;  // input row; input rows between filter rows (dilation)
  uint32_t z4;                  // Z_in in each byte
};

inline ConvWideGeometry conv_wide_geometry(const Conv2DS8Params& p) {
  ConvWideGeometry g;
  const int32_t row_length = p.filter_width * p.input_depth, taps = p.filter_height * row_length;
  g.row_words = row_length / 4, g.row_rest = row_length % 4;
  g.first_rest = p.filter_height * g.row_words * 4;
  g.grouped = taps / 4 * 4, g.rest = taps % 4;
  g.row_bytes = p.input_width * p.input_depth, g.filter_row_bytes = p.dilation_height * g.row_bytes;
  g.z4 = 0x01010101u * static_cast<uint8_t>(p.input_zero_point);
  return g;
}

// The window at (origin_y, origin_x) of `image` in the kernel's tap order (above: each filter
// row's whole words, then every row's last row_length % 4 taps): group g of four taps at
// buffer + g * step + 4 * lane (step 8: two pixels' groups interleaved, lane 0 or 1; step 4:
// one pixel), the last taps % 4 at tail + 4 * lane; out-of-image taps are Z_in. The general
// form, for windows crossing the image border (and layers whose row remainders fill groups).
inline void conv_wide_window(const Conv2DS8Params& p, const ConvWideGeometry& g, const int8_t* image,
                             int32_t origin_y, int32_t origin_x, int32_t lane, int32_t step, int8_t* buffer,
                             int8_t* tail) {
  const int8_t* row = image + origin_y * g.row_bytes + origin_x * p.input_depth;
  int8_t* out = buffer + 4 * lane;
  const bool columns_inside = window_inside(origin_x, p.filter_width, 1, p.input_width);
  const int8_t z = static_cast<int8_t>(p.input_zero_point);
  // Tap t of the kernel's order past the rows' words (a row remainder) into its place.
  auto put = [&](int32_t t, int8_t v) {
    if (t < g.grouped) buffer[(t >> 2) * step + 4 * lane + (t & 3)] = v;
    else tail[4 * lane + t - g.grouped] = v;
  };
  const int32_t in_columns = p.input_width - origin_x < p.filter_width ? p.input_width - origin_x : p.filter_width;
  const int32_t lo = (origin_x < 0 ? -origin_x : 0) * p.input_depth, hi = in_columns * p.input_depth;
  int32_t r = g.first_rest;
  for (int32_t ky = 0; ky < p.filter_height; ++ky, row += g.filter_row_bytes) {
    const int32_t iy = origin_y + ky * p.dilation_height;
    const int8_t* x = row;
    if (iy < 0 || iy >= p.input_height) {
      for (int32_t i = 0; i < g.row_words; ++i, out += step) memcpy(out, &g.z4, 4);
      for (int32_t j = 0; j < g.row_rest; ++j) put(r++, z);
    } else if (columns_inside) {
      for (int32_t i = 0; i < g.row_words; ++i, x += 4, out += step) memcpy(out, x, 4);
      for (int32_t j = 0; j < g.row_rest; ++j) put(r++, x[j]);
    } else {  // a border column: bytes [lo, hi) of the filter row are in the image, Z_in the others
      for (int32_t k = 0; k < 4 * g.row_words; k += 4, out += step) {
        if (k >= lo && k + 4 <= hi) {
          memcpy(out, x + k, 4);
        } else {
          for (int32_t j = 0; j < 4; ++j) out[j] = k + j >= lo && k + j < hi ? x[k + j] : z;
        }
      }
      for (int32_t k = 4 * g.row_words; k < 4 * g.row_words + g.row_rest; ++k)
        put(r++, k >= lo && k < hi ? x[k] : z);
    }
  }
}

// Interior windows of at most this many groups are copied through a per-call list of their
// words' offsets (one loop over the window instead of one per filter row: 3x3x3, 10x4x1).
constexpr int32_t kConvWideListedGroups = 16;

// The window copy's per-call constants in locals (the copy's int8 stores would make the
// compiler reload them from memory), for the interior windows copied inline.
struct ConvWideRows {
  int32_t rows, row_words, row_rest, filter_row_bytes, row_bytes, depth;
  int32_t last_x, last_y;  // the largest in-image window origins
  bool fast;               // row remainders all in the tail (first_rest == grouped)
  int32_t listed;          // fast windows of few groups: their group count, else 0
  int32_t rest;            // taps % 4
  // listed: each group's offset from the window origin, then each tail tap's
  int32_t offsets[kConvWideListedGroups + 3];
};

inline ConvWideRows conv_wide_rows_of(const Conv2DS8Params& p, const ConvWideGeometry& g) {
  ConvWideRows w;
  w.rows = p.filter_height, w.row_words = g.row_words, w.row_rest = g.row_rest;
  w.filter_row_bytes = g.filter_row_bytes, w.row_bytes = g.row_bytes, w.depth = p.input_depth;
  w.last_x = p.input_width - p.filter_width;
  w.last_y = p.input_height - 1 - (p.filter_height - 1) * p.dilation_height;
  w.fast = g.first_rest == g.grouped && w.last_x >= 0 && w.last_y >= 0;
  w.rest = g.rest;
  w.listed = w.fast && g.grouped / 4 <= kConvWideListedGroups ? g.grouped / 4 : 0;
  if (w.listed != 0) {
    int32_t n = 0;
    for (int32_t ky = 0; ky < p.filter_height; ++ky)
      for (int32_t i = 0; i < g.row_words; ++i) w.offsets[n++] = ky * g.filter_row_bytes + 4 * i;
    for (int32_t ky = 0; ky < p.filter_height; ++ky)
      for (int32_t j = 0; j < g.row_rest; ++j) w.offsets[n++] = ky * g.filter_row_bytes + 4 * g.row_words + j;
  }
  return w;
}

// conv_wide_window, with interior windows of the common layout (3x3x3 and every layer whose
// rows are whole words) copied here: in-image filter rows move as words (unaligned loads:
// Cortex-M4 and the host take them), a few instructions per word instead of per tap.
MF_ALWAYS_INLINE void conv_wide_copy(const Conv2DS8Params& p, const ConvWideGeometry& g, const ConvWideRows& w,
                                     const int8_t* image, int32_t origin_y, int32_t origin_x, int32_t lane,
                                     int32_t step, int8_t* buffer, int8_t* tail) {
  if (!w.fast || static_cast<uint32_t>(origin_x) > static_cast<uint32_t>(w.last_x) ||
      static_cast<uint32_t>(origin_y) > static_cast<uint32_t>(w.last_y)) {
    conv_wide_window(p, g, image, origin_y, origin_x, lane, step, buffer, tail);
    return;
  }
  const int8_t* row = image + origin_y * w.row_bytes + origin_x * w.depth;
  int8_t* out = buffer + 4 * lane;
  int8_t* remainder = tail + 4 * lane;
  if (w.listed != 0) {
    const int32_t* offset = w.offsets;
    for (int32_t i = w.listed; i > 0; --i, out += step) memcpy(out, row + *offset++, 4);
    // At most three bytes: as a loop GCC calls memcpy for them.
    if (w.rest > 0) {
      remainder[0] = row[offset[0]];
      if (w.rest > 1) {
        remainder[1] = row[offset[1]];
        if (w.rest > 2) remainder[2] = row[offset[2]];
      }
    }
    return;
  }
  for (int32_t ky = w.rows; ky > 0; --ky, row += w.filter_row_bytes) {
    const int8_t* x = row;
    for (int32_t i = w.row_words; i > 0; --i, x += 4, out += step) memcpy(out, x, 4);
    if (w.row_rest > 0) {
      remainder[0] = x[0];
      if (w.row_rest > 1) {
        remainder[1] = x[1];
        if (w.row_rest > 2) remainder[2] = x[2];
      }
      remainder += w.row_rest;
    }
  }
}

// Output pixels in order over batches and rows: the window origin and image of each.
struct ConvWideCursor {
  int32_t ox, oy, origin_x, origin_y;
  const int8_t* image;
};

inline ConvWideCursor conv_wide_start(const Conv2DS8Params& p, const int8_t* input) {
  return ConvWideCursor{0, 0, -p.pad_left, -p.pad_top, input};
}

MF_ALWAYS_INLINE void conv_wide_next(const Conv2DS8Params& p, ConvWideCursor& c) {
  c.origin_x += p.stride_width;
  if (++c.ox < p.output_width) return;
  c.ox = 0, c.origin_x = -p.pad_left, c.origin_y += p.stride_height;
  if (++c.oy < p.output_height) return;
  c.oy = 0, c.origin_y = -p.pad_top, c.image += p.input_height * p.input_width * p.input_depth;
}

// S and U of both pairs of a block of four channels for both pixels (pair_block4_x2's order).
MF_ALWAYS_INLINE const int32_t* conv_wide_block4_x2(uint32_t* su, const int8_t* buffer, const int32_t* w,
                                                    int32_t groups) {
#if defined(MF_DOT_ARM_DSP)
  return pair_block4_x2<4, 8>(su, buffer, w, groups);
#else
  uint32_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int32_t g = 0; g < groups; ++g, buffer += 8, w += 4)
    for (int32_t pixel = 0; pixel < 2; ++pixel) {
      const int8_t* x = buffer + 4 * pixel;
      pair_group(s[2 * pixel], s[2 * pixel + 1], w, x[0], x[1], x[2], x[3]);
      pair_group(s[4 + 2 * pixel], s[5 + 2 * pixel], w + 2, x[0], x[1], x[2], x[3]);
    }
  for (int32_t i = 0; i < 8; ++i) su[i] = s[i];
  return w;
#endif
}

// The block's tail taps (r = taps % 4: per pair r halfwords 256 B + A, pair 0 then pair 1, so
// r words) added to S and U of one pixel before the split (both are exact sums). x: the
// pixel's tail slot (four bytes, those past r not read). su: S0, U0, S1, U1.
#if defined(MF_DOT_ARM_DSP)
struct ConvWideTail {
  int32_t w0, w1, w2;  // the block's tail words
  int32_t a0, a1, a2;  // their low bytes (A), SXTB16
};

MF_ALWAYS_INLINE const uint8_t* conv_wide_tail_load(ConvWideTail& k, const uint8_t* t, int32_t r) {
  const int32_t* w = reinterpret_cast<const int32_t*>(t);
  k.w0 = w[0], k.a0 = __sxtb16(k.w0);
  if (r >= 2) k.w1 = w[1], k.a1 = __sxtb16(k.w1);
  if (r == 3) k.w2 = w[2], k.a2 = __sxtb16(k.w2);
  return t + 4 * r;
}

MF_ALWAYS_INLINE void conv_wide_tail_add(uint32_t& s0, uint32_t& u0, uint32_t& s1, uint32_t& u1, const ConvWideTail& k,
                                         const int8_t* x, int32_t r) {
  const int32_t v = load_s8x4(x), even = __sxtb16(v), odd = sxtb16_ror8(v);  // (x0, x2), (x1, -)
  const int32_t x01 =
      static_cast<int32_t>((static_cast<uint32_t>(even) & 0xFFFFu) | (static_cast<uint32_t>(odd) << 16));
  if (r == 1) {  // w0 = (pair 0 t0, pair 1 t0)
    s0 = __smlabb(k.w0, even, s0), u0 = __smlabb(k.a0, even, u0);
    s1 = __smlatb(k.w0, even, s1), u1 = __smlatb(k.a0, even, u1);
  } else if (r == 2) {  // w0 = pair 0 (t0, t1), w1 = pair 1 (t0, t1)
    s0 = __smlad(k.w0, x01, s0), u0 = __smlad(k.a0, x01, u0);
    s1 = __smlad(k.w1, x01, s1), u1 = __smlad(k.a1, x01, u1);
  } else {  // w0 = pair 0 (t0, t1), w1 = (pair 0 t2, pair 1 t0), w2 = pair 1 (t1, t2)
    const int32_t x12 = static_cast<int32_t>((static_cast<uint32_t>(odd) & 0xFFFFu) |
                                             (static_cast<uint32_t>(even) & 0xFFFF0000u));
    s0 = __smlabt(k.w1, even, __smlad(k.w0, x01, s0)), u0 = __smlabt(k.a1, even, __smlad(k.a0, x01, u0));
    s1 = __smlad(k.w2, x12, __smlatb(k.w1, even, s1)), u1 = __smlad(k.a2, x12, __smlatb(k.a1, even, u1));
  }
}
// r == 3 (3x3x3 layers) for both pixels in assembly: the eight sums, the three inputs of a
// pixel and a weight word take every register, which GCC's allocation of the form above spills.
// Per pixel from its slot (x0, x1, x2): even = (x0, x2), x01 = (x0, x1), x12 = (x1, x2); S0 +=
// w0 . x01 + w1.lo x2, S1 += w1.hi x0 + w2 . x12, U alike with the words' SXTB16. su in/out as
// conv_wide_block4_x2's; x: pixel a's slot (b's 4 bytes on); returns past the block's tails.
MF_ALWAYS_INLINE const uint8_t* conv_wide_tail3_x2(uint32_t* su, const int8_t* x, const uint8_t* t) {
  uint32_t s0a = su[0], u0a = su[1], s0b = su[2], u0b = su[3], s1a = su[4], u1a = su[5], s1b = su[6], u1b = su[7];
  int32_t even, x01, x12, v;
#define MF_CONV_WIDE_TAIL3(offset, s0, u0, s1, u1) \
  "ldr %[v], [%[x], #" offset "]\n\t" \
  "sxtb16 %[even], %[v]\n\t" \
  "sxtb16 %[x12], %[v], ror #8\n\t" \
  "pkhbt %[x01], %[even], %[x12], lsl #16\n\t" \
  "pkhtb %[x12], %[even], %[x12]\n\t" \
  "ldr %[v], [%[t]]\n\t" \
  "smlad %[" s0 "], %[v], %[x01], %[" s0 "]\n\t" \
  "sxtb16 %[v], %[v]\n\t" \
  "smlad %[" u0 "], %[v], %[x01], %[" u0 "]\n\t" \
  "ldr %[v], [%[t], #4]\n\t" \
  "smlabt %[" s0 "], %[v], %[even], %[" s0 "]\n\t" \
  "smlatb %[" s1 "], %[v], %[even], %[" s1 "]\n\t" \
  "sxtb16 %[v], %[v]\n\t" \
  "smlabt %[" u0 "], %[v], %[even], %[" u0 "]\n\t" \
  "smlatb %[" u1 "], %[v], %[even], %[" u1 "]\n\t" \
  "ldr %[v], [%[t], #8]\n\t" \
  "smlad %[" s1 "], %[v], %[x12], %[" s1 "]\n\t" \
  "sxtb16 %[v], %[v]\n\t" \
  "smlad %[" u1 "], %[v], %[x12], %[" u1 "]\n\t"
  __asm__(MF_CONV_WIDE_TAIL3("0", "s0a", "u0a", "s1a", "u1a") MF_CONV_WIDE_TAIL3("4", "s0b", "u0b", "s1b", "u1b")
          : [s0a] "+r"(s0a), [u0a] "+r"(u0a), [s0b] "+r"(s0b), [u0b] "+r"(u0b), [s1a] "+r"(s1a), [u1a] "+r"(u1a),
            [s1b] "+r"(s1b), [u1b] "+r"(u1b), [even] "=&r"(even), [x01] "=&r"(x01), [x12] "=&r"(x12), [v] "=&r"(v)
          : [x] "r"(x), [t] "r"(t)
          : "memory");
#undef MF_CONV_WIDE_TAIL3
  su[0] = s0a, su[1] = u0a, su[2] = s0b, su[3] = u0b, su[4] = s1a, su[5] = u1a, su[6] = s1b, su[7] = u1b;
  return t + 12;
}
#else
struct ConvWideTail {
  const uint8_t* t;
};

inline const uint8_t* conv_wide_tail_load(ConvWideTail& k, const uint8_t* t, int32_t r) {
  k.t = t;
  return t + 4 * r;
}

inline void conv_wide_tail_add(uint32_t& s0, uint32_t& u0, uint32_t& s1, uint32_t& u1, const ConvWideTail& k,
                               const int8_t* x, int32_t r) {
  uint32_t* su[2][2] = {{&s0, &u0}, {&s1, &u1}};
  for (int32_t pair = 0; pair < 2; ++pair)
    for (int32_t i = 0; i < r; ++i) {
      const int32_t h = flash_read(reinterpret_cast<const int16_t*>(k.t) + pair * r + i);
      *su[pair][0] += static_cast<uint32_t>(h * x[i]);
      *su[pair][1] += static_cast<uint32_t>(static_cast<int8_t>(h) * x[i]);
    }
}
#endif

// The layer's output stage, in locals: stores through int8 pointers would make the compiler
// reload every field of the parameters after each one.
struct ConvWideOutput {
  int32_t zero_point, act_min, act_max;
  const int8_t* table;
};

// Channel c's sum (swapped back, without bias) requantized and stored.
// Plain: no activation bounds inside int8's and no table (else both are tested per output).
template <bool Plain>
MF_ALWAYS_INLINE void conv_wide_store(const ConvWideOutput& o, int32_t acc, int32_t multiplier, int32_t n,
                                      int8_t* out) {
  if (Plain) {
    *out = requantize_channel(acc, multiplier, n, o.zero_point, -128, 127);
  } else {
    *out = activate_s8(o.table, requantize_channel(acc, multiplier, n, o.zero_point, o.act_min, o.act_max));
  }
}

// A pair's two channels (c, c + 1) for one or two pixels from their S and U words: the
// channel in the low bytes sums to U, the other to (S - U) / 256 (pair_split); the low one is c
// unless the compiler stored the pair second channel first (kConvWideSwapped, rare: only pairs
// whose one order does not fit). Each sum plus its folded bias requantized and stored.
template <bool Plain, int32_t Pixels>
MF_ALWAYS_INLINE void conv_wide_pair_out(const ConvWideOutput& o, uint32_t sa, uint32_t ua, uint32_t sb, uint32_t ub,
                                         const int32_t* bias, const int32_t* multiplier, const int32_t* code,
                                         int8_t* out_a, int8_t* out_b) {
  int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
  pair_split(a0, a1, sa, ua);
  if (Pixels == 2) pair_split(b0, b1, sb, ub);
  const int32_t code0 = flash_read(code);
  if ((code0 & kConvWideSwapped) != 0) {
    const int32_t low_a = a0, low_b = b0;
    a0 = a1, a1 = low_a, b0 = b1, b1 = low_b;
  }
  const int32_t bias0 = flash_read(bias), multiplier0 = flash_read(multiplier), n0 = code0 & (kConvWideSwapped - 1);
  conv_wide_store<Plain>(o, bias0 + a0, multiplier0, n0, out_a);
  if (Pixels == 2) conv_wide_store<Plain>(o, bias0 + b0, multiplier0, n0, out_b);
  const int32_t bias1 = flash_read(bias + 1), multiplier1 = flash_read(multiplier + 1);
  const int32_t n1 = flash_read(code + 1) & (kConvWideSwapped - 1);
  conv_wide_store<Plain>(o, bias1 + a1, multiplier1, n1, out_a + 1);
  if (Pixels == 2) conv_wide_store<Plain>(o, bias1 + b1, multiplier1, n1, out_b + 1);
}

// The loop with a window buffer for up to MaxTaps taps (int32 for the block loop's word loads;
// the two tail slots after the groups): pixels in pairs (each weight word and its SXTB16 serve
// both), an odd last one alone.
// Plain: the instance for layers without a folded activation table (p.output_table, stored
// through kernel_util.h's activate_s8) and with act_min / act_max at int8's bounds, which tests
// neither per output.
template <int32_t MaxTaps, bool Plain>
void conv_wide_pixels(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                      const int32_t* folded_bias, int8_t* output) {
  const int32_t taps = p.filter_height * p.filter_width * p.input_depth;
  const int32_t groups = taps / 4, rest = taps % 4;
  int32_t words[MaxTaps / 2 + 2];
  int8_t* buffer = reinterpret_cast<int8_t*>(words);
  const uint8_t* tails = reinterpret_cast<const uint8_t*>(filter + (p.output_depth / 2) * groups * 2);
  const int32_t pixels = p.batches * p.output_height * p.output_width;
  const int32_t depth = p.output_depth, stride = p.output_stride;
  const int32_t* const multipliers = p.channel_multiplier;
  const int32_t* const codes = p.channel_shift;
  const ConvWideOutput o = {p.output_zero_point, p.act_min, p.act_max, p.output_table};
  const ConvWideGeometry geometry = conv_wide_geometry(p);
  const ConvWideRows rows = conv_wide_rows_of(p, geometry);
  ConvWideCursor at = conv_wide_start(p, input);
  int32_t n = 0;
  for (; n + 2 <= pixels; n += 2) {
    int8_t* tail = buffer + 8 * groups;
    conv_wide_copy(p, geometry, rows, at.image, at.origin_y, at.origin_x, 0, 8, buffer, tail);
    conv_wide_next(p, at);
    conv_wide_copy(p, geometry, rows, at.image, at.origin_y, at.origin_x, 1, 8, buffer, tail);
    conv_wide_next(p, at);
    int8_t* out = output + n * stride;
    const int32_t* w = filter;
    const uint8_t* t = tails;
    for (int32_t co = 0; co < depth; co += 4, out += 4) {
      uint32_t su[8];
      w = conv_wide_block4_x2(su, buffer, w, groups);
#if defined(MF_DOT_ARM_DSP)
      if (rest == 3) {
        t = conv_wide_tail3_x2(su, tail, t);
      } else
#endif
      if (rest != 0) {
        ConvWideTail k;
        t = conv_wide_tail_load(k, t, rest);
        conv_wide_tail_add(su[0], su[1], su[4], su[5], k, tail, rest);
        conv_wide_tail_add(su[2], su[3], su[6], su[7], k, tail + 4, rest);
      }
      conv_wide_pair_out<Plain, 2>(o, su[0], su[1], su[2], su[3], folded_bias + co, multipliers + co,
                                          codes + co, out, out + stride);
      conv_wide_pair_out<Plain, 2>(o, su[4], su[5], su[6], su[7], folded_bias + co + 2, multipliers + co + 2,
                                          codes + co + 2, out + 2, out + stride + 2);
    }
  }
  if (n == pixels) return;
  // The odd last pixel (a band row of odd width): one pixel's groups, pair_block4's order.
  int8_t* tail = buffer + 4 * groups;
  conv_wide_copy(p, geometry, rows, at.image, at.origin_y, at.origin_x, 0, 4, buffer, tail);
  int8_t* out = output + n * stride;
  const int32_t* w = filter;
  const uint8_t* t = tails;
  for (int32_t co = 0; co < depth; co += 4, out += 4) {
    uint32_t su[4];
    w = pair_block4(su, buffer, w, groups);
    if (rest != 0) {
      ConvWideTail k;
      t = conv_wide_tail_load(k, t, rest);
      conv_wide_tail_add(su[0], su[1], su[2], su[3], k, tail, rest);
    }
    conv_wide_pair_out<Plain, 1>(o, su[0], su[1], 0, 0, folded_bias + co, multipliers + co, codes + co, out,
                                        out);
    conv_wide_pair_out<Plain, 1>(o, su[2], su[3], 0, 0, folded_bias + co + 2, multipliers + co + 2,
                                        codes + co + 2, out + 2, out + 2);
  }
}

// The instance for the layer's output stage.
template <int32_t MaxTaps>
inline void conv_wide_rows(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                           const int32_t* folded_bias, int8_t* output) {
  if (p.output_table == nullptr && p.act_min == -128 && p.act_max == 127)
    conv_wide_pixels<MaxTaps, true>(p, input, filter, folded_bias, output);
  else
    conv_wide_pixels<MaxTaps, false>(p, input, filter, folded_bias, output);
}

}  // namespace detail

// The loop on parameters already in RAM (band_stream.h passes one band's). filter: the
// channel-pair words of the K-tap rows (output_depth a multiple of 4); folded_bias as the
// packed kernel's; multipliers in requantize_channel's range, channel_shift its n and the
// kConvWideSwapped flags.
// Windows up to kConvWideSmallTaps taps take the smaller stack buffer.
inline void conv_2d_wide_rows_s8(const Conv2DS8Params& p, const int8_t* input, const int32_t* filter,
                                 const int32_t* folded_bias, int8_t* output) {
  if (p.filter_height * p.filter_width * p.input_depth <= detail::kConvWideSmallTaps)
    detail::conv_wide_rows<detail::kConvWideSmallTaps>(p, input, filter, folded_bias, output);
  else
    detail::conv_wide_rows<kConvWideMaxTaps>(p, input, filter, folded_bias, output);
}

// filter: flash, fully_connected_wide.h's channel pairs over each channel's
// KH * KW * input_depth taps (the TFLite filter's [output_depth][KH][KW][input_depth] rows).
inline void conv_2d_s8_wide(const Conv2DS8Params& params, const int8_t* input, const int32_t* filter,
                            const int32_t* folded_bias, int8_t* output) {
  conv_2d_wide_rows_s8(flash_load(params), input, filter, folded_bias, output);
}

}  // namespace mf

#endif  // MICROFLOW_CONV_2D_WIDE_H_
