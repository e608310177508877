#include "ops/reduce_common.h"

#include <algorithm>

namespace microflow {

std::vector<int> resolve_axes(const Graph& g, const Operator& op, const Tensor& axes, size_t rank, int count) {
  if (!axes.is_constant) fail(g, op, describe(g, axes.id, "axis") + ": must be a constant tensor");
  if (axes.type != DType::Int32)
    fail(g, op, describe(g, axes.id, "axis") + ": type " + axes.type_name + ", TFLM takes int32 axes only");
  if (count >= 0 && axes.elements() != count)
    fail(g, op, describe(g, axes.id, "axis") + ": holds " + std::to_string(axes.elements()) + " values, expected " +
                    std::to_string(count));
  std::vector<int> resolved;
  if (rank == 0) return resolved;  // TFLM ignores the axes of a scalar: nothing to reduce
  const int32_t* values = axes.data_as<int32_t>();
  const int64_t r = static_cast<int64_t>(rank);
  for (int64_t i = 0; i < axes.elements(); ++i) {
    const int64_t a = values[i] < 0 ? values[i] + r : values[i];
    if (a < 0 || a >= r)
      fail(g, op, describe(g, axes.id, "axis") + ": axis " + std::to_string(values[i]) + " is out of range for rank " +
                      std::to_string(rank));
    resolved.push_back(static_cast<int>(a));
  }
  return resolved;
}

void expect_foldable_or_activation(const Graph& g, const Operator& op, const Tensor& in) {
  if (in.type != DType::Int32) return expect_activation(g, op, in, "input");
  for (int t : op.outputs)
    if (in.is_constant && std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end())
      fail(g, op, describe(g, in.id, "input") + ": is constant and " + describe(g, t, "output") +
                      " is a model output, which constant folding leaves to run time (where constant inputs are "
                      "not supported)");
}

std::string type_list(const std::vector<DType>& types) {
  std::string s;
  for (DType t : types) s += (s.empty() ? "" : ", ") + std::string(dtype_name(t));
  return s;
}

void expect_type(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                 const std::vector<DType>& allowed, const char* why) {
  if (std::find(allowed.begin(), allowed.end(), t.type) == allowed.end())
    fail(g, op, describe(g, t.id, role) + ": type " + t.type_name + " is not supported (" + type_list(allowed) +
                    "; " + why + ")");
  if (t.type != DType::Int8 && t.type != DType::Int16) return;
  expect_per_tensor_quant(g, op, t, role);
  if (t.type == DType::Int16 && t.quant.zero_point() != 0)
    fail(g, op, describe(g, t.id, role) + ": int16 tensors must have zero point 0, got " +
                    std::to_string(t.quant.zero_point()));
}

}  // namespace microflow
