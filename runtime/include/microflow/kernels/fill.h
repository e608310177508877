// FILL (every output element = the scalar value) and ZEROS_LIKE (TFLM reference
// fill.h, zeros_like.cc). ZEROS_LIKE writes the raw value 0 in every element, as TFLM
// does, whatever an int8 tensor's zero point.
#ifndef MICROFLOW_FILL_H_
#define MICROFLOW_FILL_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

struct FillParams {
  int32_t count;
  int32_t value_in_flash;
};

template <typename T>
inline void fill(const FillParams& params, const T* value, T* out) {
  const FillParams p = flash_load(params);
  const T v = load_operand(value, p.value_in_flash);
  for (int32_t i = 0; i < p.count; ++i) out[i] = v;
}

struct ZerosLikeParams {
  int32_t bytes;
};

inline void zeros_like(const ZerosLikeParams& params, void* out) {
  const ZerosLikeParams p = flash_load(params);
  memset(out, 0, static_cast<size_t>(p.bytes));
}

}  // namespace mf

#endif  // MICROFLOW_FILL_H_
