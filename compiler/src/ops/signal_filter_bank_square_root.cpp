// SignalFilterBankSquareRoot (runtime kernels/signal_filter_bank.h): TFLM's Prepare rules.
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalFilterBankSquareRootParams : ParamsBase {
  int64_t channels = 0;
  MF_PARAMS(SignalFilterBankSquareRootParams, channels)
};
const KernelDef kSignalFilterBankSquareRoot{.function = "signal_filter_bank_square_root",
                                            .header = "microflow/kernels/signal_filter_bank.h",
                                            .in_place = InPlaceKind::Elementwise,
                                            .sample_params = sample_of<SignalFilterBankSquareRootParams>};

KernelCall lower_square_root(const Graph& g, const Operator& op) {
  expect_arity(g, op, 2, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& bits = op_input(g, op, 1, "scale bits");
  const Tensor& out = op_output(g, op);
  expect_signal_tensor(g, op, in, "input", DType::UInt64, 1);
  expect_signal_tensor(g, op, bits, "scale bits", DType::Int32, 0);
  expect_output(g, op, out, DType::UInt32, in.shape);
  SignalFilterBankSquareRootParams p;
  p.channels = in.elements();
  KernelCall k = make_call(op, kSignalFilterBankSquareRoot, p);
  add_input_arg(k, in);
  add_input_arg(k, bits);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalFilterBankSquareRootOp{.code = kCustomCode,
                                                 .name = "SignalFilterBankSquareRoot",
                                                 .lower = lower_square_root,
                                                 .kernels = {&kSignalFilterBankSquareRoot}};

}  // namespace microflow
