// ADD with numpy broadcasting (int8, float32), of two activations or of an activation and a
// constant.
#include "kernels/elementwise.h"
#include "ops/broadcast.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// The second input is a constant array in flash (runtime kernels/add_const.h).
constexpr KernelDef kAddConstS8{.function = "add_const_s8",
                                .header = "microflow/kernels/add_const.h",
                                .in_place = InPlaceKind::Elementwise,
                                .sample_params = sample_of<AddS8Params>};
constexpr KernelDef kAddConstF32{.function = "add_const_f32",
                                 .header = "microflow/kernels/add_const.h",
                                 .in_place = InPlaceKind::Elementwise,
                                 .sample_params = sample_of<AddF32Params>};

std::shared_ptr<const OpOptions> read_add_options(const tfl::Operator& op, const std::string& where) {
  auto a = std::make_shared<ActivationOptions>();
  if (const auto* o = op.builtin_options_as<tfl::AddOptions>())
    a->activation = to_activation(o->fused_activation_function(), where);
  return a;
}

KernelCall lower_add(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  // A constant operand (bias-like) stays in flash and is passed second: ADD is symmetric
  // (each input has its own rescaling, then the two are added), so swapping is exact.
  const Tensor& first = op_input(g, op, 0, "first");
  const Tensor& second = op_input(g, op, 1, "second");
  const Tensor& a = first.is_constant ? second : first;  // an activation
  const Tensor& b = first.is_constant ? first : second;  // an activation or a constant
  const char* b_role = first.is_constant ? "first input" : "second input";
  const Tensor& out = op_output(g, op);
  if (a.is_constant) fail(g, op, "both inputs are constant: nothing to compute at run time");
  const bool constant = b.is_constant;
  const Broadcast4 shape = broadcast_4d(g, op, a, b, out);
  const Activation act = op.opts<ActivationOptions>().activation;
  KernelCall k;
  if (p == Precision::Float32) {
    AddF32Params f;
    f.dims = shape.dims;
    f.input1_strides = shape.input1_strides;
    f.input2_strides = shape.input2_strides;
    const FloatRange r = activation_f32(act);
    f.act_min = r.min;
    f.act_max = r.max;
    k = make_call(op, constant ? kAddConstF32 : kAddF32, f);
  } else {
    expect_per_tensor_quant(g, op, b, b_role);
    constexpr int kLeftShift = 20;
    const double s1 = a.quant.scale(), s2 = b.quant.scale(), so = out.quant.scale();
    const double twice_max = 2 * std::max(s1, s2);
    const double real1 = s1 / twice_max, real2 = s2 / twice_max;
    const double real_out = twice_max / ((1 << kLeftShift) * so);
    if (!(real_out < 1.0)) fail(g, op, "output scale is too small for TFLM's int8 ADD (rescale multiplier >= 1)");
    const QuantizedMultiplier q1 = quantize_multiplier(real1), q2 = quantize_multiplier(real2),
                              qo = quantize_multiplier(real_out);
    AddS8Params s;
    s.dims = shape.dims;
    s.input1_strides = shape.input1_strides;
    s.input2_strides = shape.input2_strides;
    s.input1_offset = -int64_t{a.quant.zero_point()};
    s.input2_offset = -int64_t{b.quant.zero_point()};
    s.left_shift = kLeftShift;
    s.input1_multiplier = q1.multiplier;
    s.input1_shift = q1.shift;
    s.input2_multiplier = q2.multiplier;
    s.input2_shift = q2.shift;
    s.output_multiplier = qo.multiplier;
    s.output_shift = qo.shift;
    s.output_zero_point = out.quant.zero_point();
    const IntRange r = activation_quantized(act, out);
    s.act_min = r.min;
    s.act_max = r.max;
    k = make_call(op, constant ? kAddConstS8 : kAddS8, s);
  }
  add_input_arg(k, a);
  if (constant)
    add_array_arg(k, p == Precision::Float32 ? float_array_from("Constant", b) : int8_array_from("Constant", b));
  else
    add_input_arg(k, b);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kAddOp{.code = 0,
                          .name = "ADD",
                          .read_options = read_add_options,
                          .lower = lower_add,
                          .kernels = {&kAddS8, &kAddF32, &kAddConstS8, &kAddConstF32}};

}  // namespace microflow
