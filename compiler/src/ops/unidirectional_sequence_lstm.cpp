// UNIDIRECTIONAL_SEQUENCE_LSTM (runtime kernels/lstm.h): TFLM's Prepare rules (the standard
// LSTM: 24 inputs, no CIFG / peephole / projection / layer normalization) and its build-time
// arithmetic (CreateGateParams, CreateInterGateMulParams, CreateLstmCellStateInfo).
// Hidden state (input 18) and cell state (input 19) are variable tensors: the call reads and
// rewrites them in the state region.
#include <cmath>

#include "ops/index_util.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

struct LstmQParams : ParamsBase {
  int64_t batches = 0, time_steps = 0, input_size = 0, units = 0, time_major = 0;
  int64_t cell_clip = -1;
  int64_t forget_cell_multiplier = 0, forget_cell_shift = 0, input_cell_multiplier = 0, input_cell_shift = 0;
  int64_t hidden_multiplier = 0, hidden_shift = 0, hidden_zero_point = 0;
  int64_t cell_tanh_multiplier = 0, cell_tanh_shift = 0;
  ArrayRef gate_requantization;
  MF_PARAMS(LstmQParams, batches, time_steps, input_size, units, time_major, cell_clip,
            forget_cell_multiplier, forget_cell_shift, input_cell_multiplier, input_cell_shift, hidden_multiplier,
            hidden_shift, hidden_zero_point, cell_tanh_multiplier, cell_tanh_shift, gate_requantization)
};

struct LstmF32Params : ParamsBase {
  int64_t batches = 0, time_steps = 0, input_size = 0, units = 0, time_major = 0;
  float cell_clip = 0;
  MF_PARAMS(LstmF32Params, batches, time_steps, input_size, units, time_major, cell_clip)
};

const KernelDef kLstmS8{.function = "lstm_s8", .header = "microflow/kernels/lstm.h", .sample_params = sample_of<LstmQParams>};
const KernelDef kLstmS16{.function = "lstm_s16", .header = "microflow/kernels/lstm.h", .sample_params = sample_of<LstmQParams>};
const KernelDef kLstmF32{.function = "lstm_f32", .header = "microflow/kernels/lstm.h", .sample_params = sample_of<LstmF32Params>};

struct LstmOptions : OpOptions {
  tfl::ActivationFunctionType activation = tfl::ActivationFunctionType::TANH;
  float cell_clip = 0, proj_clip = 0;
  bool time_major = false;
};

std::shared_ptr<const OpOptions> read_lstm_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::UnidirectionalSequenceLSTMOptions>(op, where);
  auto s = std::make_shared<LstmOptions>();
  s->activation = o->fused_activation_function();
  s->cell_clip = o->cell_clip();
  s->proj_clip = o->proj_clip();
  s->time_major = o->time_major();
  return s;
}

// TFLite's input order (lstm_shared.h).
constexpr size_t kInputToGate = 1, kRecurrentToGate = 5, kGateBias = 12, kHiddenState = 18, kCellState = 19;
constexpr const char* kGateNames[4] = {"input", "forget", "cell", "output"};

void expect_shape(const Graph& g, const Operator& op, const Tensor& t, const std::string& role,
                  std::vector<int32_t> dims) {
  if (t.shape != dims) {
    Tensor want;
    want.shape = dims;
    fail(g, op, describe(g, t.id, role) + ": shape " + t.shape_string() + ", expected " + want.shape_string());
  }
}

// The four gates' constant tensors starting at input `first`, in gate order.
std::vector<const Tensor*> gate_tensors(const Graph& g, const Operator& op, size_t first, const char* what) {
  std::vector<const Tensor*> ts;
  for (size_t gate = 0; gate < 4; ++gate) {
    const std::string role = std::string(what) + " (" + kGateNames[gate] + " gate)";
    const Tensor* t = optional_input(g, op, first + gate);
    if (!t) fail(g, op, "missing " + role + ", input " + std::to_string(first + gate) + " (TFLM has no CIFG LSTM)");
    expect_constant(g, op, *t, role.c_str());
    ts.push_back(t);
  }
  return ts;
}

std::vector<int64_t> concat_ints(const std::vector<const Tensor*>& ts) {
  std::vector<int64_t> v;
  for (const Tensor* t : ts)
    for (int64_t i = 0; i < t->elements(); ++i)
      v.push_back(t->type == DType::Int8    ? t->data_as<int8_t>()[i]
                  : t->type == DType::Int32 ? t->data_as<int32_t>()[i]
                                            : t->data_as<int64_t>()[i]);
  return v;
}

