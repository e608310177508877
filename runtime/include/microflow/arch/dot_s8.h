// int8 dot-product blocks behind the convolution kernels: one input vector against four
// output channels of a packed filter. Three implementations of the same sums: Arm DSP
// (SXTB16/SMLAD, two MACs per instruction; on cores with Helium (MVE, Cortex-M55) the long
// runs use VMLADAVA, eight or sixteen MACs per instruction), x86 SSE2 (PMADDWD, the host
// build) and plain C for every other core. Integer sums are exact in any order, so all agree.
//
// Packed filter layout (compiler: lower_conv.cpp). Output channels come in blocks of four
// (the last block padded with zero filters). A block stores each filter row of L values
// (L = filter_width * input_depth, contiguous in the input too) as
//   L/8 chunks of [4 channels][8 values], then if L%8 >= 4 one chunk [4][4],
//   then the last L%4 values as [4][L%4],
// i.e. 4*L bytes per row, 4-byte aligned. Any segment of a row that starts at a multiple of
// 8 and either ends at the row's end or spans whole chunks has the same layout.
#ifndef MICROFLOW_DOT_S8_H_
#define MICROFLOW_DOT_S8_H_

#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define MF_DOT_ARM_DSP 1
// Bit 0 of __ARM_FEATURE_MVE: the integer Helium instructions. Flash is memory-mapped on
// every Arm core, so vector loads read weights in place (flash_read is a plain load there).
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define MF_DOT_ARM_MVE 1
#endif
#elif defined(__SSE2__)
#include <emmintrin.h>
#define MF_DOT_SSE2 1
#elif defined(__riscv) && !defined(__riscv_vector)
#define MF_DOT_RV32 1
#elif defined(__XTENSA__)
#define MF_DOT_XTENSA 1
#endif

