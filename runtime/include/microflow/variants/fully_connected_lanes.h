// FULLY_CONNECTED, the variant the compiler picks for the host (x86-64, targets.json "host")
// with --optimize=speed, for per-tensor int8 layers whose requantization fits requantize_q31.
// Outputs lie in the lanes of a vector: eight outputs accumulate together, each VPMADDWD
// adding two input values times eight rows' two weights, so there is no horizontal sum and
// eight requantizations are one vector's. Everything model-dependent is done by the
// compiler (specialize.cpp): the weights are stored as int16 (w - Z_w), so the weight zero
// point needs no run-time input sum, in the order the loop consumes them; the input zero
// point is folded into the bias; sizes, requantization and activation bounds are template
// arguments. Small layers, where the generic kernel's set-up dominates, then cost little
// more than their multiplies.
//
// Weight layout (int16), K = input_depth, P = ceil(K / 2) input pairs, B = ceil(N / 8):
//   for each block b < B of eight outputs, for each pair p < P, for each lane j < 8:
//     w[8b + j][2p] - Z_w, w[8b + j][2p + 1] - Z_w
//   with 0 for outputs >= N and for k == K (odd K).
// Bias: the folded bias, zero-padded to 8 * B values.
// Without AVX2 (the generated code built for an x86 without -mavx2) a plain C loop reads the
// same constants.
#ifndef MICROFLOW_FULLY_CONNECTED_LANES_H_
#define MICROFLOW_FULLY_CONNECTED_LANES_H_

#include <stdint.h>

#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/variants/fully_connected_wide.h"
#include "microflow/kernel_util.h"

#if defined(__AVX2__)
#include <immintrin.h>

#include "microflow/arch/requantize_avx2.h"
#endif

namespace mf {

namespace detail {

template <typename C>  // FullyConnectedS8WideConstants<...> or Conv2D1x1S8WideConstants<...>
struct LanesShape {
  static constexpr int32_t pairs = (C::input_depth + 1) / 2;
  static constexpr int32_t blocks = (C::output_depth + 7) / 8;
  static constexpr int32_t chunks = (C::input_depth + 15) / 16;  // of 16 input values
};

// Where a block's requantization constants come from: one (multiplier, shift) for the whole
// tensor as template arguments (FULLY_CONNECTED), or per output channel from a flash array
// laid out per block of eight outputs as 8 multipliers then 8 n = -shift - 1
// (conv_2d_1x1_lanes.h).
template <typename C>  // FullyConnectedS8WideConstants<...>
struct LanesTensorQ31 {
  static Q31Channel channel(const int32_t*, int32_t) { return make_q31_channel(C::multiplier, C::shift); }
#if defined(__AVX2__)
  static __m256i multipliers(const int32_t*, int32_t) { return _mm256_set1_epi32(C::multiplier); }
  static __m256i shifts(const int32_t*, int32_t) { return _mm256_set1_epi32(-C::shift - 1); }
#endif
};

struct LanesChannelQ31 {
  static Q31Channel channel(const int32_t* requant, int32_t o) {
    const int32_t* block = requant + 16 * (o / 8) + o % 8;
    return make_q31_channel(flash_read(block), -flash_read(block + 8) - 1);
  }
#if defined(__AVX2__)
  static __m256i multipliers(const int32_t* requant, int32_t block) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(requant + 16 * block));
  }
  static __m256i shifts(const int32_t* requant, int32_t block) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(requant + 16 * block + 8));
  }
#endif
};

#if defined(__AVX2__)

// acc += the eight lanes' int16 weight pairs at w times the broadcast input pair xp.
MF_ALWAYS_INLINE __m256i lanes_mac(__m256i acc, const int16_t* w, __m256i xp) {
  return _mm256_add_epi32(_mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)), xp), acc);
}

