// reader -> schedule -> lowering -> planner: everything `compile`, `inspect`
// and `verify` share before code is printed.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"
#include "passes/fold.h"
#include "passes/input_rows.h"
#include "passes/specialize.h"
#include "passes/stream.h"
#include "planner/planner.h"

namespace microflow {

// Zero-copy views (passes/views.cpp) keep a whole tensor live from its first part's
// producer on, which can raise the arena's peak: the pipeline plans with and without
// them and keeps them unless that costs arena bytes.
struct ViewsReport {
  int calls = 0;                 // box-copy calls that could be views
  int64_t arena_with = 0, arena_without = 0;
  bool kept = false;
};

struct CompiledModel {
  Graph graph;
  std::vector<FoldedOp> folded;   // operators computed at build time or removed as dead
  std::vector<KernelCall> calls;  // pointers into graph.ops: keep the object in place
  MemoryPlan plan;
  StreamingReport streaming;           // band streaming
  ViewsReport views;
  StreamingInput input_rows;           // enabled: the input comes row by row
  int64_t whole_input_arena_bytes = 0;  // the arena of the whole-input form (compiled without input rows)

  int64_t weight_bytes() const;
  int64_t macs() const;
};

struct CompileOptions {
  Optimize optimize = Optimize::Speed;  // --optimize
  // The target family the code is for ("avr", "cortex-m", ...; empty: any): picks variants.
  std::string target_family;
  // Its instruction-set extensions (targets.json "isa"): "mve" keeps int8 weights for Helium.
  std::vector<std::string> target_isa = {};
  StreamingMode streaming = StreamingMode::Auto;  // --patch-streaming
  // --streaming-input: off = whole input, on = row by row or an error saying why not,
  // auto = row by row when the model allows it and the arena shrinks.
  StreamingMode input_rows = StreamingMode::Off;
  // Layer rewrites that remove tensors and copies (PAD folded into the next layer, int8
  // activations folded into the layer before them, zero-copy views); off gives the plain form, to measure what they save (--rewrites).
  bool rewrites = true;
  // int8 single-input operators as 256-byte tables (or clamps); false keeps TFLM's arithmetic
  // per element (the direct kernels), to measure what the tables save (--int8-tables).
  bool int8_tables = true;
};

// Throws CompileError with a message naming the file and operator.
void compile_model(const std::string& path, CompiledModel& out, const CompileOptions& options = {});
// The same for a model already in memory; `name` stands for the file in messages.
void compile_model_buffer(const std::vector<uint8_t>& bytes, const std::string& name, CompiledModel& out,
                          const CompileOptions& options = {});

}  // namespace microflow