namespace mf {
namespace detail {

// Four int8 of RAM (any alignment: Cortex-M4 and up load words unaligned; memcpy elsewhere).
inline int32_t load_s8x4(const int8_t* p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

#if defined(MF_DOT_ARM_DSP)

// Bytes 1 and 3 sign-extended to two int16 (GCC does not fold the rotation by itself).
inline int32_t sxtb16_ror8(int32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

// (lo & 0xFFFF) | (hi << 16) in one instruction.
inline int32_t pack_halves(int32_t lo, int32_t hi) {
  int32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
  return r;
}

// (lo >> 16 & 0xFFFF) | (hi & 0xFFFF0000): the top halves, in one instruction.
inline int32_t pack_tops(int32_t lo, int32_t hi) {
  int32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
  return r;
}

// acc + the dot product of four int8 weights (one aligned flash word) with four inputs
// already split into even (bytes 0, 2) and odd (bytes 1, 3) int16 pairs.
inline int32_t mac_s8x4(const int8_t* w, int32_t x_even, int32_t x_odd, int32_t acc) {
  const int32_t packed = flash_read(reinterpret_cast<const int32_t*>(w));
  acc = __smlad(__sxtb16(packed), x_even, acc);
  return __smlad(sxtb16_ror8(packed), x_odd, acc);
}

struct Block4Acc {
  int32_t a0, a1, a2, a3;
};

inline void block4_dot(Block4Acc& acc, const int8_t* x, const int8_t* w, int32_t n) {
  int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
#if defined(MF_DOT_ARM_MVE)
  // An 8-chunk is one run of 8 weights per channel: eight int8 widened to int16 lanes, one
  // VMLADAVA per channel (int16 products of int8 values sum exactly into the int32).
  for (; n >= 8; n -= 8, x += 8, w += 32) {
    const int16x8_t xv = vldrbq_s16(x);
    a0 = vmladavaq_s16(a0, xv, vldrbq_s16(w));
    a1 = vmladavaq_s16(a1, xv, vldrbq_s16(w + 8));
    a2 = vmladavaq_s16(a2, xv, vldrbq_s16(w + 16));
    a3 = vmladavaq_s16(a3, xv, vldrbq_s16(w + 24));
  }
#else
  for (; n >= 8; n -= 8, x += 8, w += 32) {
    const int32_t lo = load_s8x4(x), hi = load_s8x4(x + 4);
    const int32_t lo_even = __sxtb16(lo), lo_odd = sxtb16_ror8(lo);
    const int32_t hi_even = __sxtb16(hi), hi_odd = sxtb16_ror8(hi);
    a0 = mac_s8x4(w + 4, hi_even, hi_odd, mac_s8x4(w, lo_even, lo_odd, a0));
    a1 = mac_s8x4(w + 12, hi_even, hi_odd, mac_s8x4(w + 8, lo_even, lo_odd, a1));
    a2 = mac_s8x4(w + 20, hi_even, hi_odd, mac_s8x4(w + 16, lo_even, lo_odd, a2));
    a3 = mac_s8x4(w + 28, hi_even, hi_odd, mac_s8x4(w + 24, lo_even, lo_odd, a3));
  }
#endif
  if (n >= 4) {
    const int32_t v = load_s8x4(x);
    const int32_t even = __sxtb16(v), odd = sxtb16_ror8(v);
    a0 = mac_s8x4(w, even, odd, a0);
    a1 = mac_s8x4(w + 4, even, odd, a1);
    a2 = mac_s8x4(w + 8, even, odd, a2);
    a3 = mac_s8x4(w + 12, even, odd, a3);
    n -= 4, x += 4, w += 16;
  }
  for (int32_t i = 0; i < n; ++i) {
    const int8_t v = x[i];
    a0 += mul_s8(flash_read(w + i), v);
    a1 += mul_s8(flash_read(w + n + i), v);
    a2 += mul_s8(flash_read(w + 2 * n + i), v);
    a3 += mul_s8(flash_read(w + 3 * n + i), v);
  }
  acc.a0 = a0, acc.a1 = a1, acc.a2 = a2, acc.a3 = a3;
}

inline void block4_init(Block4Acc& acc) { acc.a0 = acc.a1 = acc.a2 = acc.a3 = 0; }

inline void block4_sums(const Block4Acc& acc, int32_t* sums) {
  sums[0] = acc.a0, sums[1] = acc.a1, sums[2] = acc.a2, sums[3] = acc.a3;
}

#elif defined(MF_DOT_SSE2)

inline __m128i flash_load_16(const int8_t* w) {
  __m128i v;
  flash_copy(&v, w, 16);
  return v;
}

// Sign-extends the low 8 int8 of v to 8 int16.
inline __m128i widen_lo_s8(__m128i v) { return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8); }
inline __m128i widen_hi_s8(__m128i v) { return _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8); }

// Per channel j, lanes of partial sums: c[j] from 8-chunks, pairs (channel 0/1 and 2/3, two
// lanes each) from the 4-chunk, and a scalar for the last L%4 values.
struct Block4Acc {
  __m128i c0, c1, c2, c3, pair01, pair23;
  int32_t tail[4];
};

inline void block4_init(Block4Acc& acc) {
  acc.c0 = acc.c1 = acc.c2 = acc.c3 = acc.pair01 = acc.pair23 = _mm_setzero_si128();
  acc.tail[0] = acc.tail[1] = acc.tail[2] = acc.tail[3] = 0;
}

inline void block4_dot(Block4Acc& acc, const int8_t* x, const int8_t* w, int32_t n) {
  for (; n >= 8; n -= 8, x += 8, w += 32) {
    const __m128i xv = widen_lo_s8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x)));
    const __m128i w01 = flash_load_16(w), w23 = flash_load_16(w + 16);
    acc.c0 = _mm_add_epi32(acc.c0, _mm_madd_epi16(widen_lo_s8(w01), xv));
    acc.c1 = _mm_add_epi32(acc.c1, _mm_madd_epi16(widen_hi_s8(w01), xv));
    acc.c2 = _mm_add_epi32(acc.c2, _mm_madd_epi16(widen_lo_s8(w23), xv));
    acc.c3 = _mm_add_epi32(acc.c3, _mm_madd_epi16(widen_hi_s8(w23), xv));
  }
  if (n >= 4) {
    int32_t x4;
    memcpy(&x4, x, 4);
    const __m128i xv = widen_lo_s8(_mm_cvtsi32_si128(x4));
    const __m128i xx = _mm_unpacklo_epi64(xv, xv);
    const __m128i wv = flash_load_16(w);
    acc.pair01 = _mm_add_epi32(acc.pair01, _mm_madd_epi16(widen_lo_s8(wv), xx));
    acc.pair23 = _mm_add_epi32(acc.pair23, _mm_madd_epi16(widen_hi_s8(wv), xx));
    n -= 4, x += 4, w += 16;
  }
  for (int32_t i = 0; i < n; ++i) {
    const int8_t v = x[i];
    acc.tail[0] += v * flash_read(w + i);
    acc.tail[1] += v * flash_read(w + n + i);
    acc.tail[2] += v * flash_read(w + 2 * n + i);
    acc.tail[3] += v * flash_read(w + 3 * n + i);
  }
}

