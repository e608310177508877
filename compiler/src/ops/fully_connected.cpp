#include "kernels/fully_connected.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// The options are optional: converters omit them for a plain layer.
std::shared_ptr<const OpOptions> read_fully_connected_options(const tfl::Operator& op, const std::string& where) {
  auto f = std::make_shared<FullyConnectedOptions>();
  if (const auto* o = op.builtin_options_as<tfl::FullyConnectedOptions>()) {
    if (o->weights_format() != tfl::FullyConnectedOptionsWeightsFormat::DEFAULT)
      throw CompileError(where + ": shuffled weights format is not supported");
    f->activation = to_activation(o->fused_activation_function(), where);
    f->keep_num_dims = o->keep_num_dims();
  }
  return f;
}

KernelCall lower_fully_connected(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32});
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
  const int64_t macs = batches * depth * units;

  if (p == Precision::Float32) {
    FullyConnectedF32Params f;
    f.batches = batches;
    f.input_depth = depth;
    f.output_depth = units;
    const FloatRange r = activation_f32(opts.activation);
    f.act_min = r.min;
    f.act_max = r.max;
    KernelCall k = make_call(op, kFullyConnectedF32, f);
    k.macs = macs;
    add_input_arg(k, in);
    add_array_arg(k, float_array_from("Weights", w));
    if (bias) add_array_arg(k, float_array_from("Bias", *bias));
    else add_null_arg(k);
    add_output_arg(k, out);
    return k;
  }

  if (!w.quant.present()) fail(g, op, describe(g, w.id, "weights") + ": int8 weights have no quantization parameters");
  const bool per_channel = w.quant.per_channel();
  if (p == Precision::Int16) {
    expect_int64_bias(g, op, bias);
    if (per_channel)
      fail(g, op, describe(g, w.id, "weights") + ": per-channel weights with an int16 input (TFLM quantizes int16 "
                                                 "FULLY_CONNECTED per tensor only)");
  }
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

  if (p == Precision::Int16) {
    // TFLM multiplies the two scales in float32 before widening (doc §2.1); its int64
    // rescaling takes the 15-bit multiplier. Zero points of input and output are 0.
    const float product = in.quant.scale() * w.quant.scale();
    const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(product) / out_scale);
    FullyConnectedS16Params s;
    s.batches = batches;
    s.input_depth = depth;
    s.output_depth = units;
    s.weights_zero_point = w.quant.zero_point();
    s.multiplier = checked_reduce_multiplier_s64(g, op, q);
    s.shift = q.shift;
    const IntRange r = activation_quantized(opts.activation, out);
    s.act_min = r.min;
    s.act_max = r.max;
    KernelCall k = make_call(op, kFullyConnectedS16, s);
    k.macs = macs;
    add_input_arg(k, in);
    add_array_arg(k, int8_array_from("Weights", w));
    if (bias)
      add_array_arg(k, int_array("Bias", DType::Int64, std::vector<int64_t>(bias->data_as<int64_t>(),
                                                                            bias->data_as<int64_t>() + units)));
    else
      add_null_arg(k);
    add_output_arg(k, out);
    return k;
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

  FullyConnectedS8Params s;
  s.batches = batches;
  s.input_depth = depth;
  s.output_depth = units;
  s.weights_zero_point = w_zero;
  s.output_zero_point = out.quant.zero_point();
  KernelCall k = make_call(op, kFullyConnectedS8, Params{});
  k.macs = macs;
  if (per_channel) {
    std::vector<int64_t> mult, shift;
    for (const QuantizedMultiplier& q : channel_multipliers(g, op, in, w, out, units, "weights")) {
      mult.push_back(q.multiplier);
      shift.push_back(q.shift);
    }
    k.arrays.push_back(int_array("Multiplier", DType::Int32, std::move(mult)));
    k.arrays.push_back(int_array("Shift", DType::Int32, std::move(shift)));
    s.channel_multiplier = {"Multiplier"};
    s.channel_shift = {"Shift"};
  } else {
    // TFLM multiplies the two scales in float32 before widening (doc §2.1).
    const float product = in.quant.scale() * w.quant.scale();
    QuantizedMultiplier q = quantize_multiplier(static_cast<double>(product) / out_scale);
    s.multiplier = q.multiplier;
    s.shift = q.shift;
  }
  const IntRange r = activation_quantized(opts.activation, out);
  s.act_min = r.min;
  s.act_max = r.max;
  s.output_stride = units;
  k.params = s;
  add_input_arg(k, in);
  add_array_arg(k, int8_array_from("Weights", w));
  add_array_arg(k, int_array("Bias", DType::Int32, std::move(folded)));
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kFullyConnectedOp{.code = 9,
                                     .name = "FULLY_CONNECTED",
                                     .read_options = read_fully_connected_options,
                                     .lower = lower_fully_connected,
                                     .weights_input = 1,
                                     .bias_input = 2,
                                     .channel_axis = 0,
                                     .kernels = {&kFullyConnectedS8, &kFullyConnectedF32, &kFullyConnectedS16}};

}  // namespace microflow
