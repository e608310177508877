// FULLY_CONNECTED, the variant the compiler picks with --optimize=speed on Cortex-M without
// Helium for per-tensor int8 layers whose requantization fits requantize_q31. The weights stay
// one byte each (w - Z_w), re-laid-out by the compiler for the loop below; the input zero
// point is folded into the bias and sizes, requantization and activation are template
// constants.
//
// Channel pairs. Rows (output channels) go in pairs (A = 2p, B = 2p + 1); a pair's weights
// for input k share one halfword: A[k] as the low byte and B[k] - (A[k] < 0) as the high
// byte, so the halfword's int16 value is exactly 256 B[k] + A[k] (the compiler stores the
// borrow; a B[k] of -128 with A[k] < 0 does not fit and keeps the layer generic). SMLAD of a
// word of two such halfwords with two int16 inputs adds 256 (B·x) + A·x for both, and
// SXTB16 of the same word gives the low bytes, A, alone; so over the row
//   S = 256 Σ B·x + Σ A·x,   Σ A·x from SXTB16 + SMLAD,
// i.e. two channels' sums from one load, one SXTB16 and two SMLADs per four weights (the
// plain int8 route needs two SXTB16 and two SMLADs per four weights of one channel).
// Σ B·x = (S - Σ A·x) / 256 exactly (mod 2^32 arithmetic) when |Σ B·x| < 2^23: the compiler
// checks 128 Σ|B| < 2^23 for every B row.
//
// Layout (int32 words, compiler: specialize.cpp), K = input_depth, G = K / 4, r = K % 4:
//   per block of four rows (pairs (0,1), (2,3)), per group g of four inputs, four words:
//     pair 0 (k, k + 2) for k = 4g, pair 0 (4g + 1, 4g + 3), pair 1 the same
//     (the even and odd int16 pairs SXTB16 makes of four inputs);
//   then, if N % 4 >= 2, the last pair alone: G times (even word, odd word);
//   then, for odd N, the last row's K int8 as they are (word-aligned: SXTB16 splits them as
//     it splits the inputs);
//   then per pair, r halfwords (A[k], B[k] - (A[k] < 0)) for the last r inputs; zero bytes to
//     a whole word.
// Half-major (HalfMajor, the 1x1 convolution's on the Arm DSP when K and N are multiples of
// four, conv_2d_1x1_wide.h): each group's words in the order pair 0 even, pair 1 even, pair 0
// odd, pair 1 odd, so one LDRD takes both pairs' words for one half of the inputs.
#ifndef MICROFLOW_FULLY_CONNECTED_WIDE_H_
#define MICROFLOW_FULLY_CONNECTED_WIDE_H_

#include <stdint.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"
#include "microflow/kernels/fully_connected.h"
#include "microflow/kernel_util.h"

namespace mf {

namespace detail {

struct WideOutput {
  Q31Channel q31;
  int32_t zero_point, act_min, act_max;
};

// requantize_q31 + clamp_to_s8. With the fixed variant every field is a constant and the
// branches on them fold away.
MF_ALWAYS_INLINE int8_t wide_requantize(const WideOutput& o, int32_t acc) {
#if defined(MF_DOT_ARM_DSP)
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(acc), "r"(o.q31.multiplier));
  const int32_t t = high + acc;
  const int32_t u = t - static_cast<int32_t>(static_cast<uint32_t>(t) >> 31);
  // round_shift_q31 plus the zero point is ((u >> n) + 1 + 2 Z) >> 1 (adding an even number
  // commutes with the halving); SSAT does that last shift and the int8 range at once. For
  // n == 0, floor((u + 1) / 2) is taken as (u >> 1) + (u & 1), which cannot overflow.
  int32_t v;
  if (o.q31.shift > 0) {
    const int32_t halves = (u >> o.q31.shift) + 1 + 2 * o.zero_point;
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(v) : "r"(halves));
  } else {
    const int32_t full = (u >> 1) + (u & 1) + o.zero_point;
    __asm__("ssat %0, #8, %1" : "=r"(v) : "r"(full));
  }
  if (o.act_min > -128 && v < o.act_min) v = o.act_min;
  if (o.act_max < 127 && v > o.act_max) v = o.act_max;
  return static_cast<int8_t>(v);
#else
  return clamp_to_s8(requantize_q31(acc, o.q31, o.zero_point), o.act_min, o.act_max);
#endif
}