inline void block4_sums(const Block4Acc& acc, int32_t* sums) {
  // Transpose-add the four channel vectors, then the two pair vectors.
  const __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(acc.c0, acc.c1), _mm_unpackhi_epi32(acc.c0, acc.c1));
  const __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(acc.c2, acc.c3), _mm_unpackhi_epi32(acc.c2, acc.c3));
  __m128i total = _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
  const __m128 p01 = _mm_castsi128_ps(acc.pair01), p23 = _mm_castsi128_ps(acc.pair23);
  total = _mm_add_epi32(total, _mm_castps_si128(_mm_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0))));
  total = _mm_add_epi32(total, _mm_castps_si128(_mm_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1))));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), total);
  for (int j = 0; j < 4; ++j) sums[j] += acc.tail[j];
}

#elif defined(MF_DOT_RV32)

// RV32IMC has no SIMD, and LB is one instruction per int8 where a word load needs two
// shifts per byte, so the chunks are unrolled with constant offsets: per MAC one weight LB,
// one MUL, one ADD, each input LB serving four channels (eight with block4_dot_x2).
// GCC's scheduler would hoist every load of an unrolled chunk to its top and spill most of
// them to the stack (5 instead of 2.75 instructions per MAC); a compiler barrier after each
// input value, which loads cannot cross and which takes the accumulators (so their MACs
// come before it), keeps the loads next to their MACs.
MF_ALWAYS_INLINE void rv32_barrier(int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3) {
  __asm__ volatile("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3) : : "memory");
}

struct Block4Acc {
  int32_t a0, a1, a2, a3;
};

template <int Size>
MF_ALWAYS_INLINE void block4_chunk_rv32(Block4Acc& acc, const int8_t* x, const int8_t* w) {
#pragma GCC unroll 8
  for (int i = 0; i < Size; ++i) {
    const int32_t v = x[i];
    acc.a0 += v * flash_read(w + i), acc.a1 += v * flash_read(w + Size + i);
    acc.a2 += v * flash_read(w + 2 * Size + i), acc.a3 += v * flash_read(w + 3 * Size + i);
    rv32_barrier(acc.a0, acc.a1, acc.a2, acc.a3);
  }
}

inline void block4_dot(Block4Acc& acc, const int8_t* x, const int8_t* w, int32_t n) {
  Block4Acc a = acc;
  for (; n >= 8; n -= 8, x += 8, w += 32) block4_chunk_rv32<8>(a, x, w);
  if (n >= 4) block4_chunk_rv32<4>(a, x, w), n -= 4, x += 4, w += 16;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = x[i];
    a.a0 += v * flash_read(w + i), a.a1 += v * flash_read(w + n + i);
    a.a2 += v * flash_read(w + 2 * n + i), a.a3 += v * flash_read(w + 3 * n + i);
  }
  acc = a;
}

// Two input vectors (two output pixels) against the same block: each weight LB serves two
// MACs, so a MAC costs 2.75 instructions instead of 3.25 (eight accumulators in registers).
template <int Size>
MF_ALWAYS_INLINE void block4_chunk_x2_rv32(Block4Acc& a, Block4Acc& b, const int8_t* x, const int8_t* y,
                                           const int8_t* w) {
#pragma GCC unroll 8
  for (int i = 0; i < Size; ++i) {
    const int32_t u = x[i], v = y[i];
    const int32_t w0 = flash_read(w + i), w1 = flash_read(w + Size + i),
                  w2 = flash_read(w + 2 * Size + i), w3 = flash_read(w + 3 * Size + i);
    a.a0 += u * w0, a.a1 += u * w1, a.a2 += u * w2, a.a3 += u * w3;
    b.a0 += v * w0, b.a1 += v * w1, b.a2 += v * w2, b.a3 += v * w3;
    rv32_barrier(a.a0, a.a1, a.a2, a.a3);
    rv32_barrier(b.a0, b.a1, b.a2, b.a3);
  }
}

