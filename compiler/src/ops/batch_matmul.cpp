// BATCH_MATMUL: batched matrix products with numpy broadcasting of the batch dimensions
// (runtime kernels/batch_matmul.h). adj_x / adj_y become element strides, so neither
// operand is copied; a constant operand (usually the right-hand side) stays in flash.
#include "kernels/kernel.h"
#include "ops/index_util.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

struct BatchMatMulParams : ParamsBase {
  std::vector<int64_t> batches, lhs_batch_strides, rhs_batch_strides;  // 3 each
  int64_t rows = 0, cols = 0, depth = 0;
  int64_t lhs_row_stride = 0, lhs_depth_stride = 0, rhs_depth_stride = 0, rhs_col_stride = 0;
  int64_t lhs_in_flash = 0, rhs_in_flash = 0;
  int64_t lhs_offset = 0, rhs_offset = 0, output_multiplier = 0, output_shift = 0, output_zero_point = 0;
  MF_PARAMS(BatchMatMulParams, batches, lhs_batch_strides, rhs_batch_strides, rows, cols, depth, lhs_row_stride,
            lhs_depth_stride, rhs_depth_stride, rhs_col_stride, lhs_in_flash, rhs_in_flash, lhs_offset, rhs_offset,
            output_multiplier, output_shift, output_zero_point)
};

const KernelDef kBatchMatMulS8{.function = "batch_matmul_s8",
                               .header = "microflow/kernels/batch_matmul.h",
                               .sample_params = sample_of<BatchMatMulParams>};
const KernelDef kBatchMatMulS16{.function = "batch_matmul_s16",
                                .header = "microflow/kernels/batch_matmul.h",
                                .sample_params = sample_of<BatchMatMulParams>};
const KernelDef kBatchMatMulF32{.function = "batch_matmul_f32",
                                .header = "microflow/kernels/batch_matmul.h",
                                .sample_params = sample_of<BatchMatMulParams>};

struct BatchMatMulOptions : OpOptions {
  bool adj_x = false, adj_y = false;
};

std::shared_ptr<const OpOptions> read_batch_matmul_options(const tfl::Operator& op, const std::string&) {
  auto o = std::make_shared<BatchMatMulOptions>();
  if (const auto* b = op.builtin_options_as<tfl::BatchMatMulOptions>()) {
    o->adj_x = b->adj_x();
    o->adj_y = b->adj_y();
  }
  return o;
}

constexpr size_t kMaxBatchDims = 3;  // TFLM: ranks 2 to 5

// TFLM's Prepare: shapes extended on the left to the larger rank, batch dimensions equal
// or 1, matching depths; the output shape it derives must be the model's.
BatchMatMulParams product_shape(const Graph& g, const Operator& op, const Tensor& lhs, const Tensor& rhs,
                               const Tensor& out, const BatchMatMulOptions& o) {
  for (auto [t, role] : {std::pair{&lhs, "lhs"}, std::pair{&rhs, "rhs"}})
    if (t->shape.size() < 2 || t->shape.size() > kMaxBatchDims + 2)
      fail(g, op, describe(g, t->id, role) + ": rank " + std::to_string(t->shape.size()) +
                      " is not supported (TFLM takes 2 to 5 dimensions)");
  const size_t rank = std::max(lhs.shape.size(), rhs.shape.size());
  auto extended = [&](const Tensor& t) {
    std::vector<int32_t> e(rank - t.shape.size(), 1);
    e.insert(e.end(), t.shape.begin(), t.shape.end());
    return e;
  };
  const std::vector<int32_t> l = extended(lhs), r = extended(rhs);
  const int64_t rows = o.adj_x ? l[rank - 1] : l[rank - 2], depth = o.adj_x ? l[rank - 2] : l[rank - 1];
  const int64_t rhs_depth = o.adj_y ? r[rank - 1] : r[rank - 2], cols = o.adj_y ? r[rank - 2] : r[rank - 1];
  if (depth != rhs_depth)
    fail(g, op, "the lhs " + lhs.shape_string() + (o.adj_x ? " (adj_x)" : "") + " and rhs " + rhs.shape_string() +
                    (o.adj_y ? " (adj_y)" : "") + " disagree on the summed dimension (" + std::to_string(depth) +
                    " vs " + std::to_string(rhs_depth) + ")");
  BatchMatMulParams s;
  std::vector<int32_t> out_shape;
  const size_t pad = kMaxBatchDims - (rank - 2);
  s.batches.assign(pad, 1);
  s.lhs_batch_strides.assign(pad, 0);
  s.rhs_batch_strides.assign(pad, 0);
  for (size_t i = 0; i + 2 < rank; ++i) {
    if (l[i] != r[i] && l[i] != 1 && r[i] != 1)
      fail(g, op, "batch dimension " + std::to_string(i) + " of lhs " + lhs.shape_string() + " and rhs " +
                      rhs.shape_string() + " does not broadcast");
    s.batches.push_back(std::max(l[i], r[i]));
    s.lhs_batch_strides.push_back(l[i] == 1 ? 0 : shape_product(l, i + 1, rank));
    s.rhs_batch_strides.push_back(r[i] == 1 ? 0 : shape_product(r, i + 1, rank));
    out_shape.push_back(std::max(l[i], r[i]));
  }
  out_shape.push_back(static_cast<int32_t>(rows));
  out_shape.push_back(static_cast<int32_t>(cols));
  expect_output(g, op, out, lhs.type, out_shape);
  s.rows = rows;
  s.cols = cols;
  s.depth = depth;
  // lhs stored [rows, depth], or [depth, rows] with adj_x; rhs [depth, cols], or [cols, depth] with adj_y.
  s.lhs_row_stride = o.adj_x ? 1 : depth;
  s.lhs_depth_stride = o.adj_x ? rows : 1;
  s.rhs_depth_stride = o.adj_y ? 1 : cols;
  s.rhs_col_stride = o.adj_y ? depth : 1;
  return s;
}

