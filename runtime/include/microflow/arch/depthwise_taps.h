// The inner loops of the depthwise blocks (depthwise_blocks.h): one block of four output
// channels, its filter taps cached in the form each core's MACs want.
//   Helium (MVE): the raw int8, the four channels in the int32 lanes of one vector.
//   Arm DSP: per tap the sign-extended even/odd int16 pairs (one LDRD), SMLAxy per channel.
//   x86 SSE2: taps in pairs, int16 [c0 t, c0 t+1, c1 t, ...], one PMADDWD per pair.
//   Others: the raw int8 out of flash.
// window4: a window inside the image (tap i at x + offsets[i]); tap_zp4: one tap of a
// window crossing the border, as w * (x - Z_in) (the caller starts from the unfolded bias
// and skips out-of-image taps, TFLM's formulation). Both end in a Sum4 (the four sums: an
// Acc4, a vector on Helium) that emit4 requantizes.
#ifndef MICROFLOW_DEPTHWISE_TAPS_H_
#define MICROFLOW_DEPTHWISE_TAPS_H_

#include <stdint.h>
#include <string.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

namespace mf {
namespace detail {

// Largest window handled in blocks (micro_speech: 10x8); bigger windows use the
// per-channel loop.
constexpr int32_t kDepthwiseMaxTaps = 81;

// How four adjacent output channels oc..oc+3 read the input: each its own channel
// (depth_multiplier 1) or all the same one (depth_multiplier a multiple of 4).
enum class DepthwiseBlock { kElementwise, kBroadcast };

// Calls tap(i) for every tap i of a window, the 3x3 window unrolled (the callers' lambdas
// are always_inline: without it GCC keeps some calls, +0.1 % instructions on person_detect).
template <typename Tap>
MF_ALWAYS_INLINE void each_tap(int32_t taps, Tap tap) {
  if (taps == 9) {
    tap(0); tap(1); tap(2); tap(3); tap(4); tap(5); tap(6); tap(7); tap(8);
    return;
  }
  for (int32_t i = 0; i < taps; ++i) tap(i);
}

#if defined(MF_DOT_ARM_MVE)

// VLDRB widens four int8 to int32 lanes as it loads, so the taps stay int8 (half the DSP
// cache on a 2 KB stack). Elementwise: one VMUL + VADD per tap (MVE has no lane-wise
// vector-by-vector multiply-accumulate); broadcast: one VMLA by the scalar input.
struct TapWeights4 {
  int8_t w[4 * kDepthwiseMaxTaps];
};

inline void load_tap_weights4(TapWeights4& t, const int8_t* w, int32_t taps, int32_t tap_stride) {
  for (int32_t i = 0; i < taps; ++i, w += tap_stride) flash_copy(t.w + 4 * i, w, 4);
}

using Sum4 = int32x4_t;

inline int32x4_t acc4_vector(const Acc4& a) {
  int32x4_t v = vdupq_n_s32(a.a0);
  v = vsetq_lane_s32(a.a1, v, 1);
  v = vsetq_lane_s32(a.a2, v, 2);
  return vsetq_lane_s32(a.a3, v, 3);
}

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE int32x4_t tap_mac4(int32x4_t acc, const int8_t* x, const int8_t* w) {
  const int32x4_t wv = vldrbq_s32(w);
  if (Mode == DepthwiseBlock::kBroadcast) return vmlaq_n_s32(acc, wv, *x);
  return vaddq_s32(acc, vmulq_s32(vldrbq_s32(x), wv));
}

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE int32x4_t window4(const Acc4& acc, const int8_t* x, const int32_t* offsets, const TapWeights4& t,
                                   int32_t taps) {
  int32x4_t sum = acc4_vector(acc);
  each_tap(taps, [&](int32_t i) __attribute__((always_inline)) {
    sum = tap_mac4<Mode>(sum, x + offsets[i], t.w + 4 * i);
  });
  return sum;
}

// One tap of two windows `step` bytes apart (adjacent output pixels): the weights load once.
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_mac4x2(int32x4_t& a, int32x4_t& b, const int8_t* x, int32_t step, const int8_t* w) {
  const int32x4_t wv = vldrbq_s32(w);
  if (Mode == DepthwiseBlock::kBroadcast) {
    a = vmlaq_n_s32(a, wv, x[0]);
    b = vmlaq_n_s32(b, wv, x[step]);
  } else {
    a = vaddq_s32(a, vmulq_s32(vldrbq_s32(x), wv));
    b = vaddq_s32(b, vmulq_s32(vldrbq_s32(x + step), wv));
  }
}

// window4 of the pixel at x (into a) and of the next one, `step` bytes on (into b).
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void window4x2(const Acc4& acc, const int8_t* x, int32_t step, const int32_t* offsets,
                                const TapWeights4& t, int32_t taps, int32x4_t& a, int32x4_t& b) {
  a = b = acc4_vector(acc);
  each_tap(taps, [&](int32_t i) __attribute__((always_inline)) {
    tap_mac4x2<Mode>(a, b, x + offsets[i], step, t.w + 4 * i);
  });
}

using BorderAcc = int32x4_t;
inline BorderAcc border_begin(const Acc4& a) { return acc4_vector(a); }
inline Sum4 border_end(const BorderAcc& a) { return a; }

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_zp4(int32x4_t& a, const int8_t* x, int32_t zero_point, const TapWeights4& t, int32_t i) {
  const int32x4_t wv = vldrbq_s32(t.w + 4 * i);
  if (Mode == DepthwiseBlock::kBroadcast) {
    a = vmlaq_n_s32(a, wv, *x - zero_point);
  } else {
    a = vaddq_s32(a, vmulq_s32(vsubq_n_s32(vldrbq_s32(x), zero_point), wv));
  }
}

#elif defined(MF_DOT_ARM_DSP)

struct TapWeights4 {
  int32_t w[2 * kDepthwiseMaxTaps];
};

inline void load_tap_weights4(TapWeights4& t, const int8_t* w, int32_t taps, int32_t tap_stride) {
  for (int32_t i = 0; i < taps; ++i, w += tap_stride) {
    const int32_t v = flash_s8x4(w);
    t.w[2 * i] = __sxtb16(v);
    t.w[2 * i + 1] = sxtb16_ror8(v);
  }
}

// One tap of four channels at x + offset; w at tap 0, I selects tap I. Written in assembly
// because GCC spills accumulators when it schedules these itself.
template <DepthwiseBlock Mode, int I>
MF_ALWAYS_INLINE void tap_mac4(Acc4& a, const int8_t* x, int32_t offset, const int32_t* w) {
  int32_t v, even, odd, w_even, w_odd;
  if (Mode == DepthwiseBlock::kBroadcast) {
    __asm__(
        "ldrsb %[v], [%[x], %[off]]\n\t"
        "ldrd %[we], %[wo], [%[w], %[i]]\n\t"
        "smlabb %[a0], %[v], %[we], %[a0]\n\t"
        "smlabt %[a2], %[v], %[we], %[a2]\n\t"
        "smlabb %[a1], %[v], %[wo], %[a1]\n\t"
        "smlabt %[a3], %[v], %[wo], %[a3]"
        : [a0] "+r"(a.a0), [a1] "+r"(a.a1), [a2] "+r"(a.a2), [a3] "+r"(a.a3), [v] "=&r"(v), [we] "=&r"(w_even),
          [wo] "=&r"(w_odd)
        : [x] "r"(x), [off] "r"(offset), [w] "r"(w), [i] "i"(8 * I)
        : "memory");
    (void)even, (void)odd;
  } else {
    __asm__(
        "ldr %[v], [%[x], %[off]]\n\t"
        "ldrd %[we], %[wo], [%[w], %[i]]\n\t"
        "sxtb16 %[e], %[v]\n\t"
        "sxtb16 %[o], %[v], ror #8\n\t"
        "smlabb %[a0], %[e], %[we], %[a0]\n\t"
        "smlatt %[a2], %[e], %[we], %[a2]\n\t"
        "smlabb %[a1], %[o], %[wo], %[a1]\n\t"
        "smlatt %[a3], %[o], %[wo], %[a3]"
        : [a0] "+r"(a.a0), [a1] "+r"(a.a1), [a2] "+r"(a.a2), [a3] "+r"(a.a3), [v] "=&r"(v), [e] "=&r"(even),
          [o] "=&r"(odd), [we] "=&r"(w_even), [wo] "=&r"(w_odd)
        : [x] "r"(x), [off] "r"(offset), [w] "r"(w), [i] "i"(8 * I)
        : "memory");
  }
}

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE Acc4 window4(Acc4 acc, const int8_t* x, const int32_t* offsets, const TapWeights4& t,
                              int32_t taps) {
  const int32_t* w = t.w;
  if (taps == 9) {  // 3x3, unrolled
    tap_mac4<Mode, 0>(acc, x, offsets[0], w);
    tap_mac4<Mode, 1>(acc, x, offsets[1], w);
    tap_mac4<Mode, 2>(acc, x, offsets[2], w);
    tap_mac4<Mode, 3>(acc, x, offsets[3], w);
    tap_mac4<Mode, 4>(acc, x, offsets[4], w);
    tap_mac4<Mode, 5>(acc, x, offsets[5], w);
    tap_mac4<Mode, 6>(acc, x, offsets[6], w);
    tap_mac4<Mode, 7>(acc, x, offsets[7], w);
    tap_mac4<Mode, 8>(acc, x, offsets[8], w);
    return acc;
  }
  for (; taps >= 3; taps -= 3, offsets += 3, w += 6) {
    tap_mac4<Mode, 0>(acc, x, offsets[0], w);
    tap_mac4<Mode, 1>(acc, x, offsets[1], w);
    tap_mac4<Mode, 2>(acc, x, offsets[2], w);
  }
  for (; taps > 0; --taps, ++offsets, w += 2) tap_mac4<Mode, 0>(acc, x, offsets[0], w);
  return acc;
}

using Sum4 = Acc4;
using BorderAcc = Acc4;
inline BorderAcc border_begin(const Acc4& a) { return a; }
inline Acc4 border_end(const BorderAcc& a) { return a; }

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_zp4(Acc4& a, const int8_t* x, int32_t zero_point, const TapWeights4& t, int32_t i) {
  const int32_t w_even = t.w[2 * i], w_odd = t.w[2 * i + 1];
  if (Mode == DepthwiseBlock::kBroadcast) {
    const int32_t v = *x - zero_point;
    a.a0 = __smlabb(v, w_even, a.a0), a.a2 = __smlabt(v, w_even, a.a2);
    a.a1 = __smlabb(v, w_odd, a.a1), a.a3 = __smlabt(v, w_odd, a.a3);
  } else {
    // x - Z_in lies in [-255, 255]: still int16 halves.
    const int32_t v = load_s8x4(x);
    const int32_t z = static_cast<int32_t>((static_cast<uint32_t>(zero_point) & 0xFFFFu) * 0x10001u);
    const int32_t even = __ssub16(__sxtb16(v), z), odd = __ssub16(sxtb16_ror8(v), z);
    a.a0 = __smlabb(even, w_even, a.a0), a.a2 = __smlatt(even, w_even, a.a2);
    a.a1 = __smlabb(odd, w_odd, a.a1), a.a3 = __smlatt(odd, w_odd, a.a3);
  }
}

#elif defined(MF_DOT_SSE2)

struct TapWeights4 {
  // Pair p holds taps 2p and 2p+1 (zero when past the last tap).
  __m128i pairs[(kDepthwiseMaxTaps + 1) / 2];
};

inline void load_tap_weights4(TapWeights4& t, const int8_t* w, int32_t taps, int32_t tap_stride) {
  for (int32_t p = 0; 2 * p < taps; ++p) {
    int16_t v[8];
    for (int32_t c = 0; c < 4; ++c) {
      v[2 * c] = flash_read(w + 2 * p * tap_stride + c);
      v[2 * c + 1] = static_cast<int16_t>(2 * p + 1 < taps ? flash_read(w + (2 * p + 1) * tap_stride + c) : 0);
    }
    memcpy(&t.pairs[p], v, sizeof v);
  }
}

inline Acc4 to_acc4(__m128i v) {
  int32_t s[4];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s), v);
  return {s[0], s[1], s[2], s[3]};
}

