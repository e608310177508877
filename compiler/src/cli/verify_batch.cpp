// `microflow verify --batch LIST`: many models, each with its golden vectors in
// MODEL_DIR/vectors (and, for a stateful model, its time steps in MODEL_DIR/sequence),
// compiled in this one process and run by one host program. The
// program is a unity build of every generated source, so the C++ compiler starts and
// parses the runtime headers once per batch instead of once per model. One result line
// per model, in list order:
//   PASS NAME 16/16 bit-exact                   (float: within tolerance, max relative error)
//   FAIL NAME 14/16 bit-exact: rand_003: ...    (or why it did not build or run)
//   REJECTED NAME: <the compiler's message>
// A rejection is expected only when --expect-rejections lists the model with a part of
// its message; anything else that does not pass makes the exit status 1.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "cli/commands.h"
#include "cli/golden_vectors.h"
#include "diagnostics.h"
#include "host/process.h"
#include "pipeline.h"
#include "targets/firmware.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

enum class Outcome { Pass, Fail, Rejected };

struct BatchEntry {
  std::string name;  // as listed
  fs::path model, vectors, sequence;  // sequence/: a stateful model's time steps (may be absent)
  std::unique_ptr<CompiledModel> compiled;
  GoldenInputs golden, steps;
  bool compiles = false;  // the compiler accepted the model
  Outcome outcome = Outcome::Fail;
  std::string result;  // the rest of the result line after the name
  std::string detail;  // more lines (a build log, a crash report), may be empty
};

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The non-blank lines of `path` that are not comments (#), trimmed, with their line numbers.
std::vector<std::pair<int, std::string>> content_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CompileError(path + ": cannot read file");
  std::vector<std::pair<int, std::string>> lines;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    line = trim(line);
    if (!line.empty() && line[0] != '#') lines.emplace_back(number, line);
  }
  return lines;
}

std::vector<BatchEntry> read_batch_list(const VerifyArgs& a) {
  std::vector<BatchEntry> entries;
  std::set<std::string> seen;
  for (const auto& [number, line] : content_lines(a.batch)) {
    if (!seen.insert(line).second) throw CompileError(fmt::format("{}:{}: {} is listed twice", a.batch, number, line));
    BatchEntry e;
    e.name = line;
    const fs::path p = fs::path(a.models_dir) / line;
    e.model = p.extension() == ".tflite" ? p : p / "model.tflite";
    e.vectors = e.model.parent_path() / "vectors";
    e.sequence = e.model.parent_path() / "sequence";
    entries.push_back(std::move(e));
  }
  if (entries.empty()) throw CompileError(a.batch + ": lists no models");
  return entries;
}

// MODEL -> the part of its rejection message it must contain.
std::map<std::string, std::string> read_expected_rejections(const std::string& path) {
  std::map<std::string, std::string> expected;
  if (path.empty()) return expected;
  for (const auto& [number, line] : content_lines(path)) {
    const size_t gap = line.find_first_of(" \t");
    if (gap == std::string::npos)
      throw CompileError(fmt::format("{}:{}: expected MODEL and a part of its rejection message, got '{}'", path,
                                     number, line));
    const std::string model = line.substr(0, gap);
    if (!expected.emplace(model, trim(line.substr(gap))).second)
      throw CompileError(fmt::format("{}:{}: {} is listed twice", path, number, model));
  }
  return expected;
}

// Compiles the entry and reads its inputs; a CompileError is the model's rejection,
// anything else the compiler's failure on it.
void compile_entry(BatchEntry& e, const CompileOptions& options, size_t limit) {
  if (!fs::is_regular_file(e.model)) {
    e.result = fmt::format(": {}: no such file", e.model.string());
    return;
  }
  try {
    e.compiled = compile_for_target(e.model.string(), options);
    e.compiles = true;
  } catch (const CompileError& err) {
    // Messages start with the model's path, which the result line names already.
    std::string message = err.what();
    const std::string prefix = e.model.string() + ": ";
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    e.outcome = Outcome::Rejected;
    e.result = ": " + message;
    return;
  } catch (const std::exception& err) {
    e.result = fmt::format(": the compiler failed: {}", err.what());
    return;
  }
  try {
    e.golden = read_golden_inputs(e.vectors, e.compiled->graph, limit);
    if (fs::is_directory(e.sequence)) e.steps = read_golden_inputs(e.sequence, e.compiled->graph, limit);
  } catch (const CompileError& err) {
    e.result = fmt::format(": {}", err.what());
    e.compiled.reset();
  }
}

std::string model_name(size_t index) { return fmt::format("{}{}", kFirmwareModelName, index); }

