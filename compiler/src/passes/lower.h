// Lowering: each operator's definition (ops/) checks it against TFLM's Prepare
// rules and turns it into a KernelCall with every constant (multipliers, folded
// biases, padding, activation bounds) computed at build time.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

std::vector<KernelCall> lower_graph(const Graph& g);

}  // namespace microflow