inline __m128i acc4_vector(const Acc4& a) { return _mm_setr_epi32(a.a0, a.a1, a.a2, a.a3); }

// Taps t and u of four channels as int16 [c0 t, c0 u, c1 t, c1 u, ...].
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE __m128i tap_pair(const int8_t* t, const int8_t* u) {
  if (Mode == DepthwiseBlock::kBroadcast) {
    return _mm_set1_epi32(static_cast<int32_t>((static_cast<uint32_t>(*t) & 0xFFFFu) |
                                               (static_cast<uint32_t>(*u) << 16)));
  }
  int32_t a, b;
  memcpy(&a, t, 4);
  memcpy(&b, u, 4);
  return widen_lo_s8(_mm_unpacklo_epi8(_mm_cvtsi32_si128(a), _mm_cvtsi32_si128(b)));
}

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE Acc4 window4(Acc4 acc, const int8_t* x, const int32_t* offsets, const TapWeights4& t,
                              int32_t taps) {
  __m128i sum = acc4_vector(acc);
  int32_t i = 0;
  for (; i + 2 <= taps; i += 2)
    sum = _mm_add_epi32(sum, _mm_madd_epi16(tap_pair<Mode>(x + offsets[i], x + offsets[i + 1]), t.pairs[i / 2]));
  if (i < taps)  // the last pair's second weights are zero
    sum = _mm_add_epi32(sum, _mm_madd_epi16(tap_pair<Mode>(x + offsets[i], x + offsets[i]), t.pairs[i / 2]));
  return to_acc4(sum);
}

