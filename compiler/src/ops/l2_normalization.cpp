// L2_NORMALIZATION: each row of the last dimension divided by its L2 norm (runtime
// kernels/l2_normalization.h). TFLM's int8 kernel writes its output in steps of 1/128
// with zero point 0 and reads neither from the output tensor, so neither does this one.
#include "kernels/kernel.h"
#include "ops/lower_util.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct L2NormalizationS8Params : ParamsBase {
  int64_t rows = 0, depth = 0, input_zero_point = 0;
  MF_PARAMS(L2NormalizationS8Params, rows, depth, input_zero_point)
};

struct L2NormalizationF32Params : ParamsBase {
  int64_t rows = 0, depth = 0;
  MF_PARAMS(L2NormalizationF32Params, rows, depth)
};

const KernelDef kL2NormalizationS8{.function = "l2_normalization_s8",
                                   .header = "microflow/kernels/l2_normalization.h",
                                   .sample_params = sample_of<L2NormalizationS8Params>};
const KernelDef kL2NormalizationF32{.function = "l2_normalization_f32",
                                    .header = "microflow/kernels/l2_normalization.h",
                                    .sample_params = sample_of<L2NormalizationF32Params>};

std::shared_ptr<const OpOptions> read_l2_normalization_options(const tfl::Operator& op, const std::string& where) {
  auto a = std::make_shared<ActivationOptions>();
  if (const auto* o = op.builtin_options_as<tfl::L2NormOptions>())
    a->activation = to_activation(o->fused_activation_function(), where);
  return a;
}

KernelCall lower_l2_normalization(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  if (in.shape.empty() || in.shape.size() > 4)
    fail(g, op, describe(g, in.id, "input") + ": rank " + std::to_string(in.shape.size()) +
                    " is not supported (TFLM takes 1 to 4 dimensions)");
  if (in.shape != out.shape)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " differs from the input's " +
                    in.shape_string());
  if (op.opts<ActivationOptions>().activation != Activation::None)
    fail(g, op, std::string("fused activation ") + activation_name(op.opts<ActivationOptions>().activation) +
                    " is not supported (TFLM's L2_NORMALIZATION takes none)");
  const int64_t depth = in.shape.back(), rows = in.elements() / depth;
  KernelCall k;
  if (p == Precision::Float32) {
    L2NormalizationF32Params f;
    f.rows = rows;
    f.depth = depth;
    k = make_call(op, kL2NormalizationF32, f);
  } else {
    L2NormalizationS8Params s;
    s.rows = rows;
    s.depth = depth;
    s.input_zero_point = in.quant.zero_point();
    k = make_call(op, kL2NormalizationS8, s);
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kL2NormalizationOp{.code = 11,
                                      .name = "L2_NORMALIZATION",
                                      .read_options = read_l2_normalization_options,
                                      .lower = lower_l2_normalization,
                                      .kernels = {&kL2NormalizationS8, &kL2NormalizationF32}};

}  // namespace microflow
