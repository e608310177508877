#include "host/host_build.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "diagnostics.h"
#include "emitter/emitter.h"
#include "host/process.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
  if (!out) throw CompileError(p.string() + ": cannot write file");
}

void compile(const std::vector<std::string>& argv) {
  std::string log;
  if (run_process(argv, log) != 0) throw CompileError("host build of the generated code failed:\n" + log);
}

}  // namespace

fs::path temp_work_dir(const char* what) {
  return fs::temp_directory_path() / fmt::format("microflow-{}-{}", what, getpid());
}

HostBuild build_for_host(const CompiledModel& m, const std::string& harness_source, const fs::path& work_dir,
                         const std::string& runtime_include) {
  HostBuild b{work_dir, work_dir / "runner", work_dir / (std::string(kHostModelName) + ".o")};
  fs::create_directories(work_dir);
  GeneratedCode code = emit_cpp(m.graph, m.calls, m.plan, kHostModelName);
  write_text(work_dir / code.header_file, code.header);
  write_text(work_dir / code.source_file, code.source);
  write_text(work_dir / "harness.cpp", harness_source);

  const std::string runtime = find_runtime_include(runtime_include);
  std::cerr << fmt::format("building generated code for the host ({} -O2, {} ops, {} B constants)...\n", host_cxx(),
                           m.calls.size(), m.weight_bytes());
  const std::vector<std::string> flags = {"-std=c++14", "-O2", "-ffp-contract=off", "-I", work_dir.string(), "-I",
                                          runtime};
  std::vector<std::string> cmd = {host_cxx()};
  cmd.insert(cmd.end(), flags.begin(), flags.end());
  cmd.insert(cmd.end(), {"-c", (work_dir / code.source_file).string(), "-o", b.model_object.string()});
  compile(cmd);
  cmd = {host_cxx()};
  cmd.insert(cmd.end(), flags.begin(), flags.end());
  cmd.insert(cmd.end(), {b.model_object.string(), (work_dir / "harness.cpp").string(), "-o", b.runner.string()});
  compile(cmd);
  return b;
}

}  // namespace microflow
