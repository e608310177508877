// reader -> schedule -> lowering -> planner: everything `compile`, `inspect`
// and `verify` share before code is printed.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"
#include "passes/streaming.h"
#include "passes/specialize.h"
#include "planner/planner.h"

namespace microflow {

struct CompiledModel {
  Graph graph;
  std::vector<KernelCall> calls;  // pointers into graph.ops: keep the object in place
  MemoryPlan plan;
  StreamingInput streaming;          // enabled: the input comes row by row
  int64_t whole_input_arena_bytes = 0;  // the arena of the whole-input form (= plan's without streaming)

  int64_t weight_bytes() const;
  int64_t macs() const;
};

// Throws CompileError with a message naming the file and operator; with
// StreamingMode::On also when the model cannot take its input row by row.
void compile_model(const std::string& path, CompiledModel& out, const CompileOptions& options = {},
                   StreamingMode streaming = StreamingMode::Off);
// The same for a model already in memory; `name` stands for the file in messages.
void compile_model_buffer(const std::vector<uint8_t>& bytes, const std::string& name, CompiledModel& out,
                          const CompileOptions& options = {}, StreamingMode streaming = StreamingMode::Off);

}  // namespace microflow
