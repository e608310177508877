// x86 AVX2 helpers of the host kernels (built with -mavx2, targets.json "host"): eight-lane
// requantization, bit-exact with requantize_q31 (fixed_point.h).
#ifndef MICROFLOW_REQUANTIZE_AVX2_H_
#define MICROFLOW_REQUANTIZE_AVX2_H_

#include <immintrin.h>
#include <stdint.h>

#include "microflow/fixed_point.h"

namespace mf {
namespace detail {

// multiply_by_quantized_multiplier(acc, m, shift) for eight lanes with per-lane constants,
// multiplier in [2^30, 2^31) and n = -shift - 1 in [0, 30] (is_q31_requantization): SRDHM as
// the 64-bit (acc * m + 2^30) >> 31, whose low 32 bits are the result (it fits int32), then
// RDBPOT as round_shift_q31.
inline __m256i requantize8_q31(__m256i acc, __m256i m, __m256i n) {
  const __m256i round = _mm256_set1_epi64x(static_cast<int64_t>(1) << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, m), round);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), _mm256_srli_epi64(m, 32)), round);
  // even >> 31 keeps bits 31..62 in the low half; odd << 1 puts them in the high half.
  const __m256i t = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  const __m256i u = _mm256_srav_epi32(_mm256_add_epi32(t, _mm256_srai_epi32(t, 31)), n);
  return _mm256_srai_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(1)), 1);
}

// Eight int32 (already offset by the zero point) to int8, clamped to [act_min, act_max]:
// saturating to int16 keeps values outside the bounds outside.
inline __m128i clamp8_to_s8(__m256i v, __m128i act_min, __m128i act_max) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i c = _mm_min_epi16(_mm_max_epi16(w, act_min), act_max);
  return _mm_packs_epi16(c, c);  // the eight bytes in the low half
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_REQUANTIZE_AVX2_H_
