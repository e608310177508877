#include <cmath>

#include "kernels/softmax.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

std::shared_ptr<const OpOptions> read_softmax_options(const tfl::Operator& op, const std::string&) {
  auto s = std::make_shared<SoftmaxOptions>();
  if (const auto* o = op.builtin_options_as<tfl::SoftmaxOptions>()) s->beta = o->beta();
  return s;
}

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
  const int64_t rows = in.elements() / std::max<int64_t>(depth, 1);
  KernelCall k;
  if (p == Precision::Float32) {
    SoftmaxF32Params f;
    f.rows = rows;
    f.depth = depth;
    f.beta = beta;
    k = make_call(op, kSoftmaxF32, f);
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
    SoftmaxS8Params s;
    s.rows = rows;
    s.depth = depth;
    s.input_beta_multiplier = q.multiplier;
    s.input_beta_left_shift = q.shift;
    s.diff_min = -static_cast<int64_t>(std::floor(radius));
    k = make_call(op, kSoftmaxS8, s);
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSoftmaxOp{.code = 25,
                              .name = "SOFTMAX",
                              .read_options = read_softmax_options,
                              .lower = lower_softmax,
                              .kernels = {&kSoftmaxS8, &kSoftmaxF32}};

}  // namespace microflow
