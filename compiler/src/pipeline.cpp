#include "pipeline.h"

#include "passes/fuse.h"
#include "passes/lower.h"
#include "passes/schedule.h"
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

void compile_graph(CompiledModel& out, const CompileOptions& options) {
  schedule(out.graph);
  out.calls = lower_graph(out.graph);
  fuse_layers(out.graph, out.calls);
  out.streaming = stream_layers(out.graph, out.calls, options.streaming);
  // After streaming: regions keep the generic kernels their band executor calls row by row
  // (band_stream.h); the specialized variants only replace calls outside regions.
  specialize_kernels(out.graph, out.calls, options.optimize, options.target_family);
  choose_execution_order(out.graph, out.calls);
  out.plan = plan_memory(out.graph, out.calls);
  if (!out.streaming.measured) {
    out.streaming.lower_bound_before = out.plan.lower_bound;
    out.streaming.arena_before = out.plan.arena_bytes;
  }
}

}  // namespace

void compile_model(const std::string& path, CompiledModel& out, const CompileOptions& options) {
  out.graph = read_tflite_file(path);
  compile_graph(out, options);
}

void compile_model_buffer(const std::vector<uint8_t>& bytes, const std::string& name, CompiledModel& out,
                          const CompileOptions& options) {
  out.graph = read_tflite_buffer(bytes, name);
  compile_graph(out, options);
}

}  // namespace microflow
