// SignalDelay (runtime kernels/signal_framing.h): TFLM's Delay Prepare rules; each row's
// last delay_length samples are kernel state in the state region.
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalDelayParams : ParamsBase {
  int64_t rows = 0, frame_size = 0, delay = 0;
  MF_PARAMS(SignalDelayParams, rows, frame_size, delay)
};
const KernelDef kSignalDelay{.function = "signal_delay_s16",
                             .header = "microflow/kernels/signal_framing.h",
                             .sample_params = sample_of<SignalDelayParams>};

struct DelayOptions : OpOptions {
  int32_t delay = 0;
};

std::shared_ptr<const OpOptions> read_delay_options(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<DelayOptions>();
  o->delay = CustomOptions(op, where).int32("delay_length");
  if (o->delay < 0) throw CompileError(where + ": delay_length " + std::to_string(o->delay) + " is negative");
  return o;
}

KernelState delay_state(const Graph& g, const Operator& op) {
  const Tensor* in = optional_input(g, op, 0);
  const int64_t rows = in ? outer_rows(*in) : 1;
  return kernel_state_of(g, op, DType::Int16, rows * op.opts<DelayOptions>().delay);
}

KernelCall lower_delay(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& state = op_input(g, op, 1, "delay state");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, in, "input", {DType::Int16}, "TFLM's SignalDelay is int16");
  if (in.shape.empty()) fail(g, op, describe(g, in.id, "input") + ": needs at least one dimension");
  expect_output(g, op, out, DType::Int16, in.shape);
  SignalDelayParams p;
  p.rows = outer_rows(in), p.frame_size = in.shape.back(), p.delay = op.opts<DelayOptions>().delay;
  KernelCall k = make_call(op, kSignalDelay, p);
  add_input_arg(k, in);
  add_output_arg(k, state);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalDelayOp{.code = kCustomCode,
                                  .name = "SignalDelay",
                                  .read_options = read_delay_options,
                                  .lower = lower_delay,
                                  .kernel_state = delay_state,
                                  .kernels = {&kSignalDelay}};

}  // namespace microflow
