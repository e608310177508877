// CONV_2D and DEPTHWISE_CONV_2D share geometry, padding and per-channel
// requantization; they differ in how output channels map to filters.
#include "kernels/conv.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

void read_conv_fields(ConvOptions& c, tfl::Padding padding, int stride_w, int stride_h,
                      tfl::ActivationFunctionType act, int dilation_w, int dilation_h, const std::string& where) {
  c.padding = to_padding(padding, where);
  c.stride_h = stride_h;
  c.stride_w = stride_w;
  c.dilation_h = dilation_h;
  c.dilation_w = dilation_w;
  c.activation = to_activation(act, where);
}

std::shared_ptr<const OpOptions> read_conv_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::Conv2DOptions>(op, where);
  auto c = std::make_shared<ConvOptions>();
  read_conv_fields(*c, o->padding(), o->stride_w(), o->stride_h(), o->fused_activation_function(),
                   o->dilation_w_factor(), o->dilation_h_factor(), where);
  return c;
}

std::shared_ptr<const OpOptions> read_depthwise_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::DepthwiseConv2DOptions>(op, where);
  auto d = std::make_shared<DepthwiseOptions>();
  read_conv_fields(*d, o->padding(), o->stride_w(), o->stride_h(), o->fused_activation_function(),
                   o->dilation_w_factor(), o->dilation_h_factor(), where);
  d->depth_multiplier = o->depth_multiplier();
  return d;
}

ConvGeometryFields conv_geometry(const Graph& g, const Operator& op, const ConvOptions& o, const Tensor& in,
                                 const Tensor& filter, const Tensor& out) {
  expect_rank(g, op, in, "input", 4);
  expect_rank(g, op, filter, "filter", 4);
  expect_rank(g, op, out, "output", 4);
  for (int v : {o.stride_h, o.stride_w, o.dilation_h, o.dilation_w})
    if (v > kMaxWindowParameter) fail(g, op, "stride or dilation " + std::to_string(v) + " is out of range");
  if (o.stride_h < 1 || o.stride_w < 1 || o.dilation_h < 1 || o.dilation_w < 1)
    fail(g, op, "strides and dilations must be >= 1 (got stride " + std::to_string(o.stride_h) + "x" +
                    std::to_string(o.stride_w) + ", dilation " + std::to_string(o.dilation_h) + "x" +
                    std::to_string(o.dilation_w) + ")");
  ConvGeometryFields c;
  c.batches = in.shape[0];
  c.input_height = in.shape[1];
  c.input_width = in.shape[2];
  c.input_depth = in.shape[3];
  c.output_height = out.shape[1];
  c.output_width = out.shape[2];
  c.output_depth = out.shape[3];
  c.filter_height = filter.shape[1];
  c.filter_width = filter.shape[2];
  c.stride_height = o.stride_h;
  c.stride_width = o.stride_w;
  c.dilation_height = o.dilation_h;
  c.dilation_width = o.dilation_w;
  const PaddedSize ph = compute_padding(o.padding, c.input_height, c.filter_height, o.stride_h, o.dilation_h);
  const PaddedSize pw = compute_padding(o.padding, c.input_width, c.filter_width, o.stride_w, o.dilation_w);
  c.pad_top = ph.pad_before;
  c.pad_left = pw.pad_before;
  if (out.shape[0] != c.batches || ph.output != c.output_height || pw.output != c.output_width)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " does not match the input " +
                    in.shape_string() + " with this filter, stride and padding (expected [" +
                    std::to_string(c.batches) + "," + std::to_string(ph.output) + "," + std::to_string(pw.output) +
                    "," + std::to_string(c.output_depth) + "])");
  return c;
}

void check_bias(const Graph& g, const Operator& op, const Tensor* bias, int64_t channels) {
  if (!bias) return;
  expect_constant(g, op, *bias, "bias");
  if (bias->elements() != channels)
    fail(g, op, describe(g, bias->id, "bias") + ": expected " + std::to_string(channels) + " elements, got " +
                    std::to_string(bias->elements()));
}

