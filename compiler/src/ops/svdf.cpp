// SVDF (runtime kernels/svdf.h): TFLM's PrepareSvdf rules and its build-time arithmetic.
// The state (input 4) is a variable tensor: the call reads and rewrites it in the state region.
#include <cmath>

#include "ops/index_util.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

struct SvdfS8Params : ParamsBase {
  int64_t batches = 0, input_size = 0, filters = 0, rank = 0, memory = 0;
  int64_t feature_multiplier = 0, feature_shift = 0, state_zero_point = 0;
  int64_t output_multiplier = 0, output_shift = 0, output_zero_point = 0;
  ArrayRef feature_offset;
  MF_PARAMS(SvdfS8Params, batches, input_size, filters, rank, memory, feature_multiplier, feature_shift,
            state_zero_point, output_multiplier, output_shift, output_zero_point, feature_offset)
};

struct SvdfF32Params : ParamsBase {
  int64_t batches = 0, input_size = 0, filters = 0, rank = 0, memory = 0;
  float act_min = 0, act_max = 0;
  MF_PARAMS(SvdfF32Params, batches, input_size, filters, rank, memory, act_min, act_max)
};

const KernelDef kSvdfS8{.function = "svdf_s8", .header = "microflow/kernels/svdf.h", .sample_params = sample_of<SvdfS8Params>};
const KernelDef kSvdfF32{.function = "svdf_f32", .header = "microflow/kernels/svdf.h", .sample_params = sample_of<SvdfF32Params>};

struct SvdfOptions : OpOptions {
  int rank = 0;
  tfl::ActivationFunctionType activation = tfl::ActivationFunctionType::NONE;  // read by the float form only
};

std::shared_ptr<const OpOptions> read_svdf_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::SVDFOptions>(op, where);
  auto s = std::make_shared<SvdfOptions>();
  s->rank = o->rank();
  s->activation = o->fused_activation_function();
  return s;
}

void expect_dims(const Graph& g, const Operator& op, const Tensor& t, const char* role, std::vector<int32_t> dims) {
  expect_rank(g, op, t, role, dims.size());
  if (t.shape != dims) {
    Tensor want;
    want.shape = dims;
    fail(g, op, describe(g, t.id, role) + ": shape " + t.shape_string() + ", expected " + want.shape_string());
  }
}

void expect_quantized(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (!t.quant.present() || !(t.quant.scale() > 0.f) || !std::isfinite(t.quant.scale()))
    fail(g, op, describe(g, t.id, role) + ": needs a positive quantization scale");
}

// The sum of each row of a constant [rows][columns] tensor of type T.
template <typename T>
std::vector<int64_t> row_sums(const Tensor& t, int64_t rows, int64_t columns) {
  std::vector<int64_t> sums(static_cast<size_t>(rows), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) sums[static_cast<size_t>(r)] += t.data_as<T>()[r * columns + c];
  return sums;
}

