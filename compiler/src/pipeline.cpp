#include "pipeline.h"

#include <algorithm>
#include <functional>

#include "diagnostics.h"
#include "passes/activation_fold.h"
#include "passes/fuse.h"
#include "passes/lower.h"
#include "passes/pad_fold.h"
#include "passes/schedule.h"
#include "passes/views.h"
#include "ops/int8_table.h"
#include "reader/tflite_reader.h"

namespace microflow {

int64_t CompiledModel::weight_bytes() const {
  int64_t n = 0;
  for (const KernelCall& k : calls) n += k.constant_bytes();
  return n;
}

int64_t CompiledModel::macs() const {
  int64_t n = 0;
  for (const KernelCall& k : calls) n += k.macs;
  return n;
}

namespace {

void compile_graph(CompiledModel& out, const CompileOptions& options, StreamingMode input_rows) {
  schedule(out.graph);
  out.folded = fold_constants(out.graph);
  out.calls = lower_graph(out.graph);
  if (!options.int8_tables) use_direct_int8_kernels(out.graph, out.calls);
  if (options.rewrites) fold_padding(out.graph, out.calls);
  if (options.rewrites) fold_activations(out.graph, out.calls);
  fuse_layers(out.graph, out.calls);
  out.streaming = stream_layers(out.graph, out.calls, options.streaming, input_rows != StreamingMode::Off);
  // After streaming: specialization sees the regions' stages, and only picks variants the band
  // executor can call row by row (band_stream.h's BandKernel).
  std::vector<KernelCall> without_views = out.calls;
  if (options.rewrites) place_views(out.graph, out.calls);
  auto order_and_plan = [&](std::vector<KernelCall>& calls) {
    specialize_kernels(out.graph, calls, options.optimize, options.target_family, options.target_isa,
                       input_rows != StreamingMode::Off);
    choose_execution_order(out.graph, calls);
    return plan_memory(out.graph, calls);
  };
  out.plan = order_and_plan(out.calls);
  out.views.calls = static_cast<int>(std::count_if(out.calls.begin(), out.calls.end(), [](const KernelCall& k) { return k.views; }));
  if (out.views.calls) {
    MemoryPlan copies = order_and_plan(without_views);
    out.views.arena_with = out.plan.arena_bytes;
    out.views.arena_without = copies.arena_bytes;
    out.views.kept = out.views.arena_with <= out.views.arena_without;
    if (!out.views.kept) {
      out.calls = std::move(without_views);
      out.plan = std::move(copies);
    }
  }
  if (!out.streaming.measured) {
    out.streaming.lower_bound_before = out.plan.lower_bound;
    out.streaming.arena_before = out.plan.arena_bytes;
  }
  out.whole_input_arena_bytes = out.plan.arena_bytes;
  if (input_rows == StreamingMode::Off) {
    use_in_place_kernels(out.calls, out.plan);
    return;
  }
  // A band region as the first call has no row form: streaming_blocker says so.
  const std::string blocker = streaming_blocker(out.graph, out.calls);
  if (!blocker.empty()) {
    if (input_rows == StreamingMode::On) fail(out.graph.source, "cannot take the input row by row: " + blocker);
    use_in_place_kernels(out.calls, out.plan);
    return;
  }
  out.input_rows = make_streaming(out.graph, out.calls);
  out.plan = plan_memory(out.graph, out.calls, 4, out.input_rows);
  use_in_place_kernels(out.calls, out.plan);
}

// With streaming input the model is compiled again without it: band streaming chose its
// regions for rows, so the whole-input form's arena is that compile's. `auto` keeps the
// whole input when rows would not save RAM (the arena's peak is in a later layer).
void compile_read(const std::function<Graph()>& read, CompiledModel& out, const CompileOptions& options) {
  out.graph = read();
  compile_graph(out, options, options.input_rows);
  if (!out.input_rows.enabled) return;
  CompiledModel whole;
  whole.graph = read();
  compile_graph(whole, options, StreamingMode::Off);
  out.whole_input_arena_bytes = whole.plan.arena_bytes;
  if (options.input_rows == StreamingMode::Auto && out.plan.arena_bytes >= out.whole_input_arena_bytes)
    out = std::move(whole);
}

}  // namespace

void compile_model(const std::string& path, CompiledModel& out, const CompileOptions& options) {
  compile_read([&] { return read_tflite_file(path); }, out, options);
}

void compile_model_buffer(const std::vector<uint8_t>& bytes, const std::string& name, CompiledModel& out,
                          const CompileOptions& options) {
  compile_read([&] { return read_tflite_buffer(bytes, name); }, out, options);
}

}  // namespace microflow