// The float call (geometry, activation; input, filter, bias or nullptr, output), `f` with
// its own fields set.
template <typename F32Params>
KernelCall float_conv_call(const Operator& op, const KernelDef& kernel, F32Params f, const ConvGeometryFields& c,
                           Activation act, int64_t macs, const Tensor& in, const Tensor& filter, const Tensor* bias,
                           const Tensor& out) {
  static_cast<ConvGeometryFields&>(f) = c;
  const FloatRange r = activation_f32(act);
  f.act_min = r.min;
  f.act_max = r.max;
  KernelCall k = make_call(op, kernel, f);
  k.macs = macs;
  add_input_arg(k, in);
  add_array_arg(k, float_array_from("Filter", filter));
  if (bias) add_array_arg(k, float_array_from("Bias", *bias));
  else add_null_arg(k);
  add_output_arg(k, out);
  return k;
}

// The call of a quantized convolution: per-channel (multiplier, shift) arrays, activation
// bounds, MACs; the caller adds the arguments.
template <typename QuantizedParams>
KernelCall requantized_call(const Operator& op, const KernelDef& kernel, QuantizedParams p, Activation act,
                            const Tensor& out, int64_t macs, std::vector<int64_t> mult, std::vector<int64_t> shift) {
  p.channel_multiplier = {"Multiplier"};
  p.channel_shift = {"Shift"};
  const IntRange r = activation_quantized(act, out);
  p.act_min = r.min;
  p.act_max = r.max;
  KernelCall k = make_call(op, kernel, p);
  k.macs = macs;
  k.arrays.push_back(int_array("Multiplier", DType::Int32, std::move(mult)));
  k.arrays.push_back(int_array("Shift", DType::Int32, std::move(shift)));
  return k;
}

// The int8 call, `p` with its own fields set: geometry, per-channel requantization,
// folded biases (filter_sum(c) = sum of the filter taps feeding output channel c) and the
// arguments (input, filter as `filter_array`, folded bias, output).
template <typename S8Params, typename FilterSum>
KernelCall s8_conv_call(const Graph& g, const Operator& op, const KernelDef& kernel, S8Params p,
                        const ConvGeometryFields& geo, Activation act, int64_t macs, const Tensor& in,
                        const Tensor& filter, const Tensor* bias, const Tensor& out, FilterSum filter_sum,
                        ConstArray filter_array) {
  static_cast<ConvGeometryFields&>(p) = geo;
  const int64_t channels = p.output_depth;
  const std::vector<QuantizedMultiplier> requantization = channel_multipliers(g, op, in, filter, out, channels);
  const int32_t in_zero = in.quant.zero_point();
  std::vector<int64_t> folded, mult, shift;
  for (int64_t c = 0; c < channels; ++c) {
    mult.push_back(requantization[static_cast<size_t>(c)].multiplier);
    shift.push_back(requantization[static_cast<size_t>(c)].shift);
    int64_t v = (bias ? bias->data_as<int32_t>()[c] : 0) - int64_t{in_zero} * filter_sum(c);
    if (v < INT32_MIN || v > INT32_MAX) fail(g, op, "folded bias of channel " + std::to_string(c) + " overflows int32");
    folded.push_back(v);
  }
  p.input_zero_point = in_zero;
  p.output_zero_point = out.quant.zero_point();
  KernelCall k = requantized_call(op, kernel, p, act, out, macs, std::move(mult), std::move(shift));
  add_input_arg(k, in);
  add_array_arg(k, std::move(filter_array));
  add_array_arg(k, int_array("Bias", DType::Int32, std::move(folded)));
  add_output_arg(k, out);
  return k;
}