using Sum4 = Acc4;
using BorderAcc = __m128i;
inline BorderAcc border_begin(const Acc4& a) { return acc4_vector(a); }
inline Acc4 border_end(const BorderAcc& a) { return to_acc4(a); }

// One tap as the first or second of its pair, the partner's x zero.
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_zp4(__m128i& a, const int8_t* x, int32_t zero_point, const TapWeights4& t, int32_t i) {
  __m128i v;
  if (Mode == DepthwiseBlock::kBroadcast) {
    v = _mm_set1_epi32(static_cast<int32_t>((static_cast<uint32_t>(*x - zero_point) & 0xFFFFu) << (16 * (i % 2))));
  } else {
    int32_t b;
    memcpy(&b, x, 4);
    const __m128i x16 = _mm_sub_epi16(widen_lo_s8(_mm_cvtsi32_si128(b)), _mm_set1_epi16(static_cast<int16_t>(zero_point)));
    v = i % 2 ? _mm_unpacklo_epi16(_mm_setzero_si128(), x16) : _mm_unpacklo_epi16(x16, _mm_setzero_si128());
  }
  a = _mm_add_epi32(a, _mm_madd_epi16(v, t.pairs[i / 2]));
}

#else

struct TapWeights4 {
  alignas(4) int8_t w[4 * kDepthwiseMaxTaps];
};

