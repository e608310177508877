#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include <iostream>
#include <nlohmann/json.hpp>

#include <fstream>

#include "cli/commands.h"
#include "cli/memory_report.h"
#include "diagnostics.h"
#include "ops/int8_table.h"
#include "pipeline.h"

namespace microflow {

namespace {

nlohmann::json tensor_json(const CompiledModel& m, int id) {
  const Tensor& t = m.graph.tensor(id);
  nlohmann::json j = {{"id", id}, {"name", t.name}, {"type", dtype_name(t.type)}, {"shape", t.shape},
                      {"bytes", t.bytes()}, {"constant", t.is_constant}};
  if (t.quant.present()) {
    j["scale"] = t.quant.scales;
    j["zero_point"] = t.quant.zero_points;
    if (t.quant.per_channel()) j["quantized_dimension"] = t.quant.axis;
  }
  if (m.plan.in_arena(id)) j["arena_offset"] = m.plan.offset_of(id);
  if (t.is_variable) j["variable"] = true;
  if (m.plan.in_state(id)) j["state_offset"] = m.plan.state_offset[static_cast<size_t>(id)];
  return j;
}

std::string io_list(const CompiledModel& m, const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) {
    const Tensor& t = m.graph.tensor(id);
    s += fmt::format("{}{}'{}' {}{}", s.empty() ? "" : ", ", "", t.name, dtype_name(t.type), t.shape_string());
    if (t.quant.present()) s += fmt::format(" (scale {:g}, zero point {})", t.quant.scale(), t.quant.zero_point());
  }
  return s;
}

void print_text(const CompiledModel& m) {
  const Graph& g = m.graph;
  std::cout << fmt::format("model: {}\n", g.source);
  std::cout << fmt::format("inputs: {}\noutputs: {}\n\n", io_list(m, g.inputs), io_list(m, g.outputs));
  std::cout << fmt::format("{:>5}  {:<18} {:<22} {:<22} {:>12} {:>10}  {}\n", "op", "operator", "input", "output",
                           "MACs", "const B", "output tensor");
  for (const KernelCall& k : m.calls) {
    const int in_id = k.input_tensor();
    const Tensor& out = g.tensor(k.output_tensor());
    const std::string in =
        in_id < 0 ? "-" : std::string(dtype_name(g.tensor(in_id).type)) + g.tensor(in_id).shape_string();
    std::cout << fmt::format("{:>5}  {:<18} {:<22} {:<22} {:>12} {:>10}  {}\n", k.op_indices(), k.op_names(), in,
                             std::string(dtype_name(out.type)) + out.shape_string(), k.macs, k.constant_bytes(),
                             out.name);
    if (const auto t = int8_table_use(g, k))
      std::cout << fmt::format("{:>5}  kernel {}: {}\n", "", k.function(), t->note());
  }
  for (const FoldedOp& f : m.folded)
    std::cout << fmt::format("{:>5}  {:<18} {}\n", f.op_index, f.op_name,
                             f.evaluated ? "folded: computed at build time, its outputs are constants"
                                         : "removed: nothing reads its outputs");
  std::cout << fmt::format("\ntotal: {} ops, {} MACs, {} bytes of constants (flash)\n", m.calls.size(), m.macs(),
                           m.weight_bytes());
  std::cout << fmt::format("arena: {} bytes (lower bound {} bytes, placement: {})\n", m.plan.arena_bytes,
                           m.plan.lower_bound, m.plan.strategy);
  std::vector<std::string> once;
  for (const KernelCall& k : m.calls)
    if (k.op->once) once.push_back(k.op_indices());
  if (m.plan.state_bytes > 0)
    std::cout << fmt::format("state: {} bytes (variables kept from one invoke to the next, apart from the arena); "
                             "RAM: {} bytes (arena + state)\n",
                             m.plan.state_bytes, m.plan.arena_bytes + m.plan.state_bytes);
  if (!once.empty())
    std::cout << fmt::format("run once (CALL_ONCE's init subgraph, at the first invoke after reset()): op {}\n",
                             fmt::join(once, ", "));
  print_streaming_report(std::cout, m);
  if (m.views.calls)
    std::cout << fmt::format("zero-copy views: {} call(s); arena {} B with them, {} B with copies: {}\n",
                             m.views.calls, m.views.arena_with, m.views.arena_without,
                             m.views.kept ? "views kept" : "copies kept (the views' whole tensors live longer)");
  std::cout << "\ntensors in the arena:\n";
  for (const Buffer& b : m.plan.buffers)
    for (int id : b.tensors) {
      const Tensor& t = g.tensor(id);
      std::cout << fmt::format("  [{:>7}, {:>7})  steps {:>2}..{:<2}  {} {}{}\n", b.offset, b.offset + t.bytes(),
                               b.first_step, b.last_step, t.name, dtype_name(t.type), t.shape_string());
    }
  if (m.plan.state_bytes == 0) return;
  std::cout << "\ntensors in the state region:\n";
  for (const Tensor& t : g.tensors)
    if (m.plan.in_state(t.id)) {
      const int64_t at = m.plan.state_offset[static_cast<size_t>(t.id)];
      std::cout << fmt::format("  [{:>7}, {:>7})  {} {}{}\n", at, at + t.bytes(), t.name, dtype_name(t.type),
                               t.shape_string());
    }
  if (m.plan.once_flag_offset >= 0)
    std::cout << fmt::format("  [{:>7}, {:>7})  (has the init subgraph run)\n", m.plan.once_flag_offset,
                             m.plan.once_flag_offset + 1);
}

// The RAM of both input forms: the whole input in the arena, or row by row.
struct InputForms {
  std::unique_ptr<CompiledModel> streamed;  // nullptr when the input cannot be streamed
  std::string blocker;
};

InputForms input_forms(const InspectArgs& a, const CompiledModel& whole, const CompileOptions& options) {
  InputForms f;
  f.blocker = streaming_blocker(whole.graph, whole.calls);
  if (f.blocker.empty()) {
    CompileOptions rows = options;
    rows.input_rows = StreamingMode::On;
    f.streamed = std::make_unique<CompiledModel>();
    compile_model(a.model, *f.streamed, rows);
  }
  return f;
}

void print_input_forms(const CompiledModel& whole, const InputForms& f) {
  std::cout << fmt::format("\nInput forms:\n  whole input (compile --streaming-input off): arena {} B\n",
                           whole.plan.arena_bytes);
  if (!f.streamed) {
    std::cout << "  row by row: not possible: " << f.blocker << "\n";
    return;
  }
  const StreamingInput& s = f.streamed->input_rows;
  const Graph& g = f.streamed->graph;
  std::cout << fmt::format("  row by row  (compile --streaming-input on):  arena {} B: {} of {} rows of {} B held "
                           "({} B ring) + {} B row state; op {} runs as {}\n",
                           f.streamed->plan.arena_bytes, s.window_rows, s.rows, s.row_elements, g.tensor(s.ring).bytes(),
                           g.tensor(s.state).bytes(), f.streamed->calls[s.call].op_indices(), s.kernel);
  std::cout << "\nArena with the input row by row:\n";
  print_memory_report(std::cout, *f.streamed);
}

nlohmann::json input_forms_json(const CompiledModel& whole, const InputForms& f) {
  nlohmann::json j = {{"whole_input_arena_bytes", whole.plan.arena_bytes}, {"streaming_possible", f.streamed != nullptr}};
  if (!f.streamed) {
    j["streaming_blocker"] = f.blocker;
    return j;
  }
  const StreamingInput& s = f.streamed->input_rows;
  j.update({{"streaming_arena_bytes", f.streamed->plan.arena_bytes}, {"rows", s.rows}, {"row_elements", s.row_elements},
            {"window_rows", s.window_rows}, {"ring_bytes", f.streamed->graph.tensor(s.ring).bytes()},
            {"state_bytes", f.streamed->graph.tensor(s.state).bytes()}, {"kernel", s.kernel},
            {"streamed_memory", memory_report_json(*f.streamed)}});
  return j;
}

}  // namespace

