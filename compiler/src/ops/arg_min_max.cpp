// ARG_MAX and ARG_MIN along a constant axis (runtime kernels/arg_min_max.h).
#include <algorithm>

#include "microflow/kernels/arg_min_max.h"
#include "ops/reduce_common.h"

namespace microflow {

struct ArgMinMaxParams : ParamsBase {
  int64_t outer = 0, axis_size = 0, inner = 0;
  MF_PARAMS(ArgMinMaxParams, outer, axis_size, inner)
};

namespace {

// Constant folding of int32 inputs (shape arithmetic): the runtime kernel on host buffers.
template <typename I, void (*Kernel)(const mf::ArgMinMaxParams&, const int32_t*, I*)>
void evaluate_arg_s32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& f = call.params.as<ArgMinMaxParams>();
  const mf::ArgMinMaxParams p = {static_cast<int32_t>(f.outer), static_cast<int32_t>(f.axis_size),
                                 static_cast<int32_t>(f.inner)};
  Kernel(p, reinterpret_cast<const int32_t*>(tensors[0]), reinterpret_cast<I*>(tensors[1]));
}

using Evaluate = void (*)(const KernelCall&, const std::vector<uint8_t*>&);

constexpr KernelDef arg_kernel(const char* function, Evaluate evaluate = nullptr) {
  return {.function = function,
          .header = "microflow/kernels/arg_min_max.h",
          .evaluate = evaluate,
          .sample_params = sample_of<ArgMinMaxParams>};
}

// [input type][index type]: float32, int8, int32 inputs; int32, int64 indices.
struct ArgKernels {
  KernelDef k[3][2];
};

constexpr ArgKernels kArgMax = {{
    {arg_kernel("arg_max_f32_s32"), arg_kernel("arg_max_f32_s64")},
    {arg_kernel("arg_max_s8_s32"), arg_kernel("arg_max_s8_s64")},
    {arg_kernel("arg_max_s32_s32", evaluate_arg_s32<int32_t, mf::arg_max_s32_s32>),
     arg_kernel("arg_max_s32_s64", evaluate_arg_s32<int64_t, mf::arg_max_s32_s64>)},
}};
constexpr ArgKernels kArgMin = {{
    {arg_kernel("arg_min_f32_s32"), arg_kernel("arg_min_f32_s64")},
    {arg_kernel("arg_min_s8_s32"), arg_kernel("arg_min_s8_s64")},
    {arg_kernel("arg_min_s32_s32", evaluate_arg_s32<int32_t, mf::arg_min_s32_s32>),
     arg_kernel("arg_min_s32_s64", evaluate_arg_s32<int64_t, mf::arg_min_s32_s64>)},
}};

template <const ArgKernels& Kernels>
KernelCall lower_arg_min_max(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& axis = op_input(g, op, 1, "axis");
  const Tensor& out = op_output(g, op);
  expect_foldable_or_activation(g, op, in);
  const std::vector<DType> inputs = {DType::Float32, DType::Int8, DType::Int32};
  expect_type(g, op, in, "input", inputs, "TFLM takes float32 and int8; int32 as TFLite, for shape arithmetic");
  expect_type(g, op, out, "output", {DType::Int32, DType::Int64}, "TFLM writes int32 indices; int64 as TFLite");
  if (in.shape.empty()) fail(g, op, describe(g, in.id, "input") + ": a scalar has no axis to search");
  if (in.elements() == 0) fail(g, op, describe(g, in.id, "input") + ": empty tensors are not supported");
  const size_t a = static_cast<size_t>(resolve_axes(g, op, axis, in.shape.size(), 1)[0]);

  ArgMinMaxParams p;
  p.outer = p.inner = 1;
  p.axis_size = in.shape[a];
  for (size_t i = 0; i < in.shape.size(); ++i)
    if (i != a) (i < a ? p.outer : p.inner) *= in.shape[i];
  if (out.elements() != p.outer * p.inner || out.shape.size() + 1 != in.shape.size())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " is not input " +
                    in.shape_string() + " without dimension " + std::to_string(a));
  const size_t type = static_cast<size_t>(std::find(inputs.begin(), inputs.end(), in.type) - inputs.begin());
  KernelCall k = make_call(op, Kernels.k[type][out.type == DType::Int64], p);
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

std::vector<const KernelDef*> all_of(const ArgKernels& kernels) {
  std::vector<const KernelDef*> list;
  for (const auto& by_index : kernels.k)
    for (const KernelDef& k : by_index) list.push_back(&k);
  return list;
}

}  // namespace

extern const OpDef kArgMaxOp{
    .code = 56, .name = "ARG_MAX", .lower = lower_arg_min_max<kArgMax>, .kernels = all_of(kArgMax)};

extern const OpDef kArgMinOp{
    .code = 79, .name = "ARG_MIN", .lower = lower_arg_min_max<kArgMin>, .kernels = all_of(kArgMin)};

}  // namespace microflow
