// A 256-entry table lookup per int8 element: every int8 single-input operator with fixed
// quantization is a function of 256 values, which the compiler evaluates at build time with
// the operator's reference kernel (ops/int8_table.h). The table is in flash (program memory
// on AVR), indexed by the input's bit pattern (x + 128 as an unsigned byte would be the
// same table rotated; the raw byte avoids the add).
// Element-wise in place is allowed: out may alias in.
#ifndef MICROFLOW_LOOKUP_H_
#define MICROFLOW_LOOKUP_H_

#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {

struct LookupS8Params {
  int32_t size;
};

// table[b] is the output for the input whose byte is b (b = x & 0xFF).
inline void lookup_s8(const LookupS8Params& params, const int8_t* in, const int8_t* table, int8_t* out) {
  const LookupS8Params p = flash_load(params);
  for (int32_t i = 0; i < p.size; ++i) out[i] = flash_read(table + static_cast<uint8_t>(in[i]));
}

}  // namespace mf

#endif  // MICROFLOW_LOOKUP_H_
