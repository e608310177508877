// Static memory plan: every activation tensor gets an offset in one arena,
// from tensor lifetimes over the execution order. Tensors that alias (a
// RESHAPE output and its input) share one buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"
#include "passes/input_rows.h"

namespace microflow {

struct Buffer {
  std::vector<int> tensors;  // the tensors stored here (aliases share a buffer)
  int64_t size = 0;
  int first_step = 0;  // op step that writes it (model inputs: 0)
  int last_step = 0;   // last op step that reads it (model outputs: the end)
  int64_t offset = -1;
};

// An element-wise operator that writes its output over an input that dies
// there (decided by the planner, shown by `inspect`).
struct InPlace {
  int op_index = -1;
  int input = -1, output = -1;  // tensor ids
};

struct MemoryPlan {
  std::vector<Buffer> buffers;
  std::vector<InPlace> in_place;
  std::vector<int> buffer_of;  // tensor id -> buffer index, -1 for constants / unused
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;  // the most bytes live at any one step
  std::string strategy;     // which placement order won
  int64_t alignment = 4;

  int64_t offset_of(int tensor) const { return buffers.at(static_cast<size_t>(buffer_of.at(static_cast<size_t>(tensor)))).offset; }
  bool in_arena(int tensor) const { return buffer_of.at(static_cast<size_t>(tensor)) >= 0; }
};

// With streaming input, the whole input is not in the arena and the row state lives
// from the first row to the end (it carries over to the next input).
MemoryPlan plan_memory(const Graph& g, const std::vector<KernelCall>& calls, int64_t alignment = 4,
                       const StreamingInput& streaming = {});

// Reorders the calls (any topological order of the DAG is valid) to minimize
// the peak of live bytes; keeps the given order when nothing is better.
void choose_execution_order(const Graph& g, std::vector<KernelCall>& calls);

// Bytes live at each step (for reports).
std::vector<int64_t> live_bytes_per_step(const MemoryPlan& plan, size_t steps);

}  // namespace microflow
