// x86 AVX2 (the host build, -mavx2) for depthwise_image_s8: eight output channels per block
// and two taps per VPMADDWD (int16 [c0 t, c0 u, c1 t, c1 u, ...]); every block's tap pairs,
// bias and requantization constants are prepared once per call, with vector loads and
// compares (band regions call once per output row). Each output pixel first
// gets a pointer per tap: inside the image the tap's pixel, outside a row of Z_in, so border
// windows take the same loop (x = Z_in cancels the Z_in * sum(w) folded into the bias, which
// is TFLM skipping the tap). Eight results are requantized together (requantize8_q31) and
// handed to the sink's put8. Integer sums are exact in any order: bit-exact.
#ifndef MICROFLOW_DEPTHWISE_CONV_2D_AVX2_H_
#define MICROFLOW_DEPTHWISE_CONV_2D_AVX2_H_

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "microflow/arch/depthwise_taps.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"
#include "microflow/arch/requantize_avx2.h"

namespace mf {
namespace detail {

// Limits of the prepared constants (on the stack): blocks of eight channels, and tap pairs
// over all blocks (32 bytes each).
constexpr int32_t kDepthwiseAvx2MaxBlocks = 128;
constexpr int32_t kDepthwiseAvx2MaxPairs = 2048;

// Adds eight int8 values (index..index+7 of the FC input) into units FC sums: per unit the
// eight weights widened against the values, one VPMADDWD, a horizontal sum.
inline void fc_sink_put8(const int8_t* weights, int32_t depth, int32_t units, int32_t* accumulators,
                         int32_t& input_sum, int32_t index, const int8_t* values) {
  const __m128i v8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(values));
  // Sum of the eight int8 as the sum of the bytes + 128 (PSADBW) minus 8 * 128.
  input_sum += _mm_cvtsi128_si32(_mm_sad_epu8(_mm_xor_si128(v8, _mm_set1_epi8(-128)), _mm_setzero_si128())) - 1024;
  const __m128i v = _mm_cvtepi8_epi16(v8);
  const int8_t* w = weights + index;
  for (int32_t o = 0; o < units; ++o, w += depth) {
    int64_t raw;
    flash_copy(&raw, w, 8);
    __m128i s = _mm_madd_epi16(_mm_cvtepi8_epi16(_mm_cvtsi64_si128(raw)), v);
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    accumulators[o] += _mm_cvtsi128_si32(s);
  }
}

// Output channels [0, 8 * blocks) of one image to sink.put8(index, eight values); returns
// the number of channels done: 0 (nothing done) unless the depth multiplier is 1 or a
// multiple of 8, the constants fit, and every channel's requantization is q31.
template <typename Params, typename Sink>
inline int32_t depthwise_avx2_s8(const Params& p, const int8_t* image, const int8_t* filter,
                                 const int32_t* folded_bias, Sink& sink) {
  const int32_t dm = p.depth_multiplier, depth = p.output_depth, blocks = depth / 8;
  const int32_t taps = p.filter_height * p.filter_width, pairs = (taps + 1) / 2;
  const bool elementwise = dm == 1;
  if ((!elementwise && dm % 8 != 0) || blocks == 0 || blocks > kDepthwiseAvx2MaxBlocks ||
      pairs * blocks > kDepthwiseAvx2MaxPairs || taps > kDepthwiseMaxTaps)
    return 0;
  __m256i weights[kDepthwiseAvx2MaxPairs];  // [block][pair]
  __m256i bias[kDepthwiseAvx2MaxBlocks], multiplier[kDepthwiseAvx2MaxBlocks], shift[kDepthwiseAvx2MaxBlocks];
  const __m256i below_q31 = _mm256_set1_epi32((static_cast<int32_t>(1) << 30) - 1);
  const __m256i zero = _mm256_setzero_si256(), below_shift = _mm256_set1_epi32(-32);
  for (int32_t b = 0; b < blocks; ++b) {
    __m256i m, s;
    flash_copy(&m, p.channel_multiplier + 8 * b, 32);
    flash_copy(&s, p.channel_shift + 8 * b, 32);
    // is_q31_requantization for the eight channels: multiplier >= 2^30, -31 <= shift < 0.
    const __m256i shift_ok = _mm256_and_si256(_mm256_cmpgt_epi32(zero, s), _mm256_cmpgt_epi32(s, below_shift));
    const __m256i q31 = _mm256_and_si256(_mm256_cmpgt_epi32(m, below_q31), shift_ok);
    if (_mm256_movemask_epi8(q31) != -1) return 0;
    multiplier[b] = m;
    shift[b] = _mm256_sub_epi32(_mm256_sub_epi32(zero, s), _mm256_set1_epi32(1));  // n = -shift - 1
    flash_copy(&bias[b], folded_bias + 8 * b, 32);
    for (int32_t q = 0; q < pairs; ++q) {  // taps 2q and 2q + 1 of the block's channels, interleaved
      const int8_t* w = filter + 2 * q * depth + 8 * b;
      int64_t t, u = 0;
      flash_copy(&t, w, 8);
      if (2 * q + 1 < taps) flash_copy(&u, w + depth, 8);
      weights[b * pairs + q] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(_mm_cvtsi64_si128(t), _mm_cvtsi64_si128(u)));
    }
  }
  // Out-of-image taps read input channel ic of this row.
  int8_t outside[8 * kDepthwiseAvx2MaxBlocks];
  memset(outside, static_cast<int8_t>(p.input_zero_point), static_cast<size_t>(8 * blocks));
  int32_t offsets[kDepthwiseMaxTaps];
  for (int32_t ky = 0, i = 0; ky < p.filter_height; ++ky)
    for (int32_t kx = 0; kx < p.filter_width; ++kx, ++i)
      offsets[i] = (ky * p.dilation_height * p.input_width + kx * p.dilation_width) * p.input_depth;
  const __m256i zero_point = _mm256_set1_epi32(p.output_zero_point);
  const __m128i act_min = _mm_set1_epi16(static_cast<int16_t>(p.act_min));
  const __m128i act_max = _mm_set1_epi16(static_cast<int16_t>(p.act_max));
  const int8_t* tap[kDepthwiseMaxTaps + 1];
  int32_t index = 0;
  for (int32_t oy = 0; oy < p.output_height; ++oy) {
    const int32_t origin_y = oy * p.stride_height - p.pad_top;
    const bool rows_inside = window_inside(origin_y, p.filter_height, p.dilation_height, p.input_height);
    for (int32_t ox = 0; ox < p.output_width; ++ox, index += depth) {
      const int32_t origin_x = ox * p.stride_width - p.pad_left;
      if (rows_inside && window_inside(origin_x, p.filter_width, p.dilation_width, p.input_width)) {
        const int8_t* base = image + (origin_y * p.input_width + origin_x) * p.input_depth;
        for (int32_t i = 0; i < taps; ++i) tap[i] = base + offsets[i];
      } else {
        for (int32_t ky = 0, i = 0; ky < p.filter_height; ++ky) {
          const int32_t iy = origin_y + ky * p.dilation_height;
          for (int32_t kx = 0; kx < p.filter_width; ++kx, ++i) {
            const int32_t ix = origin_x + kx * p.dilation_width;
            tap[i] = iy >= 0 && iy < p.input_height && ix >= 0 && ix < p.input_width
                         ? image + (iy * p.input_width + ix) * p.input_depth
                         : outside;
          }
        }
      }
      tap[taps] = tap[taps - 1];  // partner of an odd last tap (its weights are zero)
      const __m256i* w = weights;
      for (int32_t b = 0; b < blocks; ++b) {
        __m256i acc = bias[b];
        if (elementwise) {
          const int32_t ic = 8 * b;
          for (int32_t q = 0; q < pairs; ++q, ++w) {
            const __m128i t = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tap[2 * q] + ic));
            const __m128i u = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tap[2 * q + 1] + ic));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_unpacklo_epi8(t, u)), *w));
          }
        } else {
          const int32_t ic = 8 * b / dm;
          for (int32_t q = 0; q < pairs; ++q, ++w) {
            const uint32_t pair = (static_cast<uint32_t>(tap[2 * q][ic]) & 0xFFFFu) |
                                  (static_cast<uint32_t>(tap[2 * q + 1][ic]) << 16);
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_set1_epi32(static_cast<int32_t>(pair)), *w));
          }
        }
        const __m128i bytes = clamp8_to_s8(_mm256_add_epi32(requantize8_q31(acc, multiplier[b], shift[b]), zero_point),
                                           act_min, act_max);
        int8_t values[16];
        _mm_storeu_si128(reinterpret_cast<__m128i*>(values), bytes);
        sink.put8(index + 8 * b, values);
      }
    }
  }
  return 8 * blocks;
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_CONV_2D_AVX2_H_