int run_inspect(const InspectArgs& a) {
  CompiledModel m;
  CompileOptions options;
  options.streaming = parse_streaming_mode(a.streaming);
  options.rewrites = a.rewrites == "on";
  compile_model(a.model, m, options);
  if (!a.svg.empty()) {
    std::ofstream svg(a.svg);
    svg << memory_plan_svg(m);
    if (!svg) throw CompileError(a.svg + ": cannot write file");
  }
  if (!a.json) {
    print_text(m);
    if (a.memory) {
      std::cout << "\n";
      print_memory_report(std::cout, m);
      print_input_forms(m, input_forms(a, m, options));
    }
    return 0;
  }
  nlohmann::json ops = nlohmann::json::array();
  for (const KernelCall& k : m.calls) {
    nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array(), fused = nlohmann::json::array();
    for (const KernelArg& a : k.args)
      if (a.kind == KernelArg::Input) inputs.push_back(a.tensor);
      else if (a.kind == KernelArg::Output) outputs.push_back(a.tensor);
    for (const Operator* o : k.fused) fused.push_back(o->index);
    ops.push_back({{"index", k.op->index}, {"op", k.op_names()}, {"kernel", k.is_alias ? "alias" : k.views ? "views" : k.function()},
                   {"fused_ops", fused}, {"inputs", inputs}, {"outputs", outputs}, {"macs", k.macs},
                   {"weight_bytes", k.constant_bytes()}});
    if (const auto t = int8_table_use(m.graph, k)) {
      nlohmann::json table = {{"form", t->table ? "table" : "clamp"}, {"bytes", t->bytes}, {"evaluates", t->op},
                              {"reference_kernel", t->reference_kernel}, {"note", t->note()}};
      if (!t->table) table["clamp"] = {t->clamp_min, t->clamp_max};
      ops.back()["int8_table"] = table;
    }
    if (k.op->once) ops.back()["once"] = true;
  }
  nlohmann::json folded = nlohmann::json::array();
  for (const FoldedOp& f : m.folded)
    folded.push_back({{"index", f.op_index}, {"op", f.op_name}, {"how", f.evaluated ? "evaluated" : "dead"}});
  nlohmann::json tensors = nlohmann::json::array();
  for (const Tensor& t : m.graph.tensors) tensors.push_back(tensor_json(m, t.id));
  nlohmann::json j = {{"model", m.graph.source},
                      {"arena_bytes", m.plan.arena_bytes},
                      {"arena_lower_bound", m.plan.lower_bound},
                      {"state_bytes", m.plan.state_bytes},
                      {"ram_bytes", m.plan.arena_bytes + m.plan.state_bytes},
                      {"weight_bytes", m.weight_bytes()},
                      {"macs", m.macs()},
                      {"inputs", m.graph.inputs},
                      {"outputs", m.graph.outputs},
                      {"streaming", streaming_report_json(m)},
                      {"views", {{"calls", m.views.calls},
                                 {"arena_with", m.views.arena_with},
                                 {"arena_without", m.views.arena_without},
                                 {"kept", m.views.kept}}},
                      {"ops", ops},
                      {"folded", folded},
                      {"tensors", tensors}};
  if (a.memory) {
    j["memory"] = memory_report_json(m);
    j["memory"]["input_forms"] = input_forms_json(m, input_forms(a, m, options));
  }
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace microflow
