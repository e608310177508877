#include "passes/lower.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "diagnostics.h"
#include "ops/op_def.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

std::string number(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

// int8 weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED: the kernels
// take one scale per output channel (or one for all) and an int8 zero point,
// so the quantization must say exactly that before any lowering uses it.
void check_weights_quantization(const Graph& g, const Operator& op) {
  if (op.def->weights_input < 0) return;
  const int channel_axis = op.def->channel_axis;
  const int id = op.input(static_cast<size_t>(op.def->weights_input));
  if (id < 0) return;  // the lowering reports the missing input
  const Tensor& w = g.tensor(id);
  if (w.type != DType::Int8 || !w.quant.present()) return;
  const char* role = op.def->weights_role;
  for (size_t c = 0; c < w.quant.scales.size(); ++c)
    if (!(w.quant.scales[c] > 0.f) || !std::isfinite(w.quant.scales[c]))
      fail(g, op, describe(g, id, role) + ": scale " + number(w.quant.scales[c]) +
                      (w.quant.per_channel() ? " of channel " + std::to_string(c) : std::string()) +
                      " is not a positive number");
  for (int64_t z : w.quant.zero_points)
    if (z < -128 || z > 127) fail(g, op, describe(g, id, role) + ": zero point " + std::to_string(z) + " is outside int8");
  if (!w.quant.per_channel()) return;
  const int axis = w.quant.axis, rank = static_cast<int>(w.shape.size());
  if (axis < 0 || axis >= rank)
    fail(g, op, describe(g, id, role) + ": quantized_dimension " + std::to_string(axis) + " is out of range for shape " +
                    w.shape_string());
  if (static_cast<int64_t>(w.quant.scales.size()) != w.shape[static_cast<size_t>(axis)])
    fail(g, op, describe(g, id, role) + ": " + std::to_string(w.quant.scales.size()) + " per-channel scales, but dimension " +
                    std::to_string(axis) + " of shape " + w.shape_string() + " has " +
                    std::to_string(w.shape[static_cast<size_t>(axis)]) + " entries");
  if (axis != channel_axis)
    fail(g, op, describe(g, id, role) + ": per-channel quantization along dimension " + std::to_string(w.quant.axis) +
                    ", but the output channels are dimension " + std::to_string(channel_axis));
}

}  // namespace

// Every requantization shift the kernels apply must lie in [-31, 31]; larger
// ones come from scale ratios of 2^31 or more (or non-finite products) and
// would shift int32 values out of range on the target.
void check_shifts(const Graph& g, const Operator& op, const KernelCall& k) {
  auto check = [&](const std::string& what, int64_t v) {
    if (v > kMaxShift || v < -kMaxShift)
      fail(g, op, "requantization " + what + " " + (v == kInvalidShift ? "is not finite" : std::to_string(v) + " is out of range") +
                         ": the input, weight and output scales are inconsistent (their ratio must stay below 2^31)");
  };
  for (const ParamField& f : k.params.fields()) {
    if (!f.name.ends_with("shift")) continue;
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(f.value.data(), f.value.data() + f.value.size(), v);
    if (ec == std::errc() && end == f.value.data() + f.value.size()) check(f.name, v);
  }
  for (const ConstArray& a : k.arrays)
    if (a.suffix == "Shift")
      for (int64_t v : a.ints) check("shift", v);
}

std::vector<KernelCall> lower_graph(const Graph& g) {
  std::vector<KernelCall> calls;
  calls.reserve(g.ops.size());
  for (const Operator& op : g.ops) {
    if (op.outputs.empty() && op.def->num_outputs != 0) fail(g, op, "the operator has no output");
    if (op.def->num_outputs >= 0 && op.outputs.size() != static_cast<size_t>(op.def->num_outputs))
      fail(g, op, "expected exactly " + std::string(op.def->num_outputs == 1   ? "one output"
                                                    : op.def->num_outputs == 0 ? "no output"
                                                                               : std::to_string(op.def->num_outputs) + " outputs") +
                      ", got " + std::to_string(op.outputs.size()));
    for (size_t i = 0; i < op.inputs.size(); ++i)
      if (op.inputs[i] >= 0 && g.tensor(op.inputs[i]).elements() == 0)
        fail(g, op, describe(g, op.inputs[i], "input") + ": shape " + g.tensor(op.inputs[i]).shape_string() + " is empty");
    for (int id : op.outputs)
      if (g.tensor(id).elements() == 0)
        fail(g, op, describe(g, id, "output") + ": shape " + g.tensor(id).shape_string() + " is empty");
    check_weights_quantization(g, op);
    calls.push_back(op.def->lower(g, op));
    // A constant reaches a kernel as a flash array; as a tensor argument it would need
    // arena space (only folding, which runs the call at build time, takes such calls).
    for (const KernelArg& a : calls.back().args)
      if (a.kind == KernelArg::Input && g.tensor(a.tensor).is_constant)
        fail(g, op, describe(g, a.tensor, "input") + ": constant tensors are not supported here");
    check_shifts(g, op, calls.back());
  }
  return calls;
}

}  // namespace microflow
