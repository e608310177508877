// GATHER, GATHER_ND and EMBEDDING_LOOKUP: slices picked by int32 indices (runtime
// kernels/gather.h). Constant indices are checked here; run-time ones are checked by the
// kernel, which writes zeros for an index outside the data (see gather.h).
#include "kernels/index.h"
#include "ops/index_util.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct GatherOptions : OpOptions {
  int axis = 0, batch_dims = 0;
};

std::shared_ptr<const OpOptions> read_gather_options(const tfl::Operator& op, const std::string&) {
  auto o = std::make_shared<GatherOptions>();
  if (const auto* g = op.builtin_options_as<tfl::GatherOptions>()) {
    o->axis = g->axis();
    o->batch_dims = g->batch_dims();
  }
  return o;
}

// Every value of a constant index tensor must lie in [0, limit).
void check_constant_indices(const Graph& g, const Operator& op, const Tensor& indices, const char* role,
                            int64_t limit) {
  if (!indices.is_constant) return;
  const std::vector<int64_t> v = constant_ints(g, op, indices, role);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0 || v[i] >= limit)
      fail(g, op, describe(g, indices.id, role) + ": value " + std::to_string(v[i]) + " at position " +
                      std::to_string(i) + " is outside [0, " + std::to_string(limit) + ")");
  }
}

// The call of a gather kernel: the data and index operands (each a flash array when
// constant, which its params record), then the output.
template <typename P>
KernelCall gather_call(const Operator& op, const KernelDef& kernel, P p, const Tensor& data, const char* data_name,
                       const Tensor& indices, const char* index_name, const Tensor& out) {
  KernelCall k = make_call(op, kernel, P{});
  p.data_in_flash = add_operand_arg(k, data, data_name);
  p.indices_in_flash = add_operand_arg(k, indices, index_name);
  add_output_arg(k, out);
  k.params = p;
  return k;
}

const char* const kParamTypes = "TFLM's kernel takes float32 and int8 data";
const char* const kIndexTypes = "TFLM's kernel takes int32 indices only";

KernelCall lower_gather(const Graph& g, const Operator& op) {
  const Tensor& data = op_input(g, op, 0, "params");
  const Tensor& indices = op_input(g, op, 1, "indices");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, data, "params", {DType::Float32, DType::Int8}, kParamTypes);
  expect_type(g, op, indices, "indices", {DType::Int32}, kIndexTypes);
  const auto& o = op.opts<GatherOptions>();
  const size_t rank = data.shape.size(), index_rank = indices.shape.size();
  const int axis = normalize_axis(g, op, o.axis, rank, "axis");
  const int batch_dims = o.batch_dims < 0 ? o.batch_dims + static_cast<int>(index_rank) : o.batch_dims;
  if (batch_dims < 0 || batch_dims > axis || batch_dims > static_cast<int>(index_rank))
    fail(g, op, "batch_dims " + std::to_string(o.batch_dims) + " must lie in [0, min(axis " + std::to_string(axis) +
                    ", indices rank " + std::to_string(index_rank) + ")]");
  const auto bd = static_cast<size_t>(batch_dims), ax = static_cast<size_t>(axis);
  for (size_t i = 0; i < bd; ++i)
    if (data.shape[i] != indices.shape[i])
      fail(g, op, describe(g, indices.id, "indices") + ": batch dimension " + std::to_string(i) + " is " +
                      std::to_string(indices.shape[i]) + ", the params' " + std::to_string(data.shape[i]));
  std::vector<int32_t> shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin() + batch_dims, indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  expect_output(g, op, out, data.type, shape);
  check_constant_indices(g, op, indices, "indices", data.shape[ax]);

  GatherParams p;
  p.batches = shape_product(data.shape, 0, bd);
  p.outer = shape_product(data.shape, bd, ax);
  p.axis_size = data.shape[ax];
  p.positions = shape_product(indices.shape, bd, index_rank);
  p.inner_bytes = shape_product(data.shape, ax + 1, rank) * dtype_size(data.type);
  return gather_call(op, kGather, p, data, "Data", indices, "Indices", out);
}

