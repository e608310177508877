// Structural checks and execution order: every tensor an operator reads must
// be a constant, a model input or the output of an operator that runs
// earlier; the operators are put in a valid (topological) order.
#pragma once

#include "graph/graph.h"

namespace microflow {

// Reorders g.ops topologically (keeping the model's order where it is
// already valid). Fails on cycles, tensors that are read but never
// produced, and tensors produced twice.
void schedule(Graph& g);

}  // namespace microflow