// Requantizes the eight outputs of block `block` and stores the block's outputs from `out`.
template <typename C, typename Q>
MF_ALWAYS_INLINE void lanes_store(__m256i acc, const int32_t* requant, int32_t block, int8_t* out, bool whole) {
  const __m256i v = _mm256_add_epi32(requantize8_q31(acc, Q::multipliers(requant, block), Q::shifts(requant, block)),
                                     _mm256_set1_epi32(C::output_zero_point));
  // Saturating packs alone clamp to [-128, 127]: a bound only costs where it is tighter.
  __m128i halves = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  if (C::act_min > -128) halves = _mm_max_epi16(halves, _mm_set1_epi16(static_cast<int16_t>(C::act_min)));
  if (C::act_max < 127) halves = _mm_min_epi16(halves, _mm_set1_epi16(static_cast<int16_t>(C::act_max)));
  const __m128i bytes = _mm_packs_epi16(halves, halves);
  if (whole) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), bytes);
  } else {  // the last block, N % 8 outputs
    int8_t last[16];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(last), bytes);
    for (int32_t i = 0; i < C::output_depth % 8; ++i) out[i] = last[i];
  }
}

// Blocks (1..4) blocks of eight outputs from block `first`: one broadcast input pair feeds
// every block's accumulator (named, so that they stay in registers). x: the input row as
// int16 pairs, zero-padded to whole chunks.
template <typename C, typename Q, int32_t Blocks>
MF_ALWAYS_INLINE void lanes_blocks_avx2(const int32_t* x, const int16_t* weights, const int32_t* folded_bias,
                                        const int32_t* requant, int8_t* output, int32_t first) {
  constexpr int32_t pairs = LanesShape<C>::pairs, stride = 16 * pairs;  // int16 per block
  const int32_t* bias = folded_bias + 8 * first;
  const __m256i zero = _mm256_setzero_si256();
  __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
  __m256i a1 = Blocks > 1 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8)) : zero;
  __m256i a2 = Blocks > 2 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 16)) : zero;
  __m256i a3 = Blocks > 3 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 24)) : zero;
  const int16_t* w = weights + stride * first;
  // Two pairs per iteration: half the loop overhead (GCC does not unroll at -O2).
  for (int32_t p = 0; p + 2 <= pairs; p += 2, w += 32) {
    const __m256i x0 = _mm256_set1_epi32(x[p]), x1 = _mm256_set1_epi32(x[p + 1]);
    a0 = lanes_mac(lanes_mac(a0, w, x0), w + 16, x1);
    if (Blocks > 1) a1 = lanes_mac(lanes_mac(a1, w + stride, x0), w + stride + 16, x1);
    if (Blocks > 2) a2 = lanes_mac(lanes_mac(a2, w + 2 * stride, x0), w + 2 * stride + 16, x1);
    if (Blocks > 3) a3 = lanes_mac(lanes_mac(a3, w + 3 * stride, x0), w + 3 * stride + 16, x1);
  }
  if (pairs % 2 != 0) {
    const __m256i xp = _mm256_set1_epi32(x[pairs - 1]);
    a0 = lanes_mac(a0, w, xp);
    if (Blocks > 1) a1 = lanes_mac(a1, w + stride, xp);
    if (Blocks > 2) a2 = lanes_mac(a2, w + 2 * stride, xp);
    if (Blocks > 3) a3 = lanes_mac(a3, w + 3 * stride, xp);
  }
  int8_t* out = output + 8 * first;
  const int32_t whole = C::output_depth / 8 - first;  // blocks of eight outputs left
  lanes_store<C, Q>(a0, requant, first, out, whole > 0);
  if (Blocks > 1) lanes_store<C, Q>(a1, requant, first + 1, out + 8, whole > 1);
  if (Blocks > 2) lanes_store<C, Q>(a2, requant, first + 2, out + 16, whole > 2);
  if (Blocks > 3) lanes_store<C, Q>(a3, requant, first + 3, out + 24, whole > 3);
}

#endif

// Rows input vectors of C::input_depth values, each to C::output_depth outputs through the
// same weights: acc = folded_bias[o] + sum_k w'[o][k] * x[k] with the int16 weights w' of
// the layout above, requantized by Q. Exact int32 sums, so the vector and plain C loops agree.
// The weights' two values for lane pair i (= (block * pairs + pair) * 8 + lane): from int16
// values, or from an int32 word holding them (low half first, as in memory; the 1x1
// convolution's weights are int32 words because the band executor's row kernels take those).
MF_ALWAYS_INLINE void lanes_weight_pair(const int16_t* w, int32_t i, int32_t& lo, int32_t& hi) {
  lo = flash_read(w + 2 * i);
  hi = flash_read(w + 2 * i + 1);
}
MF_ALWAYS_INLINE void lanes_weight_pair(const int32_t* w, int32_t i, int32_t& lo, int32_t& hi) {
  const uint32_t word = static_cast<uint32_t>(flash_read(w + i));
  lo = static_cast<int16_t>(static_cast<uint16_t>(word & 0xFFFFu));
  hi = static_cast<int16_t>(static_cast<uint16_t>(word >> 16));
}

