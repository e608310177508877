// Layer fusion on the lowered calls: a DEPTHWISE_CONV_2D whose output only
// feeds a FULLY_CONNECTED (possibly through a RESHAPE) becomes one call that
// accumulates the fully-connected sums as depthwise outputs are produced, so
// the intermediate tensor never needs RAM.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

// Adds the accumulator scratch tensors it needs to `g`.
void fuse_layers(Graph& g, std::vector<KernelCall>& calls);

}  // namespace microflow
