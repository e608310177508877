// SignalWindow (runtime kernels/signal_window.h): TFLM's WindowPrepare rules.
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalWindowParams : ParamsBase {
  int64_t size = 0, length = 0, shift = 0;
  MF_PARAMS(SignalWindowParams, size, length, shift)
};
const KernelDef kSignalWindowS16{.function = "signal_window_s16",
                                 .header = "microflow/kernels/signal_window.h",
                                 .in_place = InPlaceKind::Elementwise,
                                 .sample_params = sample_of<SignalWindowParams>};

struct WindowOptions : OpOptions {
  int32_t shift = 0;
};

std::shared_ptr<const OpOptions> read_window_options(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<WindowOptions>();
  o->shift = CustomOptions(op, where).int32("shift");
  return o;
}

KernelCall lower_window(const Graph& g, const Operator& op) {
  expect_arity(g, op, 2, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& w = op_input(g, op, 1, "weights");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, in, "input", {DType::Int16}, "TFLM's SignalWindow is int16");
  if (in.shape.empty()) fail(g, op, describe(g, in.id, "input") + ": needs at least one dimension");
  expect_output(g, op, out, DType::Int16, in.shape);
  const ConstArray window = int16_table(g, op, w, "weights", 1, "Window");
  const int32_t shift = op.opts<WindowOptions>().shift;
  if (shift < 0 || shift > 31) fail(g, op, "shift " + std::to_string(shift) + " is outside [0, 31]");
  if (in.elements() % w.elements() != 0)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.elements()) +
                    " elements are not whole windows of " + std::to_string(w.elements()));
  SignalWindowParams p;
  p.size = in.elements(), p.length = w.elements(), p.shift = shift;
  KernelCall k = make_call(op, kSignalWindowS16, p);
  add_input_arg(k, in);
  add_array_arg(k, window);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalWindowOp{.code = kCustomCode,
                                   .name = "SignalWindow",
                                   .read_options = read_window_options,
                                   .lower = lower_window,
                                   .kernels = {&kSignalWindowS16}};

}  // namespace microflow
