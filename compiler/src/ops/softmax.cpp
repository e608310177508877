// SOFTMAX and LOG_SOFTMAX: one file, as they share TFLM's int8 input scaling
// (PreprocessSoftmaxScaling, CalculateInputRadius).
#include <cmath>

#include "kernels/softmax.h"
#include "ops/lower_util.h"
#include "ops/lut.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

std::shared_ptr<const OpOptions> read_softmax_options(const tfl::Operator& op, const std::string&) {
  auto s = std::make_shared<SoftmaxOptions>();
  if (const auto* o = op.builtin_options_as<tfl::SoftmaxOptions>()) s->beta = o->beta();
  return s;
}

// TFLM's PreprocessSoftmaxScaling and CalculateInputRadius for int8 input (doc §9.1):
// the Q5.26 rescaling of (x - max) and the smallest difference that still counts.
SoftmaxS8Params s8_input_params(const Graph& g, const Operator& op, const Tensor& in, float beta) {
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
  s.input_beta_multiplier = q.multiplier;
  s.input_beta_left_shift = q.shift;
  s.diff_min = -static_cast<int64_t>(std::floor(radius));
  return s;
}

// TF_LITE_ENSURE_NEAR on the output scale (float arithmetic, as TFLM compares).
void expect_output_scale_near(const Graph& g, const Operator& op, const Tensor& out, float want, int32_t zero_point,
                              const char* what) {
  const float scale = out.quant.scale();
  const float delta = scale > want ? scale - want : want - scale;
  if (!out.quant.present() || out.quant.per_channel() || delta > 0.001f * want ||
      out.quant.zero_point() != zero_point)
    fail(g, op, describe(g, out.id, "output") + ": " + what + " softmax needs output scale " + std::to_string(want) +
                    " and zero point " + std::to_string(zero_point) + " (got " + std::to_string(scale) + ", " +
                    std::to_string(out.quant.zero_point()) + ")");
}

// int16 output: from int8 input (TFLM's Softmax<int8_t, int16_t>) or from int16 input
// (SoftmaxInt16 with the exp and 1/(1+x) tables).
KernelCall lower_int16_output(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out, float beta,
                              int64_t rows, int64_t depth) {
  if (out.type != DType::Int16)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected INT16 for an int16 input");
  if (in.type == DType::Int8) {
    expect_per_tensor_quant(g, op, in, "input");
    expect_output_scale_near(g, op, out, 1.f / 65536, -32768, "int8 -> int16");
    SoftmaxS8Params s = s8_input_params(g, op, in, beta);
    s.rows = rows;
    s.depth = depth;
    KernelCall k = make_call(op, kSoftmaxS8S16, s);
    add_input_arg(k, in);
    add_output_arg(k, out);
    return k;
  }
  if (in.type != DType::Int16)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name +
                    " is not supported for an int16 output (TFLM takes int8 or int16)");
  if (!in.quant.present() || in.quant.per_channel() || !(in.quant.scale() > 0.f) || !std::isfinite(in.quant.scale()))
    fail(g, op, describe(g, in.id, "input") + ": int16 input needs one positive scale");
  if (in.quant.zero_point() != 0)
    fail(g, op, describe(g, in.id, "input") + ": int16 zero point " + std::to_string(in.quant.zero_point()) +
                    " (TFLM's int16 kernels require 0)");
  expect_output_scale_near(g, op, out, 1.f / 32768, 0, "int16");
  // Differences in [-65535, 0] span the exp table's [-10, 0] after this rescaling.
  const QuantizedMultiplier q =
      quantize_multiplier(static_cast<double>(in.quant.scale()) * static_cast<double>(beta) / (10.0 / 65535.0));
  SoftmaxS16Params s;
  s.rows = rows;
  s.depth = depth;
  s.input_multiplier = q.multiplier;
  s.input_shift = q.shift;
  KernelCall k = make_call(op, kSoftmaxS16, s);
  add_input_arg(k, in);
  add_array_arg(k, int_array("ExpLut", DType::Int16,
                             int16_lut([](float v) { return std::exp(v); }, -10.f, 0.f, -1.f, 1.f)));
  add_array_arg(k, int_array("OneOverOnePlusXLut", DType::Int16,
                             int16_lut([](float v) { return 1.f / (1.f + v); }, 0.f, 1.f, -1.f, 1.f)));
  add_output_arg(k, out);
  return k;
}