KernelCall lower_svdf(const Graph& g, const Operator& op) {
  if (op.inputs.size() != 5) fail(g, op, "expected 5 inputs (TFLM's SVDF), got " + std::to_string(op.inputs.size()));
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& wf = op_input(g, op, 1, "weights_feature");
  const Tensor& wt = op_input(g, op, 2, "weights_time");
  const Tensor* bias = optional_input(g, op, 3);
  const Tensor& state = op_input(g, op, 4, "activation state");
  const Tensor& out = op_output(g, op);
  const int rank = op.opts<SvdfOptions>().rank;

  expect_rank(g, op, in, "input", 2);
  expect_rank(g, op, wf, "weights_feature", 2);
  expect_rank(g, op, wt, "weights_time", 2);
  expect_constant(g, op, wf, "weights_feature");
  expect_constant(g, op, wt, "weights_time");
  if (bias) expect_constant(g, op, *bias, "bias");
  const int32_t batches = in.shape[0], input_size = in.shape[1], filters = wf.shape[0], memory = wt.shape[1];
  if (rank <= 0 || filters % rank != 0)
    fail(g, op, "rank " + std::to_string(rank) + " does not divide the " + std::to_string(filters) + " filters");
  const int32_t units = filters / rank;
  expect_dims(g, op, wf, "weights_feature", {filters, input_size});
  expect_dims(g, op, wt, "weights_time", {filters, memory});
  if (bias) expect_dims(g, op, *bias, "bias", {units});
  if (!state.is_variable) fail(g, op, describe(g, state.id, "activation state") + ": must be a variable tensor");
  if (static_cast<int64_t>(memory) * filters > INT32_MAX)
    fail(g, op, describe(g, state.id, "activation state") + ": memory x filters exceeds int32");
  expect_dims(g, op, state, "activation state", {batches, memory * filters});
  expect_dims(g, op, out, "output", {batches, units});
  const int64_t macs = static_cast<int64_t>(batches) * filters * (input_size + memory);

  if (wf.type == DType::Float32) {
    for (const Tensor* t : {&in, &wt, bias, &state, &out})
      if (t && t->type != DType::Float32)
        fail(g, op, describe(g, t->id, "") + ": type " + t->type_name + ", expected float32 (float weights_feature)");
    Activation act = Activation::None;
    try {
      act = to_activation(op.opts<SvdfOptions>().activation, "");
    } catch (const CompileError&) {
      fail(g, op, std::string("fused activation ") + tfl::EnumNameActivationFunctionType(op.opts<SvdfOptions>().activation) +
                      " is not supported");
    }
    SvdfF32Params p;
    p.batches = batches, p.input_size = input_size, p.filters = filters, p.rank = rank, p.memory = memory;
    const FloatRange r = activation_f32(act);
    p.act_min = r.min, p.act_max = r.max;
    KernelCall k = make_call(op, kSvdfF32, p);
    k.macs = macs;
    add_input_arg(k, in);
    add_array_arg(k, float_array_from("WeightsFeature", wf));
    add_array_arg(k, float_array_from("WeightsTime", wt));
    if (bias) add_array_arg(k, float_array_from("Bias", *bias));
    else add_null_arg(k);
    add_output_arg(k, state);
    add_output_arg(k, out);
    return k;
  }

  expect_type(g, op, wf, "weights_feature", {DType::Int8}, "TFLM's SVDF takes float32 or int8 weights_feature");
  expect_type(g, op, in, "input", {DType::Int8}, "int8 weights_feature need an int8 input");
  expect_type(g, op, out, "output", {DType::Int8}, "TFLM's integer SVDF writes int8");
  expect_type(g, op, wt, "weights_time", {DType::Int16, DType::Int8}, "TFLM's integer SVDF takes int16 or int8");
  // TFLM reads weights_time and the state with one element type.
  if (state.type != wt.type)
    fail(g, op, describe(g, state.id, "activation state") + ": type " + state.type_name + ", expected " +
                    dtype_name(wt.type) + " like weights_time");
  // TFLM's Prepare reads the bias scale unconditionally: the integer form needs a bias.
  if (!bias) fail(g, op, "the integer SVDF needs a bias (input 3)");
  expect_type(g, op, *bias, "bias", {DType::Int32}, "the integer SVDF's bias is int32");
  for (const auto& [t, role] : {std::pair{&in, "input"}, {&wf, "weights_feature"}, {&wt, "weights_time"},
                                {&state, "activation state"}, {&out, "output"}})
    expect_quantized(g, op, *t, role);

  // As TFLM: the scale products in float, then QuantizeMultiplier in double.
  const float s_in = in.quant.scale(), s_wf = wf.quant.scale(), s_wt = wt.quant.scale();
  const float s_state = state.quant.scale(), s_out = out.quant.scale();
  const double feature_scale = static_cast<double>(s_in * s_wf / s_state);
  const double output_scale = static_cast<double>(s_state * s_wt / s_out);
  const double bias_scale = bias->quant.present() ? bias->quant.scale() : 0.0;
  if (!(std::abs(bias_scale - static_cast<double>(s_state * s_wt)) < 1e-5))
    fail(g, op, describe(g, bias->id, "bias") + ": scale " + std::to_string(bias_scale) +
                    " is not activation state scale x weights_time scale");
  const QuantizedMultiplier feature = quantize_multiplier(feature_scale), output = quantize_multiplier(output_scale);

  const int32_t z_in = in.quant.zero_point(), z_state = state.quant.zero_point();
  std::vector<int64_t> feature_offset = row_sums<int8_t>(wf, filters, input_size);
  for (int64_t& v : feature_offset) v *= -z_in;
  const std::vector<int64_t> time_sums =
      wt.type == DType::Int16 ? row_sums<int16_t>(wt, filters, memory) : row_sums<int8_t>(wt, filters, memory);
  std::vector<int64_t> folded_bias(static_cast<size_t>(units));
  for (int32_t u = 0; u < units; ++u) {
    folded_bias[static_cast<size_t>(u)] = bias->data_as<int32_t>()[u];
    for (int32_t r = 0; r < rank; ++r) folded_bias[static_cast<size_t>(u)] -= int64_t{z_state} * time_sums[static_cast<size_t>(u * rank + r)];
  }
  for (const std::vector<int64_t>* v : {&feature_offset, &folded_bias})
    for (int64_t x : *v)
      if (x < INT32_MIN || x > INT32_MAX) fail(g, op, "a zero-point term exceeds int32");

  SvdfS8Params p;
  p.batches = batches, p.input_size = input_size, p.filters = filters, p.rank = rank, p.memory = memory;
  p.feature_multiplier = feature.multiplier, p.feature_shift = feature.shift, p.state_zero_point = z_state;
  p.output_multiplier = output.multiplier, p.output_shift = output.shift, p.output_zero_point = out.quant.zero_point();
  p.feature_offset = {"FeatureOffset"};
  KernelCall k = make_call(op, kSvdfS8, p);
  k.macs = macs;
  add_input_arg(k, in);
  add_array_arg(k, int8_array_from("WeightsFeature", wf));
  std::vector<int64_t> time_weights(static_cast<size_t>(wt.elements()));
  for (size_t i = 0; i < time_weights.size(); ++i)
    time_weights[i] = wt.type == DType::Int16 ? wt.data_as<int16_t>()[i] : wt.data_as<int8_t>()[i];
  add_array_arg(k, int_array("WeightsTime", wt.type, std::move(time_weights)));
  add_array_arg(k, int_array("Bias", DType::Int32, std::move(folded_bias)));
  add_output_arg(k, state);
  add_output_arg(k, out);
  k.arrays.push_back(int_array("FeatureOffset", DType::Int32, std::move(feature_offset)));
  return k;
}

}  // namespace

extern const OpDef kSvdfOp{.code = 27,
                           .name = "SVDF",
                           .read_options = read_svdf_options,
                           .lower = lower_svdf,
                           .kernels = {&kSvdfS8, &kSvdfF32}};

}  // namespace microflow
