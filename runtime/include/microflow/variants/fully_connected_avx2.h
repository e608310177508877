// x86 AVX2 (the host build, -mavx2) for fully_connected_s8: the input row is widened to int16
// once (zero-padded to whole 16-value chunks), then eight weight rows at a time are widened
// 16 values per instruction and multiplied with VPMADDWD; the eight sums are reduced into one
// vector and requantized together (requantize8_q31). Integer sums are exact in any order.
#ifndef MICROFLOW_FULLY_CONNECTED_AVX2_H_
#define MICROFLOW_FULLY_CONNECTED_AVX2_H_

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/arch/requantize_avx2.h"

namespace mf {
namespace detail {

// Largest input depth of this path (its int16 copy of a row is on the stack).
constexpr int32_t kFcAvx2MaxDepth = 4096;

// [A0 .. A7] -> [sum(A0), .., sum(A7)].
inline __m256i sum8(__m256i a0, __m256i a1, __m256i a2, __m256i a3, __m256i a4, __m256i a5, __m256i a6,
                    __m256i a7) {
  const __m256i h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
  const __m256i h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(a4, a5), _mm256_hadd_epi32(a6, a7));
  return _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20),
                          _mm256_permute2x128_si256(h0123, h4567, 0x31));
}

inline __m256i flash_widen_row16(const int8_t* w) {
  __m128i v;
  flash_copy(&v, w, 16);
  return _mm256_cvtepi8_epi16(v);
}

// Sums of the eight rows r[j] over `full` whole chunks of x16, plus each row's last chunk:
// the 16 bytes at r[j] + last[j] against the 16 slots at xlast + shift[j] (see
// fully_connected_avx2).
MF_ALWAYS_INLINE __m256i rows8_dot(const int8_t* const r[8], const int16_t* x16, int32_t full, const int32_t last[8],
                                   const int16_t* xlast, const int32_t shift[8]) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (int32_t i = 0; i < full; ++i) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x16 + 16 * i));
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(flash_widen_row16(r[0] + 16 * i), x));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(flash_widen_row16(r[1] + 16 * i), x));
    a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(flash_widen_row16(r[2] + 16 * i), x));
    a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(flash_widen_row16(r[3] + 16 * i), x));
    a4 = _mm256_add_epi32(a4, _mm256_madd_epi16(flash_widen_row16(r[4] + 16 * i), x));
    a5 = _mm256_add_epi32(a5, _mm256_madd_epi16(flash_widen_row16(r[5] + 16 * i), x));
    a6 = _mm256_add_epi32(a6, _mm256_madd_epi16(flash_widen_row16(r[6] + 16 * i), x));
    a7 = _mm256_add_epi32(a7, _mm256_madd_epi16(flash_widen_row16(r[7] + 16 * i), x));
  }
#define MF_FC_LAST(j)                                                                                 \
  a##j = _mm256_add_epi32(a##j, _mm256_madd_epi16(flash_widen_row16(r[j] + last[j]),                 \
                                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>( \
                                                      xlast + shift[j]))))
  MF_FC_LAST(0);
  MF_FC_LAST(1);
  MF_FC_LAST(2);
  MF_FC_LAST(3);
  MF_FC_LAST(4);
  MF_FC_LAST(5);
  MF_FC_LAST(6);
  MF_FC_LAST(7);
#undef MF_FC_LAST
  return sum8(a0, a1, a2, a3, a4, a5, a6, a7);
}