MF_ALWAYS_INLINE void block4_dot_x2(Block4Acc& acc_x, Block4Acc& acc_y, const int8_t* x, const int8_t* y,
                                    const int8_t* w, int32_t n) {
  Block4Acc a = acc_x, b = acc_y;
  for (; n >= 8; n -= 8, x += 8, y += 8, w += 32) block4_chunk_x2_rv32<8>(a, b, x, y, w);
  if (n >= 4) block4_chunk_x2_rv32<4>(a, b, x, y, w), n -= 4, x += 4, y += 4, w += 16;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t u = x[i], v = y[i];
    const int32_t w0 = flash_read(w + i), w1 = flash_read(w + n + i),
                  w2 = flash_read(w + 2 * n + i), w3 = flash_read(w + 3 * n + i);
    a.a0 += u * w0, a.a1 += u * w1, a.a2 += u * w2, a.a3 += u * w3;
    b.a0 += v * w0, b.a1 += v * w1, b.a2 += v * w2, b.a3 += v * w3;
  }
  acc_x = a, acc_y = b;
}

// Three input vectors (three output pixels) against the same block: per input value four
// weight LBs and three input LBs feed twelve MACs (2.58 instructions per MAC). Twelve
// accumulators, four weights and three pointers leave GCC too few registers to schedule the
// C form without moves, so each value's step is written out: value K of a chunk of Size
// per channel, the weights at constant offsets K, Size + K, 2 Size + K, 3 Size + K (flash is
// memory-mapped on RV32: LB reads it in place, as flash_read does).
template <int Size, int K>
MF_ALWAYS_INLINE void block4_step_x3_rv32(Block4Acc& a, Block4Acc& b, Block4Acc& c, const int8_t* x, const int8_t* y,
                                          const int8_t* z, const int8_t* w) {
  int32_t w0, w1, w2, w3, v, t;
  __asm__ volatile(
      "lb %[w0], %[o0](%[w])\n\t"
      "lb %[w1], %[o1](%[w])\n\t"
      "lb %[w2], %[o2](%[w])\n\t"
      "lb %[w3], %[o3](%[w])\n\t"
      "lb %[v], %[o0](%[x])\n\t"
      "mul %[t], %[v], %[w0]\n\tadd %[a0], %[a0], %[t]\n\t"
      "mul %[t], %[v], %[w1]\n\tadd %[a1], %[a1], %[t]\n\t"
      "mul %[t], %[v], %[w2]\n\tadd %[a2], %[a2], %[t]\n\t"
      "mul %[t], %[v], %[w3]\n\tadd %[a3], %[a3], %[t]\n\t"
      "lb %[v], %[o0](%[y])\n\t"
      "mul %[t], %[v], %[w0]\n\tadd %[b0], %[b0], %[t]\n\t"
      "mul %[t], %[v], %[w1]\n\tadd %[b1], %[b1], %[t]\n\t"
      "mul %[t], %[v], %[w2]\n\tadd %[b2], %[b2], %[t]\n\t"
      "mul %[t], %[v], %[w3]\n\tadd %[b3], %[b3], %[t]"
      : [a0] "+r"(a.a0), [a1] "+r"(a.a1), [a2] "+r"(a.a2), [a3] "+r"(a.a3), [b0] "+r"(b.a0), [b1] "+r"(b.a1),
        [b2] "+r"(b.a2), [b3] "+r"(b.a3), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3),
        [v] "=&r"(v), [t] "=&r"(t)
      : [x] "r"(x), [y] "r"(y), [w] "r"(w), [o0] "i"(K), [o1] "i"(Size + K), [o2] "i"(2 * Size + K),
        [o3] "i"(3 * Size + K)
      : "memory");
  __asm__ volatile(
      "lb %[v], %[o0](%[z])\n\t"
      "mul %[t], %[v], %[w0]\n\tadd %[c0], %[c0], %[t]\n\t"
      "mul %[t], %[v], %[w1]\n\tadd %[c1], %[c1], %[t]\n\t"
      "mul %[t], %[v], %[w2]\n\tadd %[c2], %[c2], %[t]\n\t"
      "mul %[t], %[v], %[w3]\n\tadd %[c3], %[c3], %[t]"
      : [c0] "+r"(c.a0), [c1] "+r"(c.a1), [c2] "+r"(c.a2), [c3] "+r"(c.a3), [v] "=&r"(v), [t] "=&r"(t)
      : [z] "r"(z), [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [w3] "r"(w3), [o0] "i"(K)
      : "memory");
}

