#include "passes/lower.h"
#include "passes/lower_util.h"
#include "passes/quantization.h"

namespace microflow {

KernelCall lower_fully_connected(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& w = op_input(g, op, 1, "weights");
  const Tensor* bias = optional_input(g, op, 2);
  const Tensor& out = op_output(g, op);
  expect_constant(g, op, w, "weights");
  expect_rank(g, op, w, "weights", 2);
  if (bias) expect_constant(g, op, *bias, "bias");

  const int64_t depth = w.shape[1], units = w.shape[0];
  if (out.shape.empty() || out.shape.back() != units)
    fail(g, op, describe(g, out.id, "output") + ": last dimension of " + out.shape_string() + " must equal the " +
                    std::to_string(units) + " weight rows");
  const int64_t batches = out.elements() / units;
  if (in.elements() != batches * depth)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.elements()) + " elements cannot be read as [" +
                    std::to_string(batches) + "," + std::to_string(depth) + "]");
  if (bias && bias->elements() != units)
    fail(g, op, describe(g, bias->id, "bias") + ": expected " + std::to_string(units) + " elements, got " +
                    std::to_string(bias->elements()));

  const auto& opts = op.opts<FullyConnectedOptions>();
  KernelCall k;
  k.op = &op;
  k.macs = batches * depth * units;
  add_param(k, "batches", batches);
  add_param(k, "input_depth", depth);
  add_param(k, "output_depth", units);

  if (p == Precision::Float32) {
    k.function = "fully_connected_f32";
    k.params_type = "FullyConnectedF32Params";
    add_activation_params(k, opts.activation, out, p);
    add_input_arg(k, in);
    add_array_arg(k, float_array_from("Weights", w));
    if (bias) add_array_arg(k, float_array_from("Bias", *bias));
    else add_null_arg(k);
    add_output_arg(k, out);
    return k;
  }

  if (!w.quant.present()) fail(g, op, describe(g, w.id, "weights") + ": int8 weights have no quantization parameters");
  const bool per_channel = w.quant.per_channel();
  if (per_channel && static_cast<int64_t>(w.quant.scales.size()) != units)
    fail(g, op, describe(g, w.id, "weights") + ": " + std::to_string(w.quant.scales.size()) +
                    " per-channel scales for " + std::to_string(units) + " output channels");
  const double in_scale = in.quant.scale(), out_scale = out.quant.scale();
  // Per-channel FC ignores the weight zero point; per-tensor FC applies it.
  const int32_t w_zero = per_channel ? 0 : w.quant.zero_point();
  const int32_t in_zero = in.quant.zero_point();

  if (bias && !per_channel) {
    // TFLM Prepare rejects a bias whose scale is not ~ S_in * S_w.
    const double bias_scale = bias->quant.present() ? bias->quant.scale() : 0.0;
    if (std::abs(in_scale * w.quant.scale() - bias_scale) / out_scale > 0.02)
      fail(g, op, describe(g, bias->id, "bias") + ": scale " + std::to_string(bias_scale) +
                      " does not match input scale x weight scale");
  }

  std::vector<int64_t> folded(static_cast<size_t>(units));
  const int8_t* wd = w.data_as<int8_t>();
  for (int64_t o = 0; o < units; ++o) {
    int64_t sum_w = 0;
    for (int64_t d = 0; d < depth; ++d) sum_w += wd[o * depth + d];
    int64_t b = bias ? bias->data_as<int32_t>()[o] : 0;
    int64_t v = b - int64_t{in_zero} * sum_w + depth * int64_t{in_zero} * w_zero;
    if (v < INT32_MIN || v > INT32_MAX) fail(g, op, "folded bias of channel " + std::to_string(o) + " overflows int32");
    folded[static_cast<size_t>(o)] = v;
  }

  k.function = "fully_connected_s8";
  k.params_type = "FullyConnectedS8Params";
  add_param(k, "weights_zero_point", int64_t{w_zero});
  add_param(k, "output_zero_point", int64_t{out.quant.zero_point()});
  if (per_channel) {
    std::vector<int64_t> mult, shift;
    for (int64_t c = 0; c < units; ++c) {
      QuantizedMultiplier q = quantize_multiplier(in_scale * static_cast<double>(channel_scale(w, c)) / out_scale);
      mult.push_back(q.multiplier);
      shift.push_back(q.shift);
    }
    add_param(k, "multiplier", int64_t{0});
    add_param(k, "shift", int64_t{0});
    k.arrays.push_back(int_array("Multiplier", DType::Int32, std::move(mult)));
    k.arrays.push_back(int_array("Shift", DType::Int32, std::move(shift)));
    add_param_ref(k, "channel_multiplier", "Multiplier");
    add_param_ref(k, "channel_shift", "Shift");
  } else {
    // TFLM multiplies the two scales in float32 before widening (doc §2.1).
    const float product = in.quant.scale() * w.quant.scale();
    QuantizedMultiplier q = quantize_multiplier(static_cast<double>(product) / out_scale);
    add_param(k, "multiplier", int64_t{q.multiplier});
    add_param(k, "shift", int64_t{q.shift});
    k.params.push_back({"channel_multiplier", "nullptr"});
    k.params.push_back({"channel_shift", "nullptr"});
  }
  add_activation_params(k, opts.activation, out, p);
  add_param(k, "output_stride", units);
  add_input_arg(k, in);
  add_array_arg(k, int8_array_from("Weights", w));
  add_array_arg(k, int_array("Bias", DType::Int32, std::move(folded)));
  add_output_arg(k, out);
  return k;
}

}  // namespace microflow
