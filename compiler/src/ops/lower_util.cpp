#include "ops/lower_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/quantization.h"

namespace microflow {

const Tensor* optional_input(const Graph& g, const Operator& op, size_t i) {
  int id = op.input(i);
  return id < 0 ? nullptr : &g.tensor(id);
}

const Tensor& op_input(const Graph& g, const Operator& op, size_t i, const char* role) {
  const Tensor* t = optional_input(g, op, i);
  if (!t) fail(g, op, std::string("missing ") + role + " input (input " + std::to_string(i) + ")");
  return *t;
}

const Tensor& op_output(const Graph& g, const Operator& op, size_t i) {
  if (i >= op.outputs.size()) fail(g, op, "missing output " + std::to_string(i));
  return g.tensor(op.outputs[i]);
}

void expect_rank(const Graph& g, const Operator& op, const Tensor& t, const char* role, size_t rank) {
  if (t.shape.size() != rank)
    fail(g, op, describe(g, t.id, role) + ": expected " + std::to_string(rank) + " dimensions, got " +
                    std::to_string(t.shape.size()) + " " + t.shape_string());
}

void expect_constant(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (!t.is_constant) fail(g, op, describe(g, t.id, role) + ": must be a constant (non-constant weights are not supported)");
}

void expect_activation(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (t.is_constant) fail(g, op, describe(g, t.id, role) + ": constant tensors are not supported here");
}

void expect_per_tensor_quant(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (!t.quant.present() || t.quant.zero_points.empty())
    fail(g, op, describe(g, t.id, role) + ": " + dtype_name(t.type) + " tensor has no quantization parameters");
  if (t.quant.per_channel())
    fail(g, op, describe(g, t.id, role) + ": expected one scale, got " + std::to_string(t.quant.scales.size()));
  if (!(t.quant.scale() > 0.f) || !std::isfinite(t.quant.scale()))
    fail(g, op, describe(g, t.id, role) + ": scale " + std::to_string(t.quant.scale()) + " is not a positive number");
  // The zero point lies in the tensor's type (int8 unless int16 or int32).
  const DType range = t.type == DType::Int16 || t.type == DType::Int32 ? t.type : DType::Int8;
  const int64_t bits = 8 * dtype_size(range), zero_point = t.quant.zero_points[0];
  if (zero_point < -(int64_t{1} << (bits - 1)) || zero_point >= (int64_t{1} << (bits - 1)))
    fail(g, op, describe(g, t.id, role) + ": zero point " + std::to_string(zero_point) + " is outside " + dtype_name(range));
}

void expect_int64_bias(const Graph& g, const Operator& op, const Tensor* bias) {
  if (bias && bias->type != DType::Int64)
    fail(g, op, describe(g, bias->id, "bias") + ": type " + bias->type_name + ", expected int64 for an int16 " +
                    op.name + " (TFLM's 16x8 kernel reads the bias as int64)");
}

int32_t checked_reduce_multiplier_s64(const Graph& g, const Operator& op, QuantizedMultiplier q) {
  // Larger shifts are left to lower_graph's range check (kMaxShift).
  if (q.shift > kMaxShiftS64 && q.shift <= kMaxShift)
    fail(g, op, "requantization shift " + std::to_string(q.shift) + " exceeds " + std::to_string(kMaxShiftS64) +
                    ", which TFLM's int64 rescaling of int16 outputs cannot apply (the output scale is too small)");
  return reduce_multiplier_to_q15(q.multiplier);
}

namespace {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::Int8: return "int8";
    case Precision::Int16: return "int16";
    case Precision::Float32: return "float32";
  }
  return "?";
}

}  // namespace

Precision op_precision(const Graph& g, const Operator& op, std::initializer_list<Precision> allowed) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Precision p = in.type == DType::Int8    ? Precision::Int8
                      : in.type == DType::Int16 ? Precision::Int16
                                                : Precision::Float32;
  if ((in.type != DType::Float32 && p == Precision::Float32) ||
      std::find(allowed.begin(), allowed.end(), p) == allowed.end()) {
    std::string list;
    for (Precision a : allowed) list += std::string(list.empty() ? "" : " and ") + precision_name(a);
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported (" + list + (allowed.size() > 1 ? " are)" : " is)"));
  }
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const Tensor* t = optional_input(g, op, i);
    if (!t) continue;
    const bool is_bias = static_cast<int>(i) == op.def->bias_input;
    const bool is_weights = static_cast<int>(i) == op.def->weights_input;
    DType want = in.type;
    if (p != Precision::Float32 && is_weights) want = DType::Int8;
    if (p == Precision::Int8 && is_bias) want = DType::Int32;
    if (p == Precision::Int16 && is_bias) want = t->type == DType::Int32 ? DType::Int32 : DType::Int64;
    if (t->type != want)
      fail(g, op, describe(g, t->id, is_bias ? "bias" : is_weights ? op.def->weights_role : "input") + ": type " +
                      t->type_name + ", expected " + dtype_name(want) + " for a " + precision_name(p) + " " + op.name);
  }
  for (int id : op.outputs)
    if (g.tensor(id).type != in.type)
      fail(g, op, describe(g, id, "output") + ": type " + g.tensor(id).type_name + ", expected " + dtype_name(in.type));
  if (p != Precision::Float32) {
    std::vector<std::pair<int, const char*>> activations = {{in.id, "input"}};
    for (int id : op.outputs) activations.push_back({id, "output"});
    for (auto [id, role] : activations) {
      expect_per_tensor_quant(g, op, g.tensor(id), role);
      if (p == Precision::Int16 && g.tensor(id).quant.zero_point() != 0)
        fail(g, op, describe(g, id, role) + ": int16 zero point " + std::to_string(g.tensor(id).quant.zero_point()) +
                        " (TFLM's int16 kernels require 0)");
    }
  }
  return p;
}

