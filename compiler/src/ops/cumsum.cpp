// CUMSUM along a constant axis, exclusive and / or reverse (runtime kernels/cumsum.h).
#include "ops/options.h"
#include "ops/quantization.h"
#include "ops/reduce_common.h"

namespace microflow {

struct CumsumGeometryFields {
  int64_t outer = 0, depth = 0, inner = 0, exclusive = 0, reverse = 0;
};

struct CumsumF32Params : ParamsBase, CumsumGeometryFields {
  MF_PARAMS(CumsumF32Params, outer, depth, inner, exclusive, reverse)
};

struct CumsumS8Params : ParamsBase, CumsumGeometryFields {
  int64_t input_zero_point = 0, sum_shift = 0, output_multiplier = 0, output_shift = 0, output_zero_point = 0;
  MF_PARAMS(CumsumS8Params, outer, depth, inner, exclusive, reverse, input_zero_point, sum_shift, output_multiplier,
            output_shift, output_zero_point)
};

namespace {

constexpr KernelDef kCumsumF32{.function = "cumsum_f32",
                               .header = "microflow/kernels/cumsum.h",
                               .sample_params = sample_of<CumsumF32Params>};
constexpr KernelDef kCumsumS8{.function = "cumsum_s8",
                              .header = "microflow/kernels/cumsum.h",
                              .sample_params = sample_of<CumsumS8Params>};

struct CumsumOptions : OpOptions {
  bool exclusive = false, reverse = false;
};

std::shared_ptr<const OpOptions> read_cumsum_options(const tfl::Operator& op, const std::string&) {
  auto c = std::make_shared<CumsumOptions>();
  if (const auto* o = op.builtin_options_as<tfl::CumsumOptions>()) {
    c->exclusive = o->exclusive();
    c->reverse = o->reverse();
  }
  return c;
}

KernelCall lower_cumsum(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& axis = op_input(g, op, 1, "axis");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  const char* why = "TFLM's CUMSUM takes float32 and int8";
  expect_type(g, op, in, "input", {DType::Float32, DType::Int8}, why);
  if (out.type != in.type || out.shape != in.shape)
    fail(g, op, describe(g, out.id, "output") + ": " + out.type_name + " " + out.shape_string() +
                    " differs from the input's " + in.type_name + " " + in.shape_string());
  expect_type(g, op, out, "output", {DType::Float32, DType::Int8}, why);
  if (in.shape.empty()) fail(g, op, describe(g, in.id, "input") + ": a scalar has no axis to sum along");
  const size_t a = static_cast<size_t>(resolve_axes(g, op, axis, in.shape.size(), 1)[0]);

  const auto& o = op.opts<CumsumOptions>();
  CumsumGeometryFields geo;
  geo.outer = geo.inner = 1;
  geo.depth = in.shape[a];
  for (size_t i = 0; i < in.shape.size(); ++i)
    if (i != a) (i < a ? geo.outer : geo.inner) *= in.shape[i];
  geo.exclusive = o.exclusive;
  geo.reverse = o.reverse;
  KernelCall k;
  if (in.type == DType::Float32) {
    CumsumF32Params f;
    static_cast<CumsumGeometryFields&>(f) = geo;
    k = make_call(op, kCumsumF32, f);
  } else {
    // TFLM's 8-bit arithmetic path: terms shifted left by 20 and scaled by S_in / (2 S_in),
    // an exact halving, so by 2^19 in all; the sum requantized by 2 S_in / (2^20 S_out),
    // which TFLM requires below 1.
    constexpr int kLeftShift = 20;
    const double twice_input_scale = 2 * static_cast<double>(in.quant.scale());
    const double real_out = twice_input_scale / ((1 << kLeftShift) * static_cast<double>(out.quant.scale()));
    if (!(real_out < 1.0))
      fail(g, op, describe(g, out.id, "output") + ": scale is too small for TFLM's int8 CUMSUM (rescale multiplier >= 1)");
    const QuantizedMultiplier q = quantize_multiplier(real_out);
    CumsumS8Params s;
    static_cast<CumsumGeometryFields&>(s) = geo;
    s.input_zero_point = in.quant.zero_point();
    s.sum_shift = kLeftShift - 1;
    s.output_multiplier = q.multiplier;
    s.output_shift = q.shift;
    s.output_zero_point = out.quant.zero_point();
    k = make_call(op, kCumsumS8, s);
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kCumsumOp{.code = 128,
                             .name = "CUMSUM",
                             .read_options = read_cumsum_options,
                             .lower = lower_cumsum,
                             .kernels = {&kCumsumF32, &kCumsumS8}};

}  // namespace microflow
