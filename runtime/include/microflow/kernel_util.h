// Inner loops and output stages shared by the kernels.
#ifndef MICROFLOW_KERNEL_UTIL_H_
#define MICROFLOW_KERNEL_UTIL_H_

#include <stdint.h>
#include <string.h>

#include "microflow/fixed_point.h"
#include "microflow/exec/flash.h"

// Helium (MVE) integer instructions (Cortex-M55): dot_s8 below, and dot_s8.h's blocks.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#endif

// Hot helpers of the kernels' inner loops: GCC's size heuristics would otherwise outline
// some of them and pass their accumulators through memory. AVR keeps GCC's choice (flash).
#if defined(__AVR__)
#define MF_ALWAYS_INLINE inline
#else
#define MF_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

namespace mf {

// std::min(std::max(x, lo), hi) exactly as TFLM applies it: NaN passes through
// and -0.f survives RELU.
inline float clamp_f32(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return hi < x ? hi : x;
}

// Requantize an int32 accumulator to the int8 output (TFLM output stage). On AVR one
// out-of-line copy (flash) that takes requantize_avr for the usual pairs.
#if defined(__AVR__)
inline __attribute__((noinline)) int8_t requantize_to_s8(int32_t acc, int32_t multiplier, int32_t shift,
                                                         int32_t zero_point, int32_t act_min, int32_t act_max) {
  if (is_q31_requantization(multiplier, shift)) {
    const detail::RequantAvr r = {multiplier, static_cast<uint8_t>(-shift - 1), static_cast<int8_t>(zero_point),
                                  static_cast<int8_t>(act_min), static_cast<int8_t>(act_max)};
    return detail::requantize_avr(acc, r);
  }
  return clamp_to_s8(multiply_by_quantized_multiplier(acc, multiplier, shift) + zero_point, act_min, act_max);
}
#else
inline int8_t requantize_to_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t zero_point,
                               int32_t act_min, int32_t act_max) {
  if (is_q31_requantization(multiplier, shift))
    return clamp_to_s8(requantize_q31(acc, multiplier, shift, zero_point), act_min, act_max);
  return clamp_to_s8(multiply_by_quantized_multiplier(acc, multiplier, shift) + zero_point, act_min, act_max);
}
#endif

// An int8 activation folded into the layer that produces its input (the compiler's
// passes/activation_fold.cpp): the layer stores table[byte] of each requantized value, the
// activation's output, so the intermediate tensor never exists. nullptr: no table. The
// table is the activation's own (ops/int8_table.h), so the result is bit-exact.
MF_ALWAYS_INLINE int8_t activate_s8(const int8_t* table, int8_t v) {
  return table ? flash_read(table + static_cast<uint8_t>(v)) : v;
}

// TFLM's 16x8 output stage with an int64 accumulator (an int64 bias, or none for
// DEPTHWISE_CONV_2D and FULLY_CONNECTED).
inline int16_t requantize_s16(int64_t sum, const int64_t* bias, int32_t channel, int32_t reduced_multiplier,
                              int32_t shift, int32_t act_min, int32_t act_max) {
  const int64_t acc = bias != nullptr ? sum + flash_read(bias + channel) : sum;
  return clamp_to_s16(multiply_by_reduced_multiplier_s64(acc, reduced_multiplier, shift), act_min, act_max);
}

// With an int32 accumulator (CONV_2D with an int32 bias or none): the sum wraps as TFLM's
// int32 accumulator does, then the int32 MultiplyByQuantizedMultiplier.
inline int16_t requantize_s16(int64_t sum, const int32_t* bias, int32_t channel, int32_t multiplier, int32_t shift,
                              int32_t act_min, int32_t act_max) {
  const uint32_t acc = static_cast<uint32_t>(sum) + static_cast<uint32_t>(bias != nullptr ? flash_read(bias + channel) : 0);
  return clamp_to_s16(multiply_by_quantized_multiplier(static_cast<int32_t>(acc), multiplier, shift), act_min, act_max);
}

// int8 * int8 always fits 16 bits. On AVR an opaque 16-bit product keeps avr-gcc
// from widening both operands to a 32-bit multiply call (~2x slower per MAC).
inline int32_t mul_s8(int8_t a, int8_t b) {
#if defined(__AVR__)
  int16_t product = a * b;
  __asm__("" : "+r"(product));
  return product;
#else
  return a * b;
#endif
}

