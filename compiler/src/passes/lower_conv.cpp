// CONV_2D and DEPTHWISE_CONV_2D share geometry, padding and per-channel
// requantization; they differ in how output channels map to filters.
#include "passes/lower.h"
#include "passes/lower_util.h"
#include "passes/quantization.h"

namespace microflow {
namespace {

struct ConvGeometry {
  int64_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
  PaddedSize pad_h, pad_w;
};

ConvGeometry conv_geometry(const Graph& g, const Operator& op, const ConvOptions& o, const Tensor& in,
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
  ConvGeometry c{in.shape[0], in.shape[1], in.shape[2], in.shape[3], out.shape[1], out.shape[2], out.shape[3],
                 filter.shape[1], filter.shape[2], {}, {}};
  c.pad_h = compute_padding(o.padding, c.in_h, c.k_h, o.stride_h, o.dilation_h);
  c.pad_w = compute_padding(o.padding, c.in_w, c.k_w, o.stride_w, o.dilation_w);
  if (out.shape[0] != c.batches || c.pad_h.output != c.out_h || c.pad_w.output != c.out_w)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " does not match the input " +
                    in.shape_string() + " with this filter, stride and padding (expected [" +
                    std::to_string(c.batches) + "," + std::to_string(c.pad_h.output) + "," +
                    std::to_string(c.pad_w.output) + "," + std::to_string(c.out_c) + "])");
  return c;
}

void add_geometry_params(KernelCall& k, const ConvGeometry& c, const ConvOptions& o, int64_t filter_param) {
  add_param(k, "batches", c.batches);
  add_param(k, "input_height", c.in_h);
  add_param(k, "input_width", c.in_w);
  add_param(k, "input_depth", c.in_c);
  add_param(k, "output_height", c.out_h);
  add_param(k, "output_width", c.out_w);
  add_param(k, "output_depth", c.out_c);
  add_param(k, "filter_height", c.k_h);
  add_param(k, "filter_width", c.k_w);
  add_param(k, k.function.rfind("depthwise", 0) == 0 ? "depth_multiplier" : "filter_depth", filter_param);
  add_param(k, "stride_height", int64_t{o.stride_h});
  add_param(k, "stride_width", int64_t{o.stride_w});
  add_param(k, "dilation_height", int64_t{o.dilation_h});
  add_param(k, "dilation_width", int64_t{o.dilation_w});
  add_param(k, "pad_top", c.pad_h.pad_before);
  add_param(k, "pad_left", c.pad_w.pad_before);
}

// filter_sum(c) = sum of the filter taps feeding output channel c;
// packed_filter: the int8 filter as the kernel reads it (default: the tensor as is).
template <typename FilterSum>
KernelCall finish_conv(const Graph& g, const Operator& op, KernelCall k, Precision p, const ConvOptions& o,
                       const Tensor& in, const Tensor& filter, const Tensor* bias, const Tensor& out,
                       int64_t channels, FilterSum filter_sum, const ConstArray* packed_filter = nullptr) {
  if (bias) {
    expect_constant(g, op, *bias, "bias");
    if (bias->elements() != channels)
      fail(g, op, describe(g, bias->id, "bias") + ": expected " + std::to_string(channels) + " elements, got " +
                      std::to_string(bias->elements()));
  }
  if (p == Precision::Float32) {
    add_activation_params(k, o.activation, out, p);
    add_input_arg(k, in);
    add_array_arg(k, float_array_from("Filter", filter));
    if (bias) add_array_arg(k, float_array_from("Bias", *bias));
    else add_null_arg(k);
    add_output_arg(k, out);
    return k;
  }
  if (!filter.quant.present()) fail(g, op, describe(g, filter.id, "filter") + ": int8 filter has no quantization parameters");
  if (filter.quant.per_channel() && static_cast<int64_t>(filter.quant.scales.size()) != channels)
    fail(g, op, describe(g, filter.id, "filter") + ": " + std::to_string(filter.quant.scales.size()) +
                    " per-channel scales for " + std::to_string(channels) + " output channels");
  const int32_t in_zero = in.quant.zero_point();
  std::vector<int64_t> folded, mult, shift;
  for (int64_t c = 0; c < channels; ++c) {
    // Conv requantization is computed all in double (doc §2.1).
    QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) *
                                                static_cast<double>(channel_scale(filter, c)) /
                                                static_cast<double>(out.quant.scale()));
    mult.push_back(q.multiplier);
    shift.push_back(q.shift);
    int64_t v = (bias ? bias->data_as<int32_t>()[c] : 0) - int64_t{in_zero} * filter_sum(c);
    if (v < INT32_MIN || v > INT32_MAX) fail(g, op, "folded bias of channel " + std::to_string(c) + " overflows int32");
    folded.push_back(v);
  }
  add_param(k, "input_zero_point", int64_t{in_zero});
  add_param(k, "output_zero_point", int64_t{out.quant.zero_point()});
  k.arrays.push_back(int_array("Multiplier", DType::Int32, std::move(mult)));
  k.arrays.push_back(int_array("Shift", DType::Int32, std::move(shift)));
  add_param_ref(k, "channel_multiplier", "Multiplier");
  add_param_ref(k, "channel_shift", "Shift");
  add_activation_params(k, o.activation, out, p);
  if (k.params_type == "Conv2DS8Params") add_param(k, "output_stride", channels);
  add_input_arg(k, in);
  add_array_arg(k, packed_filter ? *packed_filter : int8_array_from("Filter", filter));
  add_array_arg(k, int_array("Bias", DType::Int32, std::move(folded)));
  add_output_arg(k, out);
  return k;
}

}  // namespace

