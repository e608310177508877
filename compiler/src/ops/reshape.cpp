// RESHAPE: the output is the input's storage under another shape (no call).
#include "ops/lower_util.h"

namespace microflow {
namespace {

KernelCall lower_reshape(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  if (in.type != out.type)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + " differs from the input's " + in.type_name);
  if (in.elements() != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " holds " +
                    std::to_string(out.elements()) + " elements, the input " + in.shape_string() + " " +
                    std::to_string(in.elements()));
  if (in.type == DType::Unsupported)
    fail(g, op, describe(g, in.id, "input") + ": type " + in.type_name + " is not supported");
  KernelCall k;
  k.op = &op;
  k.is_alias = true;
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kReshapeOp{.code = 22, .name = "RESHAPE", .lower = lower_reshape, .kernels = {}};  // an alias: no kernel

}  // namespace microflow