// One pair's sums from S and Σ A·x (above): A's and B's dot products with the row.
MF_ALWAYS_INLINE void pair_split(int32_t& a, int32_t& b, uint32_t s, uint32_t sa) {
  a += static_cast<int32_t>(sa);
  b += static_cast<int32_t>(s - sa) >> 8;
}

#if defined(MF_DOT_ARM_DSP)

// The loop of pair_block4 around its middle (the order of the second and third products).
#define MF_PAIR_BLOCK4_LOOP(middle)                \
  "1:\n\t"                                         \
  "ldr %[even], [%[x]], #4\n\t"                    \
  "ldrd %[v0], %[v1], [%[w]], #16\n\t"             \
  "sxtb16 %[odd], %[even], ror #8\n\t"             \
  "sxtb16 %[even], %[even]\n\t"                    \
  "smlad %[s0], %[v0], %[even], %[s0]\n\t"         \
  "sxtb16 %[v0], %[v0]\n\t"                        \
  "smlad %[u0], %[v0], %[even], %[u0]\n\t" middle  \
  "smlad %[s1], %[v1], %[odd], %[s1]\n\t"          \
  "sxtb16 %[v1], %[v1]\n\t"                        \
  "smlad %[u1], %[v1], %[odd], %[u1]\n\t"          \
  "cmp %[x], %[end]\n\t"                           \
  "bne 1b"
// The pair layout: pair 0's odd half, then pair 1's even half.
#define MF_PAIR_BLOCK4_PAIRS                 \
  "smlad %[s0], %[v1], %[odd], %[s0]\n\t"    \
  "sxtb16 %[v1], %[v1]\n\t"                  \
  "smlad %[u0], %[v1], %[odd], %[u0]\n\t"    \
  "ldrd %[v0], %[v1], [%[w], #-8]\n\t"       \
  "smlad %[s1], %[v0], %[even], %[s1]\n\t"   \
  "sxtb16 %[v0], %[v0]\n\t"                  \
  "smlad %[u1], %[v0], %[even], %[u1]\n\t"
// Half-major: pair 1's even half, then pair 0's odd half.
#define MF_PAIR_BLOCK4_HALVES                \
  "smlad %[s1], %[v1], %[even], %[s1]\n\t"   \
  "sxtb16 %[v1], %[v1]\n\t"                  \
  "smlad %[u1], %[v1], %[even], %[u1]\n\t"   \
  "ldrd %[v0], %[v1], [%[w], #-8]\n\t"       \
  "smlad %[s0], %[v0], %[odd], %[s0]\n\t"    \
  "sxtb16 %[v0], %[v0]\n\t"                  \
  "smlad %[u0], %[v0], %[odd], %[u0]\n\t"
#define MF_PAIR_BLOCK4_OPERANDS                                                                                  \
  : [s0] "+r"(s0), [u0] "+r"(u0), [s1] "+r"(s1), [u1] "+r"(u1), [even] "=&r"(even), [odd] "=&r"(odd),          \
    [v0] "=&r"(v0), [v1] "=&r"(v1), [x] "+r"(x), [w] "+r"(w)                                                    \
  : [end] "r"(end)                                                                                              \
  : "cc", "memory"

