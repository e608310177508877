// TFLM's int16 lookup tables (LUTLookup in tensorflow/lite/kernels/internal/common.h):
// 513 entries in flash, indexed by the top 9 bits of the int16 input and linearly
// interpolated over the low 7. The compiler fills the tables (ops/lut.cpp).
#ifndef MICROFLOW_LUT_H_
#define MICROFLOW_LUT_H_

#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {

// value in [-32768, 32767]; int32_t arithmetic throughout (int is 16-bit on AVR).
inline int16_t lut_lookup_s16(const int16_t* lut, int32_t value) {
  const int32_t index = 256 + (value >> 7);
  const int32_t offset = value & 0x7f;
  const int32_t base = flash_read(lut + index);
  // TFLM keeps the slope in an int16_t.
  const int32_t slope = static_cast<int16_t>(flash_read(lut + index + 1) - base);
  const int32_t delta = (slope * offset + 64) >> 7;
  return static_cast<int16_t>(base + delta);
}

}  // namespace mf

#endif  // MICROFLOW_LUT_H_