// Sum_i w[i] * x[i]; w in flash, x in RAM.
inline int32_t dot_s8(const int8_t* w, const int8_t* x, int32_t n) {
#if defined(__AVR__)
  // 16 cycles per MAC instead of ~28: program memory read with post-increment (LPM Z+, the
  // pgm_read_byte of flash.h without re-loading Z), MULS, and the 16-bit product added as
  // product + 0x8000 (flip the top bit) so the high bytes only take the carry; the n * 0x8000
  // is subtracted once at the end.
  if (n <= 0) return 0;
  uint16_t count = static_cast<uint16_t>(n);  // flash is smaller than 64 KB
  int32_t acc = 0;
  const uint8_t zero = 0, flip = 0x80;
  int8_t wv, xv;
  __asm__ volatile(
      "1: lpm %[wv], Z+\n\t"
      "ld %[xv], X+\n\t"
      "muls %[wv], %[xv]\n\t"
      "eor r1, %[flip]\n\t"
      "add %A[acc], r0\n\t"
      "adc %B[acc], r1\n\t"
      "adc %C[acc], %[zero]\n\t"
      "adc %D[acc], %[zero]\n\t"
      "sbiw %[count], 1\n\t"
      "brne 1b\n\t"
      "clr __zero_reg__"
      : [acc] "+r"(acc), [count] "+w"(count), [w] "+z"(w), [x] "+x"(x), [wv] "=&a"(wv), [xv] "=&a"(xv)
      : [zero] "r"(zero), [flip] "r"(flip)
      : "memory");
  // n * 0x8000 as (n << 16) >> 1: avr-gcc moves bytes for << 16 but loops for << 15.
  return acc - static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint16_t>(n)) << 16) >> 1);
#elif defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
  // Sixteen MACs per VMLADAVA; the last n % 16 through tail-predicated loads (no byte read
  // past either array). Flash is memory-mapped on Arm: the weights load in place.
  int32_t acc = 0;
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) acc = vmladavaq_s8(acc, vldrbq_s8(w + i), vldrbq_s8(x + i));
  if (i < n) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(n - i));
    acc = vmladavaq_s8(acc, vldrbq_z_s8(w + i, p), vldrbq_z_s8(x + i, p));
  }
  return acc;
#elif defined(__riscv) && __riscv_xlen == 32
  // Four MACs per pass with constant offsets (no SIMD on RV32IMC: LB, LB, MUL, ADD each).
  int32_t acc = 0;
  const int8_t* end = x + (n & ~3);
  for (; x != end; x += 4, w += 4)
    acc += flash_read(w) * x[0] + flash_read(w + 1) * x[1] + flash_read(w + 2) * x[2] + flash_read(w + 3) * x[3];
  for (int32_t i = 0; i < (n & 3); ++i) acc += flash_read(w + i) * x[i];
  return acc;
#else
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += mul_s8(flash_read(w + i), x[i]);
  return acc;
#endif
}

