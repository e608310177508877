// AVR: TFLM's SRDHM without 64-bit library calls. avr-gcc turns int64 a * b into
// __mulsidi3 and >> 31 into __ashrdi3 (about 370 cycles together); the byte MULs below,
// summed column by column (column k adds every a_i * b_j with i + j = k at bytes k..k+2,
// which the running sum never exceeds), take about a third of that, or less when the
// accumulator fits 24 bits (12 MULs instead of 16). Included by fixed_point.h.
#ifndef MICROFLOW_FIXED_POINT_AVR_H_
#define MICROFLOW_FIXED_POINT_AVR_H_

#include <stdint.h>

namespace mf {
namespace detail {

// floor((a * b + 2^30) / 2^31) for a in [-2^23, 2^23) and b in [0, 2^31) (12 MULs).
inline __attribute__((always_inline)) int32_t rounding_doubling_high_mul_avr24(int32_t a, int32_t b) {
  uint32_t lo, hi;
  const uint8_t zero = 0, c40 = 0x40;
  __asm__(
      "clr %A[lo]\n\t"
      "clr %B[lo]\n\t"
      "clr %C[lo]\n\t"
      "clr %D[lo]\n\t"
      "clr %A[hi]\n\t"
      "clr %B[hi]\n\t"
      "clr %C[hi]\n\t"
      "mul %A[a], %A[b]\n\t" "add %A[lo], r0\n\t" "adc %B[lo], r1\n\t" "adc %C[lo], %[z]\n\t"
      "mul %A[a], %B[b]\n\t" "add %B[lo], r0\n\t" "adc %C[lo], r1\n\t" "adc %D[lo], %[z]\n\t"
      "mul %B[a], %A[b]\n\t" "add %B[lo], r0\n\t" "adc %C[lo], r1\n\t" "adc %D[lo], %[z]\n\t"
      "mul %A[a], %C[b]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %B[a], %B[b]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %C[a], %A[b]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %A[a], %D[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %B[a], %C[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %C[a], %B[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %B[a], %D[b]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %C[a], %C[b]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %C[a], %D[b]\n\t" "add %B[hi], r0\n\t" "adc %C[hi], r1\n\t"
      "clr __zero_reg__\n\t"
      // a < 0: the unsigned product counted a + 2^24, i.e. b * 2^24 too much.
      "sbrs %C[a], 7\n\t" "rjmp 1f\n\t"
      "sub %D[lo], %A[b]\n\t" "sbc %A[hi], %B[b]\n\t" "sbc %B[hi], %C[b]\n\t" "sbc %C[hi], %D[b]\n\t"
      "1:\n\t"
      // + 2^30 (0x40 into byte 3), bits 31..54 into hi (|result| < 2^23), sign-extended.
      "add %D[lo], %[c40]\n\t" "adc %A[hi], __zero_reg__\n\t" "adc %B[hi], __zero_reg__\n\t"
      "adc %C[hi], __zero_reg__\n\t"
      "lsl %D[lo]\n\t" "rol %A[hi]\n\t" "rol %B[hi]\n\t" "rol %C[hi]\n\t"
      "clr %D[hi]\n\t" "sbrc %C[hi], 7\n\t" "com %D[hi]"
      : [lo] "=&r"(lo), [hi] "=&r"(hi)
      : [a] "r"(a), [b] "r"(b), [z] "r"(zero), [c40] "r"(c40));
  (void)lo;
  return static_cast<int32_t>(hi);
}

// floor((a * b + 2^30) / 2^31) for any a and b in [0, 2^31) (16 MULs), out of line.
inline __attribute__((noinline)) int32_t rounding_doubling_high_mul_avr32(int32_t a, int32_t b) {
  uint32_t lo, hi;
  const uint8_t zero = 0, c40 = 0x40;
  __asm__(
      "clr %A[lo]\n\t"
      "clr %B[lo]\n\t"
      "clr %C[lo]\n\t"
      "clr %D[lo]\n\t"
      "clr %A[hi]\n\t"
      "clr %B[hi]\n\t"
      "clr %C[hi]\n\t"
      "clr %D[hi]\n\t"
      "mul %A[a], %A[b]\n\t" "add %A[lo], r0\n\t" "adc %B[lo], r1\n\t" "adc %C[lo], %[z]\n\t"
      "mul %A[a], %B[b]\n\t" "add %B[lo], r0\n\t" "adc %C[lo], r1\n\t" "adc %D[lo], %[z]\n\t"
      "mul %B[a], %A[b]\n\t" "add %B[lo], r0\n\t" "adc %C[lo], r1\n\t" "adc %D[lo], %[z]\n\t"
      "mul %A[a], %C[b]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %B[a], %B[b]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %C[a], %A[b]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %A[a], %D[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %B[a], %C[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %C[a], %B[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %D[a], %A[b]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %B[a], %D[b]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %C[a], %C[b]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %D[a], %B[b]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %C[a], %D[b]\n\t" "add %B[hi], r0\n\t" "adc %C[hi], r1\n\t" "adc %D[hi], %[z]\n\t"
      "mul %D[a], %C[b]\n\t" "add %B[hi], r0\n\t" "adc %C[hi], r1\n\t" "adc %D[hi], %[z]\n\t"
      "mul %D[a], %D[b]\n\t" "add %C[hi], r0\n\t" "adc %D[hi], r1\n\t"
      "clr __zero_reg__\n\t"
      // a < 0: the unsigned product counted a + 2^32, i.e. b * 2^32 too much.
      "sbrs %D[a], 7\n\t" "rjmp 1f\n\t"
      "sub %A[hi], %A[b]\n\t" "sbc %B[hi], %B[b]\n\t" "sbc %C[hi], %C[b]\n\t" "sbc %D[hi], %D[b]\n\t"
      "1:\n\t"
      // + 2^30 (0x40 into byte 3), then bits 31..62 into hi.
      "add %D[lo], %[c40]\n\t" "adc %A[hi], __zero_reg__\n\t" "adc %B[hi], __zero_reg__\n\t"
      "adc %C[hi], __zero_reg__\n\t" "adc %D[hi], __zero_reg__\n\t"
      "lsl %D[lo]\n\t" "rol %A[hi]\n\t" "rol %B[hi]\n\t" "rol %C[hi]\n\t" "rol %D[hi]"
      : [lo] "=&r"(lo), [hi] "=&r"(hi)
      : [a] "r"(a), [b] "r"(b), [z] "r"(zero), [c40] "r"(c40));
  (void)lo;
  return static_cast<int32_t>(hi);
}

inline bool fits_s24(int32_t a) { return static_cast<int32_t>(static_cast<uint32_t>(a) << 8) >> 8 == a; }

// floor((a * b + 2^30) / 2^31) for b >= 0.
inline __attribute__((noinline)) int32_t rounding_doubling_high_mul_avr_call(int32_t a, int32_t b) {
  return fits_s24(a) ? rounding_doubling_high_mul_avr24(a, b) : rounding_doubling_high_mul_avr32(a, b);
}

// requantize_q31 + clamp for one output, for AVR loops: out of line (the multiply's 17
// registers would make the caller spill) and with 8-bit fields where 8 bits suffice.
struct RequantAvr {
  int32_t multiplier;  // [2^30, 2^31)
  uint8_t shift;       // -shift - 1, in [0, 30]
  int8_t zero_point, act_min, act_max;
};

inline int8_t finish_requantize_avr(int32_t t, const RequantAvr& r) {
  int32_t u = t - static_cast<int32_t>(static_cast<uint32_t>(t) >> 31);
  uint8_t n = r.shift;
  if (n >= 16) u >>= 16, n = static_cast<uint8_t>(n - 16);
  if (n >= 8) u >>= 8, n = static_cast<uint8_t>(n - 8);
  u >>= n;
  const int32_t v = ((u + 1) >> 1) + r.zero_point;
  return static_cast<int8_t>(v < r.act_min ? r.act_min : (v > r.act_max ? r.act_max : v));
}

// Accumulators beyond 24 bits: rare, so out of line with the full multiply.
inline __attribute__((noinline)) int8_t requantize_avr_wide(int32_t acc, const RequantAvr& r) {
  return finish_requantize_avr(rounding_doubling_high_mul_avr32(acc, r.multiplier), r);
}

inline __attribute__((noinline)) int8_t requantize_avr(int32_t acc, const RequantAvr& r) {
  if (!fits_s24(acc)) {
    // |acc| >= 2^23 gives |t| >= 2^22 and, with n + 1 <= 14 right shifts, a result of at
    // least 256 in magnitude: the activation bound of acc's sign, without multiplying.
    if (r.shift <= 13) return acc < 0 ? r.act_min : r.act_max;
    return requantize_avr_wide(acc, r);
  }
  return finish_requantize_avr(rounding_doubling_high_mul_avr24(acc, r.multiplier), r);
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_FIXED_POINT_AVR_H_
