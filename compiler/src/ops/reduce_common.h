// Shared by the lowerings of the reduction family (MEAN, SUM, REDUCE_MAX / REDUCE_MIN,
// ARG_MAX / ARG_MIN, CUMSUM): constant axis operands, read and resolved at compile time,
// and the element types these operators take.
#pragma once

#include <vector>

#include "ops/lower_util.h"

namespace microflow {

// The values of the op's constant int32 axis tensor, each resolved against `rank`
// (negative counts from the end); none for a scalar (rank 0). Fails naming the tensor when
// it is not a constant int32 tensor or a value is out of range; `count` >= 0 also requires
// that many values.
std::vector<int> resolve_axes(const Graph& g, const Operator& op, const Tensor& axes, size_t rank, int count = -1);

// `t`'s type must be one of `allowed`, else the message lists them and says why (TFLM's
// limits); int8 / int16 tensors need one scale and zero point (int16: zero point 0).
void expect_type(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                 const std::vector<DType>& allowed, const char* why);

// int32 data may be constant: constant folding (passes/fold.cpp) runs those calls on the
// host through KernelDef::evaluate, unless an output is a model output (then, as for other
// types, the input must be an activation).
void expect_foldable_or_activation(const Graph& g, const Operator& op, const Tensor& in);

// "int8, float32"
std::string type_list(const std::vector<DType>& types);

}  // namespace microflow