template <int Size>
MF_ALWAYS_INLINE void block4_chunk_x3_rv32(Block4Acc& a, Block4Acc& b, Block4Acc& c, const int8_t* x, const int8_t* y,
                                           const int8_t* z, const int8_t* w) {
  block4_step_x3_rv32<Size, 0>(a, b, c, x, y, z, w);
  block4_step_x3_rv32<Size, 1>(a, b, c, x, y, z, w);
  block4_step_x3_rv32<Size, 2>(a, b, c, x, y, z, w);
  block4_step_x3_rv32<Size, 3>(a, b, c, x, y, z, w);
  if (Size == 8) {
    block4_step_x3_rv32<Size, 4 % Size>(a, b, c, x, y, z, w);
    block4_step_x3_rv32<Size, 5 % Size>(a, b, c, x, y, z, w);
    block4_step_x3_rv32<Size, 6 % Size>(a, b, c, x, y, z, w);
    block4_step_x3_rv32<Size, 7 % Size>(a, b, c, x, y, z, w);
  }
}

MF_ALWAYS_INLINE void block4_dot_x3(Block4Acc& acc_x, Block4Acc& acc_y, Block4Acc& acc_z, const int8_t* x,
                                    const int8_t* y, const int8_t* z, const int8_t* w, int32_t n) {
  Block4Acc a = acc_x, b = acc_y, c = acc_z;
  for (; n >= 8; n -= 8, x += 8, y += 8, z += 8, w += 32) block4_chunk_x3_rv32<8>(a, b, c, x, y, z, w);
  if (n >= 4) block4_chunk_x3_rv32<4>(a, b, c, x, y, z, w), n -= 4, x += 4, y += 4, z += 4, w += 16;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t u = x[i], v = y[i], t = z[i];
    const int32_t w0 = flash_read(w + i), w1 = flash_read(w + n + i),
                  w2 = flash_read(w + 2 * n + i), w3 = flash_read(w + 3 * n + i);
    a.a0 += u * w0, a.a1 += u * w1, a.a2 += u * w2, a.a3 += u * w3;
    b.a0 += v * w0, b.a1 += v * w1, b.a2 += v * w2, b.a3 += v * w3;
    c.a0 += t * w0, c.a1 += t * w1, c.a2 += t * w2, c.a3 += t * w3;
  }
  acc_x = a, acc_y = b, acc_z = c;
}

inline void block4_init(Block4Acc& acc) { acc.a0 = acc.a1 = acc.a2 = acc.a3 = 0; }

inline void block4_sums(const Block4Acc& acc, int32_t* sums) {
  sums[0] = acc.a0, sums[1] = acc.a1, sums[2] = acc.a2, sums[3] = acc.a3;
}

#elif defined(MF_DOT_XTENSA)

// ESP8266 (Xtensa LX106): flash answers only aligned 32-bit loads (flash.h), so flash_read
// of one int8 costs an l32i, a shift by the byte offset and a sign extension. The chunks
// keep each channel's 8 or 4 values in aligned words: one l32i brings four weights, each
// sign-extended by shifts (the LX106 has no SEXT), and the four inputs of the group are
// loaded once for the four channels. The tail (L % 4 values per channel) is not word-aligned
// per channel and keeps flash_read.
struct Block4Acc {
  int32_t a0, a1, a2, a3;
};

// Byte k of `word` (little endian), sign-extended.
template <int K>
MF_ALWAYS_INLINE int32_t byte_s8_xtensa(uint32_t word) {
  return static_cast<int32_t>(word << (24 - 8 * K)) >> 24;
}

// One chunk [4 channels][Size] at the aligned flash address w. Per group of four values the
// four channels' words are loaded first, then each input is used at once: few live registers
// (the LX106 has 16), and a compiler barrier per input (loads cannot cross it, the
// accumulators pass through it) keeps GCC from hoisting every load and spilling.
// Input values: one l8ui and two shifts each, or (XAligned: x 4-aligned in RAM) one l32i
// for four and their shifts.
template <bool XAligned, int K>
MF_ALWAYS_INLINE int32_t input_s8_xtensa(const int8_t* x, uint32_t x_word) {
  return XAligned ? byte_s8_xtensa<K>(x_word) : x[K];
}

// acc + the four int8 of flash word `w` times x0..x3.
MF_ALWAYS_INLINE int32_t mac_word_xtensa(int32_t acc, uint32_t w, int32_t x0, int32_t x1, int32_t x2, int32_t x3) {
  acc += x0 * byte_s8_xtensa<0>(w) + x1 * byte_s8_xtensa<1>(w) + x2 * byte_s8_xtensa<2>(w) + x3 * byte_s8_xtensa<3>(w);
  __asm__ volatile("" : "+r"(acc) : : "memory");
  return acc;
}

