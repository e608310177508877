// Integer helpers of TFLM's Signal library (signal/src: msb, square_root, log), shared by
// the signal_*.h kernels. Bit for bit as TFLM's host build (g++: __GNUC__ paths).
#ifndef MICROFLOW_SIGNAL_MATH_H_
#define MICROFLOW_SIGNAL_MATH_H_

#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {
namespace signal {

// The number of significant bits of x; 32 for x == 0 (TFLM's __builtin_clz path).
inline uint32_t msb32(uint32_t x) {
  if (x == 0) return 32;
  uint32_t n = 0;
  while (x) x >>= 1, ++n;
  return n;
}

// The same for 64 bits; 64 for x == 0.
inline uint32_t msb64(uint64_t x) {
  if (x == 0) return 64;
  if (x >> 32) return 32 + msb32(static_cast<uint32_t>(x >> 32));
  return msb32(static_cast<uint32_t>(x));
}

namespace detail {
// TFLM's Sqrt32 / Sqrt64 loop: bitwise integer square root of `num` (non-zero, its most
// significant bit `msb` as msb32 / msb64 count), rounded up when the remainder exceeds the root
// unless the root is already `max_root`.
template <typename U>
inline U bitwise_sqrt(U num, int msb, U max_root) {
  const int top = static_cast<int>(8 * sizeof(U)) - 1;
  const int max_bit_number = (top + 1 - msb) | 1;
  U res = 0;
  U bit = static_cast<U>(static_cast<U>(1) << (top - max_bit_number));
  for (int iterations = (top - max_bit_number) / 2 + 1; iterations > 0; --iterations) {
    if (num >= res + bit) {
      num = static_cast<U>(num - (res + bit));
      res = static_cast<U>((res >> 1) + bit);
    } else {
      res = static_cast<U>(res >> 1);
    }
    bit = static_cast<U>(bit >> 2);
  }
  if (num > res && res != max_root) ++res;
  return res;
}
}  // namespace detail

// TFLM's Sqrt32.
inline uint16_t sqrt32(uint32_t num) {
  if (num == 0) return 0;
  return static_cast<uint16_t>(detail::bitwise_sqrt<uint32_t>(num, static_cast<int>(msb32(num)), 0xFFFFu));
}

// TFLM's Sqrt64: Sqrt32 when the high word is clear (TFLM's shortcut, kept for its results).
inline uint32_t sqrt64(uint64_t num) {
  if ((num >> 32) == 0) return sqrt32(static_cast<uint32_t>(num));
  return static_cast<uint32_t>(detail::bitwise_sqrt<uint64_t>(num, static_cast<int>(msb64(num)), 0xFFFFFFFFull));
}

// TFLM's Log32: ln(x) · out_scale / 2^16 from the integer log2 and a 129-segment
// correction table of the fraction (`log_lut`: 130 entries below 2^15, in flash, from the compiler).
inline uint32_t log32(uint32_t x, uint32_t out_scale, const int16_t* log_lut) {
  const uint32_t integer = msb32(x) - 1;
  int32_t frac = static_cast<int32_t>(static_cast<int64_t>(x) - (static_cast<int64_t>(1) << integer));
  if (integer < 16) {
    frac = static_cast<int32_t>(static_cast<uint32_t>(frac) << (16 - integer));
  } else {
    frac >>= integer - 16;
  }
  const uint32_t base_seg = static_cast<uint32_t>(frac) >> 9;
  const int32_t c0 = flash_read(log_lut + base_seg);
  const int32_t c1 = flash_read(log_lut + base_seg + 1);
  const int32_t seg_base = static_cast<int32_t>(512 * base_seg);
  const int32_t rel_pos = ((c1 - c0) * (frac - seg_base)) >> 16;
  const uint32_t fraction = static_cast<uint32_t>(frac + c0 + rel_pos);
  const uint32_t log2 = (integer << 16) + fraction;
  const uint32_t loge = static_cast<uint32_t>((static_cast<uint64_t>(45426) * log2 + 32768) >> 16);
  return (out_scale * loge + 32768) >> 16;
}

}  // namespace signal
}  // namespace mf

#endif  // MICROFLOW_SIGNAL_MATH_H_
