// x86 AVX2 (the host build, -mavx2) for conv_2d_1x1_s8 and conv_2d_packed_s8: four output
// pixels against one packed 4-channel block at a time. Each pixel's filter window is copied
// once as int16 (im2col, out-of-image values = Z_in), laid out so that one 256-bit load
// matches one widened weight vector; the weights of a block are widened once for the four
// pixels (VPMOVSXBW), VPMADDWD does 16 MACs, and the 16 results of a group are requantized
// eight at a time (requantize8_q31). Integer sums are exact in any order: bit-exact.
#ifndef MICROFLOW_CONV_2D_AVX2_H_
#define MICROFLOW_CONV_2D_AVX2_H_

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "microflow/kernels/conv_2d.h"
#include "microflow/exec/flash.h"
#include "microflow/arch/requantize_avx2.h"

namespace mf {
namespace detail {

// int16 slots of one pixel's window copy; larger windows take the portable path (the four
// copies live on the stack: 4 * 2 * 4096 = 32 KB).
constexpr int32_t kConvAvx2MaxSlots = 4096;

// How a filter row of L values splits into packed chunks (dot_s8.h): L/8 chunks of 8, a
// chunk of 4 if L%8 >= 4, a tail of L%4. Each chunk has 16 int16 slots in the window copy.
struct ConvRowChunks {
  int32_t length, n8, has4, tail;
  int32_t slots;  // 16 per chunk
};

inline ConvRowChunks conv_row_chunks(int32_t length) {
  ConvRowChunks r;
  r.length = length;
  r.n8 = length / 8;
  r.has4 = length % 8 >= 4 ? 1 : 0;
  r.tail = length % 4;
  r.slots = 16 * (r.n8 + r.has4 + (r.tail > 0 ? 1 : 0));
  return r;
}

// One window row (L int8) to its slots: an 8-chunk as [x0..x7 | x0..x7] (lanes = channels
// j, j + 1 of a widened weight pair), the 4-chunk and the tail as [x0..x3] four times
// (lanes = channels 0..3, tail zero-padded to 4).
inline void conv_widen_row(int16_t* dst, const int8_t* src, const ConvRowChunks& r) {
  for (int32_t i = 0; i < r.n8; ++i, src += 8, dst += 16) {
    const __m128i v = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_broadcastsi128_si256(v));
  }
  if (r.has4) {
    int32_t x4;
    memcpy(&x4, src, 4);
    const __m128i v = _mm_cvtepi8_epi16(_mm_cvtsi32_si128(x4));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_broadcastq_epi64(v));
    src += 4, dst += 16;
  }
  if (r.tail > 0) {
    int16_t t[4] = {0, 0, 0, 0};
    for (int32_t i = 0; i < r.tail; ++i) t[i] = src[i];
    int64_t q;
    memcpy(&q, t, 8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_set1_epi64x(q));
  }
}

// The packed tail [4][t] (t in 1..3) spread to [4][4] int16, the values past t of each
// channel arbitrary (they meet zero slots).
inline __m256i conv_tail_weights(const int8_t* w, int32_t t, __m128i spread) {
  int8_t bytes[16] = {};
  if (t == 1) {
    flash_copy(bytes, w, 4);
  } else if (t == 2) {
    flash_copy(bytes, w, 8);
  } else {
    flash_copy(bytes, w, 12);
  }
  __m128i v;
  memcpy(&v, bytes, 16);
  return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(v, spread));
}

inline __m256i flash_widen16(const int8_t* w) {
  __m128i v;
  flash_copy(&v, w, 16);
  return _mm256_cvtepi8_epi16(v);
}