struct Rows {
  int64_t rows = 0, depth = 0;  // the last dimension and the rest
};

Rows softmax_rows(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out) {
  expect_activation(g, op, in, "input");
  if (in.shape.empty() || in.elements() != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " does not match input " +
                    in.shape_string());
  return {in.elements() / std::max<int64_t>(in.shape.back(), 1), in.shape.back()};
}

KernelCall lower_softmax(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const auto [rows, depth] = softmax_rows(g, op, in, out);
  const float beta = op.opts<SoftmaxOptions>().beta;
  if (in.type == DType::Int16 || out.type == DType::Int16) return lower_int16_output(g, op, in, out, beta, rows, depth);

  const Precision p = op_precision(g, op);
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
    SoftmaxS8Params s = s8_input_params(g, op, in, beta);
    s.rows = rows;
    s.depth = depth;
    k = make_call(op, kSoftmaxS8, s);
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

KernelCall lower_log_softmax(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  if (in.shape != out.shape)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " differs from the input's " +
                    in.shape_string());
  const auto [rows, depth] = softmax_rows(g, op, in, out);
  KernelCall k;
  if (p == Precision::Float32) {
    LogSoftmaxF32Params f;
    f.rows = rows;
    f.depth = depth;
    k = make_call(op, kLogSoftmaxF32, f);
  } else {
    // TFLM's Prepare: exactly this output quantization, beta 1.
    if (out.quant.scale() != 16.f / 256 || out.quant.zero_point() != 127)
      fail(g, op, describe(g, out.id, "output") + ": int8 log_softmax needs output scale 16/256 and zero point 127 (got " +
                      std::to_string(out.quant.scale()) + ", " + std::to_string(out.quant.zero_point()) + ")");
    const SoftmaxS8Params scaling = s8_input_params(g, op, in, 1.f);
    // PreprocessLogSoftmaxScalingExp: the inverse of the input rescaling, (1 << (31 - shift))
    // / multiplier, which TFLM computes as an int shift (shift 0 would overflow it).
    if (scaling.input_beta_left_shift < 1)
      fail(g, op, describe(g, in.id, "input") + ": scale " + std::to_string(in.quant.scale()) +
                      " is too large for TFLM's int8 log_softmax (needs < 2^-26 * 2^31)");
    const double reverse = static_cast<double>(int64_t{1} << (31 - scaling.input_beta_left_shift)) /
                           static_cast<double>(scaling.input_beta_multiplier);
    if (!(reverse > 0.0 && reverse < 1.0))
      fail(g, op, describe(g, in.id, "input") + ": scale " + std::to_string(in.quant.scale()) +
                      " gives no reverse scaling below 1 (TFLM's int8 log_softmax)");
    const QuantizedMultiplier r = quantize_multiplier(reverse);
    LogSoftmaxS8Params s;
    s.rows = rows;
    s.depth = depth;
    s.input_multiplier = scaling.input_beta_multiplier;
    s.input_left_shift = scaling.input_beta_left_shift;
    s.reverse_scaling_divisor = r.multiplier;
    s.reverse_scaling_shift = r.shift;
    s.diff_min = scaling.diff_min;
    k = make_call(op, kLogSoftmaxS8, s);
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kLogSoftmaxOp{.code = 50,
                                 .name = "LOG_SOFTMAX",
                                 .lower = lower_log_softmax,
                                 .kernels = {&kLogSoftmaxS8, &kLogSoftmaxF32}};

extern const OpDef kSoftmaxOp{.code = 25,
                              .name = "SOFTMAX",
                              .read_options = read_softmax_options,
                              .lower = lower_softmax,
                              .kernels = {&kSoftmaxS8, &kSoftmaxS8S16, &kSoftmaxS16, &kSoftmaxF32}};

}  // namespace microflow
