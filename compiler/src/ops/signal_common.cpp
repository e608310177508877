#include "ops/signal_common.h"

#include <algorithm>
#include <climits>

namespace microflow {

void expect_arity(const Graph& g, const Operator& op, size_t inputs, size_t outputs) {
  const size_t state = op.def->kernel_state ? 1 : 0;
  if (op.inputs.size() != inputs + state)
    fail(g, op, "expected " + std::to_string(inputs) + " input(s), got " + std::to_string(op.inputs.size() - state));
  if (op.outputs.size() != outputs)
    fail(g, op, "expected " + std::to_string(outputs) + " output(s), got " + std::to_string(op.outputs.size()));
}

void expect_signal_tensor(const Graph& g, const Operator& op, const Tensor& t, const char* role, DType type, size_t rank) {
  expect_type(g, op, t, role, {type}, std::string("TFLM's ") + op.name + " takes " + dtype_name(type) + " here");
  expect_rank(g, op, t, role, rank);
}

KernelState kernel_state_of(const Graph& g, const Operator& op, DType type, int64_t elements) {
  if (elements > INT32_MAX)
    fail(g, op, "kernel state of " + std::to_string(elements) + " elements exceeds an int32 dimension");
  return {type, {static_cast<int32_t>(std::max<int64_t>(elements, 1))}};
}

int64_t outer_rows(const Tensor& t) {
  if (t.shape.empty() || t.shape.back() <= 0 || t.elements() <= 0) return 1;
  return t.elements() / t.shape.back();
}

ConstArray int16_table(const Graph& g, const Operator& op, const Tensor& t, const char* role, int64_t at_least,
                       const std::string& suffix) {
  expect_signal_tensor(g, op, t, role, DType::Int16, 1);
  expect_constant(g, op, t, role);
  if (t.elements() < at_least)
    fail(g, op, describe(g, t.id, role) + ": " + std::to_string(t.elements()) + " entries, needs at least " +
                    std::to_string(at_least));
  std::vector<int64_t> v(t.data_as<int16_t>(), t.data_as<int16_t>() + t.elements());
  return int_array(suffix, DType::Int16, std::move(v));
}

}  // namespace microflow
