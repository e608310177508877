// SignalOverlapAdd (runtime kernels/signal_framing.h): TFLM's OverlapAdd Prepare rules,
// int16 and float as TFLM registers it; each row's accumulator of one frame is kernel
// state in the state region.
#include <algorithm>
#include <climits>

#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalOverlapAddParams : ParamsBase {
  int64_t rows = 0, frames = 0, frame_size = 0, frame_step = 0;
  MF_PARAMS(SignalOverlapAddParams, rows, frames, frame_size, frame_step)
};
const KernelDef kSignalOverlapAddS16{.function = "signal_overlap_add_s16",
                                     .header = "microflow/kernels/signal_framing.h",
                                     .sample_params = sample_of<SignalOverlapAddParams>};
const KernelDef kSignalOverlapAddF32{.function = "signal_overlap_add_f32",
                                     .header = "microflow/kernels/signal_framing.h",
                                     .sample_params = sample_of<SignalOverlapAddParams>};

struct OverlapAddOptions : OpOptions {
  DType type = DType::Unsupported;
  int32_t frame_step = 0;
};

std::shared_ptr<const OpOptions> read_overlap_add_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<OverlapAddOptions>();
  const int32_t type = c.int32("T");
  if (type == static_cast<int32_t>(tfl::TensorType::INT16)) o->type = DType::Int16;
  else if (type == static_cast<int32_t>(tfl::TensorType::FLOAT32)) o->type = DType::Float32;
  else throw CompileError(where + ": T = " + std::to_string(type) + " is not a type TFLM registers SignalOverlapAdd for (int16, float32)");
  o->frame_step = c.int32("frame_step");
  if (o->frame_step <= 0) throw CompileError(where + ": frame_step " + std::to_string(o->frame_step) + " is not positive");
  return o;
}

// Input [..., frames, frame_size]: one accumulator of frame_size per outer row.
int64_t frame_size_of(const Tensor& in) { return in.shape.size() >= 2 ? std::max<int64_t>(in.shape.back(), 1) : 1; }

KernelState overlap_add_state(const Graph& g, const Operator& op) {
  const Tensor* input = optional_input(g, op, 0);
  if (!input) return kernel_state_of(g, op, op.opts<OverlapAddOptions>().type, 1);
  const Tensor& in = *input;
  const int64_t frames = in.shape.size() >= 2 ? std::max<int64_t>(in.shape[in.shape.size() - 2], 1) : 1;
  const int64_t rows = in.elements() > 0 ? in.elements() / (frame_size_of(in) * frames) : 1;
  return kernel_state_of(g, op, op.opts<OverlapAddOptions>().type, rows * frame_size_of(in));
}

KernelCall lower_overlap_add(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& state = op_input(g, op, 1, "accumulator state");
  const Tensor& out = op_output(g, op);
  const auto& o = op.opts<OverlapAddOptions>();
  expect_type(g, op, in, "input", {o.type}, std::string("T is ") + dtype_name(o.type));
  if (in.shape.size() < 2) fail(g, op, describe(g, in.id, "input") + ": needs [..., frames, frame_size]");
  const int32_t frame_size = in.shape.back(), frames = in.shape[in.shape.size() - 2];
  // TFLM moves frame_size - frame_step samples of the accumulator down after each frame.
  if (o.frame_step > frame_size)
    fail(g, op, "frame_step " + std::to_string(o.frame_step) + " exceeds the frame size " + std::to_string(frame_size));
  const int64_t out_length = static_cast<int64_t>(frames) * o.frame_step;
  if (out_length > INT32_MAX) fail(g, op, "frames · frame_step = " + std::to_string(out_length) + " exceeds int32");
  std::vector<int32_t> shape(in.shape.begin(), in.shape.end() - 2);
  shape.push_back(static_cast<int32_t>(out_length));
  expect_output(g, op, out, o.type, shape);
  SignalOverlapAddParams p;
  p.rows = in.elements() / (static_cast<int64_t>(frame_size) * frames), p.frames = frames;
  p.frame_size = frame_size, p.frame_step = o.frame_step;
  KernelCall k = make_call(op, o.type == DType::Int16 ? kSignalOverlapAddS16 : kSignalOverlapAddF32, p);
  add_input_arg(k, in);
  add_output_arg(k, state);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalOverlapAddOp{.code = kCustomCode,
                                       .name = "SignalOverlapAdd",
                                       .read_options = read_overlap_add_options,
                                       .lower = lower_overlap_add,
                                       .kernel_state = overlap_add_state,
                                       .kernels = {&kSignalOverlapAddS16, &kSignalOverlapAddF32}};

}  // namespace microflow
