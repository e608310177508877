// `microflow verify`: builds the generated code for the host, runs every
// golden vector through it in one process and compares with the reference.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "diagnostics.h"
#include "host/host_build.h"
#include "host/process.h"
#include "pipeline.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw CompileError(p.string() + ": cannot read file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A runner that feeds each input file through the model and writes the
// outputs: argv = in1 out1 in2 out2 ... (all inputs / outputs concatenated).
std::string harness_source(const Graph& g) {
  std::string s = fmt::format("#include \"{0}.h\"\n#include <stdio.h>\n#include <string.h>\n\n"
                              "static {0}::Model model;\n\n"
                              "int main(int argc, char** argv) {{\n"
                              "  for (int v = 1; v + 1 < argc; v += 2) {{\n"
                              "    FILE* in = fopen(argv[v], \"rb\");\n"
                              "    if (!in) return 2;\n",
                              kHostModelName);
  for (size_t i = 0; i < g.inputs.size(); ++i)
    s += fmt::format("    if (fread({}::input{}(model.arena()), 1, {}, in) != {}) return 3;\n", kHostModelName, i,
                     g.tensor(g.inputs[i]).bytes(), g.tensor(g.inputs[i]).bytes());
  s += "    fclose(in);\n    model.invoke();\n    FILE* out = fopen(argv[v + 1], \"wb\");\n    if (!out) return 4;\n";
  for (size_t i = 0; i < g.outputs.size(); ++i)
    s += fmt::format("    fwrite({}::output{}(model.arena()), 1, {}, out);\n", kHostModelName, i,
                     g.tensor(g.outputs[i]).bytes());
  s += "    fclose(out);\n  }\n  return 0;\n}\n";
  return s;
}

struct Comparison {
  bool pass = true;
  std::string detail;
  double max_rel_error = 0;
};

Comparison compare_outputs(const Graph& g, const std::vector<uint8_t>& got, const std::vector<uint8_t>& want,
                           double tolerance) {
  Comparison c;
  if (got.size() != want.size()) {
    c.pass = false;
    c.detail = fmt::format("output has {} bytes, reference {}", got.size(), want.size());
    return c;
  }
  size_t offset = 0, mismatches = 0;
  for (int id : g.outputs) {
    const Tensor& t = g.tensor(id);
    const auto n = static_cast<size_t>(t.elements());
    for (size_t i = 0; i < n; ++i) {
      if (t.type == DType::Float32) {
        float a, b;
        std::memcpy(&a, &got[offset + 4 * i], 4);
        std::memcpy(&b, &want[offset + 4 * i], 4);
        // Relative to the reference, with a floor so values near zero are
        // judged on the scale of 1e-6 rather than their own magnitude.
        double err = std::abs(static_cast<double>(a) - b) / std::max(std::abs(static_cast<double>(b)), 1e-6);
        if (std::isnan(a) != std::isnan(b)) err = INFINITY;
        c.max_rel_error = std::max(c.max_rel_error, err);
        if (err > tolerance && mismatches++ == 0)
          c.detail = fmt::format("element {}: got {:.9g}, expected {:.9g}", i, a, b);
      } else {
        const size_t bytes = static_cast<size_t>(dtype_size(t.type));
        if (std::memcmp(&got[offset + bytes * i], &want[offset + bytes * i], bytes) != 0 && mismatches++ == 0)
          c.detail = fmt::format("element {}: got {}, expected {}", i,
                                 static_cast<int>(static_cast<int8_t>(got[offset + bytes * i])),
                                 static_cast<int>(static_cast<int8_t>(want[offset + bytes * i])));
      }
    }
    offset += static_cast<size_t>(t.bytes());
  }
  if (mismatches) {
    c.pass = false;
    c.detail = fmt::format("{} elements differ; first: {}", mismatches, c.detail);
  }
  return c;
}

}  // namespace