// Two pairs (four rows): S and Σ A·x of each over the G groups; w at the block, returns past it.
// In assembly for LDRD (one load per pair, or per half with HalfMajor, and group), which GCC
// does not emit for the C form. One assembly statement per layout, not an .if inside one: GCC
// sizes a statement by its text, and the longer one put small FC layers (sine's) out of line.
template <bool HalfMajor = false>
MF_ALWAYS_INLINE const int32_t* pair_block4(uint32_t* su, const int8_t* x, const int32_t* w, int32_t groups) {
  uint32_t s0 = 0, u0 = 0, s1 = 0, u1 = 0;
  if (groups > 0) {
    const int8_t* end = x + 4 * groups;
    int32_t even, odd, v0, v1;
    if (HalfMajor)
      __asm__ volatile(MF_PAIR_BLOCK4_LOOP(MF_PAIR_BLOCK4_HALVES) MF_PAIR_BLOCK4_OPERANDS);
    else
      __asm__ volatile(MF_PAIR_BLOCK4_LOOP(MF_PAIR_BLOCK4_PAIRS) MF_PAIR_BLOCK4_OPERANDS);
  }
  su[0] = s0, su[1] = u0, su[2] = s1, su[3] = u1;
  return w;
}
#undef MF_PAIR_BLOCK4_LOOP
#undef MF_PAIR_BLOCK4_PAIRS
#undef MF_PAIR_BLOCK4_HALVES
#undef MF_PAIR_BLOCK4_OPERANDS

// One pair: S and Σ A·x over the G groups; returns past it.
MF_ALWAYS_INLINE const int32_t* pair_block2(uint32_t* su, const int8_t* x, const int32_t* w, int32_t groups) {
  uint32_t s = 0, u = 0;
  for (int32_t g = groups; g > 0; --g, x += 4, w += 2) {
    const int32_t v = load_s8x4(x);
    const int32_t even = __sxtb16(v), odd = sxtb16_ror8(v);
    const int32_t w0 = w[0], w1 = w[1];
    s = __smlad(w0, even, s), u = __smlad(__sxtb16(w0), even, u);
    s = __smlad(w1, odd, s), u = __smlad(__sxtb16(w1), odd, u);
  }
  su[0] = s, su[1] = u;
  return w;
}

#else

// Plain C over the same layout and the same sums (S mod 2^32, Σ A·x from the low bytes),
// in locals (accumulators behind a pointer cost a load and a store per use on Cortex-M0).
// One pair's two words (k, k + 2 | k + 1, k + 3) at w with the group's inputs x0..x3.
MF_ALWAYS_INLINE void pair_group(uint32_t& s, uint32_t& sa, const int32_t* w, int32_t x0, int32_t x1, int32_t x2,
                                 int32_t x3) {
  const int16_t* h = reinterpret_cast<const int16_t*>(w);
  const int8_t* lo = reinterpret_cast<const int8_t*>(w);
  s += static_cast<uint32_t>(flash_read(h) * x0 + flash_read(h + 1) * x2 + flash_read(h + 2) * x1 +
                             flash_read(h + 3) * x3);
  sa += static_cast<uint32_t>(flash_read(lo) * x0 + flash_read(lo + 2) * x2 + flash_read(lo + 4) * x1 +
                              flash_read(lo + 6) * x3);
}
#if defined(__ARM_ARCH_6M__)
// Cortex-M0 (eight low registers; ldrsb takes no immediate offset): GCC's allocation of the
// C form below spills the sums and inputs, about 7 instructions per MAC. In assembly, per
// group two inputs at a time (x[0], x[2], then x[1], x[3]) against the matching word of each
// pair, the four sums in high registers (ADD takes them): 13 instructions per word (two
// halfword and two low-byte products), 4 per MAC with the loads and the loop.
#define MF_PAIR_WORD(offset, s, a)                                                                        \
  "ldr %[v], [%[w], #" #offset "]\n\t" "sxth %[t], %[v]\n\t" "muls %[t], %[xa]\n\t" "add %[" #s "], %[t]\n\t" \
  "sxtb %[t], %[v]\n\t" "muls %[t], %[xa]\n\t" "add %[" #a "], %[t]\n\t" "asrs %[t], %[v], #16\n\t"         \
  "sxtb %[v], %[t]\n\t" "muls %[t], %[xb]\n\t" "add %[" #s "], %[t]\n\t" "muls %[v], %[xb]\n\t"              \
  "add %[" #a "], %[v]\n\t"