// Per group of four values the inputs are sign-extended once, then each channel's word is
// loaded and used at once: four inputs, four accumulators and one word live (the LX106 has
// 16 registers), and a compiler barrier per channel (loads cannot cross it, its accumulator
// passes through it) keeps GCC from hoisting every load and spilling.
template <bool XAligned, int Size>
MF_ALWAYS_INLINE void block4_chunk_xtensa(Block4Acc& a, const int8_t* x, uintptr_t w) {
  typedef uint32_t __attribute__((may_alias)) Word;
  for (int g = 0; g < Size; g += 4) {
    const uint32_t xw = XAligned ? *reinterpret_cast<const Word*>(x + g) : 0;
    const int32_t x0 = input_s8_xtensa<XAligned, 0>(x + g, xw), x1 = input_s8_xtensa<XAligned, 1>(x + g, xw);
    const int32_t x2 = input_s8_xtensa<XAligned, 2>(x + g, xw), x3 = input_s8_xtensa<XAligned, 3>(x + g, xw);
    a.a0 = mac_word_xtensa(a.a0, flash_word(w + g), x0, x1, x2, x3);
    a.a1 = mac_word_xtensa(a.a1, flash_word(w + Size + g), x0, x1, x2, x3);
    a.a2 = mac_word_xtensa(a.a2, flash_word(w + 2 * Size + g), x0, x1, x2, x3);
    a.a3 = mac_word_xtensa(a.a3, flash_word(w + 3 * Size + g), x0, x1, x2, x3);
  }
}

template <bool XAligned>
MF_ALWAYS_INLINE void block4_words_xtensa(Block4Acc& a, const int8_t*& x, uintptr_t& words, int32_t& n) {
  for (; n >= 8; n -= 8, x += 8, words += 32) block4_chunk_xtensa<XAligned, 8>(a, x, words);
  if (n >= 4) block4_chunk_xtensa<XAligned, 4>(a, x, words), n -= 4, x += 4, words += 16;
}

// w: 4-aligned (packed rows are, flash.h's MF_FLASH aligns every array).
inline void block4_dot(Block4Acc& acc, const int8_t* x, const int8_t* w, int32_t n) {
  Block4Acc a = acc;
  uintptr_t words = reinterpret_cast<uintptr_t>(w);
  if ((reinterpret_cast<uintptr_t>(x) & 3u) == 0) {
    block4_words_xtensa<true>(a, x, words, n);
  } else {
    block4_words_xtensa<false>(a, x, words, n);
  }
  w = reinterpret_cast<const int8_t*>(words);
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = x[i];
    a.a0 += v * flash_read(w + i), a.a1 += v * flash_read(w + n + i);
    a.a2 += v * flash_read(w + 2 * n + i), a.a3 += v * flash_read(w + 3 * n + i);
  }
  acc = a;
}

inline void block4_init(Block4Acc& acc) { acc.a0 = acc.a1 = acc.a2 = acc.a3 = 0; }

inline void block4_sums(const Block4Acc& acc, int32_t* sums) {
  sums[0] = acc.a0, sums[1] = acc.a1, sums[2] = acc.a2, sums[3] = acc.a3;
}

#else

struct Block4Acc {
  int32_t a0, a1, a2, a3;
};

// Sums one chunk [4 channels][size] of w against x[0, size).
inline void block4_chunk(Block4Acc& acc, const int8_t* x, const int8_t* w, int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const int8_t v = x[i];
    acc.a0 += mul_s8(flash_read(w + i), v);
    acc.a1 += mul_s8(flash_read(w + size + i), v);
    acc.a2 += mul_s8(flash_read(w + 2 * size + i), v);
    acc.a3 += mul_s8(flash_read(w + 3 * size + i), v);
  }
}

// The 8-chunks, the 4-chunk and the tail all have the chunk layout, of sizes 8, 4, n % 4.
inline void block4_dot(Block4Acc& acc, const int8_t* x, const int8_t* w, int32_t n) {
  while (n > 0) {
    const int32_t size = n >= 8 ? 8 : (n >= 4 ? 4 : n);
    block4_chunk(acc, x, w, size);
    n -= size, x += size, w += 4 * size;
  }
}

inline void block4_init(Block4Acc& acc) { acc.a0 = acc.a1 = acc.a2 = acc.a3 = 0; }

inline void block4_sums(const Block4Acc& acc, int32_t* sums) {
  sums[0] = acc.a0, sums[1] = acc.a1, sums[2] = acc.a2, sums[3] = acc.a3;
}

#endif

