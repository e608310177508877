// TRANSPOSE_CONV: int8 per-channel, int16 x int8 (int64 bias) and float32 (runtime
// kernels/transpose_conv.h, which gathers TFLM's scattered sums: no scratch buffer).
// Inputs: 0 output_shape (TFLM ignores it: the output tensor's shape rules), 1 filter
// [O, KH, KW, I], 2 input, 3 optional bias.
#include <cmath>

#include "kernels/kernel.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

struct TransposeConvGeometry {
  int64_t batches = 0, input_height = 0, input_width = 0, input_depth = 0;
  int64_t output_height = 0, output_width = 0, output_depth = 0;
  int64_t filter_height = 0, filter_width = 0, stride_height = 1, stride_width = 1, pad_top = 0, pad_left = 0;
};

struct TransposeConvParams : ParamsBase, TransposeConvGeometry {
  int64_t output_zero_point = 0;
  ArrayRef tap_offsets, channel_multiplier, channel_shift;
  int64_t act_min = 0, act_max = 0;
  MF_PARAMS(TransposeConvParams, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, stride_height, stride_width, pad_top, pad_left,
            output_zero_point, tap_offsets, channel_multiplier, channel_shift, act_min, act_max)
};

struct TransposeConvF32Params : ParamsBase, TransposeConvGeometry {
  float act_min = 0, act_max = 0;
  MF_PARAMS(TransposeConvF32Params, batches, input_height, input_width, input_depth, output_height, output_width,
            output_depth, filter_height, filter_width, stride_height, stride_width, pad_top, pad_left, act_min,
            act_max)
};

const KernelDef kTransposeConvS8{.function = "transpose_conv_s8",
                                 .header = "microflow/kernels/transpose_conv.h",
                                 .sample_params = sample_of<TransposeConvParams>};
const KernelDef kTransposeConvS16{.function = "transpose_conv_s16",
                                  .header = "microflow/kernels/transpose_conv.h",
                                  .sample_params = sample_of<TransposeConvParams>};
const KernelDef kTransposeConvF32{.function = "transpose_conv_f32",
                                  .header = "microflow/kernels/transpose_conv.h",
                                  .sample_params = sample_of<TransposeConvF32Params>};

std::shared_ptr<const OpOptions> read_transpose_conv_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::TransposeConvOptions>(op, where);
  auto c = std::make_shared<ConvOptions>();
  c->padding = to_padding(o->padding(), where);
  c->stride_h = o->stride_h();
  c->stride_w = o->stride_w();
  c->activation = to_activation(o->fused_activation_function(), where);
  return c;
}

TransposeConvGeometry geometry(const Graph& g, const Operator& op, const ConvOptions& o, const Tensor& in,
                               const Tensor& filter, const Tensor& out) {
  expect_rank(g, op, in, "input", 4);
  expect_rank(g, op, filter, "filter", 4);
  expect_rank(g, op, out, "output", 4);
  if (o.stride_h < 1 || o.stride_w < 1 || o.stride_h > kMaxWindowParameter || o.stride_w > kMaxWindowParameter)
    fail(g, op, "stride " + std::to_string(o.stride_h) + "x" + std::to_string(o.stride_w) + " is out of range");
  if (filter.shape[3] != in.shape[3] || filter.shape[0] != out.shape[3] || in.shape[0] != out.shape[0])
    fail(g, op, describe(g, filter.id, "filter") + ": shape " + filter.shape_string() + " does not fit the input " +
                    in.shape_string() + " and output " + out.shape_string() +
                    " (filter [output channels, height, width, input channels], equal batches)");
  TransposeConvGeometry c;
  c.batches = in.shape[0];
  c.input_height = in.shape[1];
  c.input_width = in.shape[2];
  c.input_depth = in.shape[3];
  c.output_height = out.shape[1];
  c.output_width = out.shape[2];
  c.output_depth = out.shape[3];
  c.filter_height = filter.shape[1];
  c.filter_width = filter.shape[2];
  if (c.filter_height > kMaxWindowParameter || c.filter_width > kMaxWindowParameter)
    fail(g, op, describe(g, filter.id, "filter") + ": shape " + filter.shape_string() + " is out of range");
  c.stride_height = o.stride_h;
  c.stride_width = o.stride_w;
  // TFLM pads as a forward convolution over the output image would (dilation 1); the
  // output tensor's shape is taken as it is, input pixels past it are skipped.
  c.pad_top = compute_padding(o.padding, c.output_height, c.filter_height, o.stride_h, 1).pad_before;
  c.pad_left = compute_padding(o.padding, c.output_width, c.filter_width, o.stride_w, 1).pad_before;
  return c;
}