template <bool HalfMajor = false>
inline const int32_t* pair_block4(uint32_t* su, const int8_t* x, const int32_t* w, int32_t groups) {
  static_assert(!HalfMajor, "pair_block4: the half-major layout is the Arm DSP's");
  uint32_t s0 = 0, a0 = 0, s1 = 0, a1 = 0;
  if (groups > 0) {
    const int8_t* end = x + 4 * groups;
    int32_t xa, xb, v, t;
    // GCC wraps Thumb-1 inline assembly in divided syntax; this block is written unified.
    __asm__ volatile(
        ".syntax unified\n"
        "1:\n\t"
        "ldrb %[xa], [%[x], #0]\n\t" "sxtb %[xa], %[xa]\n\t" "ldrb %[xb], [%[x], #2]\n\t" "sxtb %[xb], %[xb]\n\t"
        MF_PAIR_WORD(0, s0, a0) MF_PAIR_WORD(8, s1, a1)
        "ldrb %[xa], [%[x], #1]\n\t" "sxtb %[xa], %[xa]\n\t" "ldrb %[xb], [%[x], #3]\n\t" "sxtb %[xb], %[xb]\n\t"
        MF_PAIR_WORD(4, s0, a0) MF_PAIR_WORD(12, s1, a1)
        "adds %[x], #4\n\t"
        "adds %[w], #16\n\t"
        "cmp %[x], %[end]\n\t"
        "bne 1b\n\t"
        ".syntax divided"
        : [s0] "+h"(s0), [a0] "+h"(a0), [s1] "+h"(s1), [a1] "+h"(a1), [xa] "=&l"(xa), [xb] "=&l"(xb), [v] "=&l"(v),
          [t] "=&l"(t), [x] "+l"(x), [w] "+l"(w)
        : [end] "h"(end)
        : "cc", "memory");
  }
  su[0] = s0, su[1] = a0, su[2] = s1, su[3] = a1;
  return w;
}
#undef MF_PAIR_WORD
#else
template <bool HalfMajor = false>
inline const int32_t* pair_block4(uint32_t* su, const int8_t* x, const int32_t* w, int32_t groups) {
  static_assert(!HalfMajor, "pair_block4: the half-major layout is the Arm DSP's");
  uint32_t s0 = 0, a0 = 0, s1 = 0, a1 = 0;
  for (int32_t g = 0; g < groups; ++g, x += 4, w += 4) {
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    pair_group(s0, a0, w, x0, x1, x2, x3);
    pair_group(s1, a1, w + 2, x0, x1, x2, x3);
  }
  su[0] = s0, su[1] = a0, su[2] = s1, su[3] = a1;
  return w;
}
#endif
inline const int32_t* pair_block2(uint32_t* su, const int8_t* x, const int32_t* w, int32_t groups) {
  uint32_t s = 0, a = 0;
  for (int32_t g = 0; g < groups; ++g, x += 4, w += 2) pair_group(s, a, w, x[0], x[1], x[2], x[3]);
  su[0] = s, su[1] = a;
  return w;
}

#endif

// One pair's last r = K % 4 inputs: halfwords (A, B - (A < 0)) at t; returns past them.
MF_ALWAYS_INLINE const uint8_t* pair_tail(int32_t& a, int32_t& b, const int8_t* x, const uint8_t* t, int32_t r) {
  for (int32_t i = 0; i < r; ++i, t += 2) {
    const int32_t lo = static_cast<int8_t>(flash_read(t));
    a += lo * x[i];
    b += (static_cast<int8_t>(flash_read(t + 1)) + (lo < 0)) * x[i];
  }
  return t;
}

