// What SignalRfft and SignalIrfft share (runtime kernels/signal_fft.h): their options
// (T, fft_length), the params struct per element type, and kissfft's tables as TFLM's Init
// makes them (kiss_fftr_alloc: radix factorization, twiddles, real-FFT super twiddles).
#pragma once

#include <memory>
#include <string>

#include "ops/signal_common.h"

namespace microflow {

namespace tfl {
struct Operator;
}

struct FftOptions : OpOptions {
  int32_t type = 0;  // TFLite TensorType of input and output ('T')
  int32_t fft_length = 0;
};
std::shared_ptr<const OpOptions> read_fft_options(const tfl::Operator& op, const std::string& where);

struct SignalFftParamsFields : ParamsBase {
  int64_t rows = 0, input_length = 0, half_length = 0;
  ArrayRef factors, twiddles, super_twiddles;
};
struct SignalFftS16Params : SignalFftParamsFields {
  MF_PARAMS(SignalFftS16Params, rows, input_length, half_length, factors, twiddles, super_twiddles)
};
struct SignalFftS32Params : SignalFftParamsFields {
  MF_PARAMS(SignalFftS32Params, rows, input_length, half_length, factors, twiddles, super_twiddles)
};
struct SignalFftF32Params : SignalFftParamsFields {
  MF_PARAMS(SignalFftF32Params, rows, input_length, half_length, factors, twiddles, super_twiddles)
};

// The element type 'T' names (int16, int32 or float32, as TFLM registers the transform),
// which input and output must have, with the same rank (at least 1, as TFLM's Prepare);
// fft_length must be even and at least 4, and its half must factor into kissfft's radices
// 2, 3, 4 and 5.
DType fft_element_type(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out);

// A call of the kernel for `type` (kernels: int16, int32, float) with its params filled
// and kissfft's tables for fft_length added as its arrays (conjugated when `inverse`).
KernelCall make_fft_call(const Operator& op, DType type, const KernelDef* const kernels[3], int64_t rows,
                         int64_t input_length, bool inverse);

}  // namespace microflow
