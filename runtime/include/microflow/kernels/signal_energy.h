// SignalEnergy (TFLM signal/src/energy.cc): |X[k]|^2 of int16 complex bins
// [start, end) as uint32; bins outside the range are left as they are (as TFLM).
#ifndef MICROFLOW_SIGNAL_ENERGY_H_
#define MICROFLOW_SIGNAL_ENERGY_H_

#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {

struct SignalEnergyParams {
  int32_t start, end;
};

inline void signal_energy_s16(const SignalEnergyParams& params, const int16_t* spectrum, uint32_t* output) {
  const SignalEnergyParams p = flash_load(params);
  for (int32_t k = p.start; k < p.end; ++k) {
    const int32_t re = spectrum[2 * k], im = spectrum[2 * k + 1];
    // Each square fits int32; TFLM's int32 sum wraps into the uint32 result.
    output[k] = static_cast<uint32_t>(re * re) + static_cast<uint32_t>(im * im);
  }
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_ENERGY_H_
