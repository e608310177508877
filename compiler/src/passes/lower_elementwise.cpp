// ADD, QUANTIZE, DEQUANTIZE and RESHAPE: element-wise operators.
#include "passes/lower.h"
#include "passes/lower_util.h"
#include "passes/quantization.h"

namespace microflow {
namespace {

// Output dims padded to 4 and each input's element strides (0 where it
// broadcasts), numpy style.
void add_broadcast_params(const Graph& g, const Operator& op, KernelCall& k, const Tensor& a, const Tensor& b,
                          const Tensor& out) {
  if (out.shape.size() > 4) fail(g, op, describe(g, out.id, "output") + ": more than 4 dimensions");
  auto padded = [&](const Tensor& t) {
    if (t.shape.size() > 4) fail(g, op, describe(g, t.id, "input") + ": more than 4 dimensions");
    std::vector<int64_t> d(4 - t.shape.size(), 1);
    d.insert(d.end(), t.shape.begin(), t.shape.end());
    return d;
  };
  const auto da = padded(a), db = padded(b), dout = padded(out);
  auto strides = [&](const std::vector<int64_t>& d, const Tensor& t) {
    std::vector<int64_t> s(4);
    int64_t stride = 1;
    for (int i = 3; i >= 0; --i) {
      if (d[i] != dout[i] && d[i] != 1)
        fail(g, op, describe(g, t.id, "input") + ": shape " + t.shape_string() + " cannot broadcast to " +
                        out.shape_string());
      s[i] = d[i] == 1 && dout[i] != 1 ? 0 : stride;
      stride *= d[i];
    }
    return s;
  };
  const auto sa = strides(da, a), sb = strides(db, b);
  auto list = [](const std::vector<int64_t>& v) {
    std::string s = "{";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + literal(v[i]);
    return s + "}";
  };
  k.params.push_back({"dims", list(dout)});
  k.params.push_back({"input1_strides", list(sa)});
  k.params.push_back({"input2_strides", list(sb)});
}

}  // namespace

KernelCall lower_add(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& a = op_input(g, op, 0, "first");
  const Tensor& b = op_input(g, op, 1, "second");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, a, "first input");
  expect_activation(g, op, b, "second input");
  KernelCall k;
  k.op = &op;
  add_broadcast_params(g, op, k, a, b, out);
  const Activation act = op.opts<AddOptions>().activation;
  if (p == Precision::Float32) {
    k.function = "add_f32";
    k.params_type = "AddF32Params";
  } else {
    expect_per_tensor_quant(g, op, b, "second input");
    constexpr int kLeftShift = 20;
    const double s1 = a.quant.scale(), s2 = b.quant.scale(), so = out.quant.scale();
    const double twice_max = 2 * std::max(s1, s2);
    const double real1 = s1 / twice_max, real2 = s2 / twice_max;
    const double real_out = twice_max / ((1 << kLeftShift) * so);
    if (!(real_out < 1.0)) fail(g, op, "output scale is too small for TFLM's int8 ADD (rescale multiplier >= 1)");
    const QuantizedMultiplier q1 = quantize_multiplier(real1), q2 = quantize_multiplier(real2),
                              qo = quantize_multiplier(real_out);
    k.function = "add_s8";
    k.params_type = "AddS8Params";
    add_param(k, "input1_offset", -int64_t{a.quant.zero_point()});
    add_param(k, "input2_offset", -int64_t{b.quant.zero_point()});
    add_param(k, "left_shift", int64_t{kLeftShift});
    add_param(k, "input1_multiplier", int64_t{q1.multiplier});
    add_param(k, "input1_shift", int64_t{q1.shift});
    add_param(k, "input2_multiplier", int64_t{q2.multiplier});
    add_param(k, "input2_shift", int64_t{q2.shift});
    add_param(k, "output_multiplier", int64_t{qo.multiplier});
    add_param(k, "output_shift", int64_t{qo.shift});
    add_param(k, "output_zero_point", int64_t{out.quant.zero_point()});
  }
  add_activation_params(k, act, out, p);
  add_input_arg(k, a);
  add_input_arg(k, b);
  add_output_arg(k, out);
  return k;
}

KernelCall lower_quantize(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  if (out.type != DType::Int8)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + " is not supported (int8 is)");
  expect_per_tensor_quant(g, op, out, "output");
  if (in.elements() != out.elements()) fail(g, op, "input and output sizes differ");
  KernelCall k;
  k.op = &op;
  add_param(k, "size", in.elements());
  if (in.type == DType::Float32) {
    k.function = "quantize_f32_to_s8";
    k.params_type = "QuantizeF32ToS8Params";
    add_param(k, "scale", out.quant.scale());
    add_param(k, "zero_point", int64_t{out.quant.zero_point()});
  } else if (in.type == DType::Int8) {
    expect_per_tensor_quant(g, op, in, "input");
    const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                      static_cast<double>(out.quant.scale()));
    k.function = "requantize_s8";
    k.params_type = "RequantizeS8Params";
    add_param(k, "input_zero_point", int64_t{in.quant.zero_point()});
    add_param(k, "output_zero_point", int64_t{out.quant.zero_point()});
    add_param(k, "multiplier", int64_t{q.multiplier});
    add_param(k, "shift", int64_t{q.shift});
  } else {
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported (float32 and int8 are)");
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

KernelCall lower_dequantize(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  if (in.type != DType::Int8)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported (int8 is)");
  if (out.type != DType::Float32)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + " is not supported (float32 is)");
  expect_per_tensor_quant(g, op, in, "input");
  if (in.elements() != out.elements()) fail(g, op, "input and output sizes differ");
  KernelCall k;
  k.op = &op;
  k.function = "dequantize_s8_to_f32";
  k.params_type = "DequantizeS8ToF32Params";
  add_param(k, "size", in.elements());
  add_param(k, "scale", in.quant.scale());
  add_param(k, "zero_point", int64_t{in.quant.zero_point()});
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

KernelCall lower_reshape(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  if (in.type != out.type)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + " differs from the input's " + in.type_name);
  if (in.elements() != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " holds " +
                    std::to_string(out.elements()) + " elements, the input " + in.shape_string() + " " +
                    std::to_string(in.elements()));
  if (in.type == DType::Unsupported)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported");
  KernelCall k;
  k.op = &op;
  k.is_alias = true;
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace microflow