// The 16x8 call (int16 activations, int8 filter), `p` with its own fields set: geometry,
// per-channel requantization (for TFLM's int64 accumulator the 15-bit multipliers it
// reduces to), and the bias as the model has it: zero points are 0, nothing to fold.
template <typename S16Params>
KernelCall s16_conv_call(const Graph& g, const Operator& op, const KernelDef& kernel, S16Params p,
                         const ConvGeometryFields& geo, Activation act, int64_t macs, const Tensor& in,
                         const Tensor& filter, const Tensor* bias, const Tensor& out, bool int64_accumulator) {
  static_cast<ConvGeometryFields&>(p) = geo;
  std::vector<int64_t> mult, shift;
  for (const QuantizedMultiplier& q : channel_multipliers(g, op, in, filter, out, p.output_depth)) {
    mult.push_back(int64_accumulator ? checked_reduce_multiplier_s64(g, op, q) : q.multiplier);
    shift.push_back(q.shift);
  }
  KernelCall k = requantized_call(op, kernel, p, act, out, macs, std::move(mult), std::move(shift));
  add_input_arg(k, in);
  add_array_arg(k, int8_array_from("Filter", filter));
  if (!bias) add_null_arg(k);
  else if (bias->type == DType::Int64)
    add_array_arg(k, int_array("Bias", DType::Int64, std::vector<int64_t>(bias->data_as<int64_t>(),
                                                                          bias->data_as<int64_t>() + bias->elements())));
  else
    add_array_arg(k, int_array("Bias", DType::Int32, std::vector<int64_t>(bias->data_as<int32_t>(),
                                                                          bias->data_as<int32_t>() + bias->elements())));
  add_output_arg(k, out);
  return k;
}

KernelCall lower_conv_2d(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32});
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& filter = op_input(g, op, 1, "filter");
  const Tensor* bias = optional_input(g, op, 2);
  const Tensor& out = op_output(g, op);
  expect_constant(g, op, filter, "filter");
  const auto& o = op.opts<ConvOptions>();
  const ConvGeometryFields c = conv_geometry(g, op, o, in, filter, out);
  const int64_t filter_depth = filter.shape[3];
  if (filter.shape[0] != c.output_depth || filter_depth <= 0 || c.input_depth % filter_depth != 0 ||
      c.output_depth % (c.input_depth / filter_depth) != 0)
    fail(g, op, describe(g, filter.id, "filter") + ": shape " + filter.shape_string() +
                    " does not fit input channels " + std::to_string(c.input_depth) + " and output channels " +
                    std::to_string(c.output_depth));
  check_bias(g, op, bias, c.output_depth);
  const int64_t macs =
      c.batches * c.output_height * c.output_width * c.output_depth * c.filter_height * c.filter_width * filter_depth;

  if (p == Precision::Float32) {
    Conv2DF32Params f;
    f.filter_depth = filter_depth;
    return float_conv_call(op, kConv2DF32, f, c, o.activation, macs, in, filter, bias, out);
  }

  if (p == Precision::Int16) {
    // TFLM runs an int64 bias with an int64 accumulator, an int32 bias or none with int32.
    const bool int64_bias = bias && bias->type == DType::Int64;
    Conv2DS16Params s;
    s.filter_depth = filter_depth;
    return s16_conv_call(g, op, int64_bias ? kConv2DS16 : kConv2DS16Acc32, s, c, o.activation, macs, in, filter,
                         bias, out, int64_bias);
  }

  Conv2DS8Params s;
  s.filter_depth = filter_depth;
  s.output_stride = c.output_depth;
  const int64_t taps = c.filter_height * c.filter_width * filter_depth;
  const int8_t* w = filter.data_as<int8_t>();
  // Without groups and with unit dilation_width every filter row is contiguous in the
  // input, which the packed kernels need; 1x1 filters are a plain matrix product.
  const KernelDef* kernel = &kConv2DS8;
  ConstArray filter_array = int8_array_from("Filter", filter);
  if (filter_depth == c.input_depth && o.dilation_w == 1) {
    const bool pointwise = c.filter_height == 1 && c.filter_width == 1 && c.pad_top == 0 && c.pad_left == 0;
    kernel = pointwise ? &kConv2D1x1S8 : &kConv2DPackedS8;
    filter_array = packed_filter_array("Filter", w, c.output_depth, c.filter_height, c.filter_width * filter_depth);
  }
  return s8_conv_call(
      g, op, *kernel, s, c, o.activation, macs, in, filter, bias, out,
      [&](int64_t ch) {
        int64_t sum = 0;
        for (int64_t i = 0; i < taps; ++i) sum += w[ch * taps + i];
        return sum;
      },
      std::move(filter_array));
}