// Builds one program for `runnable` (indices into `entries`). Models whose generated
// code does not build fail and leave the program; an error no model's source is
// named in stops the batch.
Firmware build_batch(const Target& t, std::vector<BatchEntry>& entries, std::vector<size_t>& runnable,
                     const fs::path& work) {
  for (;;) {
    std::vector<BatchModel> models;
    for (size_t i : runnable) {
      write_model_sources(t, *entries[i].compiled, model_name(i), work);
      models.push_back({entries[i].compiled.get(), model_name(i), entries[i].golden.inputs, entries[i].steps.inputs});
    }
    try {
      return build_firmware(t, nullptr, batch_verify_harness(models), work);
    } catch (const CompileError& err) {
      const std::string log = err.what();
      std::set<size_t> broken;
      // Where an error arises: a line of a model's source ("mf_model7.cpp:12:3: error",
      // "required from" there) or a function of its namespace (its code or its part of
      // the harness, "In function 'void mf_model7_run::run()'").
      const std::regex source(std::string(kFirmwareModelName) + R"((\d+)(?:\.(?:cpp|h):\d+:\d+: |(?:_run)?::))");
      for (auto it = std::sregex_iterator(log.begin(), log.end(), source); it != std::sregex_iterator(); ++it)
        broken.insert(std::stoul((*it)[1]));
      std::erase_if(broken, [&](size_t i) { return std::find(runnable.begin(), runnable.end(), i) == runnable.end(); });
      if (broken.empty()) throw;
      for (size_t i : broken) {
        entries[i].result = fmt::format(": the code generated for it ({}) does not build", model_name(i));
        entries[i].detail = log.substr(0, 4000);
      }
      std::erase_if(runnable, [&](size_t i) { return broken.count(i) > 0; });
      if (runnable.empty()) return {};
    }
  }
}

std::string last_chars(const std::string& s, size_t n) { return s.size() > n ? s.substr(s.size() - n) : s; }

// Runs the program and returns each model's output section. A model the program
// stops in fails with what it printed; the program then goes on with the next one.
std::map<size_t, std::string> run_batch(const Target& t, const Firmware& fw, std::vector<BatchEntry>& entries,
                                        const std::vector<size_t>& runnable) {
  std::map<size_t, std::string> sections;
  for (size_t first = 0; first < runnable.size();) {
    std::vector<std::string> argv = expand(t.run, {{"elf", fw.elf.string()}});
    argv.push_back(std::to_string(first));
    std::string output;
    const int rc = run_process(argv, output);
    std::map<size_t, std::string> run = split_batch_output(output);
    if (rc == 0) {
      sections.insert(run.begin(), run.end());
      break;
    }
    const auto stopped = run.empty() ? run.end() : std::prev(run.end());
    if (stopped == run.end() || stopped->first < first || stopped->first >= runnable.size())
      throw CompileError(fmt::format("the batch program {} failed (exit status {}) before its first model:\n{}",
                                     fw.elf.string(), rc, last_chars(output, 4000)));
    BatchEntry& e = entries[runnable[stopped->first]];
    e.result = fmt::format(": the program stopped in this model (exit status {})", rc);
    e.detail = last_chars(stopped->second, 4000);
    run.erase(stopped);
    sections.insert(run.begin(), run.end());
    first = stopped->first + 1;
  }
  return sections;
}

// The vectors, each on a fresh model, then the sequence's steps on one model, twice (reset()
// between): both passes must give the steps' golden outputs.
void compare_entry(BatchEntry& e, const std::string& section, double tolerance) {
  const Graph& g = e.compiled->graph;
  const std::vector<std::string>& names = e.golden.names;
  const std::vector<std::string>& steps = e.steps.names;
  try {
    const auto outputs =
        parse_vector_outputs(section, names.size() + 2 * steps.size(), static_cast<size_t>(output_bytes(g)));
    size_t passed = 0, steps_passed = 0;
    double max_err = 0;
    std::string first_failure;
    auto check = [&](size_t output, const fs::path& dir, const std::string& name, const std::string& label) {
      const Comparison c = compare_outputs(g, outputs[output], read_golden_output(dir, name), tolerance);
      max_err = std::max(max_err, c.max_rel_error);
      if (!c.pass && first_failure.empty()) first_failure = fmt::format(": {}: {}", label, c.detail);
      return c.pass;
    };
    for (size_t i = 0; i < names.size(); ++i) passed += check(i, e.vectors, names[i], names[i]);
    for (size_t pass = 0; pass < 2; ++pass)
      for (size_t i = 0; i < steps.size(); ++i)
        steps_passed += check(names.size() + pass * steps.size() + i, e.sequence, steps[i],
                              "sequence/" + steps[i] + (pass ? " (after reset())" : ""));
    e.outcome = passed == names.size() && steps_passed == 2 * steps.size() ? Outcome::Pass : Outcome::Fail;
    e.result = has_float_output(g) ? fmt::format(" {}/{} within tolerance (max relative error {:.3g})", passed,
                                                 names.size(), max_err)
                                   : fmt::format(" {}/{} bit-exact", passed, names.size());
    if (!steps.empty())
      e.result += fmt::format(", sequence {}/{} ({} steps on one model, twice with reset() between)", steps_passed,
                              2 * steps.size(), steps.size());
    e.result += first_failure;
  } catch (const CompileError& err) {
    e.result = fmt::format(": {}", err.what());
    e.detail = last_chars(section, 4000);
  }
}