// Depthwise blocks: four output channels, each with its own accumulator (no sums across
// channels). Elementwise: a_j += x[j] * w[j]; broadcast: a_j += s * w[j] (a channel
// multiplier of 4 or more, or a single input channel). w: flash, any alignment.
struct Acc4 {
  int32_t a0, a1, a2, a3;
};

#if defined(MF_DOT_ARM_DSP)

inline int32_t flash_s8x4(const int8_t* w) {
  int32_t v;
  flash_copy(&v, w, 4);
  return v;
}

inline void mac4_elementwise(Acc4& acc, const int8_t* x, const int8_t* w) {
  const int32_t xv = load_s8x4(x), wv = flash_s8x4(w);
  const int32_t x_even = __sxtb16(xv), w_even = __sxtb16(wv);
  const int32_t x_odd = sxtb16_ror8(xv), w_odd = sxtb16_ror8(wv);
  acc.a0 = __smlabb(x_even, w_even, acc.a0);
  acc.a2 = __smlatt(x_even, w_even, acc.a2);
  acc.a1 = __smlabb(x_odd, w_odd, acc.a1);
  acc.a3 = __smlatt(x_odd, w_odd, acc.a3);
}

inline void mac4_broadcast(Acc4& acc, int32_t s, const int8_t* w) {
  const int32_t wv = flash_s8x4(w);
  const int32_t w_even = __sxtb16(wv), w_odd = sxtb16_ror8(wv);
  acc.a0 = __smlabb(s, w_even, acc.a0);
  acc.a2 = __smlabt(s, w_even, acc.a2);
  acc.a1 = __smlabb(s, w_odd, acc.a1);
  acc.a3 = __smlabt(s, w_odd, acc.a3);
}

#else

inline void mac4_elementwise(Acc4& acc, const int8_t* x, const int8_t* w) {
  acc.a0 += mul_s8(x[0], flash_read(w));
  acc.a1 += mul_s8(x[1], flash_read(w + 1));
  acc.a2 += mul_s8(x[2], flash_read(w + 2));
  acc.a3 += mul_s8(x[3], flash_read(w + 3));
}

inline void mac4_broadcast(Acc4& acc, int32_t s, const int8_t* w) {
  const int8_t v = static_cast<int8_t>(s);
  acc.a0 += mul_s8(v, flash_read(w));
  acc.a1 += mul_s8(v, flash_read(w + 1));
  acc.a2 += mul_s8(v, flash_read(w + 2));
  acc.a3 += mul_s8(v, flash_read(w + 3));
}

#endif

// Four rows of a plain [N][K] matrix (FULLY_CONNECTED weights) against one vector:
// acc.a<j> += sum_{k<n} w[j*stride + k] * x[k].
#if defined(MF_DOT_ARM_MVE)

// Sixteen values of each row per step; the last n % 16 with tail-predicated loads, which
// read no byte past the vector's or the row's end.
inline void rows4_dot(Acc4& acc, const int8_t* x, const int8_t* w, int32_t stride, int32_t n) {
  int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
  const int8_t* w1 = w + stride;
  const int8_t* w2 = w1 + stride;
  const int8_t* w3 = w2 + stride;
  int32_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const int8x16_t xv = vldrbq_s8(x + k);
    a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w + k));
    a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w1 + k));
    a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w2 + k));
    a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w3 + k));
  }
  if (k < n) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(n - k));
    const int8x16_t xv = vldrbq_z_s8(x + k, p);
    a0 = vmladavaq_s8(a0, xv, vldrbq_z_s8(w + k, p));
    a1 = vmladavaq_s8(a1, xv, vldrbq_z_s8(w1 + k, p));
    a2 = vmladavaq_s8(a2, xv, vldrbq_z_s8(w2 + k, p));
    a3 = vmladavaq_s8(a3, xv, vldrbq_z_s8(w3 + k, p));
  }
  acc.a0 = a0, acc.a1 = a1, acc.a2 = a2, acc.a3 = a3;
}

#elif defined(MF_DOT_ARM_DSP)

