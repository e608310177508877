// SignalStacker (runtime kernels/signal_framing.h): TFLM's Stacker Prepare rules; its
// circular buffer and first-frame flag are kernel state in the state region.
#include <cstdint>

#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalStackerParams : ParamsBase {
  int64_t channels = 0, frames = 0, left_context = 0, step = 0;
  MF_PARAMS(SignalStackerParams, channels, frames, left_context, step)
};
const KernelDef kSignalStacker{.function = "signal_stacker_s16",
                               .header = "microflow/kernels/signal_framing.h",
                               .sample_params = sample_of<SignalStackerParams>};

struct StackerOptions : OpOptions {
  int32_t channels = 0, left = 0, right = 0, step = 0;
  int64_t frames() const { return static_cast<int64_t>(left) + right + 1; }
};

std::shared_ptr<const OpOptions> read_stacker_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<StackerOptions>();
  o->channels = c.int32("num_channels");
  o->left = c.int32("stacker_left_context");
  o->right = c.int32("stacker_right_context");
  o->step = c.int32("stacker_step");
  if (o->channels <= 0 || o->left < 0 || o->right < 0)
    throw CompileError(where + ": num_channels " + std::to_string(o->channels) + " must be positive, the contexts (" +
                       std::to_string(o->left) + ", " + std::to_string(o->right) + ") not negative");
  // TFLM discards stacker_step frames after each output: at least one, at most all it holds.
  if (o->step <= 0 || o->step > o->frames())
    throw CompileError(where + ": stacker_step " + std::to_string(o->step) + " is outside [1, " +
                       std::to_string(o->frames()) + "] (the frames of one output)");
  // The frame count is kept in the int16 state.
  if (o->frames() >= INT16_MAX)
    throw CompileError(where + ": " + std::to_string(o->frames()) + " frames per output, at most 32766 are supported");
  return o;
}

KernelState stacker_state(const Graph& g, const Operator& op) {
  const auto& o = op.opts<StackerOptions>();
  return kernel_state_of(g, op, DType::Int16, 1 + o.frames() * o.channels);
}

KernelCall lower_stacker(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 2);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& state = op_input(g, op, 1, "buffer state");
  const Tensor& out = op_output(g, op, 0);
  const Tensor& valid = op_output(g, op, 1);
  const auto& o = op.opts<StackerOptions>();
  // TFLM reads num_channels input values and writes num_channels · frames output values
  // without checking either size against the tensors; here they must match.
  expect_signal_tensor(g, op, in, "input", DType::Int16, 1);
  if (in.elements() != o.channels)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.elements()) + " elements, num_channels is " +
                    std::to_string(o.channels));
  expect_output(g, op, out, DType::Int16, {static_cast<int32_t>(o.frames() * o.channels)});
  expect_output(g, op, valid, DType::Bool, {});
  SignalStackerParams p;
  p.channels = o.channels, p.frames = o.frames(), p.left_context = o.left, p.step = o.step;
  KernelCall k = make_call(op, kSignalStacker, p);
  add_input_arg(k, in);
  add_output_arg(k, state);
  add_output_arg(k, valid);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalStackerOp{.code = kCustomCode,
                                    .name = "SignalStacker",
                                    .read_options = read_stacker_options,
                                    .lower = lower_stacker,
                                    .num_outputs = 2,
                                    .kernel_state = stacker_state,
                                    .kernels = {&kSignalStacker}};

}  // namespace microflow
