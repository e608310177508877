#include <cmath>

#include "passes/lower.h"
#include "passes/lower_util.h"
#include "passes/quantization.h"

namespace microflow {

KernelCall lower_softmax(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  if (in.shape.empty() || in.elements() != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " does not match input " +
                    in.shape_string());
  const int64_t depth = in.shape.back();
  const float beta = op.opts<SoftmaxOptions>().beta;
  KernelCall k;
  k.op = &op;
  add_param(k, "rows", in.elements() / std::max<int64_t>(depth, 1));
  add_param(k, "depth", depth);
  if (p == Precision::Float32) {
    k.function = "softmax_f32";
    k.params_type = "SoftmaxF32Params";
    add_param(k, "beta", beta);
  } else {
    // TFLM accepts only this output quantization for int8 softmax.
    if (out.quant.scale() != 1.f / 256 || out.quant.zero_point() != -128)
      fail(g, op, describe(g, out.id, "output") + ": int8 softmax needs output scale 1/256 and zero point -128 (got " +
                      std::to_string(out.quant.scale()) + ", " + std::to_string(out.quant.zero_point()) + ")");
    constexpr int kInputIntegerBits = 5;
    const double real = std::min(static_cast<double>(beta) * static_cast<double>(in.quant.scale()) *
                                     static_cast<double>(int64_t{1} << (31 - kInputIntegerBits)),
                                 static_cast<double>(INT32_MAX));
    if (!(real > 1.0)) fail(g, op, "input scale x beta is too small for TFLM's int8 softmax (needs > 2^-26)");
    const QuantizedMultiplier q = quantize_multiplier(real);
    const double radius = ((int64_t{1} << kInputIntegerBits) - 1) *
                          static_cast<double>(int64_t{1} << (31 - kInputIntegerBits)) /
                          static_cast<double>(int64_t{1} << q.shift);
    k.function = "softmax_s8";
    k.params_type = "SoftmaxS8Params";
    add_param(k, "input_beta_multiplier", int64_t{q.multiplier});
    add_param(k, "input_beta_left_shift", int64_t{q.shift});
    add_param(k, "diff_min", -static_cast<int64_t>(std::floor(radius)));
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace microflow
