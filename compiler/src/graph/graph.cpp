#include "graph/graph.h"

#include <map>
#include <set>
#include <stdexcept>

namespace microflow {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Int8: return "int8";
    case DType::Int16: return "int16";
    case DType::Int32: return "int32";
    case DType::UInt8: return "uint8";
    case DType::UInt32: return "uint32";
    case DType::UInt64: return "uint64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
    case DType::Unsupported: break;
  }
  return "unsupported";
}

const char* dtype_c_type(DType t) {
  switch (t) {
    case DType::Float32: return "float";
    case DType::Int8: return "int8_t";
    case DType::Int16: return "int16_t";
    case DType::Int32: return "int32_t";
    case DType::UInt8: return "uint8_t";
    case DType::UInt32: return "uint32_t";
    case DType::UInt64: return "uint64_t";
    case DType::Int64: return "int64_t";
    case DType::Bool: return "bool";
    case DType::Unsupported: break;
  }
  return "void";
}

int dtype_size(DType t) {
  switch (t) {
    case DType::Int8: case DType::UInt8: case DType::Bool: return 1;
    case DType::Int16: return 2;
    case DType::Float32: case DType::Int32: case DType::UInt32: return 4;
    case DType::Int64: case DType::UInt64: return 8;
    case DType::Unsupported: break;
  }
  return 0;
}

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

std::string Tensor::shape_string() const {
  // Appended piece by piece: `"," + std::to_string(...)` makes GCC 12 warn a false
  // -Wrestrict inside std::string (GCC bug 105651).
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

bool Graph::has_state() const {
  for (const Tensor& t : tensors)
    if (t.is_variable) return true;
  return false;
}

bool touches_state(const Graph& g, const Operator& op) {
  for (const std::vector<int>* ids : {&op.inputs, &op.outputs})
    for (int t : *ids)
      if (t >= 0 && g.tensor(t).is_variable) return true;
  return false;
}

std::vector<std::pair<size_t, size_t>> state_order(const Graph& g, const std::vector<const Operator*>& ops) {
  std::vector<std::pair<size_t, size_t>> edges;
  for (size_t i = 0; i < ops.size(); ++i)
    for (size_t j = 0; j < ops.size(); ++j)
      if (ops[i]->once && !ops[j]->once) edges.emplace_back(i, j);
  std::map<int, size_t> last;  // variable tensor -> the last operator touching it so far
  for (size_t i = 0; i < ops.size(); ++i) {
    std::set<int> touched;
    for (const std::vector<int>* ids : {&ops[i]->inputs, &ops[i]->outputs})
      for (int t : *ids)
        if (t >= 0 && g.tensor(t).is_variable) touched.insert(t);
    for (int t : touched) {
      if (const auto it = last.find(t); it != last.end()) edges.emplace_back(it->second, i);
      last[t] = i;
    }
  }
  return edges;
}

void Operator::bad_options() const {
  throw std::logic_error(std::string("internal: op ") + std::to_string(index) + " (" + name + ") has options of another type");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "NONE";
    case Activation::Relu: return "RELU";
    case Activation::ReluN1To1: return "RELU_N1_TO_1";
    case Activation::Relu6: return "RELU6";
  }
  return "?";
}

}  // namespace microflow
