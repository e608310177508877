#include "passes/lower.h"
#include "passes/lower_util.h"
#include "passes/quantization.h"

namespace microflow {

KernelCall lower_pool_2d(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  expect_rank(g, op, in, "input", 4);
  expect_rank(g, op, out, "output", 4);
  const auto& o = op.opts<PoolOptions>();
  for (int v : {o.stride_h, o.stride_w, o.filter_h, o.filter_w})
    if (v < 1 || v > kMaxWindowParameter)
      fail(g, op, "filter size and strides must be in [1, " + std::to_string(kMaxWindowParameter) + "], got " + std::to_string(v));
  if (p == Precision::Int8 &&
      (std::abs(in.quant.scale() - out.quant.scale()) > 1e-6f || in.quant.zero_point() != out.quant.zero_point()))
    fail(g, op, describe(g, out.id, "output") + ": int8 pooling needs the same scale and zero point as the input");
  const PaddedSize ph = compute_padding(o.padding, in.shape[1], o.filter_h, o.stride_h, 1);
  const PaddedSize pw = compute_padding(o.padding, in.shape[2], o.filter_w, o.stride_w, 1);
  if (out.shape[0] != in.shape[0] || out.shape[1] != ph.output || out.shape[2] != pw.output ||
      out.shape[3] != in.shape[3])
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " does not match input " +
                    in.shape_string() + " with this window, stride and padding");

  const bool average = op.kind == OpKind::AveragePool2D;
  KernelCall k;
  k.op = &op;
  k.function = std::string(average ? "average" : "max") + "_pool_2d_" + (p == Precision::Int8 ? "s8" : "f32");
  k.params_type = p == Precision::Int8 ? "Pool2DS8Params" : "Pool2DF32Params";
  add_param(k, "batches", int64_t{in.shape[0]});
  add_param(k, "input_height", int64_t{in.shape[1]});
  add_param(k, "input_width", int64_t{in.shape[2]});
  add_param(k, "depth", int64_t{in.shape[3]});
  add_param(k, "output_height", int64_t{out.shape[1]});
  add_param(k, "output_width", int64_t{out.shape[2]});
  add_param(k, "filter_height", int64_t{o.filter_h});
  add_param(k, "filter_width", int64_t{o.filter_w});
  add_param(k, "stride_height", int64_t{o.stride_h});
  add_param(k, "stride_width", int64_t{o.stride_w});
  add_param(k, "pad_top", ph.pad_before);
  add_param(k, "pad_left", pw.pad_before);
  add_activation_params(k, o.activation, out, p);
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace microflow