// The odd last row (int8) and the pair tails of the layout starting at w.
template <int32_t Depth, int32_t Rows>
MF_ALWAYS_INLINE const int8_t* odd_row(const int32_t* w) {
  return reinterpret_cast<const int8_t*>(w + (Rows / 2) * (Depth / 4) * 2);
}
template <int32_t Depth, int32_t Rows>
MF_ALWAYS_INLINE const uint8_t* pair_tails(const int32_t* w) {
  return reinterpret_cast<const uint8_t*>(odd_row<Depth, Rows>(w) + (Rows % 2) * Depth);
}

// The odd row's dot product with x (row word-aligned).
inline int32_t odd_row_dot(const int8_t* x, const int8_t* row, int32_t depth) {
  int32_t acc = 0, k = 0;
#if defined(MF_DOT_ARM_DSP)
  for (; k + 4 <= depth; k += 4) {
    const int32_t v = load_s8x4(x + k);
    acc = mac_s8x4(row + k, __sxtb16(v), sxtb16_ror8(v), acc);
  }
#endif
  for (; k < depth; ++k) acc += flash_read(row + k) * x[k];
  return acc;
}

// After the blocks of four rows (w past them, t past their tails; w0 the layout's start): the
// last pair and the odd row of one row x, with out(channel, sum) as in pair_rows.
template <int32_t Depth, int32_t Rows, typename Out>
MF_ALWAYS_INLINE void pair_rest(const int8_t* x, const int32_t* w0, const int32_t* w, const uint8_t* t, Out out) {
  const int32_t groups = Depth / 4, r = Depth % 4;
  if (Rows % 4 >= 2) {
    int32_t a = 0, b = 0;
    uint32_t su[2];
    pair_block2(su, x, w, groups);
    pair_split(a, b, su[0], su[1]);
    if (r != 0) pair_tail(a, b, x + 4 * groups, t, r);
    out(Rows / 4 * 4, a), out(Rows / 4 * 4 + 1, b);
  }
  if (Rows % 2 != 0) out(Rows - 1, odd_row_dot(x, odd_row<Depth, Rows>(w0), Depth));
}

// The row of one pixel / batch through the whole layout: out(channel, sum) is called for every
// channel in order with its exact sum (without bias). HalfMajor: that layout (Arm DSP only).
template <int32_t Depth, int32_t Rows, bool HalfMajor = false, typename Out>
MF_ALWAYS_INLINE void pair_rows(const int8_t* x, const int32_t* weights, Out out) {
  const int32_t groups = Depth / 4, r = Depth % 4;
  const int8_t* x_tail = x + 4 * groups;
  const int32_t* w = weights;
  const uint8_t* t = pair_tails<Depth, Rows>(weights);
  for (int32_t i = 0; i < Rows / 4; ++i) {
    Acc4 acc = {0, 0, 0, 0};
    uint32_t su[4];
    w = pair_block4<HalfMajor>(su, x, w, groups);
    pair_split(acc.a0, acc.a1, su[0], su[1]);
    pair_split(acc.a2, acc.a3, su[2], su[3]);
    if (r != 0) {
      t = pair_tail(acc.a0, acc.a1, x_tail, t, r);
      t = pair_tail(acc.a2, acc.a3, x_tail, t, r);
    }
    out(4 * i, acc.a0), out(4 * i + 1, acc.a1), out(4 * i + 2, acc.a2), out(4 * i + 3, acc.a3);
  }
  pair_rest<Depth, Rows>(x, weights, w, t, out);
}

#if defined(MF_DOT_ARM_DSP)