// Checks the operand types TFLM's kernel takes for the input's type.
void check_types(const Graph& g, const Operator& op, const Tensor& in, const Tensor& filter, const Tensor* bias,
                 const Tensor& out) {
  const bool integer = in.type == DType::Int8 || in.type == DType::Int16;
  if (!integer && in.type != DType::Float32)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name +
                    " is not supported (int8, int16 and float32 are)");
  if (out.type != in.type)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected " + dtype_name(in.type));
  const DType filter_type = integer ? DType::Int8 : DType::Float32;
  if (filter.type != filter_type)
    fail(g, op, describe(g, filter.id, "filter") + ": type " + filter.type_name + ", expected " +
                    dtype_name(filter_type) + " for a " + in.type_name + " input");
  if (!bias) return;
  const bool ok = in.type == DType::Int8    ? bias->type == DType::Int32
                  : in.type == DType::Int16 ? bias->type == DType::Int64 || bias->type == DType::Int16
                                            : bias->type == DType::Float32;
  if (!ok)
    fail(g, op, describe(g, bias->id, "bias") + ": type " + bias->type_name + " is not supported for a " +
                    in.type_name + " input (TFLM takes int32 for int8, int64 or int16 for int16, float32 for float)");
}

// One scale; int16 activations also need zero point 0 (the 16x8 kernel adds no offsets).
void check_activation_quant(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (!t.quant.present() || t.quant.per_channel() || !(t.quant.scale() > 0.f) || !std::isfinite(t.quant.scale()))
    fail(g, op, describe(g, t.id, role) + ": needs one positive scale");
  if (t.type == DType::Int8) expect_per_tensor_quant(g, op, t, role);
  else if (t.quant.zero_point() != 0)
    fail(g, op, describe(g, t.id, role) + ": int16 zero point " + std::to_string(t.quant.zero_point()) +
                    " (TFLM's int16 kernels require 0)");
}