KernelCall lower_batch_matmul(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32});
  const Tensor& lhs = op_input(g, op, 0, "lhs");
  const Tensor& rhs = op_input(g, op, 1, "rhs");
  const Tensor& out = op_output(g, op);
  if (lhs.is_constant && rhs.is_constant) fail(g, op, "both inputs are constant: nothing to compute at run time");
  BatchMatMulParams s = product_shape(g, op, lhs, rhs, out, op.opts<BatchMatMulOptions>());
  const KernelDef* kernel = &kBatchMatMulF32;
  if (p != Precision::Float32) {
    expect_per_tensor_quant(g, op, rhs, "rhs");
    // GetQuantizedConvolutionMultipler: the two input scales multiplied in float32 (doc §2.1).
    const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(lhs.quant.scale() * rhs.quant.scale()) /
                                                      static_cast<double>(out.quant.scale()));
    s.output_shift = q.shift;
    if (p == Precision::Int16) {
      if (rhs.quant.zero_point() != 0)
        fail(g, op, describe(g, rhs.id, "rhs") + ": int16 zero point " + std::to_string(rhs.quant.zero_point()) +
                        " (TFLM's int16 kernels require 0)");
      if (q.shift >= 8)
        fail(g, op, "requantization shift " + std::to_string(q.shift) +
                        " is out of range for TFLM's int16 BATCH_MATMUL (at most 7)");
      s.output_multiplier = reduce_multiplier_to_q15(q.multiplier);
      kernel = &kBatchMatMulS16;
    } else {
      s.lhs_offset = -lhs.quant.zero_point();
      s.rhs_offset = -rhs.quant.zero_point();
      s.output_multiplier = q.multiplier;
      s.output_zero_point = out.quant.zero_point();
      kernel = &kBatchMatMulS8;
    }
  }
  KernelCall k = make_call(op, *kernel, BatchMatMulParams{});
  s.lhs_in_flash = add_operand_arg(k, lhs, "Lhs");
  s.rhs_in_flash = add_operand_arg(k, rhs, "Rhs");
  add_output_arg(k, out);
  k.macs = out.elements() * s.depth;
  k.params = s;
  return k;
}

}  // namespace

extern const OpDef kBatchMatMulOp{.code = 126,
                                  .name = "BATCH_MATMUL",
                                  .read_options = read_batch_matmul_options,
                                  .lower = lower_batch_matmul,
                                  .kernels = {&kBatchMatMulS8, &kBatchMatMulS16, &kBatchMatMulF32}};

}  // namespace microflow
