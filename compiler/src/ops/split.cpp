// SPLIT, SPLIT_V and UNPACK: each output is one box of the input, at its place along the axis.
#include "ops/copy_boxes.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct SplitOptions : OpOptions {
  int num_splits = 0;
};
struct UnpackOptions : OpOptions {
  int num = 0, axis = 0;
};

template <typename T>
std::shared_ptr<const OpOptions> read_split_options(const tfl::Operator& op, const std::string& where) {
  auto s = std::make_shared<SplitOptions>();
  s->num_splits = options_as<T>(op, where)->num_splits();
  return s;
}

std::shared_ptr<const OpOptions> read_unpack_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::UnpackOptions>(op, where);
  auto u = std::make_shared<UnpackOptions>();
  u->num = o->num();
  u->axis = o->axis();
  return u;
}

std::vector<const Tensor*> all_outputs(const Graph& g, const Operator& op) {
  std::vector<const Tensor*> outputs;
  for (size_t i = 0; i < op.outputs.size(); ++i) outputs.push_back(&op_output(g, op, i));
  return outputs;
}

void expect_count(const Graph& g, const Operator& op, const char* option, int value, size_t outputs) {
  if (value != static_cast<int>(outputs))
    fail(g, op, std::string(option) + " " + std::to_string(value) + " differs from the " + std::to_string(outputs) +
                    " outputs");
}

// The outputs, each `sizes[i]` long along `axis` and otherwise the input's shape, cut from
// the input in order.
KernelCall split_call(const Graph& g, const Operator& op, const Tensor& in, const std::vector<const Tensor*>& outputs,
                      int axis, const std::vector<int64_t>& sizes, bool keep_axis) {
  const size_t a = static_cast<size_t>(axis);
  int64_t total = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::vector<int32_t> expected = in.shape;
    expected[a] = static_cast<int32_t>(sizes[i]);
    if (!keep_axis) expected.erase(expected.begin() + axis);
    expect_shape(g, op, *outputs[i], "output", expected,
                 keep_axis ? "the input cut along axis " + std::to_string(axis)
                           : "the input without axis " + std::to_string(axis));
    total += sizes[i];
  }
  if (total != in.shape[a])
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.shape[a]) + " along axis " +
                    std::to_string(axis) + ", the outputs take " + std::to_string(total));
  std::vector<const Tensor*> data = outputs;
  data.insert(data.begin(), &in);
  const DType type = expect_data_type(g, op, data, {DType::Float32, DType::Int8, DType::Int16, DType::Int32});

  const int64_t outer = shape_product(in.shape, 0, a), rest = shape_product(in.shape, a + 1, in.shape.size());
  const int64_t in_inner = in.shape[a] * rest;
  std::vector<CopyBox> boxes;
  int64_t at = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int64_t inner = sizes[i] * rest;
    boxes.push_back({.source = 0,
                     .target = static_cast<int>(i + 1),
                     .source_offset = at,
                     .dims = {{outer, in_inner, inner}, {inner, 1, 1}}});
    at += inner;
  }
  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);
  return copy_call(g, op, {&in}, outputs, params, std::move(boxes));
}

int constant_axis(const Graph& g, const Operator& op, size_t input, size_t rank) {
  const Tensor& t = op_input(g, op, input, "axis");
  const std::vector<int64_t> v = constant_ints(g, op, t, "axis");
  if (v.size() != 1)
    fail(g, op, describe(g, t.id, "axis") + ": " + std::to_string(v.size()) + " elements, expected one");
  return normalize_axis(g, op, v[0], rank, "axis");
}

KernelCall lower_split(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 1, "input");
  const std::vector<const Tensor*> outputs = all_outputs(g, op);
  expect_count(g, op, "num_splits", op.opts<SplitOptions>().num_splits, outputs.size());
  const int axis = constant_axis(g, op, 0, in.shape.size());
  const int64_t n = static_cast<int64_t>(outputs.size());
  if (in.shape[static_cast<size_t>(axis)] % n != 0)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.shape[static_cast<size_t>(axis)]) +
                    " along axis " + std::to_string(axis) + " does not split into " + std::to_string(n) +
                    " equal parts");
  return split_call(g, op, in, outputs, axis,
                    std::vector<int64_t>(outputs.size(), in.shape[static_cast<size_t>(axis)] / n), true);
}

KernelCall lower_split_v(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const std::vector<const Tensor*> outputs = all_outputs(g, op);
  expect_count(g, op, "num_splits", op.opts<SplitOptions>().num_splits, outputs.size());
  const int axis = constant_axis(g, op, 2, in.shape.size());
  // The sizes (one may be -1: the rest) must be what the output shapes say.
  const Tensor& sizes_tensor = op_input(g, op, 1, "size_splits");
  std::vector<int64_t> sizes = constant_ints(g, op, sizes_tensor, "size_splits", true);
  if (sizes.size() != outputs.size())
    fail(g, op, describe(g, sizes_tensor.id, "size_splits") + ": " + std::to_string(sizes.size()) +
                    " sizes for " + std::to_string(outputs.size()) + " outputs");
  int64_t known = 0, inferred = 0;
  for (int64_t s : sizes) {
    if (s == -1) ++inferred;
    else if (s < 0)
      fail(g, op, describe(g, sizes_tensor.id, "size_splits") + ": size " + std::to_string(s) + " is negative");
    else known += s;
  }
  if (inferred > 1) fail(g, op, describe(g, sizes_tensor.id, "size_splits") + ": more than one size is -1");
  for (int64_t& s : sizes)
    if (s == -1) s = in.shape[static_cast<size_t>(axis)] - known;
  return split_call(g, op, in, outputs, axis, sizes, true);
}

KernelCall lower_unpack(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const std::vector<const Tensor*> outputs = all_outputs(g, op);
  const auto& o = op.opts<UnpackOptions>();
  expect_count(g, op, "num", o.num, outputs.size());
  const int axis = normalize_axis(g, op, o.axis, in.shape.size(), "axis");
  return split_call(g, op, in, outputs, axis, std::vector<int64_t>(outputs.size(), 1), false);
}

}  // namespace

extern const OpDef kSplitOp{.code = 49,
                            .name = "SPLIT",
                            .read_options = read_split_options<tfl::SplitOptions>,
                            .lower = lower_split,
                            .num_outputs = -1,
                            .kernels = {&kCopyBoxes}};
extern const OpDef kSplitVOp{.code = 102,
                             .name = "SPLIT_V",
                             .read_options = read_split_options<tfl::SplitVOptions>,
                             .lower = lower_split_v,
                             .num_outputs = -1,
                             .kernels = {&kCopyBoxes}};
extern const OpDef kUnpackOp{.code = 88,
                             .name = "UNPACK",
                             .read_options = read_unpack_options,
                             .lower = lower_unpack,
                             .num_outputs = -1,
                             .kernels = {&kCopyBoxes}};

}  // namespace microflow
