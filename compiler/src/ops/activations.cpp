// Activation operators: RELU, RELU6, LEAKY_RELU, ELU, HARD_SWISH, LOGISTIC, TANH (TFLM
// activations*.cc, leaky_relu*.cc, elu.cc, hard_swish*.cc, logistic*.cc, tanh.cc): float32,
// int8 as tables of the reference kernels (ops/int8_table.h), int16 where TFLM has it.
//
// int16 runs TFLM's arithmetic, not a table: a table of every int16 input would take
// 128 KB. LOGISTIC / TANH int16 are already TFLM's 256-entry (512 B) sigmoid table with
// interpolation, shared by all calls; RELU / LEAKY_RELU int16 are one requantization.
#include <cmath>
#include <limits>

#include "ops/int8_table.h"
#include "ops/options.h"
#include "ops/quantization.h"
#include "ops/unary_common.h"

namespace microflow {

struct LeakyReluOptions : OpOptions {
  float alpha = 0.2f;
};

namespace {

// ---- RELU: requantize, clamp at the output's zero (TFLM CalculateReluOpData).

ReluParams relu_params(const Tensor& in, const Tensor& out, int32_t qmin, int32_t qmax) {
  const QuantizedMultiplier m =
      quantize_multiplier(static_cast<double>(in.quant.scale()) / static_cast<double>(out.quant.scale()));
  ReluParams p;
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.multiplier = m.multiplier;
  p.shift = m.shift;
  // max(qmin, Z_out + round(0 / S_out)); no upper bound (the activation maximum is +inf).
  p.act_min = std::max<int64_t>(qmin, out.quant.zero_point());
  p.act_max = qmax;
  return p;
}

KernelCall relu_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  return unary_call(g, op, kReluS8, relu_params(op_input(g, op, 0, "input"), op_output(g, op), -128, 127));
}

KernelCall lower_relu(const Graph& g, const Operator& op) {
  switch (unary_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32})) {
    case Precision::Float32: return float_unary_call(g, op, kReluF32);
    case Precision::Int8: return lower_int8_by_table(g, op);
    case Precision::Int16:
      return unary_call(g, op, kReluS16, relu_params(op_input(g, op, 0, "input"), op_output(g, op), -32768, 32767));
  }
  return {};
}

// ---- RELU6: TFLM clamps the raw input to [Z_in, Q_in(6)]; the output quantization is not
// used (Relu6Prepare reads only the input's).

ClampParams relu6_params(const Tensor& in, int32_t qmin, int32_t qmax) {
  // FloatToQuantizedType: round(6 / S) in float, + Z, clamped to the type.
  const int64_t six = static_cast<int64_t>(std::round(6.0f / in.quant.scale())) + in.quant.zero_point();
  ClampParams p;
  p.min = in.quant.zero_point();
  p.max = std::min<int64_t>(std::max<int64_t>(six, qmin), qmax);
  return p;
}

KernelCall relu6_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  return unary_call(g, op, kClampS8, relu6_params(op_input(g, op, 0, "input"), -128, 127));
}

KernelCall lower_relu6(const Graph& g, const Operator& op) {
  switch (unary_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32}, true)) {
    case Precision::Float32: return float_unary_call(g, op, kRelu6F32);
    case Precision::Int8: return lower_int8_by_table(g, op);
    case Precision::Int16: return unary_call(g, op, kClampS16, relu6_params(op_input(g, op, 0, "input"), -32768, 32767));
  }
  return {};
}

// ---- LEAKY_RELU (TFLM CalculateOpDataLeakyRelu): both multipliers are float32 quotients.

std::shared_ptr<const OpOptions> read_leaky_relu_options(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<LeakyReluOptions>();
  o->alpha = options_as<tfl::LeakyReluOptions>(op, where)->alpha();
  return o;
}

LeakyReluParams leaky_relu_params(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const float alpha = op.opts<LeakyReluOptions>().alpha;
  const QuantizedMultiplier a =
      quantize_multiplier_signed(static_cast<double>(in.quant.scale() * alpha / out.quant.scale()));
  const QuantizedMultiplier id = quantize_multiplier(static_cast<double>(in.quant.scale() / out.quant.scale()));
  LeakyReluParams p;
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.alpha_multiplier = a.multiplier;
  p.alpha_shift = a.shift;
  p.identity_multiplier = id.multiplier;
  p.identity_shift = id.shift;
  return p;
}

KernelCall leaky_relu_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  return unary_call(g, op, kLeakyReluS8, leaky_relu_params(g, op));
}

