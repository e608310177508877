// Streaming input: when the model's first kernel reads its input through a sliding
// window of rows (CONV_2D, DEPTHWISE_CONV_2D, fused DEPTHWISE+FULLY_CONNECTED, pooling)
// and nothing else reads the input, the generated code can take the input one row at
// a time: the arena then holds a ring of the last `window_rows` rows instead of the
// whole input (runtime/include/microflow/exec/input_rows.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"
#include "passes/stream.h"  // StreamingMode

namespace microflow {

struct StreamingInput {
  bool enabled = false;
  size_t call = 0;              // the streamed call (the first in execution order)
  int ring = -1, state = -1;    // tensor ids of the row ring and the row driver's words
  int64_t rows = 0;             // rows of the whole input
  int64_t row_elements = 0;     // elements per row
  int64_t window_rows = 0;      // rows held
  std::string kernel;           // the streamed kernel's function, e.g. "conv_2d_input_rows_s8"
};

// Why the model cannot take its input row by row, or "" when it can.
std::string streaming_blocker(const Graph& g, const std::vector<KernelCall>& calls);

// Rewrites the first call into its row form (adding the ring and state tensors to
// `g`) and drops the RESHAPEs between the input and it. Requires streaming_blocker() == "".
StreamingInput make_streaming(Graph& g, std::vector<KernelCall>& calls);

}  // namespace microflow
