// SELECT_V2: condition ? x : y with numpy broadcasting over up to 5 dimensions
// (runtime kernels/select.h).
#include <algorithm>

#include "kernels/index.h"
#include "ops/index_util.h"

namespace microflow {
namespace {

std::vector<int64_t> padded_dims(const Graph& g, const Operator& op, const Tensor& t, const char* role) {
  if (t.shape.size() > static_cast<size_t>(kSelectMaxRank))
    fail(g, op, describe(g, t.id, role) + ": " + std::to_string(t.shape.size()) + " dimensions, TFLM broadcasts at most " +
                    std::to_string(kSelectMaxRank));
  std::vector<int64_t> d(static_cast<size_t>(kSelectMaxRank) - t.shape.size(), 1);
  d.insert(d.end(), t.shape.begin(), t.shape.end());
  return d;
}

// Element strides of t read at every position of the output dims `out` (0 where t has 1).
std::vector<int64_t> broadcast_strides(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                                       const std::vector<int64_t>& out) {
  const std::vector<int64_t> d = padded_dims(g, op, t, role);
  std::vector<int64_t> s(d.size());
  int64_t stride = 1;
  for (size_t i = d.size(); i-- > 0;) {
    s[i] = d[i] == 1 ? 0 : stride;
    stride *= d[i];
  }
  for (size_t i = 0; i < d.size(); ++i)
    if (d[i] != 1 && d[i] != out[i])
      fail(g, op, describe(g, t.id, role) + ": shape " + t.shape_string() + " does not broadcast to the output's");
  return s;
}

KernelCall lower_select_v2(const Graph& g, const Operator& op) {
  const Tensor& condition = op_input(g, op, 0, "condition");
  const Tensor& x = op_input(g, op, 1, "x");
  const Tensor& y = op_input(g, op, 2, "y");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, condition, "condition", {DType::Bool}, "the condition must be bool");
  expect_type(g, op, x, "x", {DType::Float32, DType::Int8, DType::Int16},
              "TFLM's SELECT_V2 takes int8, int16 and float32 values");
  if (y.type != x.type)
    fail(g, op, describe(g, y.id, "y") + ": type " + y.type_name + " differs from x's " + x.type_name);

  // The output shape is the broadcast of the three, except that TFLM keeps the model's
  // output shape when every tensor holds a single element.
  const std::vector<int64_t> c = padded_dims(g, op, condition, "condition"), a = padded_dims(g, op, x, "x"),
                             b = padded_dims(g, op, y, "y");
  std::vector<int64_t> dims(c.size());
  for (size_t i = 0; i < dims.size(); ++i) dims[i] = std::max({c[i], a[i], b[i]});
  const bool single = condition.elements() == 1 && x.elements() == 1 && y.elements() == 1 && out.elements() == 1;
  std::vector<int32_t> shape = out.shape;
  if (!single) {
    const size_t rank = std::max({condition.shape.size(), x.shape.size(), y.shape.size()});
    shape.assign(dims.end() - static_cast<std::ptrdiff_t>(rank), dims.end());
  }
  expect_output(g, op, out, x.type, shape);

  SelectV2Params p;
  p.dims = padded_dims(g, op, out, "output");
  p.condition_strides = broadcast_strides(g, op, condition, "condition", p.dims);
  p.x_strides = broadcast_strides(g, op, x, "x", p.dims);
  p.y_strides = broadcast_strides(g, op, y, "y", p.dims);
  KernelCall k = make_call(op, kSelectV2, SelectV2Params{});
  p.condition_in_flash = add_operand_arg(k, condition, "Condition");
  p.x_in_flash = add_operand_arg(k, x, "X");
  p.y_in_flash = add_operand_arg(k, y, "Y");
  add_output_arg(k, out);
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kSelectV2Op{.code = 123, .name = "SELECT_V2", .lower = lower_select_v2, .kernels = {&kSelectV2}};

}  // namespace microflow
