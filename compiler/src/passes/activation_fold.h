// An int8 activation disappears into the layer before it. A standalone single-input int8
// operator lowered to a table or a clamp (ops/int8_table.h: RELU, RELU6, LEAKY_RELU,
// HARD_SWISH, LOGISTIC, TANH, ...) whose input only it reads, and which is no model output,
// runs inside the output loop of the int8 layer that produces that input:
// - a clamp [lo, hi] after a layer whose activation range is [a, b]: clamping twice is one
//   clamp to [clamp(a, lo, hi), clamp(b, lo, hi)], so only act_min / act_max change
//   (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, pooling, ADD);
// - a table: the layer stores table[requantized value] (the runtime's activate_s8), which
//   is what the activation would have computed from the stored value (CONV_2D,
//   DEPTHWISE_CONV_2D, FULLY_CONNECTED, pooling, int8 ADD).
// Either way the intermediate tensor never exists and the output is traversed once.
// The call keeps the layer as `op` and records the activation (KernelCall::folded_activation).
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

// The layer's constant array holding the table (weight paging copies it into every group).
inline constexpr const char* kOutputTableSuffix = "OutputTable";

// After lowering (and PAD folding), before fusion and streaming.
void fold_activations(const Graph& g, std::vector<KernelCall>& calls);

}  // namespace microflow
