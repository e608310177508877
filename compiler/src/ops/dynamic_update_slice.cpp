// DYNAMIC_UPDATE_SLICE (runtime kernels/dynamic_update_slice.h). TFLM clamps every start
// index to [0, operand dim - update dim]; constant starts are clamped here, run-time ones
// by the kernel.
#include <algorithm>

#include "kernels/index.h"
#include "ops/index_util.h"

namespace microflow {
namespace {

KernelCall lower_dynamic_update_slice(const Graph& g, const Operator& op) {
  const Tensor& operand = op_input(g, op, 0, "operand");
  const Tensor& update = op_input(g, op, 1, "update");
  const Tensor& start = op_input(g, op, 2, "start indices");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, operand, "operand", {DType::Float32, DType::Int8, DType::Int16, DType::Int32},
              "TFLM's DYNAMIC_UPDATE_SLICE takes float32, int8, int16 and int32");
  if (update.type != operand.type)
    fail(g, op, describe(g, update.id, "update") + ": type " + update.type_name + " differs from the operand's " +
                    operand.type_name);
  expect_type(g, op, start, "start indices", {DType::Int32, DType::Int64}, "start indices are int32 or int64");
  const size_t rank = operand.shape.size();
  if (rank > static_cast<size_t>(kDynamicUpdateSliceMaxRank))
    fail(g, op, describe(g, operand.id, "operand") + ": " + std::to_string(rank) + " dimensions, TFLM takes at most " +
                    std::to_string(kDynamicUpdateSliceMaxRank));
  expect_rank(g, op, start, "start indices", 1);
  if (static_cast<size_t>(start.shape[0]) != rank)
    fail(g, op, describe(g, start.id, "start indices") + ": " + std::to_string(start.shape[0]) +
                    " values for an operand of rank " + std::to_string(rank));
  expect_rank(g, op, update, "update", rank);
  for (size_t d = 0; d < rank; ++d)
    if (update.shape[d] > operand.shape[d])
      fail(g, op, describe(g, update.id, "update") + ": shape " + update.shape_string() + " exceeds the operand's " +
                      operand.shape_string());
  expect_output(g, op, out, operand.type, operand.shape);

  const int64_t element = dtype_size(operand.type);
  DynamicUpdateSliceParams p;
  p.rank = static_cast<int64_t>(rank);
  p.update_dims.assign(kDynamicUpdateSliceMaxRank, 0);
  p.max_start.assign(kDynamicUpdateSliceMaxRank, 0);
  p.strides.assign(kDynamicUpdateSliceMaxRank, 0);
  p.start.assign(kDynamicUpdateSliceMaxRank, 0);
  for (size_t d = 0; d < rank; ++d) {
    p.update_dims[d] = update.shape[d];
    p.max_start[d] = operand.shape[d] - update.shape[d];
    p.strides[d] = shape_product(operand.shape, d + 1, rank) * element;
  }
  p.operand_bytes = operand.bytes();
  p.update_row_bytes = rank ? update.shape.back() * element : element;
  p.update_rows = rank ? shape_product(update.shape, 0, rank - 1) : 1;
  p.whole = update.elements() == operand.elements();
  if (start.is_constant) {
    const std::vector<int64_t> v = constant_ints(g, op, start, "start indices", true);
    for (size_t d = 0; d < rank; ++d) p.start[d] = std::clamp<int64_t>(v[d], 0, p.max_start[d]);
    p.start_source = static_cast<int64_t>(StartSource::Constant);
  } else {
    p.start_source = static_cast<int64_t>(start.type == DType::Int32 ? StartSource::Int32 : StartSource::Int64);
  }
  KernelCall k = make_call(op, kDynamicUpdateSlice, DynamicUpdateSliceParams{});
  p.operand_in_flash = add_operand_arg(k, operand, "Operand");
  p.update_in_flash = add_operand_arg(k, update, "Update");
  if (start.is_constant) add_null_arg(k);
  else add_input_arg(k, start);
  add_output_arg(k, out);
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kDynamicUpdateSliceOp{.code = 151,
                                         .name = "DYNAMIC_UPDATE_SLICE",
                                         .lower = lower_dynamic_update_slice,
                                         .kernels = {&kDynamicUpdateSlice}};

}  // namespace microflow