// Two rows (pixels) against two pairs (four rows of weights) at once: each weight word and its
// SXTB16 serve both pixels. Group g's four inputs of the first pixel are at x + g * Step, the
// second pixel's Offset bytes after them (pair_rows_x2: two rows Depth apart, Step 4;
// conv_2d_wide.h: a window copy with the pixels' groups interleaved, Offset 4, Step 8, read by
// one LDRD per half group). su: S, U
// of pair 0 for pixels 0, 1, then of pair 1. In assembly: the 8 sums, 3 temporaries, 2 pointers
// and the end take 14 registers, which GCC's allocation of the C form spills. groups >= 1.
template <int32_t Offset, int32_t Step = 4>
MF_ALWAYS_INLINE const int32_t* pair_block4_x2(uint32_t* su, const int8_t* x, const int32_t* w, int32_t groups) {
  uint32_t s0a = 0, s0b = 0, u0a = 0, u0b = 0, s1a = 0, s1b = 0, u1a = 0, u1b = 0;
  const int8_t* end = x + Step * groups;
  int32_t xa, xb, v;
  // Per group: even halves (words 0 and 2 of the group) with SXTB16 of both pixels' inputs,
  // then odd halves (words 1, 3) with the ROR #8 form; w and x advance by post-indexing. Two
  // groups per loop pass (one compare and branch per 64 MACs); an odd count enters at the second.
  // Interleaved pixels (adjacent: conv_2d_wide.h) load both pixels' words with one LDRD.
#define MF_PAIR_GROUP_X2 \
      ".if %c[adjacent]\n\t" \
      "ldrd %[xa], %[xb], [%[x]]\n\t" \
      ".else\n\t" \
      "ldr %[xa], [%[x]]\n\t" \
      "ldr %[xb], [%[x], %[offset]]\n\t" \
      ".endif\n\t" \
      "sxtb16 %[xa], %[xa]\n\t" \
      "sxtb16 %[xb], %[xb]\n\t" \
      "ldr %[v], [%[w]], #16\n\t" \
      "smlad %[s0a], %[v], %[xa], %[s0a]\n\t" \
      "smlad %[s0b], %[v], %[xb], %[s0b]\n\t" \
      "sxtb16 %[v], %[v]\n\t" \
      "smlad %[u0a], %[v], %[xa], %[u0a]\n\t" \
      "smlad %[u0b], %[v], %[xb], %[u0b]\n\t" \
      "ldr %[v], [%[w], #-8]\n\t" \
      "smlad %[s1a], %[v], %[xa], %[s1a]\n\t" \
      "smlad %[s1b], %[v], %[xb], %[s1b]\n\t" \
      "sxtb16 %[v], %[v]\n\t" \
      "smlad %[u1a], %[v], %[xa], %[u1a]\n\t" \
      "smlad %[u1b], %[v], %[xb], %[u1b]\n\t" \
      ".if %c[adjacent]\n\t" \
      "ldrd %[xa], %[xb], [%[x]], %[step]\n\t" \
      ".else\n\t" \
      "ldr %[xa], [%[x]], %[step]\n\t" \
      "ldr %[xb], [%[x], %[offset_less_step]]\n\t" \
      ".endif\n\t" \
      "sxtb16 %[xa], %[xa], ror #8\n\t" \
      "sxtb16 %[xb], %[xb], ror #8\n\t" \
      "ldr %[v], [%[w], #-12]\n\t" \
      "smlad %[s0a], %[v], %[xa], %[s0a]\n\t" \
      "smlad %[s0b], %[v], %[xb], %[s0b]\n\t" \
      "sxtb16 %[v], %[v]\n\t" \
      "smlad %[u0a], %[v], %[xa], %[u0a]\n\t" \
      "smlad %[u0b], %[v], %[xb], %[u0b]\n\t" \
      "ldr %[v], [%[w], #-4]\n\t" \
      "smlad %[s1a], %[v], %[xa], %[s1a]\n\t" \
      "smlad %[s1b], %[v], %[xb], %[s1b]\n\t" \
      "sxtb16 %[v], %[v]\n\t" \
      "smlad %[u1a], %[v], %[xa], %[u1a]\n\t" \
      "smlad %[u1b], %[v], %[xb], %[u1b]\n\t"
  __asm__ volatile(
      "sub %[v], %[end], %[x]\n\t"
      "tst %[v], %[step]\n\t"
      "bne 2f\n\t"
      "1:\n\t" MF_PAIR_GROUP_X2
      "2:\n\t" MF_PAIR_GROUP_X2
      "cmp %[x], %[end]\n\t"
      "bne 1b"
      : [s0a] "+r"(s0a), [s0b] "+r"(s0b), [u0a] "+r"(u0a), [u0b] "+r"(u0b), [s1a] "+r"(s1a), [s1b] "+r"(s1b),
        [u1a] "+r"(u1a), [u1b] "+r"(u1b), [xa] "=&r"(xa), [xb] "=&r"(xb), [v] "=&r"(v), [x] "+r"(x), [w] "+r"(w)
      : [end] "r"(end), [offset] "i"(Offset), [step] "i"(Step), [offset_less_step] "i"(Offset - Step),
        [adjacent] "i"(Offset == 4 && Step == 8 ? 1 : 0)
      : "cc", "memory");
#undef MF_PAIR_GROUP_X2
  su[0] = s0a, su[1] = u0a, su[2] = s0b, su[3] = u0b, su[4] = s1a, su[5] = u1a, su[6] = s1b, su[7] = u1b;
  return w;
}

