// PRELU (TFLM prelu.cc / prelu_common.cc): x >= 0 ? x : alpha * x with alpha broadcast
// against the input; int8 (int8 alpha), int16 (int8 alpha, TFLM's only int16 form), float32.
// A constant alpha stays in flash (int16's widened to int16 so one broadcast loop serves).
#include "ops/broadcast.h"
#include "ops/index_util.h"
#include "ops/quantization.h"
#include "ops/unary_common.h"

namespace microflow {
namespace {

constexpr int kMaxRank = 4;  // TFLM's BroadcastPrelu4DSlow

KernelCall lower_prelu(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& alpha = op_input(g, op, 1, "alpha");
  const Tensor& out = op_output(g, op);
  if (in.type != DType::Int8 && in.type != DType::Int16 && in.type != DType::Float32)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported (int8, int16 and float32 are)");
  if (out.type != in.type)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected " + dtype_name(in.type));
  const DType alpha_type = in.type == DType::Int16 ? DType::Int8 : in.type;
  if (alpha.type != alpha_type)
    fail(g, op, describe(g, alpha.id, "alpha") + ": type " + alpha.type_name + ", expected " + dtype_name(alpha_type) +
                    " for a " + dtype_name(in.type) + " PRELU");
  KernelCall k;
  if (in.type == DType::Float32) {
    BinaryParams p;
    broadcast_binary(g, op, in, alpha, out, kMaxRank, p);
    k = make_call(op, kPreluF32, p);
  } else {
    for (auto [t, role] : {std::pair{&in, "input"}, {&alpha, "alpha"}, {&out, "output"}})
      expect_quantized_activation(g, op, *t, role);
    if (in.type == DType::Int16 && !alpha.is_constant)
      fail(g, op, describe(g, alpha.id, "alpha") + ": an int16 PRELU's alpha must be a constant");
    const double s_in = in.quant.scale(), s_alpha = alpha.quant.scale(), s_out = out.quant.scale();
    const QuantizedMultiplier identity = quantize_multiplier(s_in / s_out);
    const QuantizedMultiplier negative = quantize_multiplier(s_in * s_alpha / s_out);
    PreluParams p;
    broadcast_binary(g, op, in, alpha, out, kMaxRank, p);
    p.input_offset = -int64_t{in.quant.zero_point()};
    p.alpha_offset = -int64_t{alpha.quant.zero_point()};
    p.output_offset = out.quant.zero_point();
    p.identity_multiplier = identity.multiplier;
    p.identity_shift = identity.shift;
    p.alpha_multiplier = negative.multiplier;
    p.alpha_shift = negative.shift;
    k = make_call(op, in.type == DType::Int16 ? kPreluS16 : kPreluS8, p);
  }
  add_input_arg(k, in);
  int64_t alpha_in_flash = 1;
  if (in.type == DType::Int16) {
    ConstArray a = int8_array_from("Alpha", alpha);
    a.type = in.type;  // the int8 alpha values as int16: one element type for the broadcast loop
    add_array_arg(k, a);
  } else {
    alpha_in_flash = add_operand_arg(k, alpha, "Alpha");
  }
  k.params.as<BinaryParams>().input2_in_flash = alpha_in_flash;
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kPreluOp{.code = 54,
                            .name = "PRELU",
                            .lower = lower_prelu,
                            .kernels = {&kPreluS8, &kPreluS16, &kPreluF32}};

}  // namespace microflow
