// IEEE 754 binary32 arithmetic in integer code, for the float operations Debian 12's libgcc
// for xtensa-lx106 leaves out (__addsf3, __subsf3, __mulsf3, __floatsisf, __floatunsisf,
// __fixunssfsi; it has division, comparisons and __fixsfsi). Round to nearest, ties to even,
// subnormals kept (no flush to zero), the default NaN for invalid operations: the results are
// the ones an IEEE FPU gives, which tests/targets/test_soft_float.cpp checks against the host's.
//
// Working format (as in Berkeley SoftFloat): a significand with its integer bit at bit 30 and
// seven bits below the 23-bit fraction for rounding, plus an exponent one below the biased
// exponent, so pack() can add the integer bit into the exponent field (a carry out of the
// significand then bumps the exponent by itself).
#ifndef MICROFLOW_TARGETS_XTENSA_SOFT_FLOAT_H
#define MICROFLOW_TARGETS_XTENSA_SOFT_FLOAT_H

#include <stdint.h>

namespace mf_soft_float {

const uint32_t kDefaultNaN = 0x7FC00000u;
const uint32_t kQuietBit = 0x00400000u;

inline uint32_t sign_of(uint32_t a) { return a >> 31; }
inline int32_t exponent_of(uint32_t a) { return static_cast<int32_t>((a >> 23) & 0xFFu); }
inline uint32_t fraction_of(uint32_t a) { return a & 0x007FFFFFu; }
inline bool is_nan(uint32_t a) { return exponent_of(a) == 0xFF && fraction_of(a) != 0; }

inline uint32_t pack(uint32_t sign, int32_t exponent, uint32_t significand) {
  return (sign << 31) + (static_cast<uint32_t>(exponent) << 23) + significand;
}

inline int leading_zeros(uint32_t a) {
  int n = 0;
  for (uint32_t bit = 0x80000000u; bit != 0 && (a & bit) == 0; bit >>= 1) ++n;
  return n;
}

// Shift right, OR-ing every bit shifted out into bit 0 (the sticky bit of rounding).
inline uint32_t shift_right_jam(uint32_t a, int32_t distance) {
  if (distance <= 0) return a;
  if (distance >= 31) return a != 0 ? 1u : 0u;
  return (a >> distance) | ((a << (32 - distance)) != 0 ? 1u : 0u);
}

// Any NaN operand propagates (quieted); the first one wins.
inline uint32_t propagate_nan(uint32_t a, uint32_t b) { return (is_nan(a) ? a : b) | kQuietBit; }

inline uint32_t round_and_pack(uint32_t sign, int32_t exponent, uint32_t significand) {
  const uint32_t kHalf = 0x40;
  uint32_t round_bits = significand & 0x7F;
  if (exponent >= 0xFD || exponent < 0) {
    if (exponent < 0) {  // subnormal result
      significand = shift_right_jam(significand, -exponent);
      exponent = 0;
      round_bits = significand & 0x7F;
    } else if (exponent > 0xFD || significand + kHalf >= 0x80000000u) {
      return pack(sign, 0xFF, 0);  // overflow to infinity
    }
  }
  significand = (significand + kHalf) >> 7;
  if (round_bits == kHalf) significand &= ~1u;  // a tie: to even
  if (significand == 0) exponent = 0;
  return pack(sign, exponent, significand);
}

inline uint32_t normalize_round_and_pack(uint32_t sign, int32_t exponent, uint32_t significand) {
  const int shift = leading_zeros(significand) - 1;
  exponent -= shift;
  if (shift >= 7 && static_cast<uint32_t>(exponent) < 0xFD)  // exact: nothing to round
    return pack(sign, significand != 0 ? exponent : 0, significand << (shift - 7));
  return round_and_pack(sign, exponent, significand << shift);
}

inline uint32_t add_magnitudes(uint32_t a, uint32_t b, uint32_t sign) {
  int32_t exp_a = exponent_of(a), exp_b = exponent_of(b);
  uint32_t sig_a = fraction_of(a), sig_b = fraction_of(b);
  const int32_t diff = exp_a - exp_b;
  if (diff == 0) {
    if (exp_a == 0) return pack(sign, 0, sig_a + sig_b);  // subnormals: exact, may carry to normal
    if (exp_a == 0xFF) return (sig_a | sig_b) != 0 ? propagate_nan(a, b) : a;
    uint32_t sum = 0x01000000u + sig_a + sig_b;
    if ((sum & 1) == 0 && exp_a < 0xFE) return pack(sign, exp_a, sum >> 1);
    return round_and_pack(sign, exp_a, sum << 6);
  }
  sig_a <<= 6;
  sig_b <<= 6;
  int32_t exp_z;
  if (diff < 0) {
    if (exp_b == 0xFF) return sig_b != 0 ? propagate_nan(a, b) : pack(sign, 0xFF, 0);
    exp_z = exp_b;
    sig_a = shift_right_jam(sig_a + (exp_a != 0 ? 0x20000000u : sig_a), -diff);
  } else {
    if (exp_a == 0xFF) return sig_a != 0 ? propagate_nan(a, b) : a;
    exp_z = exp_a;
    sig_b = shift_right_jam(sig_b + (exp_b != 0 ? 0x20000000u : sig_b), diff);
  }
  uint32_t sum = 0x20000000u + sig_a + sig_b;
  if (sum < 0x40000000u) {
    --exp_z;
    sum <<= 1;
  }
  return round_and_pack(sign, exp_z, sum);
}

inline uint32_t subtract_magnitudes(uint32_t a, uint32_t b, uint32_t sign) {
  int32_t exp_a = exponent_of(a), exp_b = exponent_of(b);
  uint32_t sig_a = fraction_of(a), sig_b = fraction_of(b);
  int32_t diff = exp_a - exp_b;
  if (diff == 0) {
    if (exp_a == 0xFF) return (sig_a | sig_b) != 0 ? propagate_nan(a, b) : kDefaultNaN;  // inf - inf
    int32_t delta = static_cast<int32_t>(sig_a) - static_cast<int32_t>(sig_b);
    if (delta == 0) return 0;  // exact zero is +0 when rounding to nearest
    if (exp_a != 0) --exp_a;
    if (delta < 0) {
      sign ^= 1;
      delta = -delta;
    }
    int shift = leading_zeros(static_cast<uint32_t>(delta)) - 8;
    int32_t exp_z = exp_a - shift;
    if (exp_z < 0) {
      shift = exp_a;
      exp_z = 0;
    }
    return pack(sign, exp_z, static_cast<uint32_t>(delta) << shift);
  }
  sig_a <<= 7;
  sig_b <<= 7;
  int32_t exp_z;
  uint32_t larger, smaller;
  if (diff < 0) {
    sign ^= 1;
    if (exp_b == 0xFF) return sig_b != 0 ? propagate_nan(a, b) : pack(sign, 0xFF, 0);
    exp_z = exp_b - 1;
    larger = sig_b | 0x40000000u;
    smaller = sig_a + (exp_a != 0 ? 0x40000000u : sig_a);
    diff = -diff;
  } else {
    if (exp_a == 0xFF) return sig_a != 0 ? propagate_nan(a, b) : a;
    exp_z = exp_a - 1;
    larger = sig_a | 0x40000000u;
    smaller = sig_b + (exp_b != 0 ? 0x40000000u : sig_b);
  }
  return normalize_round_and_pack(sign, exp_z, larger - shift_right_jam(smaller, diff));
}

inline uint32_t add(uint32_t a, uint32_t b) {
  return sign_of(a) == sign_of(b) ? add_magnitudes(a, b, sign_of(a)) : subtract_magnitudes(a, b, sign_of(a));
}

inline uint32_t subtract(uint32_t a, uint32_t b) { return add(a, b ^ 0x80000000u); }

// A subnormal's significand shifted up to a normal one, and the exponent that goes with it.
inline void normalize_subnormal(uint32_t& significand, int32_t& exponent) {
  const int shift = leading_zeros(significand) - 8;
  exponent = 1 - shift;
  significand <<= shift;
}

inline uint32_t multiply(uint32_t a, uint32_t b) {
  int32_t exp_a = exponent_of(a), exp_b = exponent_of(b);
  uint32_t sig_a = fraction_of(a), sig_b = fraction_of(b);
  const uint32_t sign = sign_of(a) ^ sign_of(b);
  if (exp_a == 0xFF || exp_b == 0xFF) {
    if (is_nan(a) || is_nan(b)) return propagate_nan(a, b);
    const uint32_t other = exp_a == 0xFF ? b : a;  // inf * 0 is invalid
    return (other & 0x7FFFFFFFu) == 0 ? kDefaultNaN : pack(sign, 0xFF, 0);
  }
  if (exp_a == 0) {
    if (sig_a == 0) return pack(sign, 0, 0);
    normalize_subnormal(sig_a, exp_a);
  }
  if (exp_b == 0) {
    if (sig_b == 0) return pack(sign, 0, 0);
    normalize_subnormal(sig_b, exp_b);
  }
  int32_t exp_z = exp_a + exp_b - 0x7F;
  const uint64_t product = static_cast<uint64_t>((sig_a | 0x00800000u) << 7) * ((sig_b | 0x00800000u) << 8);
  uint32_t sig_z = static_cast<uint32_t>(product >> 32) | (static_cast<uint32_t>(product) != 0 ? 1u : 0u);
  if (sig_z < 0x40000000u) {
    --exp_z;
    sig_z <<= 1;
  }
  return round_and_pack(sign, exp_z, sig_z);
}

inline uint32_t from_int32(int32_t a) {
  const uint32_t sign = a < 0 ? 1u : 0u;
  if ((static_cast<uint32_t>(a) & 0x7FFFFFFFu) == 0) return sign != 0 ? 0xCF000000u : 0u;  // INT32_MIN or 0
  const uint32_t magnitude = sign != 0 ? 0u - static_cast<uint32_t>(a) : static_cast<uint32_t>(a);
  return normalize_round_and_pack(sign, 0x9C, magnitude);
}

inline uint32_t from_uint32(uint32_t a) {
  if (a == 0) return 0;
  if ((a & 0x80000000u) != 0) return round_and_pack(0, 0x9D, (a >> 1) | (a & 1));
  return normalize_round_and_pack(0, 0x9C, a);
}

// Truncation toward zero; NaN, negative and too large inputs saturate like the ARM FPU
// (NaN and negatives to 0, large values to 0xFFFFFFFF). C leaves them undefined.
inline uint32_t to_uint32(uint32_t a) {
  const int32_t exponent = exponent_of(a);
  if (is_nan(a) || (sign_of(a) != 0 && (a & 0x7FFFFFFFu) != 0 && exponent >= 0x7F)) return 0;
  if (exponent < 0x7F) return 0;  // |a| < 1
  if (exponent > 0x7F + 31) return 0xFFFFFFFFu;
  const uint32_t significand = fraction_of(a) | 0x00800000u;
  const int32_t shift = exponent - 0x7F - 23;
  return shift >= 0 ? significand << shift : significand >> -shift;
}

}  // namespace mf_soft_float

#endif  // MICROFLOW_TARGETS_XTENSA_SOFT_FLOAT_H