// The window of output pixel n as int16 slots (filter_height rows of r.slots).
inline void conv_window_slots(const Conv2DS8Params& p, const int8_t* input, int32_t n, const ConvRowChunks& r,
                              int16_t* dst) {
  const int32_t ox = n % p.output_width, rest = n / p.output_width;
  const int32_t oy = rest % p.output_height, b = rest / p.output_height;
  const int32_t origin_y = oy * p.stride_height - p.pad_top, origin_x = ox * p.stride_width - p.pad_left;
  const int32_t row_stride = p.input_width * p.input_depth;
  const int8_t* image = input + b * p.input_height * row_stride;
  const bool columns_inside = window_inside(origin_x, p.filter_width, 1, p.input_width);
  for (int32_t ky = 0; ky < p.filter_height; ++ky, dst += r.slots) {
    const int32_t iy = origin_y + ky * p.dilation_height;
    const bool row_inside = iy >= 0 && iy < p.input_height;
    if (row_inside && columns_inside) {
      conv_widen_row(dst, image + iy * row_stride + origin_x * p.input_depth, r);
      continue;
    }
    int8_t row[kConvAvx2MaxSlots / 2];
    for (int32_t l = 0; l < r.length; ++l) {
      const int32_t ix = origin_x + l / p.input_depth;
      row[l] = row_inside && ix >= 0 && ix < p.input_width ? image[iy * row_stride + origin_x * p.input_depth + l]
                                                            : static_cast<int8_t>(p.input_zero_point);
    }
    conv_widen_row(dst, row, r);
  }
}

// Per-lane requantization constants of channels c..c+3 in both halves.
inline __m256i conv_channel_lanes(const int32_t* values, int32_t c, int32_t count, int32_t pad) {
  int32_t v[4] = {pad, pad, pad, pad};
  for (int32_t j = 0; j < count; ++j) v[j] = flash_read(values + c + j);
  __m128i q;
  memcpy(&q, v, 16);
  return _mm256_broadcastsi128_si256(q);
}

// True when every channel's pair suits requantize8_q31.
inline bool conv_all_q31(const Conv2DS8Params& p) {
  for (int32_t c = 0; c < p.output_depth; ++c)
    if (!is_q31_requantization(flash_read(p.channel_multiplier + c), flash_read(p.channel_shift + c))) return false;
  return true;
}

