// Zero-copy data movement: a CONCATENATION whose inputs can be written straight into
// their slices of the output, or a SPLIT / UNPACK / SLICE whose outputs are contiguous
// ranges of the input, copies nothing: the planner stores each part inside its whole.
// A part that is a contiguous block can come from any producer; a strided part (a
// concatenation on channels) needs a producer that writes with an output stride
// (KernelDef::set_output_stride: the generic int8 convolutions and FULLY_CONNECTED).
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

// After band streaming, before specialization (which keeps strided producers generic).
void place_views(const Graph& g, std::vector<KernelCall>& calls);

}  // namespace microflow
