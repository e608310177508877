// libFuzzer target: the whole compiler in memory (reader -> schedule ->
// lowering -> planner -> emitter), no file IO. Every input must either be
// rejected with a CompileError in the common "<file>: ..." format or compile
// to a consistent memory plan and generated code. Anything else (a crash, a
// sanitizer report, another exception type, a malformed message) is a bug.
//
// Built and run by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "emitter/emitter.h"
#include "pipeline.h"

namespace {

const std::string kName = "fuzz.tflite";

[[noreturn]] void bug(const std::string& what) {
  std::fprintf(stderr, "microflow fuzz: %s\n", what.c_str());
  std::abort();
}

// The plan must place every buffer inside the arena, and buffers alive at the
// same step must not share bytes.
// streamed: the model input is not in the arena (its rows go to a ring that is).
void check_plan(const microflow::Graph& g, const microflow::MemoryPlan& plan, bool streamed = false) {
  for (const auto& b : plan.buffers) {
    if (b.offset < 0 || b.size < 0 || b.offset + b.size > plan.arena_bytes)
      bug("buffer [" + std::to_string(b.offset) + ", +" + std::to_string(b.size) + ") outside the arena of " +
          std::to_string(plan.arena_bytes) + " bytes");
  }
  for (size_t i = 0; i < plan.buffers.size(); ++i)
    for (size_t j = i + 1; j < plan.buffers.size(); ++j) {
      const auto &a = plan.buffers[i], &b = plan.buffers[j];
      const bool live_together = a.first_step <= b.last_step && b.first_step <= a.last_step;
      const bool share_bytes = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (live_together && share_bytes && a.size > 0 && b.size > 0)
        bug("buffers " + std::to_string(i) + " and " + std::to_string(j) + " overlap while both are live");
    }
  // Tensors sharing a buffer (aliases, in-place pairs) lie inside it.
  for (const auto& t : g.tensors)
    if (plan.in_arena(t.id)) {
      const auto& b = plan.buffers.at(static_cast<size_t>(plan.buffer_of[static_cast<size_t>(t.id)]));
      const int64_t at = plan.offset_in_buffer.at(static_cast<size_t>(t.id));
      if (at < 0 || at + t.bytes() > b.size) bug("tensor " + std::to_string(t.id) + " outside its buffer");
    }
  for (int t : g.inputs)
    if (!streamed && !plan.in_arena(t)) bug("model input " + std::to_string(t) + " has no arena space");
  for (int t : g.outputs)
    if (!plan.in_arena(t)) bug("model output " + std::to_string(t) + " has no arena space");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    // What `microflow compile` does, minus the file IO.
    microflow::CompiledModel m;
    microflow::compile_model_buffer(bytes, kName, m);
    check_plan(m.graph, m.plan);
    const microflow::GeneratedCode code = microflow::emit_cpp(m.graph, m.calls, m.plan, "fuzzed");
    if (code.header.empty() || code.source.empty()) bug("empty generated code");
    // The streaming-input form, when the model allows it.
    microflow::CompiledModel s;
    microflow::CompileOptions rows_options;
    rows_options.input_rows = microflow::StreamingMode::Auto;
    microflow::compile_model_buffer(bytes, kName, s, rows_options);
    if (s.input_rows.enabled) {
      check_plan(s.graph, s.plan, true);
      if (!s.plan.in_arena(s.input_rows.ring) || !s.plan.in_arena(s.input_rows.state)) bug("streaming ring not in the arena");
      const microflow::GeneratedCode rows =
          microflow::emit_cpp(s.graph, s.calls, s.plan, "fuzzed", {}, s.input_rows, s.whole_input_arena_bytes);
      if (rows.source.find("push_row") == std::string::npos) bug("streaming form without push_row");
    }
  } catch (const microflow::CompileError& e) {
    const std::string msg = e.what();
    if (msg.rfind(kName + ": ", 0) != 0 || msg.size() <= kName.size() + 2)
      bug("CompileError not in the common format: " + msg);
  }
  // Any other exception escapes and libFuzzer reports it (uncaught -> abort).
  return 0;
}
