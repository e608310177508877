// SignalFramer (runtime kernels/signal_framing.h): TFLM's Framer Prepare rules; its circular
// buffers (one per row, TFLM's capacity) are kernel state in the state region.
#include <cstdint>

#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalFramerParams : ParamsBase {
  int64_t rows = 0, frames = 0, frame_size = 0, frame_step = 0, capacity = 0, prefilled = 0;
  MF_PARAMS(SignalFramerParams, rows, frames, frame_size, frame_step, capacity, prefilled)
};
const KernelDef kSignalFramer{.function = "signal_framer_s16",
                              .header = "microflow/kernels/signal_framing.h",
                              .sample_params = sample_of<SignalFramerParams>};

struct FramerOptions : OpOptions {
  int32_t frame_size = 0, frame_step = 0;
  bool prefill = false;
  // TFLM's buffer: frame_size rounded up to whole steps.
  int64_t capacity() const { return (static_cast<int64_t>(frame_size) + frame_step - 1) / frame_step * frame_step; }
};

std::shared_ptr<const OpOptions> read_framer_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<FramerOptions>();
  o->frame_size = c.int32("frame_size");
  o->frame_step = c.int32("frame_step");
  o->prefill = c.boolean("prefill");
  if (o->frame_size <= 0 || o->frame_step <= 0)
    throw CompileError(where + ": frame_size " + std::to_string(o->frame_size) + " and frame_step " +
                       std::to_string(o->frame_step) + " must be positive");
  // TFLM's prefill writes frame_size - frame_step zeros: a larger step has no meaning there.
  if (o->prefill && o->frame_step > o->frame_size)
    throw CompileError(where + ": prefill with frame_step " + std::to_string(o->frame_step) + " > frame_size " +
                       std::to_string(o->frame_size));
  // The pending count is kept in the int16 state.
  if (o->capacity() > INT16_MAX)
    throw CompileError(where + ": frame_size " + std::to_string(o->frame_size) + " needs a buffer of " +
                       std::to_string(o->capacity()) + " samples, at most 32767 are supported");
  return o;
}

KernelState framer_state(const Graph& g, const Operator& op) {
  const Tensor* in = optional_input(g, op, 0);
  const int64_t rows = in ? outer_rows(*in) : 1;
  return kernel_state_of(g, op, DType::Int16, 1 + rows * op.opts<FramerOptions>().capacity());
}

KernelCall lower_framer(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 2);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& state = op_input(g, op, 1, "buffer state");
  const Tensor& out = op_output(g, op, 0);
  const Tensor& valid = op_output(g, op, 1);
  const auto& o = op.opts<FramerOptions>();
  expect_type(g, op, in, "input", {DType::Int16}, "TFLM's SignalFramer is int16");
  if (in.shape.empty()) fail(g, op, describe(g, in.id, "input") + ": needs at least one dimension");
  const int32_t innermost = in.shape.back();
  if (innermost < o.frame_step || innermost % o.frame_step != 0)
    fail(g, op, describe(g, in.id, "input") + ": innermost dimension " + std::to_string(innermost) +
                    " is not a positive multiple of frame_step " + std::to_string(o.frame_step));
  std::vector<int32_t> shape(in.shape.begin(), in.shape.end() - 1);
  shape.push_back(innermost / o.frame_step);
  shape.push_back(o.frame_size);
  expect_output(g, op, out, DType::Int16, shape);
  expect_output(g, op, valid, DType::Bool, {});
  SignalFramerParams p;
  p.rows = outer_rows(in), p.frames = innermost / o.frame_step;
  p.frame_size = o.frame_size, p.frame_step = o.frame_step, p.capacity = o.capacity();
  p.prefilled = o.prefill ? o.frame_size - o.frame_step : 0;
  KernelCall k = make_call(op, kSignalFramer, p);
  add_input_arg(k, in);
  add_output_arg(k, state);
  add_output_arg(k, valid);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalFramerOp{.code = kCustomCode,
                                   .name = "SignalFramer",
                                   .read_options = read_framer_options,
                                   .lower = lower_framer,
                                   .num_outputs = 2,
                                   .kernel_state = framer_state,
                                   .kernels = {&kSignalFramer}};

}  // namespace microflow
