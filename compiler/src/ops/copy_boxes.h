// Shared by the data-movement lowerings (pad.cpp, concatenation.cpp, split.cpp, slice.cpp,
// transpose.cpp, space_batch.cpp): type and operand checks, and the call of the box-copy
// kernel (kernels/copy_boxes.h).
#pragma once

#include <initializer_list>
#include <vector>

#include "kernels/copy_boxes.h"
#include "ops/lower_util.h"

namespace microflow {

// Row-major element strides of a shape.
std::vector<int64_t> row_major_strides(const std::vector<int32_t>& shape);
// Elements of dimensions [begin, end) of a shape.
int64_t shape_product(const std::vector<int32_t>& shape, size_t begin, size_t end);
// Fails unless tensor `t` has shape `expected`; `how` says where that comes from.
void expect_shape(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                  const std::vector<int32_t>& expected, const std::string& how);

// The element type of the op's data tensors: every one has the same type, one of `supported`
// (the types TFLM's kernel takes).
DType expect_data_type(const Graph& g, const Operator& op, const std::vector<const Tensor*>& tensors,
                       std::initializer_list<DType> supported);

// The values of a constant integer operand: int32, or also int64 where TFLM reads either.
std::vector<int64_t> constant_ints(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                                   bool int64_too = false);

// `axis` in [-rank, rank) as an index in [0, rank).
int normalize_axis(const Graph& g, const Operator& op, int64_t axis, size_t rank, const std::string& what);

// A box over all of `shape` (outermost first) from `source` with the given element strides
// into `target`, written row-major.
CopyBox whole_box(int source, int target, const std::vector<int32_t>& shape, const std::vector<int64_t>& source_strides);

// Merges each box's dimensions (dropping extents of 1, joining neighbours that are one
// run in both tensors), stores them in the call's params and (re)encodes the call's
// boxes array.
void set_copy_boxes(const Graph& g, KernelCall& k, std::vector<CopyBox> boxes);

// The call: `inputs` then `outputs` as its tensor arguments (the numbering of the boxes),
// `params` with element_bytes and fill set, and `boxes`.
KernelCall copy_call(const Graph& g, const Operator& op, const std::vector<const Tensor*>& inputs,
                     const std::vector<const Tensor*>& outputs, Params params, std::vector<CopyBox> boxes);

}  // namespace microflow
