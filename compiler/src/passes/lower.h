// Lowering: each operator's definition (ops/) checks it against TFLM's Prepare
// rules and turns it into a KernelCall with every constant (multipliers, folded
// biases, padding, activation bounds) computed at build time.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

std::vector<KernelCall> lower_graph(const Graph& g);

// Rejects `op` when a requantization shift of its call `k` is outside [-31, 31]. Also run
// before the compiler evaluates a call itself (constant folding, int8 tables): the runtime
// kernels shift by them.
void check_shifts(const Graph& g, const Operator& op, const KernelCall& k);

}  // namespace microflow