inline void load_tap_weights4(TapWeights4& t, const int8_t* w, int32_t taps, int32_t tap_stride) {
#if defined(MF_DOT_RV32) || defined(MF_DOT_XTENSA)
  // With a depth that is a multiple of 4 each tap's four weights are one aligned word: one
  // load and store (the band executor reloads the taps for every output row; on Xtensa a
  // flash byte costs an l32i and three shifts).
  if (((reinterpret_cast<uintptr_t>(w) | static_cast<uintptr_t>(tap_stride)) & 3u) == 0) {
    for (int32_t i = 0; i < taps; ++i, w += tap_stride)
      flash_copy(__builtin_assume_aligned(t.w + 4 * i, 4), __builtin_assume_aligned(w, 4), 4);
    return;
  }
#endif
  for (int32_t i = 0; i < taps; ++i, w += tap_stride)
    for (int32_t j = 0; j < 4; ++j) t.w[4 * i + j] = flash_read(w + j);
}

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_mac4(Acc4& acc, const int8_t* x, const int8_t* w) {
#if defined(MF_DOT_XTENSA)
  // The cached tap is an aligned word: one l32i and shifts instead of four l8ui + shifts.
  typedef uint32_t __attribute__((may_alias)) Word;
  const uint32_t word = *reinterpret_cast<const Word*>(__builtin_assume_aligned(w, 4));
  const int32_t w0 = byte_s8_xtensa<0>(word), w1 = byte_s8_xtensa<1>(word);
  const int32_t w2 = byte_s8_xtensa<2>(word), w3 = byte_s8_xtensa<3>(word);
  if (Mode == DepthwiseBlock::kBroadcast) {
    const int32_t v = *x;
    acc.a0 += v * w0, acc.a1 += v * w1, acc.a2 += v * w2, acc.a3 += v * w3;
  } else {
    acc.a0 += x[0] * w0, acc.a1 += x[1] * w1, acc.a2 += x[2] * w2, acc.a3 += x[3] * w3;
  }
#else
  if (Mode == DepthwiseBlock::kBroadcast) {
    const int8_t s = *x;
    acc.a0 += mul_s8(s, w[0]), acc.a1 += mul_s8(s, w[1]), acc.a2 += mul_s8(s, w[2]), acc.a3 += mul_s8(s, w[3]);
  } else {
    acc.a0 += mul_s8(x[0], w[0]), acc.a1 += mul_s8(x[1], w[1]);
    acc.a2 += mul_s8(x[2], w[2]), acc.a3 += mul_s8(x[3], w[3]);
  }
#endif
}

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE Acc4 window4(Acc4 acc, const int8_t* x, const int32_t* offsets, const TapWeights4& t,
                              int32_t taps) {
  for (int32_t i = 0; i < taps; ++i) tap_mac4<Mode>(acc, x + offsets[i], t.w + 4 * i);
  return acc;
}

