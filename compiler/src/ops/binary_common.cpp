#include "ops/binary_common.h"

#include <limits>

#include "ops/quantization.h"

namespace microflow {

DType binary_type(const Graph& g, const Operator& op, std::initializer_list<DType> allowed, const std::string& why,
                  bool bool_output) {
  const Tensor& a = op_input(g, op, 0, "first input");
  const Tensor& b = op_input(g, op, 1, "second input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, a, "first input", allowed, why);
  if (b.type != a.type)
    fail(g, op, describe(g, b.id, "second input") + ": type " + b.type_name + " differs from the first input's " +
                    a.type_name);
  const DType want = bool_output ? DType::Bool : a.type;
  if (out.type != want)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected " + dtype_name(want));
  return a.type;
}

void expect_quantized_operands(const Graph& g, const Operator& op, bool with_output, bool int16_zero_point_zero) {
  std::vector<std::pair<const Tensor*, const char*>> tensors = {{&op_input(g, op, 0, "first input"), "first input"},
                                                                {&op_input(g, op, 1, "second input"), "second input"}};
  if (with_output) tensors.push_back({&op_output(g, op), "output"});
  for (const auto& [t, role] : tensors) {
    expect_per_tensor_quant(g, op, *t, role);
    if (int16_zero_point_zero && t->type == DType::Int16 && t->quant.zero_point() != 0)
      fail(g, op, describe(g, t->id, role) + ": int16 zero point " + std::to_string(t->quant.zero_point()) +
                      " (TFLM's int16 " + op.name + " requires 0)");
  }
}

IntRange activation_s32(Activation act) {
  constexpr int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  switch (act) {
    case Activation::None: return {lo, hi};
    case Activation::Relu: return {0, hi};
    case Activation::Relu6: return {0, 6};
    case Activation::ReluN1To1: return {-1, 1};
  }
  return {lo, hi};
}

Activation op_activation(const Operator& op) {
  const auto* o = op.options ? dynamic_cast<const ActivationOptions*>(op.options.get()) : nullptr;
  return o ? o->activation : Activation::None;
}

KernelCall lower_arithmetic(const Graph& g, const Operator& op, const ArithmeticLowering& how) {
  const DType type = binary_type(g, op, how.types, how.why);
  const Activation act = op_activation(op);
  if (type == DType::Float32) {
    BinaryF32Params p;
    const FloatRange r = activation_f32(act);
    p.act_min = r.min;
    p.act_max = r.max;
    return binary_call(g, op, *how.kernels.f32, p, how.max_rank);
  }
  if (type == DType::Int32) {
    BinaryS32Params p;
    const IntRange r = activation_s32(how.int32_activation ? act : Activation::None);
    p.act_min = r.min;
    p.act_max = r.max;
    return binary_call(g, op, *how.kernels.s32, p, how.max_rank);
  }
  BinaryQuantizedParams p;
  how.quantize(g, op, p);
  const IntRange r = activation_quantized(act, op_output(g, op));
  p.act_min = r.min;
  p.act_max = r.max;
  return binary_call(g, op, *how.kernels.quantized, p, how.max_rank);
}

}  // namespace microflow
