// Static memory plan: every activation tensor gets an offset in one arena,
// from tensor lifetimes over the execution order; variable tensors (state) get
// offsets in a separate state region. Tensors that alias (a
// RESHAPE output and its input) share one buffer, and so do an in-place
// operator's input and output (at offsets `gap` bytes apart for the row-window
// kernels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"
#include "passes/input_rows.h"

namespace microflow {

struct Buffer {
  std::vector<int> tensors;  // the tensors stored here (aliases and in-place pairs share a buffer)
  int64_t size = 0;
  int first_step = 0;  // op step that writes it (model inputs: 0)
  int last_step = 0;   // last op step that reads it (model outputs: the end)
  int64_t offset = -1;
};

// An operator that writes its output over an input that dies there (decided by
// the planner, shown by `inspect`). Element-wise (ADD, QUANTIZE): the output at
// the input's offset. Row window (int8 DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D,
// batch 1): the kernel finishes output row y before it writes row y + 1 and reads
// for it only input rows from y * stride - pad_top on, so the output starts
// `gap` bytes before the input; the pair takes max(gap + input, output) bytes.
struct InPlace {
  int op_index = -1;
  int input = -1, output = -1;  // tensor ids
  bool row_window = false;
  int64_t gap = 0;    // bytes the output starts before the input (row window)
  int64_t saved = 0;  // input + output bytes - the pair's bytes
};

// The smallest gap (bytes the output starts before the input) such that a kernel
// producing output rows in increasing order, reading for row y input rows from
// max(0, y * stride - pad_top) on, never overwrites an input byte it still needs:
// max over y of (end of output row y) - (first input row of y's window), at least 0.
int64_t row_window_gap(int64_t input_height, int64_t input_row_bytes, int64_t output_height,
                       int64_t output_row_bytes, int64_t stride, int64_t pad_top);

struct MemoryPlan {
  std::vector<Buffer> buffers;
  std::vector<InPlace> in_place;
  std::vector<int> buffer_of;  // tensor id -> buffer index, -1 for constants / unused
  std::vector<int64_t> offset_in_buffer;  // tensor id -> offset from its buffer's start
  int64_t arena_bytes = 0;
  int64_t arena_without_row_windows = 0;  // the arena with no row-window in-place pair
  int64_t lower_bound = 0;  // the most bytes live at any one step
  std::string strategy;     // which placement order won
  int64_t alignment = 4;
  // The state region (kept apart from the arena, which the application may reuse between
  // invokes): variable tensors at fixed offsets, and the byte that says whether the
  // run-once operators have run since reset() (-1: there are none).
  std::vector<int64_t> state_offset;  // tensor id -> offset in the state region, -1 elsewhere
  int64_t state_bytes = 0;
  int64_t once_flag_offset = -1;

  bool in_state(int tensor) const {
    return static_cast<size_t>(tensor) < state_offset.size() && state_offset[static_cast<size_t>(tensor)] >= 0;
  }
  int64_t offset_of(int tensor) const {
    return buffers.at(static_cast<size_t>(buffer_of.at(static_cast<size_t>(tensor)))).offset +
           offset_in_buffer.at(static_cast<size_t>(tensor));
  }
  bool in_arena(int tensor) const { return buffer_of.at(static_cast<size_t>(tensor)) >= 0; }
};

// With streaming input, the whole input is not in the arena and the row state lives
// from the first row to the end (it carries over to the next input). Element-wise
// in-place pairs are always taken; a row-window pair only where it lowers the arena
// (greedy: all legal pairs, then each dropped again unless the arena grows).
MemoryPlan plan_memory(const Graph& g, const std::vector<KernelCall>& calls, int64_t alignment = 4,
                       const StreamingInput& streaming = {});

// Runs the depthwise calls the plan puts in place in their by-rows form (the
// whole-image kernel walks the image once per channel block). After the last plan_memory.
void use_in_place_kernels(std::vector<KernelCall>& calls, const MemoryPlan& plan);

// Reorders the calls (any topological order of the DAG is valid) to minimize
// the peak of live bytes; keeps the given order when nothing is better.
void choose_execution_order(const Graph& g, std::vector<KernelCall>& calls);

// Bytes live at each step (for reports).
std::vector<int64_t> live_bytes_per_step(const MemoryPlan& plan, size_t steps);

}  // namespace microflow
