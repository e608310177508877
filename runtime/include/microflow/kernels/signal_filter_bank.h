// TFLM's Signal filter bank family (signal/src): SignalFilterBank (weighted sums of the
// energy bins into mel channels, uint64), SignalFilterBankSquareRoot, the stateful
// SignalFilterBankSpectralSubtraction and SignalFilterBankLog. Tables are flash constants.
#ifndef MICROFLOW_SIGNAL_FILTER_BANK_H_
#define MICROFLOW_SIGNAL_FILTER_BANK_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/kernels/signal_math.h"

namespace mf {

struct SignalFilterBankParams {
  int32_t channels;  // output channels; the tables have channels + 1 entries (TFLM's scratch channel 0)
  const int16_t* weights;
  const int16_t* unweights;
  const int16_t* frequency_starts;
  const int16_t* weight_starts;
  const int16_t* widths;
};

// TFLM's FilterbankAccumulateChannels: each bin's energy goes to two neighbouring channels,
// weight · x to one and unweight · x to the next; channel 0 only collects the first one's
// unweighted part and is dropped. int16 weights convert to uint64 as in C (sign extended).
inline void signal_filter_bank(const SignalFilterBankParams& params, const uint32_t* input, uint64_t* output) {
  const SignalFilterBankParams p = flash_load(params);
  uint64_t weighted = 0, unweighted = 0;
  for (int32_t c = 0; c <= p.channels; ++c) {
    const int32_t start = flash_read(p.frequency_starts + c), weight_start = flash_read(p.weight_starts + c);
    const int32_t width = flash_read(p.widths + c);
    for (int32_t j = 0; j < width; ++j) {
      const uint64_t x = input[start + j];
      weighted += static_cast<uint64_t>(static_cast<int64_t>(flash_read(p.weights + weight_start + j))) * x;
      unweighted += static_cast<uint64_t>(static_cast<int64_t>(flash_read(p.unweights + weight_start + j))) * x;
    }
    if (c > 0) output[c - 1] = weighted;
    weighted = unweighted;
    unweighted = 0;
  }
}

struct SignalFilterBankSquareRootParams {
  int32_t channels;
};

// sqrt of each channel, shifted down by the FFT's auto-scale bits (a runtime tensor).
inline void signal_filter_bank_square_root(const SignalFilterBankSquareRootParams& params, const uint64_t* input,
                                           const int32_t* scale_bits, uint32_t* output) {
  const SignalFilterBankSquareRootParams p = flash_load(params);
  const int32_t shift = *scale_bits;
  for (int32_t c = 0; c < p.channels; ++c) output[c] = signal::sqrt64(input[c]) >> shift;
}

struct SignalSpectralSubtractionParams {
  int32_t channels;
  uint32_t smoothing, one_minus_smoothing;
  uint32_t alternate_smoothing, alternate_one_minus_smoothing;  // odd channels
  uint32_t smoothing_bits, spectral_subtraction_bits;
  uint32_t min_signal_remaining;
  int32_t clamping;
};

// TFLM's FilterbankSpectralSubtraction. `noise` is the kernel's state ([channels] uint32 in
// the state region, zero at reset()); `noise_output` receives a copy of it (TFLM's second output).
// `output` may be `input`: channel c is read before it is written.
inline void signal_filter_bank_spectral_subtraction(const SignalSpectralSubtractionParams& params, const uint32_t* input,
                                                    uint32_t* noise, uint32_t* noise_output, uint32_t* output) {
  const SignalSpectralSubtractionParams p = flash_load(params);
  for (int32_t c = 0; c < p.channels; ++c) {
    const bool odd = (c & 1) != 0;
    const uint32_t smoothing = odd ? p.alternate_smoothing : p.smoothing;
    const uint32_t one_minus = odd ? p.alternate_one_minus_smoothing : p.one_minus_smoothing;
    const uint32_t scaled = input[c] << p.smoothing_bits;
    noise[c] = static_cast<uint32_t>((static_cast<uint64_t>(scaled) * smoothing + static_cast<uint64_t>(noise[c]) * one_minus) >>
                                     p.spectral_subtraction_bits);
    uint32_t estimate = noise[c];
    if (estimate > scaled) {
      estimate = scaled;
      if (p.clamping) noise[c] = estimate;
    }
    const uint32_t floor =
        static_cast<uint32_t>((static_cast<uint64_t>(input[c]) * p.min_signal_remaining) >> p.spectral_subtraction_bits);
    const uint32_t subtracted = (scaled - estimate) >> p.smoothing_bits;
    output[c] = subtracted > floor ? subtracted : floor;
  }
  for (int32_t c = 0; c < p.channels; ++c) noise_output[c] = noise[c];
}

struct SignalFilterBankLogParams {
  int32_t channels;
  uint32_t output_scale;
  uint32_t correction_bits;
};

// ln of each channel (scaled by output_scale / 2^16) as int16, saturated; 0 for inputs <= 1.
inline void signal_filter_bank_log(const SignalFilterBankLogParams& params, const uint32_t* input,
                                   const int16_t* log_lut, int16_t* output) {
  const SignalFilterBankLogParams p = flash_load(params);
  for (int32_t c = 0; c < p.channels; ++c) {
    const uint32_t scaled = input[c] << p.correction_bits;
    if (scaled > 1) {
      const uint32_t v = signal::log32(scaled, p.output_scale, log_lut);
      output[c] = static_cast<int16_t>(v < 32767u ? v : 32767u);
    } else {
      output[c] = 0;
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_FILTER_BANK_H_
