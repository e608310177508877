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

namespace {

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

std::string streaming_note(const CompiledModel& m) {
  if (!m.streaming.enabled) return "";
  return ", input row by row: " + std::to_string(m.streaming.rows) + " rows of " +
         std::to_string(m.streaming.row_elements) + ", " + std::to_string(m.streaming.window_rows) +
         " held; whole-input arena " + std::to_string(m.whole_input_arena_bytes) + " B";
}

}  // namespace

int run_compile(const CompileArgs& a) {
  CompileOptions compile_options;
  // Paged weights keep the generic kernels: the pager splits their calls by output channel.
  compile_options.optimize = a.weights.page() ? Optimize::Size : parse_optimize(a.optimize);
  if (!a.target.empty()) compile_options.target_family = find_target(a.target).family;
  CompiledModel m;
  StreamingMode streaming = parse_streaming_mode(a.streaming);
  // Streaming input and external weights are not combined (the streamed first layer has
  // no paged form): "auto" keeps the whole input, "on" is the emitter's clear error.
  if (a.weights.page() > 0 && streaming == StreamingMode::Auto) streaming = StreamingMode::Off;
  compile_model(a.model, m, compile_options, streaming);
  const std::string name = a.name.empty() ? model_identifier(fs::path(a.model).stem().string()) : a.name;
  EmitOptions options;
  options.page_bytes = a.weights.page();
  GeneratedCode code = emit_cpp(m.graph, m.calls, m.plan, name, options, m.streaming, m.whole_input_arena_bytes);
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
              << code.weights_image.size() << " B, read through a " << a.weights.page() << " B page; "
              << code.internal_constant_bytes << " B of constants stay in internal flash)\n";
  return 0;
}

}  // namespace microflow