// fully_connected_s8 for all batches. A row of K values is `full` whole chunks of 16 and a
// last chunk of 1..16 values; that chunk is read as the 16 bytes starting at its first value,
// or, where those would run past the weight matrix, as the matrix's last 16 bytes. The
// slots it meets are xpad + 16 - moved (moved the distance it was moved back): xpad holds
// the last chunk's values after 16 zeros and before 16 zeros, so bytes outside the chunk (the
// next row's, or the row's earlier ones) meet zeros. Returns false, having done nothing,
// for depths above kFcAvx2MaxDepth, matrices under 16 bytes, or requantizations other than
// per-tensor q31.
template <typename Params>  // FullyConnectedS8Params
inline bool fully_connected_avx2(const Params& p, const int8_t* input, const int8_t* weights,
                                 const int32_t* folded_bias, int8_t* output) {
  const int32_t depth = p.input_depth, rows = p.output_depth, total = rows * depth;
  if (depth > kFcAvx2MaxDepth || total < 16 || p.channel_multiplier != nullptr || p.output_table != nullptr ||
      !is_q31_requantization(p.multiplier, p.shift))
    return false;
  const int32_t full = (depth - 1) / 16, tail = depth - 16 * full;  // tail in [1, 16]
  const __m256i m = _mm256_set1_epi32(p.multiplier), n = _mm256_set1_epi32(-p.shift - 1);
  const __m256i zero_point = _mm256_set1_epi32(p.output_zero_point);
  const __m128i act_min = _mm_set1_epi16(static_cast<int16_t>(p.act_min));
  const __m128i act_max = _mm_set1_epi16(static_cast<int16_t>(p.act_max));
  int16_t x16[kFcAvx2MaxDepth];
  int16_t xpad[48];
  for (int32_t b = 0; b < p.batches; ++b, input += depth, output += p.output_stride) {
    int32_t input_term = 0;
    if (p.weights_zero_point != 0) {
      for (int32_t d = 0; d < depth; ++d) input_term += input[d];
      input_term *= p.weights_zero_point;
    }
    for (int32_t i = 0; i < full; ++i) {
      __m128i v;
      memcpy(&v, input + 16 * i, 16);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(x16 + 16 * i), _mm256_cvtepi8_epi16(v));
    }
    const __m256i zero = _mm256_setzero_si256();
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(xpad + 16), zero);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(xpad + 32), zero);
    if (depth >= 16) {  // the row's last 16 values land at xpad + tail; those before the chunk are zeroed
      __m128i v;
      memcpy(&v, input + depth - 16, 16);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(xpad + tail), _mm256_cvtepi8_epi16(v));
    } else {
      for (int32_t k = 0; k < tail; ++k) xpad[16 + k] = input[k];
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(xpad), zero);
    const __m256i offset = _mm256_set1_epi32(-input_term);
    for (int32_t o = 0; o < rows; o += 8) {
      const int32_t count = rows - o < 8 ? rows - o : 8;
      const int8_t* r[8];
      int32_t last[8], shift[8];
      __m256i bias;
      if (count == 8) {
        flash_copy(&bias, folded_bias + o, 32);
      } else {
        int32_t values[8];
        for (int32_t j = 0; j < 8; ++j) values[j] = flash_read(folded_bias + o + (j < count ? j : count - 1));
        memcpy(&bias, values, 32);
      }
      for (int32_t j = 0; j < 8; ++j) {  // missing rows repeat the last one (not stored)
        const int32_t row = o + (j < count ? j : count - 1);
        const int32_t past = row * depth + 16 * full + 16 - total;
        const int32_t moved = past > 0 ? past : 0;
        r[j] = weights + row * depth, last[j] = 16 * full - moved, shift[j] = 16 - moved;
      }
      __m256i acc = rows8_dot(r, x16, full, last, xpad, shift);
      acc = _mm256_add_epi32(acc, _mm256_add_epi32(bias, offset));
      const __m128i bytes = clamp8_to_s8(_mm256_add_epi32(requantize8_q31(acc, m, n), zero_point), act_min, act_max);
      if (count == 8) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(output + o), bytes);
      } else {
        int8_t out[16];
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
        for (int32_t j = 0; j < count; ++j) output[o + j] = out[j];
      }
    }
  }
  return true;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_FULLY_CONNECTED_AVX2_H_
