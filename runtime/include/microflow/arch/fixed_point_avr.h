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

// requantize_q31 without the zero point, RDBPOT(SRDHM(a, M), N + 1), modulo 256 (callers
// know it lies in int8 range), for a in [-2^23, 2^23) and compile-time M in [2^30, 2^31),
// N = -shift - 1 in [0, 22]. With P = a*M + 2^30 (t = floor(P / 2^31), t < 0 exactly when
// a < 0 or P == 0, where either choice below gives 0) the two roundings nest into one
// floor division:
//   RDBPOT(t, N + 1) = floor((t - [t < 0] + 2^N) / 2^(N+1))
//                    = floor((P + (2^N - [a < 0]) * 2^31) / 2^(N+32)) = floor(P' / 2^(N+32)).
// The 12 byte MULs form the unsigned product a_u*M (a_u = a + 2^24 [a < 0]) in seven bytes,
// then one sign-dependent constant (bytes 3..6) adds 2^30 + 2^(31+N) and, for a < 0, takes
// off M*2^24 + 2^31, which leaves P' (|P'| < 2^55). The result byte is bits N+32..N+39:
// byte 4 + N/8 after shifting bytes 4 + N/8, 5 + N/8 right by N%8, or byte 5 + N/8 after
// shifting them left by 8 - N%8 (fewer steps from N%8 = 4 on); unrolled at compile time.
template <int32_t M, int32_t N>
inline __attribute__((always_inline)) uint8_t requantize_s24_fixed_avr(int32_t a) {
  static_assert(M >= (static_cast<int32_t>(1) << 30) && N >= 0 && N <= 22, "requantize_s24_fixed_avr: range");
  // Subtracting 2^32 - K adds K to bytes 3..6 (subi/sbci take no add form).
  constexpr uint32_t kPos = (static_cast<uint32_t>(1) << 6) + (static_cast<uint32_t>(1) << (7 + N));
  constexpr uint32_t kNeg = kPos - static_cast<uint32_t>(M) - (static_cast<uint32_t>(1) << 7);
  constexpr int32_t kSubPos = static_cast<int32_t>(0u - kPos), kSubNeg = static_cast<int32_t>(0u - kNeg);
  uint32_t lo, hi;
  uint8_t out;
  const uint8_t zero = 0;
  __asm__(
      "clr %A[lo]\n\t" "clr %B[lo]\n\t" "clr %C[lo]\n\t" "clr %D[lo]\n\t"
      "clr %A[hi]\n\t" "clr %B[hi]\n\t" "clr %C[hi]\n\t"
      "mul %A[a], %A[m]\n\t" "add %A[lo], r0\n\t" "adc %B[lo], r1\n\t" "adc %C[lo], %[z]\n\t"
      "mul %A[a], %B[m]\n\t" "add %B[lo], r0\n\t" "adc %C[lo], r1\n\t" "adc %D[lo], %[z]\n\t"
      "mul %B[a], %A[m]\n\t" "add %B[lo], r0\n\t" "adc %C[lo], r1\n\t" "adc %D[lo], %[z]\n\t"
      "mul %A[a], %C[m]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %B[a], %B[m]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %C[a], %A[m]\n\t" "add %C[lo], r0\n\t" "adc %D[lo], r1\n\t" "adc %A[hi], %[z]\n\t"
      "mul %A[a], %D[m]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %B[a], %C[m]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %C[a], %B[m]\n\t" "add %D[lo], r0\n\t" "adc %A[hi], r1\n\t" "adc %B[hi], %[z]\n\t"
      "mul %B[a], %D[m]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %C[a], %C[m]\n\t" "add %A[hi], r0\n\t" "adc %B[hi], r1\n\t" "adc %C[hi], %[z]\n\t"
      "mul %C[a], %D[m]\n\t" "add %B[hi], r0\n\t" "adc %C[hi], r1\n\t"
      "clr __zero_reg__\n\t"
      "sbrc %C[a], 7\n\t"
      "rjmp 1f\n\t"
      "subi %D[lo], lo8(%[kp])\n\t" "sbci %A[hi], hi8(%[kp])\n\t"
      "sbci %B[hi], hlo8(%[kp])\n\t" "sbci %C[hi], hhi8(%[kp])\n\t"
      "rjmp 2f\n"
      "1:\n\t"
      "subi %D[lo], lo8(%[kn])\n\t" "sbci %A[hi], hi8(%[kn])\n\t"
      "sbci %B[hi], hlo8(%[kn])\n\t" "sbci %C[hi], hhi8(%[kn])\n"
      "2:\n\t"
      ".if %[q] == 0\n\t"
      ".if %[s] >= 4\n\t" ".rept 8 - %[s]\n\t" "lsl %A[hi]\n\t" "rol %B[hi]\n\t" ".endr\n\t"
      "mov %[out], %B[hi]\n\t"
      ".else\n\t" ".rept %[s]\n\t" "lsr %B[hi]\n\t" "ror %A[hi]\n\t" ".endr\n\t"
      "mov %[out], %A[hi]\n\t" ".endif\n\t"
      ".elseif %[q] == 1\n\t"
      ".if %[s] >= 4\n\t" ".rept 8 - %[s]\n\t" "lsl %B[hi]\n\t" "rol %C[hi]\n\t" ".endr\n\t"
      "mov %[out], %C[hi]\n\t"
      ".else\n\t" ".rept %[s]\n\t" "lsr %C[hi]\n\t" "ror %B[hi]\n\t" ".endr\n\t"
      "mov %[out], %B[hi]\n\t" ".endif\n\t"
      ".else\n\t"
      // N <= 22: byte 6 shifted right by at most 6; byte 7 would be its sign.
      ".rept %[s]\n\t" "asr %C[hi]\n\t" ".endr\n\t"
      "mov %[out], %C[hi]\n\t"
      ".endif"
      : [lo] "=&d"(lo), [hi] "=&d"(hi), [out] "=r"(out)
      : [a] "r"(a), [m] "r"(M), [z] "r"(zero), [q] "n"(N / 8), [s] "n"(N % 8), [kp] "n"(kSubPos), [kn] "n"(kSubNeg));
  (void)lo;
  return out;
}