#if defined(__AVR__)
// dot_s8 for a compile-time K in [1, 256]: 256 products added as product + 0x8000 stay below
// 2^24, so three accumulator bytes suffice (11 cycles per MAC, four per loop pass), started at
// -K * 0x8000 so that the bytes end as the sum itself. Out of line: inlined into a caller with
// more values live (avr-g++ 5.4, -Os), the seven upper registers, Z and X it asks for can
// leave reload no solution ("impossible constraints" on the int8 zoo's FC).
template <uint16_t K>
inline __attribute__((noinline)) int32_t dot_s8_short_avr(const int8_t* w, const int8_t* x) {
  static_assert(K >= 1 && K <= 256, "dot_s8_short_avr: 1 to 256 products");
  constexpr uint32_t kStart = (0x1000000u - static_cast<uint32_t>(K) * 0x8000u) & 0xFFFFFFu;
  uint32_t acc;
  uint8_t count;
  int8_t wv, xv;  // MULS takes r16-r23 only: class "a"
  const uint8_t zero = 0, flip = 0x80;
#define MF_AVR_MAC                                                                                       \
  "lpm %[wv], Z+\n\t" "ld %[xv], X+\n\t" "muls %[wv], %[xv]\n\t" "eor r1, %[flip]\n\t" "add %A[acc], r0\n\t" \
  "adc %B[acc], r1\n\t" "adc %C[acc], %[zero]\n\t"
  __asm__ volatile(
      "ldi %A[acc], lo8(%[start])\n\t" "ldi %B[acc], hi8(%[start])\n\t" "ldi %C[acc], hlo8(%[start])\n\t"
      ".rept %[rest]\n\t" MF_AVR_MAC ".endr\n\t"
      ".if %[quads]\n\t"
      "ldi %[count], %[quads]\n"
      "1:\n\t"
      ".rept 4\n\t" MF_AVR_MAC ".endr\n\t"
      "dec %[count]\n\t"
      "brne 1b\n\t"
      ".endif\n\t"
      "clr __zero_reg__\n\t"
      "mov %D[acc], %C[acc]\n\t" "lsl %D[acc]\n\t" "sbc %D[acc], %D[acc]"
      : [acc] "=&d"(acc), [count] "=&d"(count), [w] "+z"(w), [x] "+x"(x), [wv] "=&a"(wv), [xv] "=&a"(xv)
      : [zero] "r"(zero), [flip] "r"(flip), [start] "n"(kStart), [rest] "n"(K % 4), [quads] "n"(K / 4)
      : "memory");
#undef MF_AVR_MAC
  return static_cast<int32_t>(acc);
}

// Sum_k w[k * w_stride] * x[k * x_stride] for k < n, n >= 1; w in flash, x in RAM (a
// depthwise window row: taps a filter column apart in flash, pixels apart in the image).
// dot_s8's loop with strided pointers: 19 cycles per MAC where the C loop's 32-bit index
// arithmetic takes several times that. Out of line: inlined into a large caller, the
// pointer-register constraints (Z, X) can leave the register allocator without a solution.
inline __attribute__((noinline)) int32_t dot_s8_strided(const int8_t* w, uint16_t w_stride, const int8_t* x,
                                                        uint16_t x_stride, uint16_t n) {
  int32_t acc = 0;
  const uint8_t zero = 0, flip = 0x80;
  const uint16_t count = n;
  int8_t wv, xv;
  __asm__ volatile(
      "1: lpm %[wv], Z\n\t"
      "ld %[xv], X\n\t"
      "muls %[wv], %[xv]\n\t"
      "eor r1, %[flip]\n\t"
      "add %A[acc], r0\n\t"
      "adc %B[acc], r1\n\t"
      "adc %C[acc], %[zero]\n\t"
      "adc %D[acc], %[zero]\n\t"
      "add %A[w], %A[ws]\n\t"
      "adc %B[w], %B[ws]\n\t"
      "add %A[x], %A[xs]\n\t"
      "adc %B[x], %B[xs]\n\t"
      "sbiw %[n], 1\n\t"
      "brne 1b\n\t"
      "clr __zero_reg__"
      : [acc] "+r"(acc), [n] "+w"(n), [w] "+z"(w), [x] "+x"(x), [wv] "=&d"(wv), [xv] "=&d"(xv)
      : [zero] "r"(zero), [flip] "r"(flip), [ws] "r"(w_stride), [xs] "r"(x_stride)
      : "memory");
  // Each product was added as product + 0x8000 (dot_s8's flipped top bit).
  return acc - static_cast<int32_t>((static_cast<uint32_t>(count) << 16) >> 1);
}
#endif

// Sum_i w[i], w in flash.
inline int32_t sum_flash_s8(const int8_t* w, int32_t n) {
  int32_t sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += flash_read(w + i);
  return sum;
}

// Sum_i w[i] * x[i] for int8 weights (flash) and int16 inputs (TFLM's 16x8 kernels), exact:
// |w * x| <= 2^22, so int32 partial sums of 256 products cannot overflow.
inline int64_t dot_s8_s16(const int8_t* w, const int16_t* x, int32_t n) {
  int64_t total = 0;
  while (n > 0) {
    const int32_t chunk = n < 256 ? n : 256;
    int32_t part = 0;
    for (int32_t i = 0; i < chunk; ++i)
      part += static_cast<int32_t>(flash_read(w + i)) * static_cast<int32_t>(x[i]);
    total += part;
    w += chunk, x += chunk, n -= chunk;
  }
  return total;
}

