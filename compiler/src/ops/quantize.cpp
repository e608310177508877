// QUANTIZE (float32 -> int8 / int16, between int8, int16 and int32) and DEQUANTIZE (int8 / int16 -> float32).
#include "kernels/elementwise.h"
#include "ops/lower_util.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// The same fields under the name of the runtime typedef of another kernel.
template <typename Derived, typename Base>
Derived renamed(const Base& fields) {
  Derived d;
  static_cast<Base&>(d) = fields;
  return d;
}

bool is_integer(DType t) { return t == DType::Int8 || t == DType::Int16 || t == DType::Int32; }

KernelCall lower_quantize(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  // TFLM's pairs: float32 -> int8 / int16, and between int8, int16 and int32 except
  // int32 -> int32.
  if (!is_integer(out.type) || (in.type == DType::Float32 && out.type == DType::Int32))
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + " is not supported (" +
                    (in.type == DType::Float32 ? "int8 and int16 are" : "int8, int16 and int32 are") + ")");
  expect_per_tensor_quant(g, op, out, "output");
  if (in.elements() != out.elements()) fail(g, op, "input and output sizes differ");
  KernelCall k;
  if (in.type == DType::Float32) {
    QuantizeF32ToS8Params q;
    q.size = in.elements();
    q.scale = out.quant.scale();
    q.zero_point = out.quant.zero_point();
    if (out.type == DType::Int8) k = make_call(op, kQuantizeF32ToS8, q);
    else k = make_call(op, kQuantizeF32ToS16, renamed<QuantizeF32ToS16Params>(q));
  } else if (is_integer(in.type) && !(in.type == DType::Int32 && out.type == DType::Int32)) {
    expect_per_tensor_quant(g, op, in, "input");
    const QuantizedMultiplier m = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                      static_cast<double>(out.quant.scale()));
    RequantizeS8Params r;
    r.size = in.elements();
    r.input_zero_point = in.quant.zero_point();
    r.output_zero_point = out.quant.zero_point();
    r.multiplier = m.multiplier;
    r.shift = m.shift;
    if (in.type == DType::Int8 && out.type == DType::Int8) k = make_call(op, kRequantizeS8, r);
    else k = make_call(op, kRequantize, renamed<RequantizeParams>(r));
  } else {
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported (" +
                    (in.type == DType::Int32 ? "int32 quantizes to int8 and int16" : "float32, int8, int16 and int32 are") +
                    ")");
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

KernelCall lower_dequantize(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  if (in.type != DType::Int8 && in.type != DType::Int16)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported (int8 and int16 are)");
  if (out.type != DType::Float32)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + " is not supported (float32 is)");
  expect_per_tensor_quant(g, op, in, "input");
  if (in.elements() != out.elements()) fail(g, op, "input and output sizes differ");
  DequantizeS8ToF32Params d;
  d.size = in.elements();
  d.scale = in.quant.scale();
  d.zero_point = in.quant.zero_point();
  KernelCall k = in.type == DType::Int8 ? make_call(op, kDequantizeS8ToF32, d)
                                        : make_call(op, kDequantizeS16ToF32, renamed<DequantizeS16ToF32Params>(d));
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kQuantizeOp{.code = 114,
                               .name = "QUANTIZE",
                               .lower = lower_quantize,
                               .kernels = {&kQuantizeF32ToS8, &kRequantizeS8, &kQuantizeF32ToS16, &kRequantize}};

extern const OpDef kDequantizeOp{.code = 6,
                                 .name = "DEQUANTIZE",
                                 .lower = lower_dequantize,
                                 .kernels = {&kDequantizeS8ToF32, &kDequantizeS16ToF32}};

}  // namespace microflow
