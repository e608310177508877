// numpy-style broadcasting of two inputs to an output of up to 4 dimensions, as
// the runtime's broadcast loops take it (kernels/add.h).
#pragma once

#include <vector>

#include "ops/lower_util.h"

namespace microflow {

struct Broadcast4 {
  std::vector<int64_t> dims;                            // output shape padded on the left with 1s
  std::vector<int64_t> input1_strides, input2_strides;  // element strides, 0 on a broadcast dim
};

Broadcast4 broadcast_4d(const Graph& g, const Operator& op, const Tensor& a, const Tensor& b, const Tensor& out);

}  // namespace microflow