// Why the entry's outcome is not what `expected` (the rejection list) says, or nothing.
std::optional<std::string> unexpected(const BatchEntry& e, const std::map<std::string, std::string>& expected,
                                      const std::string& list) {
  const auto it = expected.find(e.name);
  if (e.outcome == Outcome::Rejected) {
    if (it == expected.end())
      return list.empty() ? "not expected (no --expect-rejections list)" : list + " does not list it";
    if (e.result.find(it->second) == std::string::npos)
      return fmt::format("{} expects a message containing \"{}\"", list, it->second);
    return std::nullopt;
  }
  if (it != expected.end() && e.compiles) return fmt::format("it compiles now: remove its line from {}", list);
  return std::nullopt;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int run_verify_batch(const VerifyArgs& a) {
  const Target target = find_target(a.target);
  if (target.family != "host")
    throw CompileError(fmt::format("verify --batch runs on the host only, not on {} (verify one model at a time there)",
                                   target.name));
  if (a.pipeline.weights.page()) throw CompileError("verify --batch does not take --weights external");
  std::vector<BatchEntry> entries = read_batch_list(a);
  const std::map<std::string, std::string> expected = read_expected_rejections(a.expect_rejections);
  const CompileOptions options = pipeline_options(a.pipeline, &target);

  const auto start = std::chrono::steady_clock::now();
  std::vector<size_t> runnable;
  for (size_t i = 0; i < entries.size(); ++i) {
    compile_entry(entries[i], options, a.limit);
    if (entries[i].compiled) runnable.push_back(i);
  }
  const double compile_seconds = seconds_since(start);
  std::cerr << fmt::format("verify: {} of {} models compiled ({:.1f} s){}\n", runnable.size(), entries.size(),
                           compile_seconds, runnable.empty() ? "" : "; building one program for them...");

  const fs::path work = a.work_dir.empty()
                            ? fs::temp_directory_path() / fmt::format("microflow-verify-batch-{}", getpid())
                            : fs::path(a.work_dir);
  if (!runnable.empty()) {
    const auto build_start = std::chrono::steady_clock::now();
    const Firmware fw = build_batch(target, entries, runnable, work);
    const double build_seconds = seconds_since(build_start);
    for (size_t i : runnable) entries[i].result = ": the batch program printed nothing for it";
    const auto run_start = std::chrono::steady_clock::now();
    const std::map<size_t, std::string> sections = runnable.empty() ? std::map<size_t, std::string>{}
                                                                    : run_batch(target, fw, entries, runnable);
    for (const auto& [position, section] : sections) compare_entry(entries[runnable[position]], section, a.tolerance);
    std::cerr << fmt::format("verify: built in {:.1f} s, ran and compared in {:.1f} s\n", build_seconds,
                             seconds_since(run_start));
  }

  size_t passed = 0, failed = 0, rejected = 0, surprises = 0;
  for (const BatchEntry& e : entries) {
    const char* kind = e.outcome == Outcome::Pass ? "PASS" : e.outcome == Outcome::Fail ? "FAIL" : "REJECTED";
    const std::optional<std::string> why = unexpected(e, expected, a.expect_rejections);
    std::cout << fmt::format("{} {}{}{}\n", kind, e.name, e.result, why ? " -- UNEXPECTED: " + *why : "");
    if (!e.detail.empty()) std::cout << e.detail << (e.detail.ends_with('\n') ? "" : "\n");
    passed += e.outcome == Outcome::Pass;
    failed += e.outcome == Outcome::Fail;
    rejected += e.outcome == Outcome::Rejected;
    surprises += why.has_value();
  }
  std::cout << fmt::format("verify: {} models: {} passed, {} failed, {} rejected, {} unexpected\n", entries.size(),
                           passed, failed, rejected, surprises);
  if (!a.keep && a.work_dir.empty()) fs::remove_all(work);
  return failed == 0 && surprises == 0 ? 0 : 1;
}

}  // namespace microflow