inline void rows4_dot(Acc4& acc, const int8_t* x, const int8_t* w, int32_t stride, int32_t n) {
  int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
  const int8_t* w1 = w + stride;
  const int8_t* w2 = w1 + stride;
  const int8_t* w3 = w2 + stride;
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const int32_t v = load_s8x4(x + k);
    const int32_t even = __sxtb16(v), odd = sxtb16_ror8(v);
    const int32_t r0 = flash_s8x4(w + k), r1 = flash_s8x4(w1 + k);
    a0 = __smlad(sxtb16_ror8(r0), odd, __smlad(__sxtb16(r0), even, a0));
    a1 = __smlad(sxtb16_ror8(r1), odd, __smlad(__sxtb16(r1), even, a1));
    const int32_t r2 = flash_s8x4(w2 + k), r3 = flash_s8x4(w3 + k);
    a2 = __smlad(sxtb16_ror8(r2), odd, __smlad(__sxtb16(r2), even, a2));
    a3 = __smlad(sxtb16_ror8(r3), odd, __smlad(__sxtb16(r3), even, a3));
  }
  for (; k < n; ++k) {
    const int8_t v = x[k];
    a0 += mul_s8(flash_read(w + k), v), a1 += mul_s8(flash_read(w1 + k), v);
    a2 += mul_s8(flash_read(w2 + k), v), a3 += mul_s8(flash_read(w3 + k), v);
  }
  acc.a0 = a0, acc.a1 = a1, acc.a2 = a2, acc.a3 = a3;
}

#elif defined(MF_DOT_SSE2)

inline __m128i flash_load_8(const int8_t* w) {
  int64_t v;
  flash_copy(&v, w, 8);
  return _mm_cvtsi64_si128(v);
}

inline void rows4_dot(Acc4& acc, const int8_t* x, const int8_t* w, int32_t stride, int32_t n) {
  __m128i c0 = _mm_setzero_si128(), c1 = c0, c2 = c0, c3 = c0;
  int32_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m128i xv = widen_lo_s8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + k)));
    c0 = _mm_add_epi32(c0, _mm_madd_epi16(widen_lo_s8(flash_load_8(w + k)), xv));
    c1 = _mm_add_epi32(c1, _mm_madd_epi16(widen_lo_s8(flash_load_8(w + stride + k)), xv));
    c2 = _mm_add_epi32(c2, _mm_madd_epi16(widen_lo_s8(flash_load_8(w + 2 * stride + k)), xv));
    c3 = _mm_add_epi32(c3, _mm_madd_epi16(widen_lo_s8(flash_load_8(w + 3 * stride + k)), xv));
  }
  const __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(c0, c1), _mm_unpackhi_epi32(c0, c1));
  const __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(c2, c3), _mm_unpackhi_epi32(c2, c3));
  int32_t sums[4];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sums),
                   _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23)));
  for (; k < n; ++k) {
    const int8_t v = x[k];
    sums[0] += v * flash_read(w + k), sums[1] += v * flash_read(w + stride + k);
    sums[2] += v * flash_read(w + 2 * stride + k), sums[3] += v * flash_read(w + 3 * stride + k);
  }
  acc.a0 += sums[0], acc.a1 += sums[1], acc.a2 += sums[2], acc.a3 += sums[3];
}

#elif defined(MF_DOT_RV32)

// Four values per pass with constant offsets: per MAC one weight LB, MUL and ADD.
inline void rows4_dot(Acc4& acc, const int8_t* x, const int8_t* w, int32_t stride, int32_t n) {
  int32_t a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3;
  const int8_t* w1 = w + stride;
  const int8_t* w2 = w1 + stride;
  const int8_t* w3 = w2 + stride;
  const int8_t* end = x + (n & ~3);
  for (; x != end; x += 4, w += 4, w1 += 4, w2 += 4, w3 += 4) {
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const int32_t v = x[k];
      a0 += v * flash_read(w + k), a1 += v * flash_read(w1 + k);
      a2 += v * flash_read(w2 + k), a3 += v * flash_read(w3 + k);
      rv32_barrier(a0, a1, a2, a3);
    }
  }
  for (int32_t k = 0; k < (n & 3); ++k) {
    const int32_t v = x[k];
    a0 += v * flash_read(w + k), a1 += v * flash_read(w1 + k);
    a2 += v * flash_read(w2 + k), a3 += v * flash_read(w3 + k);
  }
  acc.a0 = a0, acc.a1 = a1, acc.a2 = a2, acc.a3 = a3;
}

#else

inline void rows4_dot(Acc4& acc, const int8_t* x, const int8_t* w, int32_t stride, int32_t n) {
  for (int32_t k = 0; k < n; ++k, ++w) {
    const int8_t v = x[k];
    acc.a0 += mul_s8(flash_read(w), v);
    acc.a1 += mul_s8(flash_read(w + stride), v);
    acc.a2 += mul_s8(flash_read(w + 2 * stride), v);
    acc.a3 += mul_s8(flash_read(w + 3 * stride), v);
  }
}

#endif

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_DOT_S8_H_