std::string find_runtime_include(const std::string& explicit_dir) {
  std::vector<fs::path> candidates;
  if (!explicit_dir.empty()) candidates.emplace_back(explicit_dir);
  if (const char* env = std::getenv("MICROFLOW_RUNTIME_INCLUDE")) candidates.emplace_back(env);
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(self.parent_path().parent_path() / "include");
  candidates.emplace_back(MICROFLOW_SOURCE_RUNTIME_INCLUDE);
  for (const fs::path& p : candidates)
    if (fs::exists(p / "microflow" / "microflow.h")) return p.string();
  throw CompileError("cannot find the microflow runtime headers (microflow/microflow.h); pass --runtime-include DIR");
}

int run_verify(const VerifyArgs& a) {
  CompiledModel m;
  compile_model(a.model, m);
  const Graph& g = m.graph;

  std::vector<std::string> vectors;
  if (!fs::is_directory(a.vectors)) throw CompileError(a.vectors + ": not a directory");
  for (const auto& e : fs::directory_iterator(a.vectors)) {
    const std::string f = e.path().filename().string();
    if (f.size() > 7 && f.ends_with(".in.bin")) vectors.push_back(f.substr(0, f.size() - 7));
  }
  std::sort(vectors.begin(), vectors.end());
  if (vectors.empty()) throw CompileError(a.vectors + ": no *.in.bin vectors");

  const fs::path work = a.work_dir.empty() ? temp_work_dir("verify") : fs::path(a.work_dir);
  const HostBuild build = build_for_host(m, harness_source(g), work, a.runtime_include);
  const fs::path& runner = build.runner;
  std::string log;
  int rc = 0;

  std::vector<std::string> args = {runner.string()};
  for (const std::string& v : vectors) {
    const fs::path in = fs::path(a.vectors) / (v + ".in.bin");
    int64_t expected = 0;
    for (int id : g.inputs) expected += g.tensor(id).bytes();
    if (static_cast<int64_t>(fs::file_size(in)) != expected)
      throw CompileError(fmt::format("{}: {} bytes, the model's inputs take {}", in.string(), fs::file_size(in), expected));
    args.push_back(in.string());
    args.push_back((work / (v + ".out.bin")).string());
  }
  log.clear();
  rc = run_process(args, log);
  if (rc != 0) throw CompileError(fmt::format("the generated code's runner failed (exit {}):\n{}", rc, log));

  const bool is_float = std::any_of(g.outputs.begin(), g.outputs.end(),
                                    [&](int id) { return g.tensor(id).type == DType::Float32; });
  int passed = 0;
  double max_err = 0;
  for (const std::string& v : vectors) {
    const fs::path ref = fs::path(a.vectors) / (v + ".out.bin");
    if (!fs::exists(ref)) throw CompileError(ref.string() + ": missing reference output");
    Comparison c = compare_outputs(g, read_bytes(work / (v + ".out.bin")), read_bytes(ref), a.tolerance);
    max_err = std::max(max_err, c.max_rel_error);
    passed += c.pass;
    if (is_float)
      std::cout << fmt::format("{}: {} (max relative error {:.3g}){}\n", v, c.pass ? "ok" : "FAIL", c.max_rel_error,
                               c.pass ? "" : " " + c.detail);
    else
      std::cout << fmt::format("{}: {}\n", v, c.pass ? "bit-exact" : "MISMATCH " + c.detail);
  }
  if (is_float)
    std::cout << fmt::format("verify: {}/{} within tolerance (max relative error {:.3g}, tolerance {:g})\n", passed,
                             vectors.size(), max_err, a.tolerance);
  else
    std::cout << fmt::format("verify: {}/{} bit-exact\n", passed, vectors.size());
  if (!a.keep && a.work_dir.empty()) fs::remove_all(work);
  return passed == static_cast<int>(vectors.size()) ? 0 : 1;
}

}  // namespace microflow