KernelCall make_call(const Operator& op, const KernelDef& kernel, Params params) {
  KernelCall k;
  k.op = &op;
  k.kernel = &kernel;
  k.params = std::move(params);
  return k;
}

void add_input_arg(KernelCall& k, const Tensor& t) {
  k.args.push_back({KernelArg::Input, t.id, "", dtype_c_type(t.type)});
}
void add_output_arg(KernelCall& k, const Tensor& t) {
  k.args.push_back({KernelArg::Output, t.id, "", dtype_c_type(t.type)});
}
void add_array_arg(KernelCall& k, ConstArray a) {
  k.args.push_back({KernelArg::Array, -1, a.suffix, dtype_c_type(a.type)});
  k.arrays.push_back(std::move(a));
}

void add_null_arg(KernelCall& k) { k.args.push_back({KernelArg::Null, -1, "", ""}); }

ConstArray int_array(const std::string& suffix, DType type, std::vector<int64_t> values) {
  ConstArray a;
  a.suffix = suffix;
  a.type = type;
  a.ints = std::move(values);
  return a;
}

ConstArray float_array_from(const std::string& suffix, const Tensor& t) {
  ConstArray a;
  a.suffix = suffix;
  a.type = DType::Float32;
  a.floats.resize(static_cast<size_t>(t.elements()));
  std::memcpy(a.floats.data(), t.data.data(), a.floats.size() * sizeof(float));
  return a;
}

ConstArray packed_filter_array(const std::string& suffix, const int8_t* filter, int64_t channels, int64_t rows,
                               int64_t row_length) {
  std::vector<uint8_t> bytes;
  auto value = [&](int64_t c, int64_t r, int64_t l) -> uint8_t {
    return c < channels ? static_cast<uint8_t>(filter[(c * rows + r) * row_length + l]) : 0;
  };
  // Values [begin, begin + size) of row r for the four channels of the block, channel-major.
  auto chunk = [&](int64_t block, int64_t r, int64_t begin, int64_t size) {
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t i = 0; i < size; ++i) bytes.push_back(value(4 * block + j, r, begin + i));
  };
  for (int64_t block = 0; block < (channels + 3) / 4; ++block) {
    for (int64_t r = 0; r < rows; ++r) {
      int64_t l = 0;
      for (; l + 8 <= row_length; l += 8) chunk(block, r, l, 8);
      if (l + 4 <= row_length) {
        chunk(block, r, l, 4);
        l += 4;
      }
      chunk(block, r, l, row_length - l);
    }
  }
  std::vector<int64_t> words(bytes.size() / 4);
  for (size_t i = 0; i < words.size(); ++i) {
    const uint32_t u = bytes[4 * i] | (uint32_t{bytes[4 * i + 1]} << 8) | (uint32_t{bytes[4 * i + 2]} << 16) |
                       (uint32_t{bytes[4 * i + 3]} << 24);
    words[i] = static_cast<int32_t>(u);
  }
  return int_array(suffix, DType::Int32, std::move(words));
}

ConstArray int8_array_from(const std::string& suffix, const Tensor& t) {
  const int8_t* w = t.data_as<int8_t>();
  return int_array(suffix, DType::Int8, std::vector<int64_t>(w, w + t.elements()));
}

float channel_scale(const Tensor& t, int64_t c) {
  return t.quant.scales.size() > 1 ? t.quant.scales[static_cast<size_t>(c)] : t.quant.scale();
}

IntRange activation_quantized(Activation act, const Tensor& output) {
  const bool wide = output.type == DType::Int16;
  auto [lo, hi] = activation_range_quantized(act, output.quant.scale(), output.quant.zero_point(), wide ? -32768 : -128,
                                             wide ? 32767 : 127);
  return {lo, hi};
}

FloatRange activation_f32(Activation act) {
  auto [lo, hi] = activation_range_f32(act);
  return {lo, hi};
}

std::vector<QuantizedMultiplier> channel_multipliers(const Graph& g, const Operator& op, const Tensor& in,
                                                     const Tensor& weights, const Tensor& out, int64_t channels,
                                                     const char* role) {
  if (!weights.quant.present())
    fail(g, op, describe(g, weights.id, role) + ": int8 " + role + " has no quantization parameters");
  if (weights.quant.per_channel() && static_cast<int64_t>(weights.quant.scales.size()) != channels)
    fail(g, op, describe(g, weights.id, role) + ": " + std::to_string(weights.quant.scales.size()) +
                    " per-channel scales for " + std::to_string(channels) + " output channels");
  std::vector<QuantizedMultiplier> m;
  for (int64_t c = 0; c < channels; ++c)
    m.push_back(quantize_multiplier(static_cast<double>(in.quant.scale()) *
                                    static_cast<double>(channel_scale(weights, c)) /
                                    static_cast<double>(out.quant.scale())));
  return m;
}

}  // namespace microflow
