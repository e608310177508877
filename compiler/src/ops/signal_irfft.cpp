// SignalIrfft (runtime kernels/signal_fft.h): TFLM's Irfft Prepare rules, int16 / int32 /
// float as TFLM registers it; kissfft's inverse tables made here (ops/signal_kissfft.h).
#include "ops/signal_kissfft.h"

namespace microflow {
namespace {

const KernelDef kSignalIrfftS16{.function = "signal_irfft_s16",
                                .header = "microflow/kernels/signal_fft.h",
                                .sample_params = sample_of<SignalFftS16Params>};
const KernelDef kSignalIrfftS32{.function = "signal_irfft_s32",
                                .header = "microflow/kernels/signal_fft.h",
                                .sample_params = sample_of<SignalFftS32Params>};
const KernelDef kSignalIrfftF32{.function = "signal_irfft_f32",
                                .header = "microflow/kernels/signal_fft.h",
                                .sample_params = sample_of<SignalFftF32Params>};
const KernelDef* const kIrfftKernels[3] = {&kSignalIrfftS16, &kSignalIrfftS32, &kSignalIrfftF32};

// TFLM reads fft_length / 2 + 1 bins of each input row (its last dimension holds complex
// bins as (re, im) pairs) and writes fft_length samples per output row; it checks neither
// size, so here both are checked (a shorter row would be read or written past its end).
KernelCall lower_irfft(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = fft_element_type(g, op, in, out);
  const int32_t n = op.opts<FftOptions>().fft_length;
  const int32_t half = n / 2;
  const int32_t input_values = in.shape.back();
  if (input_values % 2 != 0 || input_values / 2 < half + 1)
    fail(g, op, describe(g, in.id, "input") + ": rows of " + std::to_string(input_values) +
                    " values, expected complex bins (re, im), at least fft_length / 2 + 1 = " + std::to_string(half + 1));
  const int64_t rows = in.elements() / input_values;
  if (out.shape.back() != n || out.elements() / n != rows)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + ", expected " + std::to_string(rows) +
                    " rows of fft_length = " + std::to_string(n) + " samples");
  KernelCall k = make_fft_call(op, type, kIrfftKernels, rows, input_values / 2, true);
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalIrfftOp{.code = kCustomCode,
                                  .name = "SignalIrfft",
                                  .read_options = read_fft_options,
                                  .lower = lower_irfft,
                                  .kernels = {&kSignalIrfftS16, &kSignalIrfftS32, &kSignalIrfftF32}};

}  // namespace microflow
