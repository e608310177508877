// CONCATENATION and PACK: each input is one box in the output, at its place along the axis.
#include <algorithm>
#include <optional>

#include "ops/copy_boxes.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct ConcatenationOptions : OpOptions {
  int axis = 0;
};
struct PackOptions : OpOptions {
  int axis = 0, values_count = 0;
};

std::shared_ptr<const OpOptions> read_concatenation_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::ConcatenationOptions>(op, where);
  if (to_activation(o->fused_activation_function(), where) != Activation::None)
    throw CompileError(where + ": fused activation " +
                       tfl::EnumNameActivationFunctionType(o->fused_activation_function()) +
                       " is not supported (TFLM's CONCATENATION requires NONE)");
  auto c = std::make_shared<ConcatenationOptions>();
  c->axis = o->axis();
  return c;
}

std::shared_ptr<const OpOptions> read_pack_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::PackOptions>(op, where);
  auto p = std::make_shared<PackOptions>();
  p->axis = o->axis();
  p->values_count = o->values_count();
  return p;
}

std::vector<const Tensor*> all_inputs(const Graph& g, const Operator& op) {
  std::vector<const Tensor*> inputs;
  for (size_t i = 0; i < op.inputs.size(); ++i) inputs.push_back(&op_input(g, op, i, "value"));
  return inputs;
}

// The element every element of constant t equals (sign-extended; float: its bits), if any.
std::optional<int64_t> uniform_value(const Tensor& t) {
  const size_t n = static_cast<size_t>(dtype_size(t.type));
  if (!t.is_constant || t.data.size() < n || t.data.size() % n != 0) return std::nullopt;
  for (size_t i = n; i < t.data.size(); ++i)
    if (t.data[i] != t.data[i % n]) return std::nullopt;
  uint64_t bits = 0;
  for (size_t b = 0; b < n; ++b) bits |= static_cast<uint64_t>(t.data[b]) << (8 * b);
  const unsigned unused = static_cast<unsigned>(64 - 8 * n);
  return static_cast<int64_t>(bits << unused) >> unused;
}

// Input i, `outer` blocks of `inner` elements, goes to the output's blocks of `out_inner`
// elements at element `at` of each.
CopyBox block_box(int i, int target, int64_t outer, int64_t inner, int64_t out_inner, int64_t at) {
  return {.source = i, .target = target, .target_offset = at, .dims = {{outer, inner, out_inner}, {inner, 1, 1}}};
}

