// Two-input element-wise kernels with broadcasting, ADD_N and LOGICAL_NOT (runtime
// kernels/binary.h, kernels/add_n.h). Each KernelDef names one operator's template
// instance, e.g. "binary_quantized<mf::OpMul>"; the element type is deduced from the
// arguments. Every one can fold (binary.cpp runs the runtime kernel on host buffers).
#pragma once

#include <vector>

#include "kernels/kernel.h"

namespace microflow {

// The runtime's kBinaryMaxRank: dims and strides have this many entries.
constexpr int kBinaryMaxRank = 5;

struct BinaryParams : ParamsBase {
  std::vector<int64_t> dims, input1_strides, input2_strides;
  int64_t input1_in_flash = 0, input2_in_flash = 0;
  MF_PARAMS(BinaryParams, dims, input1_strides, input2_strides, input1_in_flash, input2_in_flash)
};

// The runtime struct P (mf::BinaryParams or one that starts as it does) with the
// broadcast fields of t; the rest zero (kernels' host evaluation).
template <typename P>
P runtime_broadcast(const BinaryParams& t) {
  P p{};
  for (int i = 0; i < kBinaryMaxRank; ++i) {
    const auto at = [i](const std::vector<int64_t>& v) { return static_cast<int32_t>(i < static_cast<int>(v.size()) ? v[i] : 0); };
    p.dims[i] = at(t.dims);
    p.input1_strides[i] = at(t.input1_strides);
    p.input2_strides[i] = at(t.input2_strides);
  }
  p.input1_in_flash = static_cast<int32_t>(t.input1_in_flash);
  p.input2_in_flash = static_cast<int32_t>(t.input2_in_flash);
  return p;
}

struct BinaryS32Params : BinaryParams {
  int64_t act_min = 0, act_max = 0;
  MF_PARAMS(BinaryS32Params, dims, input1_strides, input2_strides, input1_in_flash, input2_in_flash, act_min,
            act_max)
};

struct BinaryF32Params : BinaryParams {
  float act_min = 0, act_max = 0;
  MF_PARAMS(BinaryF32Params, dims, input1_strides, input2_strides, input1_in_flash, input2_in_flash, act_min,
            act_max)
};

struct BinaryQuantizedParams : BinaryParams {
  int64_t input1_offset = 0, input2_offset = 0, left_shift = 0;
  int64_t input1_multiplier = 0, input1_shift = 0, input2_multiplier = 0, input2_shift = 0;
  int64_t output_multiplier = 0, output_shift = 0, output_offset = 0;
  int64_t act_min = 0, act_max = 0;
  ArrayRef output_table;  // int8 ADD: a folded activation's table (passes/activation_fold.cpp)
  MF_PARAMS(BinaryQuantizedParams, dims, input1_strides, input2_strides, input1_in_flash, input2_in_flash,
            input1_offset, input2_offset, left_shift, input1_multiplier, input1_shift, input2_multiplier, input2_shift,
            output_multiplier, output_shift, output_offset, act_min, act_max, output_table)
};

struct LogicalNotParams : ParamsBase {
  int64_t size = 0, input_in_flash = 0;
  MF_PARAMS(LogicalNotParams, size, input_in_flash)
};

struct AddNF32Params : ParamsBase {
  int64_t size = 0, in_flash_mask = 0;
  MF_PARAMS(AddNF32Params, size, in_flash_mask)
};

struct AddNS8Params : ParamsBase {
  int64_t size = 0, in_flash_mask = 0, initial_sum = 0;
  int64_t input_offset = 0, left_shift = 0, input_multiplier = 0, input_shift = 0;
  int64_t output_multiplier = 0, output_shift = 0, output_offset = 0, act_min = 0, act_max = 0;
  MF_PARAMS(AddNS8Params, size, in_flash_mask, initial_sum, input_offset, left_shift, input_multiplier, input_shift,
            output_multiplier, output_shift, output_offset, act_min, act_max)
};

// The kernels of one operator, by parameter struct; nullptr where TFLM has no such form.
struct BinaryKernels {
  const KernelDef* plain = nullptr;      // BinaryParams: raw values (MAXIMUM, comparisons, ...)
  const KernelDef* s32 = nullptr;        // BinaryS32Params: int32 with an activation
  const KernelDef* f32 = nullptr;        // BinaryF32Params
  const KernelDef* quantized = nullptr;  // BinaryQuantizedParams: int8 / int16
  std::vector<const KernelDef*> all() const;
};

extern const BinaryKernels kAddKernels, kSubKernels, kMulKernels, kDivKernels, kSquaredDifferenceKernels,
    kMaximumKernels, kMinimumKernels, kFloorDivKernels, kFloorModKernels, kEqualKernels, kNotEqualKernels,
    kLessKernels, kLessEqualKernels, kGreaterKernels, kGreaterEqualKernels, kLogicalAndKernels, kLogicalOrKernels;

extern const KernelDef kLogicalNot, kAddNF32, kAddNS8;

}  // namespace microflow
