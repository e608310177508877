// Shared by the index, shape and data-movement lowerings (gather.cpp, select.cpp,
// dynamic_update_slice.cpp, fill.cpp, cast.cpp, shape.cpp, resize.cpp): operands that
// may be constants, element types, the output's type and shape.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "ops/copy_boxes.h"

namespace microflow {

// Adds t as the call's next operand: a constant tensor becomes a flash array named
// `suffix`, anything else an input tensor. Returns 1 when it is in flash (the value of
// the kernel's `*_in_flash` field), else 0.
int64_t add_operand_arg(KernelCall& k, const Tensor& t, const std::string& suffix);

// Fails unless t's type is one of `allowed`; `why` completes "... is not supported: why".
void expect_type(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                 std::initializer_list<DType> allowed, const std::string& why);

// Fails unless the output has this type and shape (the operator's rule for it). Shared
// helpers of ops/copy_boxes.h serve the rest: shape_product, normalize_axis, constant_ints.
void expect_output(const Graph& g, const Operator& op, const Tensor& out, DType type, const std::vector<int32_t>& shape);

}  // namespace microflow
