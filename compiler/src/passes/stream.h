// Band (patch) streaming, MCUNetV2-style: a chain of int8 convolution,
// depthwise and pooling layers, each feeding only the next, becomes one
// region that computes its output row by row; each layer after the first
// keeps only the input rows one output row's window spans (a line buffer), so
// the chain's intermediate tensors never exist whole. The runtime side is
// band_stream.h; results are bit-identical (the same kernels run on bands).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

enum class StreamingMode {
  Auto,  // stream where it lowers the arena
  On,    // stream every eligible chain whole
  Off,
};

// "auto" / "on" / "off"; throws CompileError naming `option` otherwise. Also the
// mode of --streaming-input (passes/input_rows.h).
StreamingMode parse_streaming_mode(const std::string& s, const std::string& option = "--patch-streaming");
const char* streaming_mode_name(StreamingMode m);

// What the pass decided, for reports.
struct StreamingReport {
  StreamingMode mode = StreamingMode::Auto;
  int64_t lower_bound_before = 0, arena_before = 0;  // the plan without streaming
  int64_t chains = 0;  // eligible chains of two or more layers
  bool measured = false;  // false: nothing to stream, "before" is the final plan
  // Why each eligible chain stops where it does (the op after its last layer), for inspect.
  struct ChainEnd {
    int last_op = -1;
    std::string why;
  };
  std::vector<ChainEnd> chain_ends;
};

// Replaces chosen chains of calls by region calls (adds their scratch tensors to `g`).
// `input_rows`: the input will come row by row where it can (--streaming-input on/auto);
// `auto` then weighs splits with the input as a ring of rows.
StreamingReport stream_layers(Graph& g, std::vector<KernelCall>& calls, StreamingMode mode, bool input_rows);

}  // namespace microflow