ConstArray concat_floats(const std::string& suffix, const std::vector<const Tensor*>& ts) {
  ConstArray a;
  a.suffix = suffix;
  a.type = DType::Float32;
  for (const Tensor* t : ts) a.floats.insert(a.floats.end(), t->data_as<float>(), t->data_as<float>() + t->elements());
  return a;
}

void expect_quantized(const Graph& g, const Operator& op, const Tensor& t, const std::string& role) {
  if (!t.quant.present() || !(t.quant.scale() > 0.f) || !std::isfinite(t.quant.scale()))
    fail(g, op, describe(g, t.id, role) + ": needs a positive quantization scale");
  expect_per_tensor_quant(g, op, t, role.c_str());
}

// TFLM's CreateInterGateMulParams: the scale product in double, then QuantizeMultiplier.
QuantizedMultiplier mul_multiplier(float s1, float s2, float s_out) {
  return quantize_multiplier(static_cast<double>(s1) * static_cast<double>(s2) / static_cast<double>(s_out));
}

void lower_quantized(const Graph& g, const Operator& op, const LstmOptions& o, const Tensor& in, const Tensor& hidden,
                     const Tensor& cell, const std::vector<const Tensor*>& wx, const std::vector<const Tensor*>& wh,
                     const std::vector<const Tensor*>& bias, LstmQParams& p, KernelCall& k) {
  const bool wide = in.type == DType::Int16;
  for (const auto& [t, role] : {std::pair{&in, "input"}, {&hidden, "hidden state"}, {&cell, "cell state"}})
    expect_quantized(g, op, *t, role);
  if (cell.type != DType::Int16)
    fail(g, op, describe(g, cell.id, "cell state") + ": type " + cell.type_name +
                    ", expected int16 (TFLM's quantized LSTM keeps an int16 cell state)");
  if (wide && (in.quant.zero_point() != 0 || hidden.quant.zero_point() != 0))
    fail(g, op, "int16 input and hidden state need zero point 0 (TFLM's 16x8 FULLY_CONNECTED)");
  for (size_t gate = 0; gate < 4; ++gate)
    for (const auto& [t, what] : {std::pair{wx[gate], "input weights"}, {wh[gate], "recurrent weights"}}) {
      const std::string role = std::string(what) + " (" + kGateNames[gate] + " gate)";
      expect_type(g, op, *t, role.c_str(), {DType::Int8}, "TFLM's quantized LSTM takes int8 weights");
      expect_quantized(g, op, *t, role);
      if (t->quant.zero_point() != 0) fail(g, op, describe(g, t->id, role) + ": weight zero point must be 0");
    }
  for (size_t gate = 0; gate < 4; ++gate)
    expect_type(g, op, *bias[gate], (std::string("bias (") + kGateNames[gate] + " gate)").c_str(),
                {wide ? DType::Int64 : DType::Int32},
                wide ? "int16 activations read an int64 bias" : "int8 activations read an int32 bias");

  // Gate FCs: output Q3.12 (lstm_eval_common.cc's nonlinear_input_scale, exactly 2^-12; older
  // TFLM wrote a rounded decimal). Per-tensor FC multiplier: the scale product in float32
  // (doc §2.1).
  const float fc_output_scale = std::ldexp(1.0f, -12);
  std::vector<int64_t> requant;
  for (size_t gate = 0; gate < 4; ++gate)
    for (const auto& [act, w] : {std::pair{&in, wx[gate]}, {&hidden, wh[gate]}}) {
      const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(act->quant.scale() * w->quant.scale()) /
                                                        static_cast<double>(fc_output_scale));
      if (q.shift > kMaxShift) fail(g, op, "a gate's FULLY_CONNECTED multiplier is out of range");
      requant.push_back(wide ? checked_reduce_multiplier_s64(g, op, q) : q.multiplier);
      requant.push_back(q.shift);
    }

  // Element-wise products: gate outputs are Q0.15 (nonlinear_output_scale, exactly 2^-15).
  const float gate_scale = std::ldexp(1.0f, -15), s_cell = cell.quant.scale();
  const QuantizedMultiplier forget_cell = mul_multiplier(gate_scale, s_cell, s_cell);
  const QuantizedMultiplier input_cell = mul_multiplier(gate_scale, gate_scale, s_cell);
  const QuantizedMultiplier to_hidden = mul_multiplier(gate_scale, gate_scale, hidden.quant.scale());
  for (const QuantizedMultiplier& q : {forget_cell, input_cell, to_hidden})
    if (q.shift > kMaxShift) fail(g, op, "an element-wise multiplier is out of range");
  p.forget_cell_multiplier = forget_cell.multiplier, p.forget_cell_shift = forget_cell.shift;
  p.input_cell_multiplier = input_cell.multiplier, p.input_cell_shift = input_cell.shift;
  p.hidden_multiplier = to_hidden.multiplier, p.hidden_shift = to_hidden.shift;
  p.hidden_zero_point = hidden.quant.zero_point();

  // CreateLstmCellStateInfo: the cell scale's power of two as CheckedLog2 rounds it (TFLM
  // ignores whether it is exact), and the clip in cell units, truncated to int16.
  const float log2_scale = std::log(s_cell) * (1.0f / std::log(2.0f));
  const int power = static_cast<int>(std::round(log2_scale));
  // Tanh(cell_state_scale_power): input left shift (15 + power) - 3; TFLM's int16 Tanh turns
  // a non-negative shift into multiplier 3 << shift and a negative one into (3, -shift).
  const int tanh_shift = 15 + power - 3;
  if (tanh_shift > 16 || tanh_shift < -31)
    fail(g, op, describe(g, cell.id, "cell state") + ": scale " + std::to_string(s_cell) + " is out of range for TFLM's tanh");
  p.cell_tanh_multiplier = tanh_shift >= 0 ? int64_t{3} << tanh_shift : 3;
  p.cell_tanh_shift = tanh_shift >= 0 ? 0 : -tanh_shift;
  if (o.cell_clip > 0)
    p.cell_clip = static_cast<int16_t>(std::min(
        std::max(static_cast<double>(o.cell_clip) / static_cast<double>(s_cell), -32768.0), 32767.0));

  p.gate_requantization = {"GateRequantization"};
  k.params = p;
  add_input_arg(k, in);
  add_array_arg(k, int_array("WeightsX", DType::Int8, concat_ints(wx)));
  add_array_arg(k, int_array("WeightsH", DType::Int8, concat_ints(wh)));
  if (wide) {
    add_array_arg(k, int_array("Bias", DType::Int64, concat_ints(bias)));
  } else {
    // TFLM's FC adds -Z_in to every input and -Z_h to every hidden value; folded into the
    // input bias and a recurrent bias (the recurrent FC has no bias of its own).
    const int32_t I = in.shape[2], U = static_cast<int32_t>(p.units);
    std::vector<int64_t> folded = concat_ints(bias), recurrent(folded.size(), 0);
    const std::vector<int64_t> wxs = concat_ints(wx), whs = concat_ints(wh);
    for (size_t unit = 0; unit < folded.size(); ++unit) {
      for (int32_t d = 0; d < I; ++d) folded[unit] -= int64_t{in.quant.zero_point()} * wxs[unit * I + d];
      for (int32_t d = 0; d < U; ++d) recurrent[unit] -= int64_t{hidden.quant.zero_point()} * whs[unit * U + d];
    }
    for (const std::vector<int64_t>* v : {&folded, &recurrent})
      for (int64_t x : *v)
        if (x < INT32_MIN || x > INT32_MAX) fail(g, op, "a zero-point term exceeds int32");
    add_array_arg(k, int_array("Bias", DType::Int32, std::move(folded)));
    add_array_arg(k, int_array("RecurrentBias", DType::Int32, std::move(recurrent)));
  }
  k.arrays.push_back(int_array("GateRequantization", DType::Int32, std::move(requant)));
}

