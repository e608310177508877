#include "ops/unary_common.h"

#include <algorithm>
#include <cmath>

namespace microflow {
namespace {

void expect_int16_quant(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (!t.quant.present() || t.quant.zero_points.empty())
    fail(g, op, describe(g, t.id, role) + ": int16 tensor has no quantization parameters");
  if (t.quant.per_channel())
    fail(g, op, describe(g, t.id, role) + ": expected one scale, got " + std::to_string(t.quant.scales.size()));
  if (!(t.quant.scale() > 0.f) || !std::isfinite(t.quant.scale()))
    fail(g, op, describe(g, t.id, role) + ": scale " + std::to_string(t.quant.scale()) + " is not a positive number");
  if (t.quant.zero_points[0] < -32768 || t.quant.zero_points[0] > 32767)
    fail(g, op, describe(g, t.id, role) + ": zero point " + std::to_string(t.quant.zero_points[0]) + " is outside int16");
}

}  // namespace

void expect_quantized_activation(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (t.type == DType::Int16) {
    expect_int16_quant(g, op, t, role);
  } else {
    expect_per_tensor_quant(g, op, t, role);
  }
}

void expect_unary_operands(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  if (in.elements() != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " holds " +
                    std::to_string(out.elements()) + " elements, the input " + in.shape_string() + " " +
                    std::to_string(in.elements()));
}

Precision unary_precision(const Graph& g, const Operator& op, std::initializer_list<Precision> allowed,
                          bool int16_any_zero_point) {
  expect_unary_operands(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const bool int16_allowed = std::find(allowed.begin(), allowed.end(), Precision::Int16) != allowed.end();
  if (in.type != DType::Int16 || !int16_any_zero_point || !int16_allowed) return op_precision(g, op, allowed);
  if (out.type != DType::Int16)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected int16");
  expect_int16_quant(g, op, in, "input");
  expect_int16_quant(g, op, out, "output");
  return Precision::Int16;
}

}  // namespace microflow
