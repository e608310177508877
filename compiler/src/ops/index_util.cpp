#include "ops/index_util.h"

#include <cstring>

namespace microflow {

namespace {

template <typename T>
std::vector<int64_t> widened(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    T x;
    std::memcpy(&x, t.data.data() + i * sizeof(T), sizeof(T));
    v[i] = x;
  }
  return v;
}

// A constant tensor's contents as a flash array of its own type.
ConstArray tensor_array(const std::string& suffix, const Tensor& t) {
  if (t.type == DType::Float32) return float_array_from(suffix, t);
  std::vector<int64_t> v;
  switch (t.type) {
    case DType::Int8: v = widened<int8_t>(t); break;
    case DType::Int16: v = widened<int16_t>(t); break;
    case DType::Int32: v = widened<int32_t>(t); break;
    case DType::Int64: v = widened<int64_t>(t); break;
    case DType::UInt8: v = widened<uint8_t>(t); break;
    // TFLite stores bool as one byte; any non-zero byte is true.
    case DType::Bool:
      v = widened<uint8_t>(t);
      for (int64_t& b : v) b = b != 0;
      break;
    default: throw CompileError("internal: no flash array for a " + t.type_name + " tensor");
  }
  return int_array(suffix, t.type, std::move(v));
}

}  // namespace

int64_t add_operand_arg(KernelCall& k, const Tensor& t, const std::string& suffix) {
  if (!t.is_constant) {
    add_input_arg(k, t);
    return 0;
  }
  add_array_arg(k, tensor_array(suffix, t));
  return 1;
}

void expect_type(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                 std::initializer_list<DType> allowed, const std::string& why) {
  for (DType d : allowed)
    if (t.type == d) return;
  fail(g, op, describe(g, t.id, role) + ": type " + t.type_name + " is not supported: " + why);
}

void expect_output(const Graph& g, const Operator& op, const Tensor& out, DType type, const std::vector<int32_t>& shape) {
  if (out.type != type)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected " + dtype_name(type));
  expect_shape(g, op, out, "output", shape, "what the operator gives");
}

}  // namespace microflow
