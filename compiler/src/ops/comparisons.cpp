// EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL with numpy broadcasting over
// up to 4 dimensions, bool output (TFLM comparisons.cc). float32, int32, int64 (and bool
// for EQUAL / NOT_EQUAL) compare raw values; int8 compares both inputs rescaled to a
// common scale, as TFLM does even when the scales are equal.
#include "ops/binary_common.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

template <const BinaryKernels& Kernels, bool WithBool>
KernelCall lower_comparison(const Graph& g, const Operator& op) {
  const DType type =
      WithBool ? binary_type(g, op, {DType::Float32, DType::Int32, DType::Int64, DType::Int8, DType::Bool},
                             "TFLM's kernel takes float32, int32, int64, int8 and bool", true)
               : binary_type(g, op, {DType::Float32, DType::Int32, DType::Int64, DType::Int8},
                             "TFLM's kernel takes float32, int32, int64 and int8", true);
  if (type != DType::Int8) return binary_call(g, op, *Kernels.plain, BinaryParams{}, 4);
  // Each input: (x - Z) * 2^8 times its own scale (QuantizeMultiplierSmallerThanOneExp).
  expect_quantized_operands(g, op, false, false);
  BinaryQuantizedParams p;
  p.left_shift = 8;
  const Tensor& a = op_input(g, op, 0, "first input");
  const Tensor& b = op_input(g, op, 1, "second input");
  for (const auto& [t, role] : {std::pair{&a, "first input"}, std::pair{&b, "second input"}})
    if (!(t->quant.scale() < 1.f))
      fail(g, op, describe(g, t->id, role) + ": scale " + std::to_string(t->quant.scale()) +
                      " (TFLM's int8 comparison needs a scale below 1)");
  const QuantizedMultiplier q1 = quantize_multiplier(a.quant.scale()), q2 = quantize_multiplier(b.quant.scale());
  p.input1_offset = -int64_t{a.quant.zero_point()};
  p.input2_offset = -int64_t{b.quant.zero_point()};
  p.input1_multiplier = q1.multiplier;
  p.input1_shift = q1.shift;
  p.input2_multiplier = q2.multiplier;
  p.input2_shift = q2.shift;
  return binary_call(g, op, *Kernels.quantized, p, 4);
}

}  // namespace

extern const OpDef kEqualOp{.code = 71,
                            .name = "EQUAL",
                            .lower = lower_comparison<kEqualKernels, true>,
                            .kernels = kEqualKernels.all()};
extern const OpDef kNotEqualOp{.code = 72,
                               .name = "NOT_EQUAL",
                               .lower = lower_comparison<kNotEqualKernels, true>,
                               .kernels = kNotEqualKernels.all()};
extern const OpDef kLessOp{.code = 58,
                           .name = "LESS",
                           .lower = lower_comparison<kLessKernels, false>,
                           .kernels = kLessKernels.all()};
extern const OpDef kLessEqualOp{.code = 63,
                                .name = "LESS_EQUAL",
                                .lower = lower_comparison<kLessEqualKernels, false>,
                                .kernels = kLessEqualKernels.all()};
extern const OpDef kGreaterOp{.code = 61,
                              .name = "GREATER",
                              .lower = lower_comparison<kGreaterKernels, false>,
                              .kernels = kGreaterKernels.all()};
extern const OpDef kGreaterEqualOp{.code = 62,
                                   .name = "GREATER_EQUAL",
                                   .lower = lower_comparison<kGreaterEqualKernels, false>,
                                   .kernels = kGreaterEqualKernels.all()};

}  // namespace microflow