#if defined(MF_DOT_RV32)
// One tap of two windows `step` bytes apart (adjacent output pixels): each cached weight is
// loaded once for both (RV32: 3.9 instead of 5 instructions per MAC with the 3x3 unrolled).
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_mac4x2(Acc4& a, Acc4& b, const int8_t* x, const int8_t* y, const int8_t* w) {
  const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  if (Mode == DepthwiseBlock::kBroadcast) {
    const int32_t s = x[0], t = y[0];
    a.a0 += s * w0, a.a1 += s * w1, a.a2 += s * w2, a.a3 += s * w3;
    b.a0 += t * w0, b.a1 += t * w1, b.a2 += t * w2, b.a3 += t * w3;
  } else {
    a.a0 += x[0] * w0, a.a1 += x[1] * w1, a.a2 += x[2] * w2, a.a3 += x[3] * w3;
    b.a0 += y[0] * w0, b.a1 += y[1] * w1, b.a2 += y[2] * w2, b.a3 += y[3] * w3;
  }
  rv32_barrier(a.a0, a.a1, a.a2, a.a3);  // dot_s8.h: the loads stay with their tap
  rv32_barrier(b.a0, b.a1, b.a2, b.a3);
}

// window4 of the pixel at x (into a) and of the next one, `step` bytes on (into b).
template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void window4x2(const Acc4& acc, const int8_t* x, int32_t step, const int32_t* offsets,
                                const TapWeights4& t, int32_t taps, Acc4& a, Acc4& b) {
  Acc4 first = acc, second = acc;
  const int8_t* y = x + step;
  each_tap(taps, [&](int32_t i) __attribute__((always_inline)) {
    tap_mac4x2<Mode>(first, second, x + offsets[i], y + offsets[i], t.w + 4 * i);
  });
  a = first, b = second;
}
#endif

using Sum4 = Acc4;
using BorderAcc = Acc4;
inline BorderAcc border_begin(const Acc4& a) { return a; }
inline Acc4 border_end(const BorderAcc& a) { return a; }

template <DepthwiseBlock Mode>
MF_ALWAYS_INLINE void tap_zp4(Acc4& a, const int8_t* x, int32_t zero_point, const TapWeights4& t, int32_t i) {
  const int8_t* w = t.w + 4 * i;
  if (Mode == DepthwiseBlock::kBroadcast) {
    const int32_t v = *x - zero_point;
    a.a0 += v * w[0], a.a1 += v * w[1], a.a2 += v * w[2], a.a3 += v * w[3];
  } else {
    a.a0 += (x[0] - zero_point) * w[0], a.a1 += (x[1] - zero_point) * w[1];
    a.a2 += (x[2] - zero_point) * w[2], a.a3 += (x[3] - zero_point) * w[3];
  }
}

#endif

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_DEPTHWISE_TAPS_H_