// output_stride: elements from one row's outputs to the next's.
template <typename C, typename Q, typename W>
inline void lanes_rows(int32_t rows, const int8_t* input, const W* weights, const int32_t* folded_bias,
                       const int32_t* requant, int8_t* output, int32_t output_stride) {
  typedef LanesShape<C> S;
  for (int32_t r = 0; r < rows; ++r, input += C::input_depth, output += output_stride) {
#if defined(__AVX2__)
    int32_t x[8 * S::chunks];
    for (int32_t i = 0; i < C::input_depth / 16; ++i) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(input + 16 * i));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(x + 8 * i), _mm256_cvtepi8_epi16(v));
    }
    if (C::input_depth % 16 != 0) {  // a part chunk: the input ends there (no read past it)
      int8_t tail[16] = {};
      for (int32_t i = 0; i < C::input_depth % 16; ++i) tail[i] = input[C::input_depth / 16 * 16 + i];
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(x + C::input_depth / 16 * 8),
                          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tail))));
    }
    const int16_t* w16 = reinterpret_cast<const int16_t*>(weights);  // only read by vector loads
    int32_t first = 0;
    for (; first + 4 <= S::blocks; first += 4) lanes_blocks_avx2<C, Q, 4>(x, w16, folded_bias, requant, output, first);
    if (S::blocks % 4 != 0)
      lanes_blocks_avx2<C, Q, (S::blocks % 4 != 0 ? S::blocks % 4 : 1)>(x, w16, folded_bias, requant, output, first);
#else
    int32_t x[2 * S::pairs];
    for (int32_t k = 0; k < C::input_depth; ++k) x[k] = input[k];
    if (C::input_depth % 2 != 0) x[C::input_depth] = 0;
    for (int32_t block = 0; block < S::blocks; ++block) {
      int32_t acc[8];
      for (int32_t j = 0; j < 8; ++j) acc[j] = flash_read(folded_bias + 8 * block + j);
      for (int32_t p = 0; p < S::pairs; ++p)
        for (int32_t j = 0; j < 8; ++j) {
          int32_t lo, hi;
          lanes_weight_pair(weights, (block * S::pairs + p) * 8 + j, lo, hi);
          acc[j] += lo * x[2 * p] + hi * x[2 * p + 1];
        }
      for (int32_t j = 0; j < 8 && 8 * block + j < C::output_depth; ++j)
        output[8 * block + j] = clamp_to_s8(requantize_q31(acc[j], Q::channel(requant, 8 * block + j),
                                                           C::output_zero_point),
                                            C::act_min, C::act_max);
    }
#endif
  }
}

}  // namespace detail

// folded_bias[o] = bias[o] - Z_in * sum_k (w[o][k] - Z_w) (compiler-computed), so
// acc = folded_bias[o] + sum_k (w[o][k] - Z_w) * x[k], TFLM's sum exactly.
// C: FullyConnectedS8WideConstants<...>; weights and folded_bias in the layout above.
template <typename C>
inline void fully_connected_s8_lanes_fixed(const int8_t* input, const int16_t* weights, const int32_t* folded_bias,
                                           int8_t* output) {
  static_assert(C::multiplier >= (static_cast<int32_t>(1) << 30) && C::shift < 0 && C::shift >= -31,
                "fully_connected_s8_lanes_fixed: requantize_q31 range only");
  detail::lanes_rows<C, detail::LanesTensorQ31<C>>(C::batches, input, weights, folded_bias, nullptr, output,
                                                   C::output_depth);
}

}  // namespace mf

#endif  // MICROFLOW_FULLY_CONNECTED_LANES_H_
