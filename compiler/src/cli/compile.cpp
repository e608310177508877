#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "diagnostics.h"
#include "emitter/emitter.h"
#include "pipeline.h"
#include "targets/target.h"

namespace microflow {

namespace fs = std::filesystem;

// Writes only when the contents change, so builds that depend on the
// generated files don't rebuild for nothing.
void write_if_changed(const fs::path& path, const std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (old == contents) return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) throw CompileError(path.string() + ": cannot write file");
}

namespace {

std::string streaming_note(const CompiledModel& m) {
  if (!m.input_rows.enabled) return "";
  return ", input row by row: " + std::to_string(m.input_rows.rows) + " rows of " +
         std::to_string(m.input_rows.row_elements) + ", " + std::to_string(m.input_rows.window_rows) +
         " held; whole-input arena " + std::to_string(m.whole_input_arena_bytes) + " B";
}

}  // namespace

CompileOptions pipeline_options(const PipelineArgs& p, const Target* target) {
  CompileOptions o;
  o.optimize = p.weights.page() ? Optimize::Size : parse_optimize(p.optimize);
  if (target) o.target_family = target->family, o.target_isa = target->isa;
  o.streaming = parse_streaming_mode(p.streaming);
  o.input_rows = parse_streaming_mode(p.streaming_input, "--streaming-input");
  o.rewrites = p.rewrites == "on";
  o.int8_tables = p.int8_tables == "on";
  if (!p.weights.page()) return o;
  if (o.streaming == StreamingMode::On)
    throw CompileError("--patch-streaming on: not available with --weights external (streamed regions keep their "
                       "weights in flash); use auto or off");
  if (o.input_rows == StreamingMode::On)
    throw CompileError("--streaming-input on and --weights external cannot be combined (the streamed first layer "
                       "has no paged form); use one of them");
  o.streaming = o.input_rows = StreamingMode::Off;
  return o;
}

GeneratedCode generate_code(const std::string& model, std::string& name, const std::string& target_name,
                            const PipelineArgs& p, CompiledModel& m) {
  const Target target = target_name.empty() ? Target{} : find_target(target_name);
  compile_model(model, m, pipeline_options(p, target_name.empty() ? nullptr : &target));
  if (name.empty()) name = model_identifier(fs::path(model).stem().string());
  EmitOptions options;
  options.page_bytes = p.weights.page();
  return emit_cpp(m.graph, m.calls, m.plan, name, options, m.input_rows, m.whole_input_arena_bytes);
}

int run_compile(const CompileArgs& a) {
  CompiledModel m;
  std::string name = a.name;
  const GeneratedCode code = generate_code(a.model, name, a.target, a.pipeline, m);
  std::error_code ec;
  fs::create_directories(a.out_dir, ec);
  if (ec) throw CompileError(a.out_dir + ": cannot create directory: " + ec.message());
  write_if_changed(fs::path(a.out_dir) / code.header_file, code.header);
  write_if_changed(fs::path(a.out_dir) / code.source_file, code.source);
  if (!code.weights_file.empty())
    write_if_changed(fs::path(a.out_dir) / code.weights_file,
                     std::string(code.weights_image.begin(), code.weights_image.end()));
  std::cout << "microflow: " << a.model << " -> " << (fs::path(a.out_dir) / code.source_file).string() << " ("
            << m.calls.size() << " ops, " << m.weight_bytes() << " B constants, arena " << m.plan.arena_bytes
            << " B" << streaming_note(m) << ")\n";
  if (!code.weights_file.empty())
    std::cout << "microflow: external weights -> " << (fs::path(a.out_dir) / code.weights_file).string() << " ("
              << code.weights_image.size() << " B, read through a " << a.pipeline.weights.page() << " B page; "
              << code.internal_constant_bytes << " B of constants stay in internal flash)\n";
  return 0;
}

}  // namespace microflow