KernelCall lower_transpose_conv(const Graph& g, const Operator& op) {
  const Tensor& filter = op_input(g, op, 1, "filter");
  const Tensor& in = op_input(g, op, 2, "input");
  const Tensor* bias = optional_input(g, op, 3);
  const Tensor& out = op_output(g, op);
  check_types(g, op, in, filter, bias, out);
  expect_activation(g, op, in, "input");
  expect_constant(g, op, filter, "filter");
  if (bias) expect_constant(g, op, *bias, "bias");
  const auto& o = op.opts<ConvOptions>();
  const TransposeConvGeometry c = geometry(g, op, o, in, filter, out);
  if (bias && bias->elements() != c.output_depth)
    fail(g, op, describe(g, bias->id, "bias") + ": expected " + std::to_string(c.output_depth) + " elements, got " +
                    std::to_string(bias->elements()));
  const int64_t taps = c.filter_height * c.filter_width;
  const int64_t macs = c.batches * c.input_height * c.input_width * c.input_depth * taps * c.output_depth;

  KernelCall k;
  if (in.type == DType::Float32) {
    TransposeConvF32Params f;
    static_cast<TransposeConvGeometry&>(f) = c;
    const FloatRange r = activation_f32(o.activation);
    f.act_min = r.min;
    f.act_max = r.max;
    k = make_call(op, kTransposeConvF32, f);
    add_input_arg(k, in);
    add_array_arg(k, float_array_from("Filter", filter));
    if (bias) add_array_arg(k, float_array_from("Bias", *bias));
    else add_null_arg(k);
  } else {
    check_activation_quant(g, op, in, "input");
    check_activation_quant(g, op, out, "output");
    const bool wide = in.type == DType::Int16;
    TransposeConvParams s;
    static_cast<TransposeConvGeometry&>(s) = c;
    s.output_zero_point = out.quant.zero_point();
    std::vector<int64_t> mult, shift;
    const std::vector<QuantizedMultiplier> requantization =
        channel_multipliers(g, op, in, filter, out, c.output_depth);
    for (int64_t ch = 0; ch < c.output_depth; ++ch) {
      const QuantizedMultiplier& q = requantization[static_cast<size_t>(ch)];
      if (wide && q.shift >= 8)
        fail(g, op, "requantization shift " + std::to_string(q.shift) + " of channel " + std::to_string(ch) +
                        " is out of range for TFLM's 16x8 TRANSPOSE_CONV (at most 7)");
      mult.push_back(wide ? reduce_multiplier_to_q15(q.multiplier) : q.multiplier);
      shift.push_back(q.shift);
    }
    s.channel_multiplier = {"Multiplier"};
    s.channel_shift = {"Shift"};
    const IntRange r = activation_quantized(o.activation, out);
    s.act_min = r.min;
    s.act_max = r.max;
    // Out-of-image taps are skipped by the gather, so the zero point cannot fold into the
    // bias: it is subtracted per tap, Z_in times the tap's filter sum.
    const int8_t* w = filter.data_as<int8_t>();
    const int32_t in_zero = in.quant.zero_point();
    std::vector<int64_t> offsets;
    if (in_zero != 0) {
      offsets.resize(static_cast<size_t>(c.output_depth * taps));
      for (size_t t = 0; t < offsets.size(); ++t) {
        int64_t sum = 0;
        for (int64_t ic = 0; ic < c.input_depth; ++ic) sum += w[static_cast<int64_t>(t) * c.input_depth + ic];
        offsets[t] = in_zero * sum;
      }
      s.tap_offsets = {"TapOffsets"};
    }
    k = make_call(op, wide ? kTransposeConvS16 : kTransposeConvS8, s);
    if (!offsets.empty()) k.arrays.push_back(int_array("TapOffsets", DType::Int32, std::move(offsets)));
    k.arrays.push_back(int_array("Multiplier", DType::Int32, std::move(mult)));
    k.arrays.push_back(int_array("Shift", DType::Int32, std::move(shift)));
    add_input_arg(k, in);
    add_array_arg(k, int8_array_from("Filter", filter));
    if (!bias) {
      add_null_arg(k);
    } else if (wide) {
      // TFLM widens an int16 bias to int64 at run time; here once, at build time.
      std::vector<int64_t> b(static_cast<size_t>(c.output_depth));
      for (size_t i = 0; i < b.size(); ++i)
        b[i] = bias->type == DType::Int16 ? bias->data_as<int16_t>()[i] : bias->data_as<int64_t>()[i];
      add_array_arg(k, int_array("Bias", DType::Int64, std::move(b)));
    } else {
      const int32_t* b = bias->data_as<int32_t>();
      add_array_arg(k, int_array("Bias", DType::Int32, std::vector<int64_t>(b, b + c.output_depth)));
    }
  }
  add_output_arg(k, out);
  k.macs = macs;
  return k;
}

}  // namespace

extern const OpDef kTransposeConvOp{.code = 67,
                                    .name = "TRANSPOSE_CONV",
                                    .read_options = read_transpose_conv_options,
                                    .lower = lower_transpose_conv,
                                    .weights_input = 1,
                                    .bias_input = 3,
                                    .channel_axis = 0,
                                    .weights_role = "filter",
                                    .kernels = {&kTransposeConvS8, &kTransposeConvS16, &kTransposeConvF32}};

}  // namespace microflow
