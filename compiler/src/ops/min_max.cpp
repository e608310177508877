// MAXIMUM and MINIMUM with numpy broadcasting over up to 5 dimensions: float32, int8,
// int16, int32, int64 (TFLM maximum_minimum.cc). TFLM compares the raw values and
// copies the winner, whatever the quantization.
#include "ops/binary_common.h"

namespace microflow {
namespace {

template <const BinaryKernels& Kernels>
KernelCall lower_min_max(const Graph& g, const Operator& op) {
  binary_type(g, op, {DType::Float32, DType::Int8, DType::Int16, DType::Int32, DType::Int64},
              "TFLM's kernel takes float32, int8, int16, int32 and int64");
  return binary_call(g, op, *Kernels.plain, BinaryParams{}, 5);
}

}  // namespace

extern const OpDef kMaximumOp{.code = 55,
                              .name = "MAXIMUM",
                              .lower = lower_min_max<kMaximumKernels>,
                              .kernels = kMaximumKernels.all()};
extern const OpDef kMinimumOp{.code = 57,
                              .name = "MINIMUM",
                              .lower = lower_min_max<kMinimumKernels>,
                              .kernels = kMinimumKernels.all()};

}  // namespace microflow