KernelCall lower_gather_nd(const Graph& g, const Operator& op) {
  const Tensor& data = op_input(g, op, 0, "params");
  const Tensor& indices = op_input(g, op, 1, "indices");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, data, "params", {DType::Float32, DType::Int8}, kParamTypes);
  expect_type(g, op, indices, "indices", {DType::Int32}, kIndexTypes);
  const size_t rank = data.shape.size(), index_rank = indices.shape.size();
  if (rank < 1) fail(g, op, describe(g, data.id, "params") + ": must be at least a vector (TFLM)");
  if (index_rank < 1) fail(g, op, describe(g, indices.id, "indices") + ": must be at least a vector (TFLM)");
  const auto depth = static_cast<size_t>(indices.shape.back());
  if (depth > rank || depth > static_cast<size_t>(kGatherNdMaxDepth))
    fail(g, op, describe(g, indices.id, "indices") + ": index tuples of " + std::to_string(depth) +
                    " values, at most the params' rank " + std::to_string(rank) + " and " +
                    std::to_string(kGatherNdMaxDepth) + " (TFLM)");
  std::vector<int32_t> shape(indices.shape.begin(), indices.shape.end() - 1);
  shape.insert(shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(depth), data.shape.end());
  expect_output(g, op, out, data.type, shape);

  GatherNdParams p;
  p.slices = shape_product(indices.shape, 0, index_rank - 1);
  p.depth = static_cast<int64_t>(depth);
  p.strides.assign(static_cast<size_t>(kGatherNdMaxDepth), 0);
  for (size_t j = 0; j < depth; ++j) p.strides[j] = shape_product(data.shape, j + 1, rank);
  p.slice_elements = shape_product(data.shape, depth, rank);
  p.data_elements = data.elements();
  p.element_bytes = dtype_size(data.type);
  // TFLM checks only that each tuple's slice lies inside the data (its flat position).
  if (indices.is_constant) {
    const std::vector<int64_t> v = constant_ints(g, op, indices, "indices");
    for (size_t s = 0; s < static_cast<size_t>(p.slices); ++s) {
      int64_t from = 0;
      for (size_t j = 0; j < depth; ++j) from += v[s * depth + j] * p.strides[j];
      if (from < 0 || from + p.slice_elements > p.data_elements)
        fail(g, op, describe(g, indices.id, "indices") + ": tuple " + std::to_string(s) + " points outside the params " +
                        data.shape_string());
    }
  }
  return gather_call(op, kGatherNd, p, data, "Data", indices, "Indices", out);
}

KernelCall lower_embedding_lookup(const Graph& g, const Operator& op) {
  const Tensor& ids = op_input(g, op, 0, "ids");
  const Tensor& table = op_input(g, op, 1, "table");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, ids, "ids", {DType::Int32}, kIndexTypes);
  expect_rank(g, op, ids, "ids", 1);
  expect_type(g, op, table, "table", {DType::Float32, DType::Int8}, "TFLM's kernel takes float32 and int8 tables");
  if (table.shape.size() < 2)
    fail(g, op, describe(g, table.id, "table") + ": needs at least 2 dimensions (TFLM), got " + table.shape_string());
  const bool dequantize = table.type == DType::Int8 && out.type == DType::Float32;
  std::vector<int32_t> shape = table.shape;
  shape[0] = ids.shape[0];
  expect_output(g, op, out, dequantize ? DType::Float32 : table.type, shape);
  check_constant_indices(g, op, ids, "ids", table.shape[0]);

  const int64_t rows = table.shape[0], columns = shape_product(table.shape, 1, table.shape.size());
  if (dequantize) {
    if (table.quant.zero_point() != 0)
      fail(g, op, describe(g, table.id, "table") + ": zero point " + std::to_string(table.quant.zero_point()) +
                      ", TFLM dequantizes an int8 table into a float32 output only with zero point 0");
    EmbeddingLookupDequantizeParams p;
    p.ids = ids.shape[0];
    p.rows = rows;
    p.columns = columns;
    p.scale = table.quant.scale();
    return gather_call(op, kEmbeddingLookupDequantize, p, table, "Table", ids, "Ids", out);
  }
  // A row lookup is a GATHER on axis 0.
  GatherParams p;
  p.batches = 1;
  p.outer = 1;
  p.axis_size = rows;
  p.positions = ids.shape[0];
  p.inner_bytes = columns * dtype_size(table.type);
  return gather_call(op, kGather, p, table, "Table", ids, "Ids", out);
}

}  // namespace

extern const OpDef kGatherOp{.code = 36,
                             .name = "GATHER",
                             .read_options = read_gather_options,
                             .lower = lower_gather,
                             .kernels = {&kGather}};

extern const OpDef kGatherNdOp{.code = 107, .name = "GATHER_ND", .lower = lower_gather_nd, .kernels = {&kGatherNd}};

extern const OpDef kEmbeddingLookupOp{.code = 7,
                                      .name = "EMBEDDING_LOOKUP",
                                      .lower = lower_embedding_lookup,
                                      .kernels = {&kGather, &kEmbeddingLookupDequantize}};

}  // namespace microflow
