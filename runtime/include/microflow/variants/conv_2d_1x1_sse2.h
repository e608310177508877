// x86 SSE2 (the host build) for conv_2d_1x1_s8: four output pixels at a time. Their inputs
// are widened to int16 once, every weight chunk is widened once for the four of them, and
// each channel's four results are requantized together (same multiplier and shift in every
// lane, so SSE2's single-count shifts do), packed with saturation and clamped as int16.
#ifndef MICROFLOW_CONV_2D_1X1_SSE2_H_
#define MICROFLOW_CONV_2D_1X1_SSE2_H_

#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

#include "microflow/kernels/conv_2d.h"
#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"

namespace mf {
namespace detail {

// Largest input depth of the four-pixel path (its int16 copy of the inputs is on the stack).
constexpr int32_t kConv1x1MaxDepth = 1024;

// multiply_by_quantized_multiplier(acc, multiplier, shift) for four lanes, multiplier in
// [2^30, 2^31) and shift in [-31, -1] (is_q31_requantization). With p = |acc| * multiplier
// (PMULUDQ, unsigned), SRDHM is (p + 2^30) >> 31 for acc >= 0 and -((p + 2^30 - 1) >> 31)
// for acc < 0 (ceil of the negated value); then RDBPOT as in requantize_q31.
inline __m128i requantize4_q31(__m128i acc, int32_t multiplier, int32_t shift) {
  const __m128i sign = _mm_srai_epi32(acc, 31);
  const __m128i magnitude = _mm_sub_epi32(_mm_xor_si128(acc, sign), sign);
  const __m128i m = _mm_set1_epi32(multiplier);
  const __m128i round = _mm_set1_epi64x(static_cast<int64_t>(1) << 30);
  const __m128i sign02 = _mm_shuffle_epi32(sign, _MM_SHUFFLE(2, 2, 0, 0));
  const __m128i sign13 = _mm_shuffle_epi32(sign, _MM_SHUFFLE(3, 3, 1, 1));
  const __m128i p02 = _mm_mul_epu32(magnitude, m);
  const __m128i p13 = _mm_mul_epu32(_mm_srli_epi64(magnitude, 32), m);
  const __m128i q02 = _mm_srli_epi64(_mm_add_epi64(p02, _mm_add_epi64(round, sign02)), 31);
  const __m128i q13 = _mm_srli_epi64(_mm_add_epi64(p13, _mm_add_epi64(round, sign13)), 31);
  const __m128i q = _mm_or_si128(q02, _mm_slli_epi64(q13, 32));  // each below 2^31
  const __m128i t = _mm_sub_epi32(_mm_xor_si128(q, sign), sign);
  const __m128i u = _mm_sra_epi32(_mm_add_epi32(t, _mm_srai_epi32(t, 31)), _mm_cvtsi32_si128(-shift - 1));
  return _mm_srai_epi32(_mm_add_epi32(u, _mm_set1_epi32(1)), 1);
}

// Sums of four vectors' lanes: [sum(a), sum(b), sum(c), sum(d)].
inline __m128i sum4(__m128i a, __m128i b, __m128i c, __m128i d) {
  const __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
  const __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
  return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

// Widens `count` (<= 8) int8 of flash to int16 lanes, zeros above.
inline __m128i flash_widen(const int8_t* w, int32_t count) {
  int8_t bytes[16] = {};
  flash_copy(bytes, w, static_cast<size_t>(count));
  __m128i v;
  memcpy(&v, bytes, sizeof v);
  return widen_lo_s8(v);
}

// x16 rows of the four pixels times the weight vectors w0, w1 into eight accumulators.
#define MF_PAIR_MAC4(k, w0, w1)                                                             \
  do {                                                                                      \
    const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x16 + (k)));          \
    const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x16 + stride + (k))); \
    const __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x16 + 2 * stride + (k))); \
    const __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x16 + 3 * stride + (k))); \
    a00 = _mm_add_epi32(a00, _mm_madd_epi16(x0, w0)), a01 = _mm_add_epi32(a01, _mm_madd_epi16(x0, w1));       \
    a10 = _mm_add_epi32(a10, _mm_madd_epi16(x1, w0)), a11 = _mm_add_epi32(a11, _mm_madd_epi16(x1, w1));       \
    a20 = _mm_add_epi32(a20, _mm_madd_epi16(x2, w0)), a21 = _mm_add_epi32(a21, _mm_madd_epi16(x2, w1));       \
    a30 = _mm_add_epi32(a30, _mm_madd_epi16(x3, w0)), a31 = _mm_add_epi32(a31, _mm_madd_epi16(x3, w1));       \
  } while (0)

