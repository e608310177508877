// numpy-style broadcasting of two inputs to the output, as the runtime's broadcast loop
// takes it (kernels/binary.h).
#pragma once

#include "kernels/binary.h"
#include "ops/lower_util.h"

namespace microflow {

// Fills p's dims and element strides (0 on a broadcast dim) for inputs a and b read at
// every output element. Dims of 1 are dropped and adjacent dims that both inputs walk
// alike merged (same elements, same order: fewer, longer loops), then padded on the left
// to kBinaryMaxRank. Fails when an input does not broadcast to the output or a tensor
// has more than `max_rank` dimensions (TFLM's limit for the operator).
void broadcast_binary(const Graph& g, const Operator& op, const Tensor& a, const Tensor& b, const Tensor& out,
                      int max_rank, BinaryParams& p);

}  // namespace microflow
