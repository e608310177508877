// SignalWindow (TFLM signal/src/window.cc): each input row times the int16 window
// (a constant, in flash), shifted right and saturated to int16.
#ifndef MICROFLOW_SIGNAL_WINDOW_H_
#define MICROFLOW_SIGNAL_WINDOW_H_

#include <stdint.h>

#include "microflow/exec/flash.h"

namespace mf {

struct SignalWindowParams {
  int32_t size;    // input elements
  int32_t length;  // window length (divides size)
  int32_t shift;
};

inline void signal_window_s16(const SignalWindowParams& params, const int16_t* input, const int16_t* window,
                              int16_t* output) {
  const SignalWindowParams p = flash_load(params);
  for (int32_t row = 0; row < p.size; row += p.length) {
    for (int32_t i = 0; i < p.length; ++i) {
      const int32_t raw = (static_cast<int32_t>(input[row + i]) * flash_read(window + i)) >> p.shift;
      output[row + i] = static_cast<int16_t>(raw < -32768 ? -32768 : raw > 32767 ? 32767 : raw);
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_WINDOW_H_
