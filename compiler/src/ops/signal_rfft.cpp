// SignalRfft (runtime kernels/signal_fft.h): TFLM's RfftPrepare rules, int16 / int32 /
// float as TFLM registers it; kissfft's tables made here (ops/signal_kissfft.h).
#include "ops/signal_kissfft.h"

namespace microflow {
namespace {

const KernelDef kSignalRfftS16{.function = "signal_rfft_s16",
                               .header = "microflow/kernels/signal_fft.h",
                               .sample_params = sample_of<SignalFftS16Params>};
const KernelDef kSignalRfftS32{.function = "signal_rfft_s32",
                               .header = "microflow/kernels/signal_fft.h",
                               .sample_params = sample_of<SignalFftS32Params>};
const KernelDef kSignalRfftF32{.function = "signal_rfft_f32",
                               .header = "microflow/kernels/signal_fft.h",
                               .sample_params = sample_of<SignalFftF32Params>};
const KernelDef* const kRfftKernels[3] = {&kSignalRfftS16, &kSignalRfftS32, &kSignalRfftF32};

KernelCall lower_rfft(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = fft_element_type(g, op, in, out);
  const int32_t n = op.opts<FftOptions>().fft_length;
  const int32_t input_length = in.shape.back();
  if (input_length <= 0 || n < input_length)
    fail(g, op, "fft_length " + std::to_string(n) + " is less than the input length " + std::to_string(input_length));
  const int32_t half = n / 2;
  const int64_t rows = in.elements() / input_length;
  if (out.shape.back() != 2 * (half + 1) || out.elements() / out.shape.back() != rows)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + ", expected " +
                    std::to_string(rows) + " rows of " + std::to_string(2 * (half + 1)) + " (fft_length / 2 + 1 complex bins)");
  KernelCall k = make_fft_call(op, type, kRfftKernels, rows, input_length, false);
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalRfftOp{.code = kCustomCode,
                                 .name = "SignalRfft",
                                 .read_options = read_fft_options,
                                 .lower = lower_rfft,
                                 .kernels = {&kSignalRfftS16, &kSignalRfftS32, &kSignalRfftF32}};

}  // namespace microflow