// requantize_q31 (portable form, int64) and the first accumulator at which it reaches v,
// for compile-time thresholds: the result never decreases as the accumulator grows. Single
// return statements: the Arduino build compiles the runtime as C++11.
constexpr int64_t floor_div_pow2(int64_t a, int32_t k) {
  return a >= 0 ? a / (static_cast<int64_t>(1) << k) : -((-a + (static_cast<int64_t>(1) << k) - 1) >> k);
}
constexpr int64_t round_shift_q31_nested(int64_t t, int32_t n) {
  return floor_div_pow2(t - (t < 0 ? 1 : 0) + (static_cast<int64_t>(1) << n), n + 1);
}
constexpr int64_t requantized_q31(int64_t acc, int32_t m, int32_t n) {
  return round_shift_q31_nested(floor_div_pow2(acc * m + (static_cast<int64_t>(1) << 30), 31), n);
}
// Bisection of [lo, hi] (hi: never reached), 33 levels deep at most.
constexpr int64_t first_acc_reaching_in(int64_t lo, int64_t hi, int64_t v, int32_t m, int32_t n) {
  return lo >= hi ? lo
                  : (requantized_q31(lo + (hi - lo) / 2, m, n) >= v
                         ? first_acc_reaching_in(lo, lo + (hi - lo) / 2, v, m, n)
                         : first_acc_reaching_in(lo + (hi - lo) / 2 + 1, hi, v, m, n));
}
// In [-2^31, 2^31]; 2^31: never.
constexpr int64_t first_acc_reaching(int64_t v, int32_t m, int32_t n) {
  return first_acc_reaching_in(-(static_cast<int64_t>(1) << 31), static_cast<int64_t>(1) << 31, v, m, n);
}

// requantize_q31 + zero point + clamp with every constant at compile time (N = -shift - 1).
// The activation bounds first, against the accumulators where the result reaches them
// (found at compile time): a bounded output costs two compares, and between them the result
// lies strictly inside the bounds, so the multiply's low byte plus the zero point is the
// output. When those accumulators all fit 24 bits (N <= 13 always), so does every
// accumulator that gets to the multiply; otherwise the wider ones take requantize_avr.
template <int32_t M, int32_t N, int32_t ZeroPoint, int32_t ActMin, int32_t ActMax>
inline __attribute__((always_inline)) int8_t requantize_fixed_avr(int32_t acc) {
  constexpr int64_t kHigh = first_acc_reaching(ActMax - ZeroPoint, M, N);
  constexpr int64_t kLow = first_acc_reaching(ActMin - ZeroPoint + 1, M, N);
  constexpr int64_t kLimit = static_cast<int64_t>(1) << 31;
  constexpr bool kInS24 = kLow >= -(static_cast<int64_t>(1) << 23) && kHigh <= (static_cast<int64_t>(1) << 23);
  if (kHigh < kLimit && acc >= static_cast<int32_t>(kHigh)) return static_cast<int8_t>(ActMax);
  if (kLow > -kLimit && acc < static_cast<int32_t>(kLow)) return static_cast<int8_t>(ActMin);
  if (!kInS24 && !fits_s24(acc)) {
    constexpr RequantAvr rq = {M, static_cast<uint8_t>(N), static_cast<int8_t>(ZeroPoint), static_cast<int8_t>(ActMin),
                               static_cast<int8_t>(ActMax)};
    return requantize_avr(acc, rq);
  }
  if (N >= 23) return static_cast<int8_t>(ZeroPoint);  // |t| < 2^23 rounds to 0
  return static_cast<int8_t>(requantize_s24_fixed_avr<M, (N >= 23 ? 0 : N)>(acc) + static_cast<uint8_t>(ZeroPoint));
}

}  // namespace detail
}  // namespace mf

#endif  // MICROFLOW_FIXED_POINT_AVR_H_