KernelCall lower_conv_2d(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& filter = op_input(g, op, 1, "filter");
  const Tensor* bias = optional_input(g, op, 2);
  const Tensor& out = op_output(g, op);
  expect_constant(g, op, filter, "filter");
  const auto& o = op.opts<ConvOptions>();
  ConvGeometry c = conv_geometry(g, op, o, in, filter, out);
  const int64_t filter_depth = filter.shape[3];
  if (filter.shape[0] != c.out_c || filter_depth <= 0 || c.in_c % filter_depth != 0 ||
      c.out_c % (c.in_c / filter_depth) != 0)
    fail(g, op, describe(g, filter.id, "filter") + ": shape " + filter.shape_string() +
                    " does not fit input channels " + std::to_string(c.in_c) + " and output channels " +
                    std::to_string(c.out_c));

  KernelCall k;
  k.op = &op;
  k.function = p == Precision::Int8 ? "conv_2d_s8" : "conv_2d_f32";
  k.params_type = p == Precision::Int8 ? "Conv2DS8Params" : "Conv2DF32Params";
  k.macs = c.batches * c.out_h * c.out_w * c.out_c * c.k_h * c.k_w * filter_depth;
  add_geometry_params(k, c, o, filter_depth);
  const int64_t taps = c.k_h * c.k_w * filter_depth;
  const int8_t* w = p == Precision::Int8 ? filter.data_as<int8_t>() : nullptr;
  // Without groups and with unit dilation_width every filter row is contiguous in the
  // input, which the packed kernels need; 1x1 filters are a plain matrix product.
  ConstArray packed;
  const bool use_packed = p == Precision::Int8 && filter_depth == c.in_c && o.dilation_w == 1;
  if (use_packed) {
    const bool pointwise = c.k_h == 1 && c.k_w == 1 && c.pad_h.pad_before == 0 && c.pad_w.pad_before == 0;
    k.function = pointwise ? "conv_2d_1x1_s8" : "conv_2d_packed_s8";
    packed = packed_filter_array("Filter", w, c.out_c, c.k_h, c.k_w * filter_depth);
  }
  return finish_conv(
      g, op, std::move(k), p, o, in, filter, bias, out, c.out_c,
      [&](int64_t ch) {
        int64_t s = 0;
        for (int64_t i = 0; i < taps; ++i) s += w[ch * taps + i];
        return s;
      },
      use_packed ? &packed : nullptr);
}

KernelCall lower_depthwise_conv_2d(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& filter = op_input(g, op, 1, "filter");
  const Tensor* bias = optional_input(g, op, 2);
  const Tensor& out = op_output(g, op);
  expect_constant(g, op, filter, "filter");
  const auto& o = op.opts<DepthwiseOptions>();
  ConvGeometry c = conv_geometry(g, op, o, in, filter, out);
  if (o.depth_multiplier < 1 || c.out_c != c.in_c * o.depth_multiplier || filter.shape[0] != 1 ||
      filter.shape[3] != c.out_c)
    fail(g, op, describe(g, filter.id, "filter") + ": shape " + filter.shape_string() + " with depth_multiplier " +
                    std::to_string(o.depth_multiplier) + " does not fit input channels " + std::to_string(c.in_c) +
                    " and output channels " + std::to_string(c.out_c));

  KernelCall k;
  k.op = &op;
  k.function = p == Precision::Int8 ? "depthwise_conv_2d_s8" : "depthwise_conv_2d_f32";
  k.params_type = p == Precision::Int8 ? "DepthwiseConv2DS8Params" : "DepthwiseConv2DF32Params";
  k.macs = c.batches * c.out_h * c.out_w * c.out_c * c.k_h * c.k_w;
  add_geometry_params(k, c, o, o.depth_multiplier);
  const int64_t taps = c.k_h * c.k_w, channels = c.out_c;
  const int8_t* w = p == Precision::Int8 ? filter.data_as<int8_t>() : nullptr;
  return finish_conv(g, op, std::move(k), p, o, in, filter, bias, out, channels, [&](int64_t ch) {
    int64_t s = 0;
    for (int64_t i = 0; i < taps; ++i) s += w[i * channels + ch];
    return s;
  });
}

}  // namespace microflow