// The whole layer (groups == 1, dilation_width == 1, packed filter). False, having done
// nothing, when the window is too large or a channel's requantization is not q31.
inline bool conv_packed_avx2(const Conv2DS8Params& p, const int8_t* input, const int8_t* filter,
                             const int32_t* folded_bias, int8_t* output) {
  const ConvRowChunks r = conv_row_chunks(p.filter_width * p.input_depth);
  const int32_t pixel_slots = p.filter_height * r.slots;
  if (pixel_slots > kConvAvx2MaxSlots || !conv_all_q31(p)) return false;
  const int32_t block_bytes = 4 * p.filter_height * r.length;
  const int32_t chunk4_offset = 32 * r.n8, tail_offset = chunk4_offset + 16 * r.has4;
  // Tail spread: byte 4j + i <- j*t + i for i < t (later bytes meet zero slots).
  int8_t spread_bytes[16] = {};
  for (int32_t j = 0; j < 4 && r.tail > 0; ++j)
    for (int32_t i = 0; i < 4; ++i) spread_bytes[4 * j + i] = static_cast<int8_t>(j * r.tail + (i < r.tail ? i : 0));
  __m128i spread;
  memcpy(&spread, spread_bytes, 16);
  // After the reduction below the lanes are [p0: c0 c2 | p1: ...]; this puts channels in order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i zero_point = _mm256_set1_epi32(p.output_zero_point);
  const __m128i act_min = _mm_set1_epi16(static_cast<int16_t>(p.act_min));
  const __m128i act_max = _mm_set1_epi16(static_cast<int16_t>(p.act_max));
  const int32_t pixels = p.batches * p.output_height * p.output_width;
  int16_t x16[4 * kConvAvx2MaxSlots];
  for (int32_t n = 0; n < pixels; n += 4) {
    const int32_t valid = pixels - n < 4 ? pixels - n : 4;
    for (int32_t i = 0; i < 4; ++i)  // missing pixels repeat the last one (not stored)
      conv_window_slots(p, input, n + (i < valid ? i : valid - 1), r, x16 + i * pixel_slots);
    const int8_t* block = filter;
    for (int32_t c = 0; c < p.output_depth; c += 4, block += block_bytes) {
      __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
      __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      __m256i q0 = a00, q1 = a00, q2 = a00, q3 = a00;  // 4-chunk and tail: [c0 c0 c1 c1 | c2 c2 c3 c3]
      const int8_t* w_row = block;
      const int16_t* x = x16;
      for (int32_t ky = 0; ky < p.filter_height; ++ky, w_row += 4 * r.length) {
        const int8_t* w = w_row;
        for (int32_t i = 0; i < r.n8; ++i, w += 32, x += 16) {
          const __m256i w01 = flash_widen16(w), w23 = flash_widen16(w + 16);
          const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
          const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + pixel_slots));
          const __m256i x2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 2 * pixel_slots));
          const __m256i x3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 3 * pixel_slots));
          a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(w01, x0)), a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(w23, x0));
          a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(w01, x1)), a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(w23, x1));
          a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(w01, x2)), a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(w23, x2));
          a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(w01, x3)), a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(w23, x3));
        }
        for (int32_t k = 0; k < r.has4 + (r.tail > 0 ? 1 : 0); ++k, x += 16) {
          const __m256i wq = k < r.has4 ? flash_widen16(w_row + chunk4_offset)
                                        : conv_tail_weights(w_row + tail_offset, r.tail, spread);
          q0 = _mm256_add_epi32(q0, _mm256_madd_epi16(wq, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x))));
          q1 = _mm256_add_epi32(
              q1, _mm256_madd_epi16(wq, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + pixel_slots))));
          q2 = _mm256_add_epi32(
              q2, _mm256_madd_epi16(wq, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 2 * pixel_slots))));
          q3 = _mm256_add_epi32(
              q3, _mm256_madd_epi16(wq, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 3 * pixel_slots))));
        }
      }
      // Per pixel: hadd([c0 x4 | c1 x4], [c2 x4 | c3 x4]) = [c0 c0 c2 c2 | c1 c1 c3 c3], plus the
      // 4-chunk lanes moved to the same places; then pixel pairs: [pa: c0 c2, pb: c0 c2 | c1 c3 ..].
      const __m256i h0 = _mm256_add_epi32(_mm256_hadd_epi32(a00, a01), _mm256_permute4x64_epi64(q0, 0xD8));
      const __m256i h1 = _mm256_add_epi32(_mm256_hadd_epi32(a10, a11), _mm256_permute4x64_epi64(q1, 0xD8));
      const __m256i h2 = _mm256_add_epi32(_mm256_hadd_epi32(a20, a21), _mm256_permute4x64_epi64(q2, 0xD8));
      const __m256i h3 = _mm256_add_epi32(_mm256_hadd_epi32(a30, a31), _mm256_permute4x64_epi64(q3, 0xD8));
      const int32_t count = p.output_depth - c < 4 ? p.output_depth - c : 4;
      const __m256i bias = conv_channel_lanes(folded_bias, c, count, 0);
      const __m256i m = conv_channel_lanes(p.channel_multiplier, c, count, 1 << 30);
      const __m256i shift = _mm256_sub_epi32(_mm256_set1_epi32(-1), conv_channel_lanes(p.channel_shift, c, count, -1));
      // Lanes [p0: c0..c3 | p1: c0..c3] and [p2 | p3].
      const __m256i s01 = _mm256_add_epi32(_mm256_permutevar8x32_epi32(_mm256_hadd_epi32(h0, h1), order), bias);
      const __m256i s23 = _mm256_add_epi32(_mm256_permutevar8x32_epi32(_mm256_hadd_epi32(h2, h3), order), bias);
      const __m256i r01 = _mm256_add_epi32(requantize8_q31(s01, m, shift), zero_point);
      const __m256i r23 = _mm256_add_epi32(requantize8_q31(s23, m, shift), zero_point);
      // int16 [p0 | p2] and [p1 | p3] (saturation keeps out-of-range values out of range).
      const __m256i packed = _mm256_packs_epi32(r01, r23);
      __m128i lo = _mm256_castsi256_si128(packed), hi = _mm256_extracti128_si256(packed, 1);
      lo = _mm_min_epi16(_mm_max_epi16(lo, act_min), act_max);
      hi = _mm_min_epi16(_mm_max_epi16(hi, act_min), act_max);
      const __m128i bytes = _mm_packs_epi16(lo, hi);  // p0 p2 p1 p3, four bytes each
      int8_t out[16];
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
      if (p.output_table)
        for (int8_t& v : out) v = activate_s8(p.output_table, v);
      static const int kSlot[4] = {0, 8, 4, 12};
      for (int32_t i = 0; i < valid; ++i) {
        int8_t* dst = output + (n + i) * p.output_stride + c;
        if (count == 4) {
          memcpy(dst, out + kSlot[i], 4);
        } else {
          for (int32_t j = 0; j < count; ++j) dst[j] = out[kSlot[i] + j];
        }
      }
    }
  }
  return true;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_CONV_2D_AVX2_H_