// pair_rows for two rows x and x + Depth at once (the blocks of four through pair_block4_x2),
// out0 / out1 for the first / second.
template <int32_t Depth, int32_t Rows, typename Out>
MF_ALWAYS_INLINE void pair_rows_x2(const int8_t* x, const int32_t* weights, Out out0, Out out1) {
  const int32_t groups = Depth / 4, r = Depth % 4;
  const int8_t* x1 = x + Depth;
  const int32_t* w = weights;
  const uint8_t* t = pair_tails<Depth, Rows>(weights);
  for (int32_t i = 0; i < Rows / 4; ++i) {
    Acc4 a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
    uint32_t su[8];
    w = pair_block4_x2<Depth>(su, x, w, groups);
    pair_split(a.a0, a.a1, su[0], su[1]);
    pair_split(b.a0, b.a1, su[2], su[3]);
    pair_split(a.a2, a.a3, su[4], su[5]);
    pair_split(b.a2, b.a3, su[6], su[7]);
    if (r != 0) {
      pair_tail(a.a0, a.a1, x + 4 * groups, t, r), t = pair_tail(b.a0, b.a1, x1 + 4 * groups, t, r);
      pair_tail(a.a2, a.a3, x + 4 * groups, t, r), t = pair_tail(b.a2, b.a3, x1 + 4 * groups, t, r);
    }
    out0(4 * i, a.a0), out0(4 * i + 1, a.a1), out0(4 * i + 2, a.a2), out0(4 * i + 3, a.a3);
    out1(4 * i, b.a0), out1(4 * i + 1, b.a1), out1(4 * i + 2, b.a2), out1(4 * i + 3, b.a3);
  }
  pair_rest<Depth, Rows>(x, weights, w, t, out0);
  pair_rest<Depth, Rows>(x1, weights, w, t, out1);
}

#endif

}  // namespace detail

// The layer's parameters, as template arguments: loop bounds, requantization and activation
// become immediates, and GCC drops the set-up and the branches a parameter struct would
// need, at the price of one copy of the code per layer. Multiplier in [2^30, 2^31), shift
// in [-31, -1] (requantize_q31's range).
template <int32_t Batches, int32_t InputDepth, int32_t OutputDepth, int32_t Multiplier, int32_t Shift,
          int32_t OutputZeroPoint, int32_t ActMin, int32_t ActMax>
