// ADD_N: the sum of N >= 2 same-shape inputs, float32 or int8 (TFLM add_n.cc). The
// output comes first in the kernel's arguments, then the inputs (a parameter pack).
#include "kernels/binary.h"
#include "microflow/fixed_point.h"
#include "ops/index_util.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// One bit per input in the kernel's in_flash_mask.
constexpr size_t kMaxInputs = 32;

KernelCall lower_add_n(const Graph& g, const Operator& op) {
  const Tensor& first = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, first, "input", {DType::Float32, DType::Int8}, "TFLM's ADD_N takes float32 and int8");
  if (op.inputs.size() < 2 || op.inputs.size() > kMaxInputs)
    fail(g, op, std::to_string(op.inputs.size()) + " inputs (2 to " + std::to_string(kMaxInputs) + " supported)");
  expect_output(g, op, out, first.type, first.shape);
  for (size_t i = 1; i < op.inputs.size(); ++i) {
    const Tensor& t = op_input(g, op, i, "input");
    if (t.type != first.type || t.shape != first.shape)
      fail(g, op, describe(g, t.id, "input") + ": " + t.type_name + " " + t.shape_string() + " differs from the first input's " +
                      first.type_name + " " + first.shape_string());
    if (first.type == DType::Int8 &&
        (t.quant.scale() != first.quant.scale() || t.quant.zero_point() != first.quant.zero_point()))
      fail(g, op, describe(g, t.id, "input") + ": quantization differs from the first input's (TFLM requires one)");
  }
  KernelCall k;
  int64_t mask = 0;
  auto add_inputs = [&] {
    add_output_arg(k, out);
    for (size_t i = 0; i < op.inputs.size(); ++i)
      mask |= add_operand_arg(k, op_input(g, op, i, "input"), "Input" + std::to_string(i)) << i;
  };
  if (first.type == DType::Float32) {
    k = make_call(op, kAddNF32, AddNF32Params{});
    add_inputs();
    AddNF32Params p;
    p.size = out.elements();
    p.in_flash_mask = mask;
    k.params = p;
    return k;
  }
  expect_per_tensor_quant(g, op, first, "input");
  expect_per_tensor_quant(g, op, out, "output");
  // ADD's int8 rescaling with both inputs at one scale: each input times 1/2 with 20 bits
  // of headroom, the sum times 2 S_in / (2^20 S_out). TFLM starts every sum at the
  // rescaled input offset -Z (an extra -Z term when Z != 0), a constant here.
  constexpr int kLeftShift = 20;
  const double twice_scale = 2 * static_cast<double>(first.quant.scale());
  const QuantizedMultiplier qi = quantize_multiplier(static_cast<double>(first.quant.scale()) / twice_scale);
  const double real_out = twice_scale / ((1 << kLeftShift) * static_cast<double>(out.quant.scale()));
  if (!(real_out < 1.0)) fail(g, op, "output scale is too small for TFLM's rescaling (output multiplier >= 1)");
  const QuantizedMultiplier qo = quantize_multiplier(real_out);
  AddNS8Params p;
  p.size = out.elements();
  p.input_offset = -int64_t{first.quant.zero_point()};
  p.left_shift = kLeftShift;
  p.input_multiplier = qi.multiplier;
  p.input_shift = qi.shift;
  p.initial_sum = mf::multiply_by_quantized_multiplier(static_cast<int32_t>(p.input_offset * (int64_t{1} << kLeftShift)),
                                                       qi.multiplier, qi.shift);
  p.output_multiplier = qo.multiplier;
  p.output_shift = qo.shift;
  p.output_offset = out.quant.zero_point();
  const IntRange r = activation_quantized(Activation::None, out);
  p.act_min = r.min;
  p.act_max = r.max;
  k = make_call(op, kAddNS8, AddNS8Params{});
  add_inputs();
  p.in_flash_mask = mask;
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kAddNOp{.code = 106, .name = "ADD_N", .lower = lower_add_n, .kernels = {&kAddNF32, &kAddNS8}};

}  // namespace microflow