KernelCall lower_concatenation(const Graph& g, const Operator& op) {
  const std::vector<const Tensor*> inputs = all_inputs(g, op);
  const Tensor& out = op_output(g, op);
  std::vector<const Tensor*> data = inputs;
  data.push_back(&out);
  const DType type = expect_data_type(
      g, op, data, {DType::Float32, DType::Int8, DType::Int16, DType::Int32, DType::Int64, DType::Bool});
  const size_t rank = out.shape.size();
  const int axis = normalize_axis(g, op, op.opts<ConcatenationOptions>().axis, rank, "axis");
  int64_t axis_total = 0;
  for (const Tensor* t : inputs) {
    bool fits = t->shape.size() == rank;
    for (size_t d = 0; fits && d < rank; ++d) fits = static_cast<int>(d) == axis || t->shape[d] == out.shape[d];
    if (!fits)
      fail(g, op, describe(g, t->id, "input") + ": shape " + t->shape_string() + " does not match the output " +
                      out.shape_string() + " outside axis " + std::to_string(axis));
    axis_total += t->shape[static_cast<size_t>(axis)];
    // TFLM never requantizes here: the converter puts a QUANTIZE in front instead.
    if ((type == DType::Int8 || type == DType::Int16) &&
        (static_cast<double>(t->quant.scale()) != static_cast<double>(out.quant.scale()) ||
         t->quant.zero_point() != out.quant.zero_point()))
      fail(g, op, describe(g, t->id, "input") + ": scale " + std::to_string(t->quant.scale()) + " / zero point " +
                      std::to_string(t->quant.zero_point()) + " differs from the output's " +
                      std::to_string(out.quant.scale()) + " / " + std::to_string(out.quant.zero_point()) + " (TFLM's " +
                      dtype_name(type) + " CONCATENATION requires every input to share the output's quantization)");
  }
  if (axis_total != out.shape[static_cast<size_t>(axis)])
    fail(g, op, describe(g, out.id, "output") + ": " + std::to_string(out.shape[static_cast<size_t>(axis)]) +
                    " along axis " + std::to_string(axis) + ", the inputs add up to " + std::to_string(axis_total));

  const int64_t outer = shape_product(out.shape, 0, static_cast<size_t>(axis));
  const int64_t out_inner = shape_product(out.shape, static_cast<size_t>(axis), rank);
  // Beside computed inputs, constant ones whose elements all equal one value (the zeros
  // around a slice, as in TFLM's audio front end) become fill boxes; others stay inputs
  // (copy_call rejects a constant beside computed inputs).
  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);
  const bool all_constant = std::all_of(inputs.begin(), inputs.end(), [](const Tensor* t) { return t->is_constant; });
  std::optional<int64_t> fill;
  std::vector<bool> filled(inputs.size(), false);
  for (size_t i = 0; i < inputs.size() && !all_constant; ++i) {
    const std::optional<int64_t> v = uniform_value(*inputs[i]);
    if (v && (!fill || *fill == *v)) fill = v, filled[i] = true;
  }
  std::vector<const Tensor*> args;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!filled[i]) args.push_back(inputs[i]);
  std::vector<CopyBox> boxes;
  int64_t at = 0;
  for (size_t i = 0, arg = 0; i < inputs.size(); ++i) {
    const int64_t inner = shape_product(inputs[i]->shape, static_cast<size_t>(axis), rank);
    CopyBox box = block_box(filled[i] ? kFillSource : static_cast<int>(arg++), static_cast<int>(args.size()), outer,
                            inner, out_inner, at);
    if (filled[i])
      for (BoxDim& d : box.dims) d.source_stride = 0;
    boxes.push_back(box);
    at += inner;
  }
  if (fill) params.fill = *fill;
  return copy_call(g, op, args, {&out}, params, std::move(boxes));
}

KernelCall lower_pack(const Graph& g, const Operator& op) {
  const std::vector<const Tensor*> inputs = all_inputs(g, op);
  const Tensor& out = op_output(g, op);
  std::vector<const Tensor*> data = inputs;
  data.push_back(&out);
  const DType type =
      expect_data_type(g, op, data, {DType::Float32, DType::Int8, DType::Int16, DType::Int32, DType::Int64});
  const auto& o = op.opts<PackOptions>();
  if (o.values_count != static_cast<int>(inputs.size()))
    fail(g, op, "values_count " + std::to_string(o.values_count) + " differs from the " +
                    std::to_string(inputs.size()) + " inputs");
  const std::vector<int32_t>& shape = inputs[0]->shape;
  const int axis = normalize_axis(g, op, o.axis, shape.size() + 1, "axis");
  std::vector<int32_t> expected = shape;
  expected.insert(expected.begin() + axis, static_cast<int32_t>(inputs.size()));
  for (const Tensor* t : inputs)
    if (t->shape != shape)
      fail(g, op, describe(g, t->id, "input") + ": shape " + t->shape_string() + " differs from the first input's " +
                      inputs[0]->shape_string());
  expect_shape(g, op, out, "output", expected, "the inputs stacked along axis " + std::to_string(axis));

  const int64_t outer = shape_product(shape, 0, static_cast<size_t>(axis));
  const int64_t inner = shape_product(shape, static_cast<size_t>(axis), shape.size());
  const int64_t n = static_cast<int64_t>(inputs.size());
  std::vector<CopyBox> boxes;
  for (int64_t i = 0; i < n; ++i)
    boxes.push_back(block_box(static_cast<int>(i), static_cast<int>(n), outer, inner, n * inner, i * inner));
  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);
  return copy_call(g, op, inputs, {&out}, params, std::move(boxes));
}

}  // namespace

extern const OpDef kConcatenationOp{.code = 2,
                                    .name = "CONCATENATION",
                                    .read_options = read_concatenation_options,
                                    .lower = lower_concatenation,
                                    .kernels = {&kCopyBoxes}};
extern const OpDef kPackOp{
    .code = 83, .name = "PACK", .read_options = read_pack_options, .lower = lower_pack, .kernels = {&kCopyBoxes}};

}  // namespace microflow