struct FullyConnectedS8WideConstants {
  static constexpr int32_t batches = Batches, input_depth = InputDepth, output_depth = OutputDepth;
  static constexpr int32_t multiplier = Multiplier, shift = Shift, output_zero_point = OutputZeroPoint;
  static constexpr int32_t act_min = ActMin, act_max = ActMax;
};

// folded_bias[o] = bias[o] - Z_in * sum_k (w[o][k] - Z_w) (compiler-computed), so
// acc = folded_bias[o] + sum_k (w[o][k] - Z_w) * x[k], TFLM's sum exactly. weights: the
// channel-pair layout above (rows = outputs).
// C: FullyConnectedS8WideConstants<...>.
template <typename C>
inline void fully_connected_s8_wide_fixed(const int8_t* input, const int32_t* weights, const int32_t* folded_bias,
                                          int8_t* output) {
  static_assert(C::multiplier >= (static_cast<int32_t>(1) << 30) && C::shift < 0 && C::shift >= -31,
                "fully_connected_s8_wide_fixed: requantize_q31 range only");
  for (int32_t b = 0; b < C::batches; ++b, input += C::input_depth, output += C::output_depth)
    detail::pair_rows<C::input_depth, C::output_depth>(input, weights, [&](int32_t o, int32_t sum) {
      // Made here, not captured: GCC then keeps every field a constant and folds its branches.
      detail::WideOutput out;
      out.q31 = make_q31_channel(C::multiplier, C::shift);
      out.zero_point = C::output_zero_point, out.act_min = C::act_min, out.act_max = C::act_max;
      output[o] = detail::wide_requantize(out, flash_read(folded_bias + o) + sum);
    });
}

// The variant for cores whose int8 dot products are vector instructions (Helium/MVE on the
// Cortex-M55: rows4_dot / dot_s8 take 16 int8 per VMLADAVA): TFLite's own int8 [N][K] rows
// and the generic kernel's folded bias (Z_w through the input sum), with the parameters as
// template arguments and wide_requantize's output stage. C: FullyConnectedS8Constants<...>.
template <typename C>
inline void fully_connected_s8_rows_fixed(const int8_t* input, const int8_t* weights, const int32_t* folded_bias,
                                          int8_t* output) {
  static_assert(C::multiplier >= (static_cast<int32_t>(1) << 30) && C::shift < 0 && C::shift >= -31,
                "fully_connected_s8_rows_fixed: requantize_q31 range only");
  detail::WideOutput out;
  out.q31 = make_q31_channel(C::multiplier, C::shift);
  out.zero_point = C::output_zero_point, out.act_min = C::act_min, out.act_max = C::act_max;
  const int32_t depth = C::input_depth;
  for (int32_t b = 0; b < C::batches; ++b, input += depth) {
    int32_t input_term = 0;
    if (C::weights_zero_point != 0) {
      for (int32_t d = 0; d < depth; ++d) input_term += input[d];
      input_term *= C::weights_zero_point;
    }
    const int8_t* w = weights;
    const int32_t* bias = folded_bias;
    for (int32_t i = 0; i < C::output_depth / 4; ++i, bias += 4, w += 4 * depth) {
      detail::Acc4 acc = {flash_read(bias) - input_term, flash_read(bias + 1) - input_term,
                          flash_read(bias + 2) - input_term, flash_read(bias + 3) - input_term};
      detail::rows4_dot(acc, input, w, depth, depth);
      output[0] = detail::wide_requantize(out, acc.a0);
      output[1] = detail::wide_requantize(out, acc.a1);
      output[2] = detail::wide_requantize(out, acc.a2);
      output[3] = detail::wide_requantize(out, acc.a3);
      output += 4;
    }
    for (int32_t i = 0; i < C::output_depth % 4; ++i, w += depth)
      *output++ = detail::wide_requantize(out, flash_read(bias++) + dot_s8(w, input, depth) - input_term);
  }
}

}  // namespace mf

#endif  // MICROFLOW_FULLY_CONNECTED_WIDE_H_
