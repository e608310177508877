// FLOOR_DIV and FLOOR_MOD with numpy broadcasting over up to 4 dimensions, float32 only
// as in TFLM (floor_div.cc, floor_mod.cc).
#include "ops/binary_common.h"

namespace microflow {
namespace {

template <const BinaryKernels& Kernels>
KernelCall lower_floor(const Graph& g, const Operator& op) {
  binary_type(g, op, {DType::Float32}, "TFLM's kernel takes float32 only");
  return binary_call(g, op, *Kernels.plain, BinaryParams{}, 4);
}

}  // namespace

extern const OpDef kFloorDivOp{.code = 90,
                               .name = "FLOOR_DIV",
                               .lower = lower_floor<kFloorDivKernels>,
                               .kernels = kFloorDivKernels.all()};
extern const OpDef kFloorModOp{.code = 95,
                               .name = "FLOOR_MOD",
                               .lower = lower_floor<kFloorModKernels>,
                               .kernels = kFloorModKernels.all()};

}  // namespace microflow
