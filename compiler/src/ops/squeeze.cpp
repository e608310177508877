// SQUEEZE and EXPAND_DIMS: like RESHAPE, the output is the input's storage under another
// shape (no call); the lowering checks the shape the options give.
#include "ops/copy_boxes.h"
#include "ops/options.h"

namespace microflow {

extern const OpDef kReshapeOp;

namespace {

struct SqueezeOptions : OpOptions {
  std::vector<int> dims;
};

std::shared_ptr<const OpOptions> read_squeeze_options(const tfl::Operator& op, const std::string&) {
  auto s = std::make_shared<SqueezeOptions>();
  if (const auto* o = op.builtin_options_as<tfl::SqueezeOptions>())
    if (o->squeeze_dims()) s->dims.assign(o->squeeze_dims()->begin(), o->squeeze_dims()->end());
  return s;
}

// After the shape check, the alias RESHAPE makes of the op's first input and its output.
KernelCall alias_call(const Graph& g, const Operator& op, const Tensor& out, const std::vector<int32_t>& expected,
                      const std::string& how) {
  expect_shape(g, op, out, "output", expected, how);
  return kReshapeOp.lower(g, op);
}

KernelCall lower_squeeze(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const std::vector<int>& dims = op.opts<SqueezeOptions>().dims;
  std::vector<bool> squeezed(in.shape.size(), dims.empty());
  for (int d : dims) {
    const int axis = normalize_axis(g, op, d, in.shape.size(), "squeeze dimension");
    if (in.shape[static_cast<size_t>(axis)] != 1)
      fail(g, op, describe(g, in.id, "input") + ": dimension " + std::to_string(axis) + " of " + in.shape_string() +
                      " is not 1");
    squeezed[static_cast<size_t>(axis)] = true;
  }
  std::vector<int32_t> expected;
  for (size_t d = 0; d < in.shape.size(); ++d)
    if (!(squeezed[d] && in.shape[d] == 1)) expected.push_back(in.shape[d]);
  return alias_call(g, op, out, expected, "the input without the squeezed dimensions");
}

KernelCall lower_expand_dims(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const Tensor& axis_tensor = op_input(g, op, 1, "axis");
  const std::vector<int64_t> axis = constant_ints(g, op, axis_tensor, "axis", true);
  if (axis.size() != 1)
    fail(g, op, describe(g, axis_tensor.id, "axis") + ": " + std::to_string(axis.size()) + " values, expected one");
  const int a = normalize_axis(g, op, axis[0], in.shape.size() + 1, "axis");
  std::vector<int32_t> expected = in.shape;
  expected.insert(expected.begin() + a, 1);
  return alias_call(g, op, out, expected, "the input with a dimension of 1 at axis " + std::to_string(a));
}

}  // namespace

extern const OpDef kSqueezeOp{
    .code = 43, .name = "SQUEEZE", .read_options = read_squeeze_options, .lower = lower_squeeze, .kernels = {}};
extern const OpDef kExpandDimsOp{.code = 70, .name = "EXPAND_DIMS", .lower = lower_expand_dims, .kernels = {}};

}  // namespace microflow
