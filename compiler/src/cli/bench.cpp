// `microflow bench --target host`: instructions per invoke() counted by
// callgrind (exact and repeatable, unlike wall time on a shared machine),
// plus the generated model's flash and RAM footprint.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/commands.h"
#include "diagnostics.h"
#include "host/host_build.h"
#include "host/process.h"
#include "pipeline.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

// Reads the optional input file, then runs exactly one invoke() inside a
// function callgrind is told to count.
std::string bench_harness(const Graph& g) {
  std::string s = fmt::format(
      "#include \"{0}.h\"\n#include <stdio.h>\n\nstatic {0}::Model model;\n\n"
      "extern \"C\" __attribute__((noinline)) void microflow_bench_invoke() {{ model.invoke(); }}\n\n"
      "int main(int argc, char** argv) {{\n"
      "  if (argc > 1) {{\n    FILE* in = fopen(argv[1], \"rb\");\n    if (!in) return 2;\n",
      kHostModelName);
  for (size_t i = 0; i < g.inputs.size(); ++i)
    s += fmt::format("    if (fread({}::input{}(model.arena()), 1, {}, in) != {}) return 3;\n", kHostModelName, i,
                     g.tensor(g.inputs[i]).bytes(), g.tensor(g.inputs[i]).bytes());
  s += "    fclose(in);\n  }\n  microflow_bench_invoke();\n  return 0;\n}\n";
  return s;
}

struct SectionSizes {
  int64_t text = 0, rodata = 0, data = 0, bss = 0;
};

// `size -A` of the generated model's object: what it adds to a firmware.
SectionSizes object_sizes(const fs::path& object) {
  std::string out;
  if (run_process({"size", "-A", object.string()}, out) != 0) throw CompileError("size failed:\n" + out);
  SectionSizes s;
  std::istringstream lines(out);
  std::string name;
  int64_t size;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    if (!(fields >> name >> size)) continue;
    if (name.starts_with(".text")) s.text += size;
    else if (name.starts_with(".rodata")) s.rodata += size;
    else if (name.starts_with(".data")) s.data += size;
    else if (name.starts_with(".bss")) s.bss += size;
  }
  return s;
}

int64_t callgrind_instructions(const fs::path& runner, const std::string& input, const fs::path& work) {
  const fs::path out_file = work / "callgrind.out";
  std::vector<std::string> cmd = {"valgrind", "--tool=callgrind", "--toggle-collect=microflow_bench_invoke",
                                  "--callgrind-out-file=" + out_file.string(), runner.string()};
  if (!input.empty()) cmd.push_back(input);
  std::string log;
  if (run_process(cmd, log) != 0) throw CompileError("valgrind --tool=callgrind failed (is valgrind installed?):\n" + log);
  std::ifstream in(out_file);
  const std::regex totals(R"(^(summary|totals):\s+(\d+))");
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, m, totals)) return std::stoll(m[2]);
  throw CompileError("no instruction total in " + out_file.string());
}

}  // namespace

int run_bench(const BenchArgs& a) {
  if (a.target != "host")
    throw CompileError("target '" + a.target + "' is not available yet (available: host)");
  CompiledModel m;
  compile_model(a.model, m);
  const fs::path work = a.work_dir.empty() ? temp_work_dir("bench") : fs::path(a.work_dir);
  const HostBuild build = build_for_host(m, bench_harness(m.graph), work, a.runtime_include);
  const SectionSizes sizes = object_sizes(build.model_object);
  std::cerr << "counting instructions of one invoke() with callgrind...\n";
  const int64_t instructions = callgrind_instructions(build.runner, a.input, work);
  if (a.work_dir.empty()) fs::remove_all(work);

  const int64_t flash = sizes.text + sizes.rodata + sizes.data;
  const int64_t ram = sizes.data + sizes.bss + m.plan.arena_bytes;
  if (a.json) {
    nlohmann::json j = {{"model", a.model},        {"target", a.target},      {"flash_bytes", flash},
                        {"ram_bytes", ram},        {"arena_bytes", m.plan.arena_bytes},
                        {"weight_bytes", m.weight_bytes()}, {"macs", m.macs()},
                        {"instructions", instructions}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("model: {}\ntarget: host (x86-64, {} -O2, callgrind)\n", a.model, host_cxx())
              << fmt::format("instructions per invoke(): {}\n", instructions)
              << fmt::format("MACs per invoke(): {} ({:.2f} MACs per instruction)\n", m.macs(),
                             instructions ? static_cast<double>(m.macs()) / static_cast<double>(instructions) : 0.0)
              << fmt::format("flash (model code + constants): {} B (text {}, rodata {}, data {})\n", flash, sizes.text,
                             sizes.rodata, sizes.data)
              << fmt::format("RAM: {} B (arena {} B)\n", ram, m.plan.arena_bytes);
  }
  return 0;
}

}  // namespace microflow