KernelCall lower_lstm(const Graph& g, const Operator& op) {
  if (op.inputs.size() != 24)
    fail(g, op, "expected 24 inputs (TFLM's UNIDIRECTIONAL_SEQUENCE_LSTM), got " + std::to_string(op.inputs.size()));
  const auto& o = op.opts<LstmOptions>();
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& hidden = op_input(g, op, kHiddenState, "hidden state");
  const Tensor& cell = op_input(g, op, kCellState, "cell state");
  const Tensor& out = op_output(g, op);
  // TFLM implements the standard LSTM only: these inputs must be absent.
  for (size_t i : {9, 10, 11})
    if (optional_input(g, op, i)) fail(g, op, "peephole weights (input " + std::to_string(i) + ") are not supported by TFLM");
  for (size_t i : {16, 17})
    if (optional_input(g, op, i)) fail(g, op, "projection (input " + std::to_string(i) + ") is not supported by TFLM");
  for (size_t i : {20, 21, 22, 23})
    if (optional_input(g, op, i))
      fail(g, op, "layer normalization (input " + std::to_string(i) + ") is not supported by TFLM");
  // TFLM's gates take sigmoid or tanh; of TFLite's fused activations only TANH is one.
  if (o.activation != tfl::ActivationFunctionType::TANH)
    fail(g, op, std::string("cell gate activation ") + tfl::EnumNameActivationFunctionType(o.activation) +
                    " is not supported (TFLM: TANH)");
  for (const auto& [t, role] : {std::pair{&hidden, "hidden state"}, {&cell, "cell state"}})
    if (!t->is_variable) fail(g, op, describe(g, t->id, role) + ": must be a variable tensor");

  expect_rank(g, op, in, "input", 3);
  const int32_t batches = o.time_major ? in.shape[1] : in.shape[0];
  const int32_t time_steps = o.time_major ? in.shape[0] : in.shape[1];
  const int32_t input_size = in.shape[2];
  // TFLM takes the units from the hidden state's second dimension.
  expect_rank(g, op, hidden, "hidden state", 2);
  const int32_t units = hidden.shape[1];
  if (batches <= 0 || time_steps <= 0 || input_size <= 0 || units <= 0)
    fail(g, op, "empty input or state (batch, time, input and units must be positive)");
  const std::vector<const Tensor*> wx = gate_tensors(g, op, kInputToGate, "input weights");
  const std::vector<const Tensor*> wh = gate_tensors(g, op, kRecurrentToGate, "recurrent weights");
  const std::vector<const Tensor*> bias = gate_tensors(g, op, kGateBias, "bias");
  for (size_t gate = 0; gate < 4; ++gate) {
    const std::string name = std::string(" (") + kGateNames[gate] + " gate)";
    expect_shape(g, op, *wx[gate], "input weights" + name, {units, input_size});
    expect_shape(g, op, *wh[gate], "recurrent weights" + name, {units, units});
    expect_shape(g, op, *bias[gate], "bias" + name, {units});
  }
  const int64_t state_elements = int64_t{batches} * units;
  for (const auto& [t, role] : {std::pair{&hidden, "hidden state"}, {&cell, "cell state"}})
    if (t->elements() != state_elements)
      fail(g, op, describe(g, t->id, role) + ": " + std::to_string(t->elements()) + " elements, expected batch x units = " +
                      std::to_string(state_elements));
  expect_shape(g, op, out, "output", {in.shape[0], in.shape[1], units});
  for (const Tensor* t : {&hidden, &out})
    if (t->type != in.type)
      fail(g, op, describe(g, t->id, "") + ": type " + t->type_name + ", expected " + in.type_name + " like the input");
  const int64_t macs = int64_t{batches} * time_steps * 4 * units * (input_size + units);

  if (in.type == DType::Float32) {
    for (const Tensor* t : {&cell, wx[0], wx[1], wx[2], wx[3], wh[0], wh[1], wh[2], wh[3], bias[0], bias[1], bias[2], bias[3]})
      if (t->type != DType::Float32)
        fail(g, op, describe(g, t->id, "") + ": type " + t->type_name + ", expected float32 (float input)");
    LstmF32Params p;
    p.batches = batches, p.time_steps = time_steps, p.input_size = input_size, p.units = units;
    p.time_major = o.time_major;
    p.cell_clip = o.cell_clip > 0 ? o.cell_clip : 0.f;
    KernelCall k = make_call(op, kLstmF32, p);
    k.macs = macs;
    add_input_arg(k, in);
    add_array_arg(k, concat_floats("WeightsX", wx));
    add_array_arg(k, concat_floats("WeightsH", wh));
    add_array_arg(k, concat_floats("Bias", bias));
    add_output_arg(k, hidden);
    add_output_arg(k, cell);
    add_output_arg(k, out);
    return k;
  }

  expect_type(g, op, in, "input", {DType::Int8, DType::Int16}, "TFLM's LSTM takes float32, int8 or int16");
  LstmQParams p;
  p.batches = batches, p.time_steps = time_steps, p.input_size = input_size, p.units = units;
  p.time_major = o.time_major;
  KernelCall k = make_call(op, in.type == DType::Int16 ? kLstmS16 : kLstmS8, p);
  k.macs = macs;
  lower_quantized(g, op, o, in, hidden, cell, wx, wh, bias, p, k);
  add_output_arg(k, hidden);
  add_output_arg(k, cell);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kUnidirectionalSequenceLstmOp{.code = 44,
                                                 .name = "UNIDIRECTIONAL_SEQUENCE_LSTM",
                                                 .read_options = read_lstm_options,
                                                 .lower = lower_lstm,
                                                 .kernels = {&kLstmS8, &kLstmS16, &kLstmF32}};

}  // namespace microflow
