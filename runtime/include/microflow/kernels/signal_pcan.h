// SignalPCAN (TFLM signal/src/pcan_argc_fixed.cc): per-channel automatic gain control.
// The gain is a piecewise quadratic of the noise estimate (`gain_lut`, the model's int16
// constant, in flash), the SNR is shrunk to kPcanOutputBits (6) fractional bits.
#ifndef MICROFLOW_SIGNAL_PCAN_H_
#define MICROFLOW_SIGNAL_PCAN_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/kernels/signal_math.h"

namespace mf {

struct SignalPcanParams {
  int32_t channels;
  int32_t snr_shift;
};

namespace detail {

inline int16_t pcan_gain(uint32_t x, const int16_t* lut) {
  if (x <= 2) return flash_read(lut + x);
  const int32_t interval = static_cast<int32_t>(signal::msb32(x));
  lut += 4 * interval - 6;
  const int32_t frac =
      static_cast<int16_t>((interval < 11 ? x << (11 - interval) : x >> (interval - 11)) & 0x3FF);
  int32_t result = (static_cast<int32_t>(flash_read(lut + 2)) * frac) >> 5;
  result += static_cast<int32_t>(static_cast<uint32_t>(static_cast<int32_t>(flash_read(lut + 1))) << 5);
  result *= frac;
  result = (result + (1 << 14)) >> 15;
  result += flash_read(lut);
  return static_cast<int16_t>(result);
}

// x^2 / 4 below 2, x - 1 above; x has 12 fractional bits, the result 6.
inline uint32_t pcan_shrink(uint32_t x) {
  if (x < (2u << 12)) return (x * x) >> (2 + 2 * 12 - 6);
  return (x >> (12 - 6)) - (1u << 6);
}

}  // namespace detail

inline void signal_pcan(const SignalPcanParams& params, const uint32_t* input, const uint32_t* noise_estimate,
                        const int16_t* gain_lut, uint32_t* output) {
  const SignalPcanParams p = flash_load(params);
  for (int32_t c = 0; c < p.channels; ++c) {
    const uint32_t gain = static_cast<uint32_t>(static_cast<int32_t>(detail::pcan_gain(noise_estimate[c], gain_lut)));
    const uint32_t snr = static_cast<uint32_t>((static_cast<uint64_t>(input[c]) * gain) >> p.snr_shift);
    output[c] = detail::pcan_shrink(snr);
  }
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_PCAN_H_
