// SignalFftAutoScale (runtime kernels/signal_fft.h): TFLM's FftAutoScalePrepare rules.
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalFftAutoScaleParams : ParamsBase {
  int64_t size = 0;
  MF_PARAMS(SignalFftAutoScaleParams, size)
};
const KernelDef kSignalFftAutoScaleS16{.function = "signal_fft_auto_scale_s16",
                                       .header = "microflow/kernels/signal_fft.h",
                                       .in_place = InPlaceKind::Elementwise,
                                       .sample_params = sample_of<SignalFftAutoScaleParams>};

KernelCall lower_fft_auto_scale(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 2);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op, 0);
  const Tensor& bits = op_output(g, op, 1);
  expect_signal_tensor(g, op, in, "input", DType::Int16, 1);
  expect_output(g, op, out, DType::Int16, in.shape);
  expect_signal_tensor(g, op, bits, "scale bits output", DType::Int32, 0);
  SignalFftAutoScaleParams p;
  p.size = in.elements();
  KernelCall k = make_call(op, kSignalFftAutoScaleS16, p);
  add_input_arg(k, in);
  add_output_arg(k, bits);
  add_output_arg(k, out);  // last: the call's output, which may be written over the input
  return k;
}

}  // namespace

extern const OpDef kSignalFftAutoScaleOp{.code = kCustomCode,
                                         .name = "SignalFftAutoScale",
                                         .lower = lower_fft_auto_scale,
                                         .num_outputs = 2,
                                         .kernels = {&kSignalFftAutoScaleS16}};

}  // namespace microflow
