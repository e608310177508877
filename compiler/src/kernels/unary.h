// Single-input element-wise kernels and PRELU (runtime kernels/lookup.h, unary_quantized.h,
// sigmoid_tanh.h, unary_f32.h, prelu.h). Every kernel here evaluates on the host
// (kernels/unary.cpp runs the runtime kernel): constant folding, and the int8 tables
// (ops/int8_table.h), which are the int8 reference kernels run over all 256 inputs.
#pragma once

#include <vector>

#include "kernels/binary.h"
#include "kernels/kernel.h"

namespace microflow {

// The element count of a single-input element-wise call (the runtime structs' first field):
// ops/int8_table.cpp sets it to 256 to evaluate a reference call over every int8 value.
struct ElementCount {
  int64_t size = 0;
};

struct LookupS8Params : ParamsBase, ElementCount {
  MF_PARAMS(LookupS8Params, size)
};

struct ClampParams : ParamsBase, ElementCount {
  int64_t min = 0, max = 0;
  MF_PARAMS(ClampParams, size, min, max)
};

struct ReluParams : ParamsBase, ElementCount {
  int64_t input_zero_point = 0, output_zero_point = 0, multiplier = 0, shift = 0, act_min = 0, act_max = 0;
  MF_PARAMS(ReluParams, size, input_zero_point, output_zero_point, multiplier, shift, act_min, act_max)
};

struct LeakyReluParams : ParamsBase, ElementCount {
  int64_t input_zero_point = 0, output_zero_point = 0;
  int64_t alpha_multiplier = 0, alpha_shift = 0, identity_multiplier = 0, identity_shift = 0;
  MF_PARAMS(LeakyReluParams, size, input_zero_point, output_zero_point, alpha_multiplier, alpha_shift,
            identity_multiplier, identity_shift)
};

struct AbsParams : ParamsBase, ElementCount {
  int64_t mode = 0;  // mf::kAbsPlain / kAbsOffset / kAbsRescale
  int64_t input_zero_point = 0, output_zero_point = 0, multiplier = 0, shift = 0;
  MF_PARAMS(AbsParams, size, mode, input_zero_point, output_zero_point, multiplier, shift)
};

struct HardSwishS8Params : ParamsBase, ElementCount {
  int64_t input_zero_point = 0, output_zero_point = 0;
  int64_t output_multiplier = 0, output_shift = 0, reluish_multiplier = 0, reluish_shift = 0;
  MF_PARAMS(HardSwishS8Params, size, input_zero_point, output_zero_point, output_multiplier, output_shift,
            reluish_multiplier, reluish_shift)
};

struct EluS8Params : ParamsBase, ElementCount {
  int64_t input_zero_point = 0, output_zero_point = 0;
  float input_scale = 1, inverse_output_scale = 1;
  MF_PARAMS(EluS8Params, size, input_zero_point, output_zero_point, input_scale, inverse_output_scale)
};

struct RsqrtS8Params : ParamsBase, ElementCount {
  int64_t input_zero_point = 0, output_zero_point = 0, multiplier = 0, shift = 0;
  MF_PARAMS(RsqrtS8Params, size, input_zero_point, output_zero_point, multiplier, shift)
};

struct SigmoidS8Params : ParamsBase, ElementCount {
  int64_t input_zero_point = 0, input_range_radius = 0, input_multiplier = 0, input_left_shift = 0;
  MF_PARAMS(SigmoidS8Params, size, input_zero_point, input_range_radius, input_multiplier, input_left_shift)
};

struct SigmoidS16Params : ParamsBase, ElementCount {
  int64_t input_multiplier = 0, input_left_shift = 0;
  MF_PARAMS(SigmoidS16Params, size, input_multiplier, input_left_shift)
};

struct UnaryF32Params : ParamsBase, ElementCount {
  MF_PARAMS(UnaryF32Params, size)
};

struct LeakyReluF32Params : ParamsBase, ElementCount {
  float alpha = 0;
  MF_PARAMS(LeakyReluF32Params, size, alpha)
};

// PRELU broadcasts as the binary kernels do (float32 takes BinaryParams itself).
struct PreluParams : BinaryParams {
  int64_t input_offset = 0, alpha_offset = 0, output_offset = 0;
  int64_t identity_multiplier = 0, identity_shift = 0, alpha_multiplier = 0, alpha_shift = 0;
  MF_PARAMS(PreluParams, dims, input1_strides, input2_strides, input1_in_flash, input2_in_flash, input_offset,
            alpha_offset, output_offset, identity_multiplier, identity_shift, alpha_multiplier, alpha_shift)
};

// The generic int8 table lookup (in, table array "Table", out) and the clamp a table
// reduces to when it is one.
extern const KernelDef kLookupS8;
extern const KernelDef kClampS8, kClampS16;

// Quantized reference kernels (in, out).
extern const KernelDef kReluS8, kReluS16, kLeakyReluS8, kLeakyReluS16, kAbsS8, kAbsS16;
extern const KernelDef kHardSwishS8, kEluS8, kRsqrtS8;
extern const KernelDef kLogisticS8, kTanhS8, kLogisticS16, kTanhS16;

// Float kernels (in, out).
extern const KernelDef kAbsF32, kNegF32, kExpF32, kLogF32, kSqrtF32, kRsqrtF32, kSquareF32, kSinF32, kCosF32;
extern const KernelDef kFloorF32, kCeilF32, kRoundF32, kReluF32, kRelu6F32, kLeakyReluF32, kEluF32;
extern const KernelDef kHardSwishF32, kLogisticF32, kTanhF32;

// PRELU (in, alpha, out): alpha an activation, or a constant array "Alpha" (*Const).
extern const KernelDef kPreluS8, kPreluS16, kPreluF32;

}  // namespace microflow