KernelCall lower_leaky_relu(const Graph& g, const Operator& op) {
  switch (unary_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32}, true)) {
    case Precision::Float32: {
      LeakyReluF32Params p;
      p.alpha = op.opts<LeakyReluOptions>().alpha;
      return unary_call(g, op, kLeakyReluF32, p);
    }
    case Precision::Int8: return lower_int8_by_table(g, op);
    case Precision::Int16: return unary_call(g, op, kLeakyReluS16, leaky_relu_params(g, op));
  }
  return {};
}

// ---- ELU: TFLM's int8 path is itself a table, computed in float (elu.cc).

KernelCall elu_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  EluS8Params p;
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.input_scale = in.quant.scale();
  p.inverse_output_scale = 1.0f / out.quant.scale();
  return unary_call(g, op, kEluS8, p);
}

KernelCall lower_elu(const Graph& g, const Operator& op) {
  if (unary_precision(g, op, {Precision::Int8, Precision::Float32}) == Precision::Float32)
    return float_unary_call(g, op, kEluF32);
  return lower_int8_by_table(g, op);
}

// ---- HARD_SWISH (TFLM HardSwishPrepare): int16 fixed-point multipliers.

// TFLM DownScaleInt32ToInt16Multiplier: the Q31 multiplier rounded to Q15.
int64_t to_q15(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset) return 32767;
  return (multiplier + kRoundingOffset) >> 16;
}

KernelCall hard_swish_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const float hires_input_scale = (1.0f / 128.0f) * in.quant.scale();
  const float reluish_scale = 3.0f / 32768.0f;
  const QuantizedMultiplier o = quantize_multiplier(static_cast<double>(hires_input_scale / out.quant.scale()));
  if (o.shift > 0)
    fail(g, op, "the output scale is below the input scale / 128 (TFLM's HARD_SWISH needs an output multiplier "
                "exponent <= 0, got " + std::to_string(o.shift) + ")");
  const QuantizedMultiplier r = quantize_multiplier(static_cast<double>(hires_input_scale / reluish_scale));
  HardSwishS8Params p;
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.output_multiplier = to_q15(o.multiplier);
  p.output_shift = o.shift;
  p.reluish_multiplier = to_q15(r.multiplier);
  p.reluish_shift = r.shift;
  return unary_call(g, op, kHardSwishS8, p);
}

KernelCall lower_hard_swish(const Graph& g, const Operator& op) {
  if (unary_precision(g, op, {Precision::Int8, Precision::Float32}) == Precision::Float32)
    return float_unary_call(g, op, kHardSwishF32);
  return lower_int8_by_table(g, op);
}

// ---- LOGISTIC and TANH.

// int8 (TFLM CalculateArithmeticOpDataLogistic / tanh.cc): the input to Q4.27 by
// frexp(S_in * 2^27), saturating beyond CalculateInputRadius.
SigmoidS8Params sigmoid_s8_params(const Tensor& in) {
  constexpr int kInputIntegerBits = 4;
  int left_shift = 0;
  const double q = std::frexp(static_cast<double>(in.quant.scale()) * static_cast<double>(1 << (31 - kInputIntegerBits)),
                              &left_shift);
  SigmoidS8Params p;
  p.input_zero_point = in.quant.zero_point();
  // TFLM converts round(q * 2^31) straight to int32: 2^31 (q within 2^-32 of 1) wraps.
  p.input_multiplier = static_cast<int32_t>(static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31))));
  p.input_left_shift = left_shift;
  p.input_range_radius = static_cast<int64_t>(std::floor(((1 << kInputIntegerBits) - 1) *
                                                         std::ldexp(1.0, 31 - kInputIntegerBits - left_shift)));
  return p;
}

// TFLM CheckedLog2: log2(x) rounded, and whether x is that power of two (within 1e-3).
bool checked_log2(float x, int* log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(x_log2);
  *log2_result = static_cast<int>(rounded);
  return std::abs(x_log2 - rounded) < 1e-3f;
}

