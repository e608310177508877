// The compiler's graph IR: tensors and operators of one TFLite subgraph, in a
// form that passes can read and rewrite without touching the flatbuffer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace microflow {

enum class DType { Float32, Int8, Int16, Int32, UInt8, Int64, Bool, Unsupported };

const char* dtype_name(DType t);
const char* dtype_c_type(DType t);   // "int8_t", "float", ...
int dtype_size(DType t);             // bytes per element

// Quantization as stored in the model: one scale/zero point per tensor or per
// channel along `axis`.
struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int axis = 0;

  bool present() const { return !scales.empty(); }
  bool per_channel() const { return scales.size() > 1; }
  float scale() const { return scales.empty() ? 0.f : scales[0]; }
  int32_t zero_point() const { return zero_points.empty() ? 0 : static_cast<int32_t>(zero_points[0]); }
};

struct Tensor {
  int id = -1;
  std::string name;
  DType type = DType::Unsupported;
  std::string type_name;  // as written in the model, for error messages
  std::vector<int32_t> shape;
  Quantization quant;
  std::vector<uint8_t> data;  // constant contents; empty for activations
  bool is_constant = false;
  // State that carries from one invoke to the next (TFLite variable tensors: SVDF / LSTM
  // state; resource variables): stored in the state region, not the arena. Never constant.
  bool is_variable = false;
  // The byte reset() fills a variable with, as TFLM resets it (memset): the int8 zero
  // point of a variable tensor (0 for other types); a resource variable's default value.
  uint8_t reset_byte = 0;

  int64_t elements() const;
  int64_t bytes() const { return elements() * dtype_size(type); }
  std::string shape_string() const;
  template <typename T> const T* data_as() const { return reinterpret_cast<const T*>(data.data()); }
};

struct OpDef;  // ops/op_def.h: the operator's definition in the registry

enum class Activation { None, Relu, ReluN1To1, Relu6 };
const char* activation_name(Activation a);
enum class Padding { Same, Valid };

// An operator's options as its definition reads them (ops/*.cpp declare the types).
struct OpOptions {
  virtual ~OpOptions() = default;
};

struct Operator {
  int index = -1;  // position in the model's operator list (unique; for messages and symbols)
  // Operators of a CALL_ONCE init subgraph (reader): they run once, before the others, at
  // the first invoke after reset(). `subgraph` / `subgraph_index` name them in messages.
  bool once = false;
  int subgraph = 0, subgraph_index = -1;
  const OpDef* def = nullptr;
  const char* name = "";     // the TFLite builtin name, e.g. "CONV_2D"
  std::vector<int> inputs;   // tensor ids; -1 marks an absent optional input
  std::vector<int> outputs;
  std::shared_ptr<const OpOptions> options;

  // The options as the definition's type; another type is an internal error.
  template <typename T> const T& opts() const {
    const T* o = dynamic_cast<const T*>(options.get());
    if (!o) bad_options();
    return *o;
  }
  int input(size_t i) const { return i < inputs.size() ? inputs[i] : -1; }

 private:
  [[noreturn]] void bad_options() const;
};

struct Graph {
  std::string source;  // model path, for messages
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Operator> ops;  // in execution order
  std::vector<int> inputs, outputs;

  const Tensor& tensor(int id) const { return tensors.at(static_cast<size_t>(id)); }
  Tensor& tensor(int id) { return tensors.at(static_cast<size_t>(id)); }
  bool has_state() const;
  // Whether tensor `id` is a model output (a pass must not make it disappear).
  bool is_output(int id) const { return std::find(outputs.begin(), outputs.end(), id) != outputs.end(); }
  bool is_input(int id) const { return std::find(inputs.begin(), inputs.end(), id) != inputs.end(); }
};

// Whether the operator reads or writes a variable tensor.
bool touches_state(const Graph& g, const Operator& op);

// Order constraints besides data flow, for operators in the order given (positions into
// `ops`): every run-once operator before every other, and the operators touching one
// variable in the given order (a read after the write before it, ...). Pairs (before, after).
std::vector<std::pair<size_t, size_t>> state_order(const Graph& g, const std::vector<const Operator*>& ops);

}  // namespace microflow
