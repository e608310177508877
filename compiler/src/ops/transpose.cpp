// TRANSPOSE, REVERSE_V2 and BROADCAST_TO: one box over the output, read from the input
// with permuted, negative or zero strides.
#include <algorithm>

#include "ops/copy_boxes.h"

namespace microflow {
namespace {

// REVERSE_V2 and BROADCAST_TO move elements of every type TFLM has for them.
const std::initializer_list<DType> kEveryType = {DType::Float32, DType::Int8,  DType::UInt8, DType::Int16,
                                                 DType::Int32,   DType::Int64, DType::Bool};

KernelCall one_box_call(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out, DType type,
                        CopyBox box) {
  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);
  return copy_call(g, op, {&in}, {&out}, params, {std::move(box)});
}

void expect_rank_at_most(const Graph& g, const Operator& op, const Tensor& t, const char* role, size_t rank) {
  if (t.shape.size() > rank)
    fail(g, op, describe(g, t.id, role) + ": " + std::to_string(t.shape.size()) + " dimensions, at most " +
                    std::to_string(rank) + " are supported");
}

KernelCall lower_transpose(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = expect_data_type(g, op, {&in, &out}, {DType::Float32, DType::Int8, DType::Int16});
  expect_rank_at_most(g, op, in, "input", static_cast<size_t>(kMaxBoxRank));
  const Tensor& perm_tensor = op_input(g, op, 1, "perm");
  const std::vector<int64_t> perm = constant_ints(g, op, perm_tensor, "perm");
  const size_t rank = in.shape.size();
  std::vector<bool> seen(rank, false);
  bool valid = perm.size() == rank;
  for (size_t i = 0; valid && i < rank; ++i) {
    valid = perm[i] >= 0 && perm[i] < static_cast<int64_t>(rank) && !seen[static_cast<size_t>(perm[i])];
    if (valid) seen[static_cast<size_t>(perm[i])] = true;
  }
  if (!valid)
    fail(g, op, describe(g, perm_tensor.id, "perm") + ": not a permutation of the input's " + std::to_string(rank) +
                    " dimensions");
  const std::vector<int64_t> in_strides = row_major_strides(in.shape);
  std::vector<int32_t> shape;
  std::vector<int64_t> strides;
  for (int64_t p : perm) {
    shape.push_back(in.shape[static_cast<size_t>(p)]);
    strides.push_back(in_strides[static_cast<size_t>(p)]);
  }
  expect_shape(g, op, out, "output", shape, "the input's dimensions in perm's order");
  return one_box_call(g, op, in, out, type, whole_box(0, 1, shape, strides));
}

KernelCall lower_reverse(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = expect_data_type(g, op, {&in, &out}, kEveryType);
  expect_rank_at_most(g, op, in, "input", static_cast<size_t>(kMaxBoxRank));
  expect_shape(g, op, out, "output", in.shape, "the input's");
  const Tensor& axis_tensor = op_input(g, op, 1, "axis");
  std::vector<int64_t> axes = constant_ints(g, op, axis_tensor, "axis");
  if (axes.empty() || axes.size() > in.shape.size())
    fail(g, op, describe(g, axis_tensor.id, "axis") + ": " + std::to_string(axes.size()) + " axes for " +
                    std::to_string(in.shape.size()) + " dimensions (TFLM reverses 1 to rank axes)");
  for (int64_t& a : axes) a = normalize_axis(g, op, a, in.shape.size(), "axis");
  std::sort(axes.begin(), axes.end());
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      fail(g, op, describe(g, axis_tensor.id, "axis") + ": the axes are not contiguous (TFLM reverses only "
                                                          "neighbouring axes)");
  std::vector<int64_t> strides = row_major_strides(in.shape);
  CopyBox box = whole_box(0, 1, in.shape, strides);
  for (int64_t a : axes) {
    BoxDim& d = box.dims[static_cast<size_t>(a)];
    box.source_offset += (d.count - 1) * d.source_stride;
    d.source_stride = -d.source_stride;
  }
  return one_box_call(g, op, in, out, type, std::move(box));
}

KernelCall lower_broadcast_to(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = expect_data_type(g, op, {&in, &out}, kEveryType);
  expect_rank_at_most(g, op, out, "output", static_cast<size_t>(kMaxBoxRank));
  const Tensor& shape_tensor = op_input(g, op, 1, "shape");
  const std::vector<int64_t> shape = constant_ints(g, op, shape_tensor, "shape", true);
  const std::vector<int32_t> expected(shape.begin(), shape.end());
  expect_shape(g, op, out, "output", expected, "the shape operand");
  const size_t rank = out.shape.size(), extra = rank - std::min(rank, in.shape.size());
  if (in.shape.size() > rank)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.shape.size()) +
                    " dimensions, more than the output's " + std::to_string(rank));
  // Leading new dimensions and dimensions of 1 repeat the input: source stride 0.
  const std::vector<int64_t> in_strides = row_major_strides(in.shape);
  std::vector<int64_t> strides(rank, 0);
  for (size_t d = 0; d < in.shape.size(); ++d) {
    const int32_t n = in.shape[d], m = out.shape[extra + d];
    if (n != m && n != 1)
      fail(g, op, describe(g, in.id, "input") + ": dimension " + std::to_string(d) + " of " + std::to_string(n) +
                      " does not broadcast to " + std::to_string(m));
    if (n == m) strides[extra + d] = in_strides[d];
  }
  return one_box_call(g, op, in, out, type, whole_box(0, 1, out.shape, strides));
}

}  // namespace

extern const OpDef kTransposeOp{.code = 39, .name = "TRANSPOSE", .lower = lower_transpose, .kernels = {&kCopyBoxes}};
extern const OpDef kReverseV2Op{.code = 105, .name = "REVERSE_V2", .lower = lower_reverse, .kernels = {&kCopyBoxes}};
extern const OpDef kBroadcastToOp{
    .code = 130, .name = "BROADCAST_TO", .lower = lower_broadcast_to, .kernels = {&kCopyBoxes}};

}  // namespace microflow