KernelCall lower_depthwise_conv_2d(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32});
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& filter = op_input(g, op, 1, "filter");
  const Tensor* bias = optional_input(g, op, 2);
  const Tensor& out = op_output(g, op);
  expect_constant(g, op, filter, "filter");
  const auto& o = op.opts<DepthwiseOptions>();
  const ConvGeometryFields c = conv_geometry(g, op, o, in, filter, out);
  if (o.depth_multiplier < 1 || c.output_depth != c.input_depth * o.depth_multiplier || filter.shape[0] != 1 ||
      filter.shape[3] != c.output_depth)
    fail(g, op, describe(g, filter.id, "filter") + ": shape " + filter.shape_string() + " with depth_multiplier " +
                    std::to_string(o.depth_multiplier) + " does not fit input channels " +
                    std::to_string(c.input_depth) + " and output channels " + std::to_string(c.output_depth));
  check_bias(g, op, bias, c.output_depth);
  const int64_t macs = c.batches * c.output_height * c.output_width * c.output_depth * c.filter_height * c.filter_width;

  if (p == Precision::Float32) {
    DepthwiseConv2DF32Params f;
    f.depth_multiplier = o.depth_multiplier;
    return float_conv_call(op, kDepthwiseConv2DF32, f, c, o.activation, macs, in, filter, bias, out);
  }

  if (p == Precision::Int16) {
    expect_int64_bias(g, op, bias);
    DepthwiseConv2DS16Params s;
    s.depth_multiplier = o.depth_multiplier;
    return s16_conv_call(g, op, kDepthwiseConv2DS16, s, c, o.activation, macs, in, filter, bias, out, true);
  }

  DepthwiseConv2DS8Params s;
  s.depth_multiplier = o.depth_multiplier;
  const int64_t taps = c.filter_height * c.filter_width, channels = c.output_depth;
  const int8_t* w = filter.data_as<int8_t>();
  return s8_conv_call(
      g, op, kDepthwiseConv2DS8, s, c, o.activation, macs, in, filter, bias, out,
      [&](int64_t ch) {
        int64_t sum = 0;
        for (int64_t i = 0; i < taps; ++i) sum += w[i * channels + ch];
        return sum;
      },
      int8_array_from("Filter", filter));
}

}  // namespace

extern const OpDef kConv2DOp{.code = 3,
                             .name = "CONV_2D",
                             .read_options = read_conv_options,
                             .lower = lower_conv_2d,
                             .weights_input = 1,
                             .bias_input = 2,
                             .channel_axis = 0,
                             .weights_role = "filter",
                             .kernels = {&kConv2DS8, &kConv2D1x1S8, &kConv2DPackedS8, &kConv2DF32, &kConv2DS16,
                                         &kConv2DS16Acc32}};

extern const OpDef kDepthwiseConv2DOp{.code = 4,
                                      .name = "DEPTHWISE_CONV_2D",
                                      .read_options = read_depthwise_options,
                                      .lower = lower_depthwise_conv_2d,
                                      .weights_input = 1,
                                      .bias_input = 2,
                                      .channel_axis = 3,
                                      .weights_role = "filter",
                                      .kernels = {&kDepthwiseConv2DS8, &kDepthwiseConv2DF32, &kDepthwiseConv2DS16}};

}  // namespace microflow