// The value range of an integer element type (no <limits> in freestanding builds; functions,
// so that no static member needs a definition, and not named min/max, which Arduino defines
// as macros).
template <typename T> struct IntBounds;
template <> struct IntBounds<int8_t> {
  static constexpr int32_t lowest() { return -128; }
  static constexpr int32_t highest() { return 127; }
};
template <> struct IntBounds<int16_t> {
  static constexpr int32_t lowest() { return -32768; }
  static constexpr int32_t highest() { return 32767; }
};
template <> struct IntBounds<int32_t> {
  static constexpr int32_t lowest() { return kInt32Min; }
  static constexpr int32_t highest() { return kInt32Max; }
};

// v clamped to T's range.
template <typename T>
inline T saturate_to(int32_t v) {
  return static_cast<T>(v < IntBounds<T>::lowest() ? IntBounds<T>::lowest()
                                                   : v > IntBounds<T>::highest() ? IntBounds<T>::highest() : v);
}

// Continues a float running sum in index order (the order fixes the rounding).
inline float dot_f32(float total, const float* w, const float* x, int32_t n) {
  for (int32_t i = 0; i < n; ++i) total += x[i] * flash_read(w + i);
  return total;
}

// True when every tap origin + k * dilation (k < taps) lies inside [0, size).
inline bool window_inside(int32_t origin, int32_t taps, int32_t dilation, int32_t size) {
  return origin >= 0 && origin + (taps - 1) * dilation < size;
}

namespace detail {

// memmove for dst below src (or a copy between disjoint arrays), a word at a time (Armv7-M and
// Armv8-M mainline: four per LDM/STM when aligned): picolibc's size-optimized memmove and memcpy
// copy byte by byte. The band executor drops line-buffer
// rows with it. The x86-64 host's C library (glibc) moves a vector at a time, fewer
// instructions than the word loop (person_detect on the host: 104 K fewer per invoke), so
// there it is memmove itself.
inline void move_rows_down(int8_t* dst, const int8_t* src, int32_t bytes) {
#if defined(__x86_64__)
  memmove(dst, src, static_cast<size_t>(bytes));
#else
  int32_t i = 0;
#if defined(__riscv) || defined(__XTENSA__)
  // No unaligned loads there, so GCC turns the memcpy words below into byte copies; line
  // buffers are word-aligned, so whole words move with one LW/SW (l32i/s32i) each.
  if (((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src)) & 3u) == 0) {
    typedef uint32_t __attribute__((may_alias)) Word;
    Word* d = reinterpret_cast<Word*>(dst);
    const Word* w = reinterpret_cast<const Word*>(src);
    for (; i + 4 <= bytes; i += 4) {
      *d++ = *w++;
#if defined(__riscv)
      // Keeps riscv GCC from turning the loop back into a memcpy call (byte by byte).
      __asm__("" : "+r"(d));
#endif
    }
  }
#endif
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__) || \
    defined(__ARM_ARCH_8_1M_MAIN__)
  // Word-aligned rows (line buffers of whole-word rows) move 16 bytes per LDM/STM pair, 4
  // instructions where the word loop takes 16 (dst below src: each group is loaded before
  // any byte of it is written). Fixed registers: LDM lists ascend.
  if (((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src)) & 3u) == 0 && bytes >= 16) {
    const int8_t* s = src;
    int8_t* d = dst;
    const int8_t* end = src + (bytes & ~15);
    __asm__ volatile(
        "1:\n\t"
        "ldmia %[s]!, {r2, r3, r12, lr}\n\t"
        "stmia %[d]!, {r2, r3, r12, lr}\n\t"
        "cmp %[s], %[end]\n\t"
        "bne 1b"
        : [s] "+r"(s), [d] "+r"(d)
        : [end] "r"(end)
        : "r2", "r3", "r12", "lr", "cc", "memory");
    i = bytes & ~15;
  }
#endif
  for (; i + 4 <= bytes; i += 4) {
    uint32_t word;
    memcpy(&word, src + i, 4);
    memcpy(dst + i, &word, 4);
  }
  for (; i < bytes; ++i) dst[i] = src[i];
#endif
}

}  // namespace detail

}  // namespace mf

#endif  // MICROFLOW_KERNEL_UTIL_H_