// int16: zero points 0 (op_precision), output scale 2^-15, the input scaled to units of
// 1 / (3 * 4096): a power-of-two input scale 2^-(12 - k) (k < max_pot_shift) as the
// multiplier 3 << k, any other scale as the largest multiplier <= 32767 with its shift.
SigmoidS16Params sigmoid_s16_params(const Graph& g, const Operator& op, int max_pot_shift) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  constexpr int kInputIntegerBits = 3;
  int input_log2 = 0;
  const bool pot = checked_log2(in.quant.scale(), &input_log2);
  const int pot_shift = (15 - kInputIntegerBits) + input_log2;
  SigmoidS16Params p;
  if (pot && pot_shift >= 0 && pot_shift < max_pot_shift) {
    p.input_multiplier = 3 << pot_shift;
    p.input_left_shift = 0;
  } else {
    double multiplier = static_cast<double>(in.quant.scale()) * 4096.0 * 3.0;
    int shift = 0;
    while (multiplier <= 32767.0 / 2.0 && shift <= 30) {
      ++shift;
      multiplier *= 2.0;
    }
    if (!(multiplier <= 32767.0))
      fail(g, op, describe(g, in.id, "input") + ": scale " + std::to_string(in.quant.scale()) +
                      " is too large for TFLM's int16 " + op.def->name + " (its input multiplier exceeds 32767)");
    p.input_multiplier = static_cast<int32_t>(multiplier);
    p.input_left_shift = shift;
  }
  int output_log2 = 0;
  if (!checked_log2(out.quant.scale(), &output_log2) || output_log2 != -15)
    fail(g, op, describe(g, out.id, "output") + ": scale " + std::to_string(out.quant.scale()) + " is not 2^-15 (TFLM's int16 " +
                    op.def->name + " requires it)");
  return p;
}

KernelCall logistic_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  const Tensor& out = op_output(g, op);
  if (out.quant.zero_point() != -128)
    fail(g, op, describe(g, out.id, "output") + ": zero point " + std::to_string(out.quant.zero_point()) +
                    " (TFLM's int8 LOGISTIC requires -128)");
  return unary_call(g, op, kLogisticS8, sigmoid_s8_params(op_input(g, op, 0, "input")));
}

KernelCall tanh_s8_reference(const Graph& g, const Operator& op) {
  unary_precision(g, op, {Precision::Int8});
  return unary_call(g, op, kTanhS8, sigmoid_s8_params(op_input(g, op, 0, "input")));
}

// TFLM takes a power-of-two input scale as such for LOGISTIC when its shift is 0, for TANH
// when it is 0 or 1.
template <const KernelDef& F32, const KernelDef& S16, int kMaxPotShift>
KernelCall lower_sigmoid(const Graph& g, const Operator& op) {
  switch (unary_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32})) {
    case Precision::Float32: return float_unary_call(g, op, F32);
    case Precision::Int8: return lower_int8_by_table(g, op);
    case Precision::Int16: return unary_call(g, op, S16, sigmoid_s16_params(g, op, kMaxPotShift));
  }
  return {};
}

}  // namespace

extern const OpDef kReluOp{.code = 19,
                           .name = "RELU",
                           .lower = lower_relu,
                           .int8_reference = relu_s8_reference,
                           .kernels = {&kReluF32, &kReluS16, &kLookupS8, &kClampS8, &kReluS8}};
extern const OpDef kRelu6Op{.code = 21,
                            .name = "RELU6",
                            .lower = lower_relu6,
                            .int8_reference = relu6_s8_reference,
                            .kernels = {&kRelu6F32, &kClampS16, &kLookupS8, &kClampS8}};
extern const OpDef kLeakyReluOp{.code = 98,
                                .name = "LEAKY_RELU",
                                .read_options = read_leaky_relu_options,
                                .lower = lower_leaky_relu,
                                .int8_reference = leaky_relu_s8_reference,
                                .kernels = {&kLeakyReluF32, &kLeakyReluS16, &kLookupS8, &kClampS8, &kLeakyReluS8}};
extern const OpDef kEluOp{.code = 111,
                          .name = "ELU",
                          .lower = lower_elu,
                          .int8_reference = elu_s8_reference,
                          .kernels = {&kEluF32, &kLookupS8, &kClampS8, &kEluS8}};
extern const OpDef kHardSwishOp{.code = 117,
                                .name = "HARD_SWISH",
                                .lower = lower_hard_swish,
                                .int8_reference = hard_swish_s8_reference,
                                .kernels = {&kHardSwishF32, &kLookupS8, &kClampS8, &kHardSwishS8}};
extern const OpDef kLogisticOp{.code = 14,
                               .name = "LOGISTIC",
                               .lower = lower_sigmoid<kLogisticF32, kLogisticS16, 1>,
                               .int8_reference = logistic_s8_reference,
                               .kernels = {&kLogisticF32, &kLogisticS16, &kLookupS8, &kClampS8, &kLogisticS8}};
extern const OpDef kTanhOp{.code = 28,
                           .name = "TANH",
                           .lower = lower_sigmoid<kTanhF32, kTanhS16, 2>,
                           .int8_reference = tanh_s8_reference,
                           .kernels = {&kTanhF32, &kTanhS16, &kLookupS8, &kClampS8, &kTanhS8}};

}  // namespace microflow