// Output channels in slots j and j + 1 of a packed block for four pixels whose int16 inputs
// are x16 + p * stride; returns each channel's four sums.
inline void pair_sums4(const int16_t* x16, int32_t stride, const int8_t* block, int32_t depth, int32_t j,
                       __m128i* sums0, __m128i* sums1) {
  __m128i a00 = _mm_setzero_si128(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  int32_t k = 0;
  const int8_t* w = block;
  for (; k + 8 <= depth; k += 8, w += 32) {
    const __m128i w0 = widen_lo_s8(flash_load_8(w + 8 * j)), w1 = widen_lo_s8(flash_load_8(w + 8 * (j + 1)));
    MF_PAIR_MAC4(k, w0, w1);
  }
  // The 4-chunk and the tail: [4][size] layouts; x16 is zero past the depth.
  for (int32_t size = depth - k >= 4 ? 4 : depth - k; k < depth; size = depth - k) {
    const __m128i w0 = flash_widen(w + size * j, size), w1 = flash_widen(w + size * (j + 1), size);
    MF_PAIR_MAC4(k, w0, w1);
    k += size, w += 4 * size;
  }
  *sums0 = sum4(a00, a10, a20, a30);
  *sums1 = sum4(a01, a11, a21, a31);
}

#undef MF_PAIR_MAC4

// Requantizes channel c of four pixels (sums without bias) into out[p * pixel_stride].
inline void store_channel4(const Conv2DS8Params& p, __m128i sums, const int32_t* folded_bias, int32_t c,
                           int8_t* const out[4]) {
  const int32_t multiplier = flash_read(p.channel_multiplier + c), shift = flash_read(p.channel_shift + c);
  const __m128i acc = _mm_add_epi32(sums, _mm_set1_epi32(flash_read(folded_bias + c)));
  int32_t v[4];
  if (is_q31_requantization(multiplier, shift)) {
    __m128i r = _mm_add_epi32(requantize4_q31(acc, multiplier, shift), _mm_set1_epi32(p.output_zero_point));
    r = _mm_packs_epi32(r, r);  // saturating to int16 keeps values outside [act_min, act_max] outside
    r = _mm_min_epi16(_mm_max_epi16(r, _mm_set1_epi16(static_cast<int16_t>(p.act_min))),
                      _mm_set1_epi16(static_cast<int16_t>(p.act_max)));
    v[0] = _mm_extract_epi16(r, 0), v[1] = _mm_extract_epi16(r, 1);
    v[2] = _mm_extract_epi16(r, 2), v[3] = _mm_extract_epi16(r, 3);
  } else {
    int32_t s[4];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(s), acc);
    for (int32_t i = 0; i < 4; ++i)
      v[i] = requantize_to_s8(s[i], multiplier, shift, p.output_zero_point, p.act_min, p.act_max);
  }
  for (int32_t i = 0; i < 4; ++i) out[i][c] = activate_s8(p.output_table, static_cast<int8_t>(v[i]));
}

// Four output pixels whose inputs start at x[0..3]; out[0..3] their output channels.
inline void conv_1x1_pixels4(const Conv2DS8Params& p, const int8_t* const x[4], const int8_t* filter,
                             const int32_t* folded_bias, int8_t* const out[4]) {
  const int32_t depth = p.input_depth;
  const int32_t stride = (depth + 7) & ~7;
  // Rows padded to a multiple of 8 with zeros, plus 8 zeros after the last: the chunk loads
  // of 8 read past a row's end only where the weights are zero.
  int16_t x16[4 * kConv1x1MaxDepth + 8];
  for (int32_t i = 0; i < 4; ++i) {
    int16_t* row = x16 + i * stride;
    for (int32_t k = 0; k < depth; ++k) row[k] = x[i][k];
    for (int32_t k = depth; k < stride; ++k) row[k] = 0;
  }
  for (int32_t k = 0; k < 8; ++k) x16[4 * stride + k] = 0;
  const int8_t* block = filter;
  for (int32_t c = 0; c < p.output_depth; c += 4, block += 4 * depth) {
    for (int32_t j = 0; j < 4 && c + j < p.output_depth; j += 2) {
      __m128i s0, s1;
      pair_sums4(x16, stride, block, depth, j, &s0, &s1);
      store_channel4(p, s0, folded_bias, c + j, out);
      if (c + j + 1 < p.output_depth) store_channel4(p, s1, folded_bias, c + j + 1, out);
    }
  }
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_CONV_2D_1X1_SSE2_H_
