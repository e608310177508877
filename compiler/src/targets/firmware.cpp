#include "targets/firmware.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "diagnostics.h"
#include "emitter/emitter.h"
#include "host/process.h"
#include "passes/weight_pages.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
  if (!out) throw CompileError(p.string() + ": cannot write file");
}

std::string byte_array(const char* name, const std::vector<uint8_t>& bytes) {
  std::string s = fmt::format("const uint8_t {}[{}] MF_FLASH = {{", name, std::max<size_t>(bytes.size(), 1));
  for (size_t i = 0; i < bytes.size(); ++i) s += fmt::format("{}{},", i % 24 ? " " : "\n    ", bytes[i]);
  return s + (bytes.empty() ? "0};\n" : "\n};\n");
}

std::string c_string(const std::string& text) {
  std::string s = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') s += '\\';
    s += c;
  }
  return s + "\"";
}

// External weights: read_weights() on the platform's file access, counting the reads.
std::string weights_reader(const std::string& weights_path) {
  return fmt::format(R"(
static int weights_file = -1;
static uint32_t weight_reads, weight_read_bytes;

static void write_str(const char* s);

namespace {0} {{
void read_weights(uint32_t offset, void* dst, uint32_t bytes) {{
  ++weight_reads;
  weight_read_bytes += bytes;
  if (mf_platform_read_at(weights_file, offset, dst, bytes) != 0) {{
    write_str("read_weights: cannot read the weight image\n");
    mf_platform_exit(3);
  }}
}}
}}  // namespace {0}

static void open_weights() {{
  weights_file = mf_platform_open({1});
  if (weights_file < 0) {{
    write_str("cannot open the weight image\n");
    mf_platform_exit(3);
  }}
}}
)",
                     kFirmwareModelName, c_string(weights_path));
}

const char* const kHarnessIncludes =
    "#include <stddef.h>\n#include <stdint.h>\n\n#include <microflow/exec/flash.h>\n\n#include \"platform.h\"\n";

// Output in hex through the platform.
const char* const kHarnessOutput = R"(
static void write_str(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  mf_platform_write(s, n);
}

static void write_uint(uint32_t v) {
  char buf[11];
  int i = 10;
  buf[i] = 0;
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  write_str(buf + i);
}

static void write_hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  char buf[32];
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    buf[used++] = kDigits[p[i] >> 4];
    buf[used++] = kDigits[p[i] & 15];
    if (used == sizeof buf) {
      mf_platform_write(buf, used);
      used = 0;
    }
  }
  mf_platform_write(buf, used);
}
)";

// The model object of namespace `ns`, run_model(): the input copied from flash into the
// arena and invoke(), or with streaming input each row copied to the row buffer and
// pushed; and write_outputs().
std::string model_runner(const CompiledModel& m, const std::string& ns) {
  const Graph& g = m.graph;
  int64_t in_bytes = 0;
  for (int id : g.inputs) in_bytes += g.tensor(id).bytes();
  std::string s = fmt::format("\nstatic {}::Model model;\n\nstatic const size_t kInputBytes = {};\n\n"
                              "static inline void run_model(const uint8_t* src) {{\n",
                              ns, in_bytes);
  if (m.input_rows.enabled) {
    s += fmt::format("  for (size_t r = 0; r < {0}::kInputRows; ++r) {{\n"
                     "    mf::flash_copy(model.row_buffer(), src + r * {0}::kInputRowElements, {0}::kInputRowElements);\n"
                     "    model.push_row();\n  }}\n",
                     ns);
  } else {
    int64_t offset = 0;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const int64_t bytes = g.tensor(g.inputs[i]).bytes();
      s += fmt::format("  mf::flash_copy({}::input{}(model.arena()), src + {}, {});\n", ns, i, offset, bytes);
      offset += bytes;
    }
    s += "  model.invoke();\n";
  }
  s += "}\n\nstatic void write_outputs() {\n";
  for (size_t i = 0; i < g.outputs.size(); ++i)
    s += fmt::format("  write_hex(reinterpret_cast<const uint8_t*>({}::output{}(model.arena())), {});\n", ns, i,
                     g.tensor(g.outputs[i]).bytes());
  return s + "}\n";
}

// Shared by both single-model harnesses.
std::string harness_prelude(const CompiledModel* m, const std::string& weights_path) {
  std::string s = kHarnessIncludes;
  if (m) s += fmt::format("#include \"{}.h\"\n", kFirmwareModelName);
  if (m && !weights_path.empty()) s += weights_reader(weights_path);
  s += kHarnessOutput;
  return m ? s + model_runner(*m, kFirmwareModelName) : s;
}

// `name`: every vector's inputs, one after another.
std::string vector_inputs(const std::vector<std::vector<uint8_t>>& inputs, const char* name = "kInputs") {
  std::vector<uint8_t> all;
  for (const auto& v : inputs) all.insert(all.end(), v.begin(), v.end());
  return byte_array(name, all);
}

// Runs the `count` vectors of `array`, printing "V<first + index> <outputs in hex>" for each;
// a model with state is reset before each (a fresh model per vector, as TFLM's goldens ran).
std::string vector_loop(const CompiledModel& m, size_t count, const char* array = "kInputs", size_t first = 0) {
  return fmt::format(R"(  for (size_t v = 0; v < {}; ++v) {{
{}    run_model({} + v * kInputBytes);
    write_str("V");
    write_uint(static_cast<uint32_t>({}v));
    write_str(" ");
    write_outputs();
    write_str("\n");
  }}
)",
                     count, m.plan.state_bytes > 0 ? "    model.reset();\n" : "", array,
                     first ? std::to_string(first) + " + " : "");
}

// A sequence: the vectors of `array` in order on one model, the state carrying from each
// invoke to the next; then reset() and the same again (it must give the same outputs).
std::string sequence_loop(size_t count, const char* array, size_t first) {
  auto pass = [&](size_t printed_from) {
    return fmt::format(R"(  model.reset();
  for (size_t v = 0; v < {}; ++v) {{
    run_model({} + v * kInputBytes);
    write_str("V");
    write_uint(static_cast<uint32_t>({} + v));
    write_str(" ");
    write_outputs();
    write_str("\n");
  }}
)",
                       count, array, printed_from);
  };
  return pass(first) + pass(first + count);
}

FirmwareSizes measure(const Target& t, const fs::path& elf) {
  std::string out;
  if (run_process({t.size_tool, "-A", elf.string()}, out) != 0) throw CompileError(t.size_tool + " failed:\n" + out);
  auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  FirmwareSizes s;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string name;
    int64_t size = 0;
    if (!(fields >> name >> size)) continue;
    if (listed(t.flash_sections, name)) s.flash += size;
    if (listed(t.ram_sections, name)) s.ram += size;
  }
  return s;
}

std::string symbol_address(const Target& t, const fs::path& elf, const std::string& symbol) {
  std::string out;
  if (run_process({t.nm_tool, elf.string()}, out) != 0) throw CompileError(t.nm_tool + " failed:\n" + out);
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string addr, type, name;
    if (fields >> addr >> type >> name && name == symbol) return "0x" + addr;
  }
  throw CompileError(elf.string() + ": symbol " + symbol + " not found");
}

// Built by tools/qemu_insn_plugin (the xtensa-lx106 runs need it).
#ifndef MICROFLOW_FLASH_CHECK_PLUGIN
#define MICROFLOW_FLASH_CHECK_PLUGIN ""
#endif

std::string tool_path(const char* env, const char* built_in) {
  if (const char* p = std::getenv(env); p && *p) return p;
  return built_in;
}

int64_t find_count(const std::string& text, const std::string& key) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(key + R"(=(\d+))"))) return std::stoll(m[1]);
  return -1;
}

// MICROFLOW_HOST_CXXFLAGS: extra compile (and link) flags for host firmware
// only, split at whitespace, e.g. "-fsanitize=address,undefined -g" for a
// checking `microflow verify`.
std::vector<std::string> host_extra_flags() {
  std::vector<std::string> flags;
  if (const char* v = std::getenv("MICROFLOW_HOST_CXXFLAGS")) {
    std::istringstream words(v);
    for (std::string f; words >> f;) flags.push_back(f);
  }
  return flags;
}

}  // namespace

fs::path weights_image_path(const fs::path& work) {
  return fs::absolute(work / (std::string(kFirmwareModelName) + ".weights.bin"));
}

std::string verify_harness(const CompiledModel& m, const std::vector<std::vector<uint8_t>>& inputs,
                           const std::string& weights_path, bool sequence) {
  std::string s = harness_prelude(&m, weights_path) + "\n" + vector_inputs(inputs);
  s += fmt::format("\nint main() {{\n  mf_platform_init();{}\n", weights_path.empty() ? "" : "\n  open_weights();");
  s += sequence ? sequence_loop(inputs.size(), "kInputs", 0) : vector_loop(m, inputs.size());
  return s + "  mf_platform_exit(0);\n  return 0;\n}\n";
}

std::string batch_verify_harness(const std::vector<BatchModel>& models) {
  // stdio for fflush: the batch harness is for the host only.
  std::string s = std::string(kHarnessIncludes) + "#include <stdio.h>\n" + kHarnessOutput;
  std::string table;
  for (const BatchModel& b : models) {
    s += fmt::format("\n#include \"{0}.cpp\"\n\nnamespace {0}_run {{\n", b.name) + model_runner(*b.model, b.name) +
         "\n" + vector_inputs(b.inputs) + (b.sequence.empty() ? "" : vector_inputs(b.sequence, "kSequence")) +
         "\nstatic void run() {\n" + vector_loop(*b.model, b.inputs.size()) +
         (b.sequence.empty() ? "" : sequence_loop(b.sequence.size(), "kSequence", b.inputs.size())) +
         "}\n\n}  // namespace " + b.name + "_run\n";
    table += fmt::format("    {}_run::run,\n", b.name);
  }
  return s + fmt::format(R"(
static void (*const kModels[])() = {{
{}}};

int main(int argc, char** argv) {{
  mf_platform_init();
  // A restart after a crash passes the index of the model to go on with.
  size_t first = 0;
  for (const char* p = argc > 1 ? argv[1] : ""; *p; ++p) first = first * 10 + static_cast<size_t>(*p - '0');
  for (size_t m = first; m < {}; ++m) {{
    write_str("M");
    write_uint(static_cast<uint32_t>(m));
    write_str("\n");
    // Everything before this model's header leaves the buffer, so a crash in it
    // loses none of the earlier models' lines.
    fflush(stdout);
    kModels[m]();
  }}
  mf_platform_exit(0);
  return 0;
}}
)",
                         table, models.size());
}

std::string bench_harness(const CompiledModel* m, const std::vector<uint8_t>& input, const std::string& weights_path) {
  std::string s = harness_prelude(m, weights_path);
  // Whole input: copied into the arena before the measured region; streamed: the rows'
  // copies are part of feeding the model and are measured with it.
  const bool whole = m && !m->input_rows.enabled;
  if (m) s += fmt::format("\n{}", byte_array("kInput", input));  // not "\n" + ...: GCC 12's false -Wrestrict
  s += "\nextern \"C\" __attribute__((noinline)) void mf_bench_run() {\n  mf_bench_begin();\n";
  if (m) s += whole ? "  model.invoke();\n" : "  run_model(kInput);\n";
  s += "  mf_bench_end();\n}\n\nint main() {\n  mf_platform_init();\n  mf_stack_paint();\n";
  if (whole) {
    int64_t offset = 0;
    for (size_t i = 0; i < m->graph.inputs.size(); ++i) {
      const int64_t bytes = m->graph.tensor(m->graph.inputs[i]).bytes();
      s += fmt::format("  mf::flash_copy({}::input{}(model.arena()), kInput + {}, {});\n", kFirmwareModelName, i, offset,
                       bytes);
      offset += bytes;
    }
  }
  if (m && !weights_path.empty()) s += "  open_weights();\n";
  s += "  mf_bench_run();\n  const size_t stack = mf_stack_used();\n"
       "  write_str(\"stack=\");\n  write_uint(static_cast<uint32_t>(stack));\n  write_str(\"\\n\");\n";
  if (m) s += "  write_str(\"V0 \");\n  write_outputs();\n  write_str(\"\\n\");\n";
  if (m && !weights_path.empty())
    s += "  write_str(\"weight_reads=\");\n  write_uint(weight_reads);\n"
         "  write_str(\" weight_read_bytes=\");\n  write_uint(weight_read_bytes);\n  write_str(\"\\n\");\n";
  return s + "  mf_platform_exit(0);\n  return 0;\n}\n";
}

fs::path write_model_sources(const Target& t, const CompiledModel& m, const std::string& name, const fs::path& work,
                             int64_t page_bytes) {
  fs::create_directories(work);
  EmitOptions emit;
  emit.page_bytes = page_bytes;
  // With AddressSanitizer, each kernel may touch only its own tensors' arena bytes.
  if (t.family == "host")
    for (const std::string& f : host_extra_flags())
      if (f.starts_with("-fsanitize=") && f.find("address") != std::string::npos) emit.tensor_bounds_check = true;
  GeneratedCode code = emit_cpp(m.graph, m.calls, m.plan, name, emit, m.input_rows, m.whole_input_arena_bytes);
  if (!code.weights_file.empty())
    write_text(weights_image_path(work), std::string(code.weights_image.begin(), code.weights_image.end()));
  write_text(work / code.header_file, code.header);
  write_text(work / code.source_file, code.source);
  return work / code.source_file;
}

namespace {

// Compiles and links `sources` with the target's toolchain and the platform into `elf`.
Firmware link_firmware(const Target& t, const std::vector<std::string>& sources, const fs::path& work,
                       const fs::path& elf) {
  std::vector<std::string> cmd = {t.cxx};
  cmd.insert(cmd.end(), t.cflags.begin(), t.cflags.end());
  if (t.family == "host") {
    const std::vector<std::string> extra = host_extra_flags();
    cmd.insert(cmd.end(), extra.begin(), extra.end());
  }
  cmd.insert(cmd.end(), {"-I", work.string(), "-I", find_runtime_include()});
  for (const std::string& dir : t.include_dirs) cmd.insert(cmd.end(), {"-I", dir});
  cmd.insert(cmd.end(), sources.begin(), sources.end());
  cmd.insert(cmd.end(), t.platform_sources.begin(), t.platform_sources.end());
  cmd.insert(cmd.end(), t.ldflags.begin(), t.ldflags.end());
  Firmware fw{elf, {}};
  cmd.insert(cmd.end(), {"-o", fw.elf.string()});
  std::string log;
  if (run_process(cmd, log) != 0) {
    std::smatch overflow;
    if (std::regex_search(log, overflow, std::regex(R"(region `([^']+)' overflowed by (\d+) bytes)")))
      throw DoesNotFit(fmt::format("the firmware does not fit {}: its {} region overflowed by {} B (the chip has {} B "
                                     "flash and {} B RAM)",
                                     t.name, overflow[1].str(), overflow[2].str(), t.flash_bytes, t.ram_bytes));
    throw CompileError(fmt::format("building the firmware for {} failed ({}):\n{}", t.name, t.cxx, log));
  }
  fw.sizes = measure(t, fw.elf);
  return fw;
}

}  // namespace

Firmware build_firmware(const Target& t, const CompiledModel* m, const std::string& harness, const fs::path& work,
                        int64_t page_bytes) {
  fs::create_directories(work);
  std::vector<std::string> sources;
  if (m) sources.push_back(write_model_sources(t, *m, kFirmwareModelName, work, page_bytes).string());
  write_text(work / "harness.cpp", harness);
  sources.push_back((work / "harness.cpp").string());
  return link_firmware(t, sources, work, work / "firmware.elf");
}

std::vector<CallCount> profile_calls(const Target& t, const CompiledModel& m, const std::vector<uint8_t>& input,
                                     const fs::path& work, const std::function<void(size_t, size_t)>& on_call) {
  fs::create_directories(work);
  std::ifstream in(write_model_sources(t, m, kFirmwareModelName, work));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string harness = bench_harness(&m, input);
  for (const char* marker : {"  mf_bench_begin();\n", "  mf_bench_end();\n"}) harness.erase(harness.find(marker), strlen(marker));
  write_text(work / "harness.cpp", harness);
  // Each call's first and last line: one `  mf::` line, or a band-streamed region's block
  // (`  {` ... `  }`: its state and the band_stream_s8 call).
  std::vector<std::pair<size_t, size_t>> calls;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].starts_with("  mf::")) calls.emplace_back(i, i);
    if (lines[i] != "  {") continue;
    size_t end = i + 1;
    while (end < lines.size() && lines[end] != "  }") ++end;
    calls.emplace_back(i, end);
    i = end;
  }
  // A region's stages: the comments of its stage table's rows (the emitter's emit_band_stages).
  const auto stage_labels = [&](const std::pair<size_t, size_t>& call) {
    std::vector<std::string> labels;
    for (size_t i = call.first; i <= call.second; ++i) {
      const size_t at = lines[i].find("band_stream_s8(");
      if (at == std::string::npos) continue;
      const size_t from = at + strlen("band_stream_s8(");
      const std::string table = "const mf::BandStage " + lines[i].substr(from, lines[i].find(',', from) - from) + "[";
      const auto row = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(table); });
      for (auto r = row; r != lines.end() && *r != "};"; ++r) {
        const size_t slashes = r->find("},  // ");
        if (r->starts_with("    {mf::") && slashes != std::string::npos) labels.push_back(r->substr(slashes + 7));
      }
    }
    return labels;
  };
  // The model source with the markers around call n (stage < 0), or with stage `stage` of
  // region n counted row by row (MF_BAND_PROFILE, band_stream.h).
  const auto layer_source = [&](const std::pair<size_t, size_t>& call, int stage) {
    std::string text = stage < 0 ? "" : "#define MF_BAND_PROFILE 1\n";
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i == call.first && stage < 0) text += "  mf_bench_begin();\n";
      if (i == call.second && stage >= 0) text += "    mf_band_profile_stage = -1;\n";
      text += lines[i] + "\n";
      if (i == call.first && stage >= 0) text += fmt::format("    mf_band_profile_stage = {};\n", stage);
      if (i == call.second && stage < 0) text += "  mf_bench_end();\n";
      if (lines[i] == fmt::format("#include \"{}.h\"", kFirmwareModelName)) {
        text += "#include \"platform.h\"\n";
        if (stage >= 0) text += "extern \"C\" {\nint32_t mf_band_profile_stage = -1;\n}\n";
      }
    }
    return text;
  };
  const auto count_of = [&](const std::string& text) {
    write_text(work / "layer.cpp", text);
    const Firmware fw = link_firmware(t, {(work / "layer.cpp").string(), (work / "harness.cpp").string()}, work,
                                      work / "layer.elf");
    return run_firmware(t, fw, work, true).count;
  };
  std::vector<CallCount> counts;
  for (size_t n = 0; n < calls.size(); ++n) {
    if (on_call) on_call(n, calls.size());
    const std::string comment = lines[calls[n].first - 1];
    const size_t slashes = comment.find("// ");
    std::string label = slashes == std::string::npos ? "" : comment.substr(slashes + 3);
    // A region: each stage's rows on their own, then the region's remainder, the band executor
    // itself (row moves, scheduling), so the entries still add up to the region.
    const std::vector<std::string> stages = stage_labels(calls[n]);
    int64_t in_stages = 0;
    for (size_t st = 0; st < stages.size(); ++st) {
      counts.push_back({stages[st], count_of(layer_source(calls[n], static_cast<int>(st)))});
      in_stages += counts.back().count;
    }
    const int64_t whole = count_of(layer_source(calls[n], -1));
    if (!stages.empty())
      label = label.substr(0, label.find(": ") + 2) + "band executor (row moves, scheduling) of the region " +
              label.substr(label.find(": ") + 2);
    counts.push_back({label, whole - in_stages});
  }
  return counts;
}

RunResult run_firmware(const Target& t, const Firmware& fw, const fs::path& work, bool count,
                       const std::function<void(const std::string&)>& on_output) {
  std::map<std::string, std::string> values = {
      {"elf", fw.elf.string()},
      {"runner_avr", tool_path("MICROFLOW_SIMAVR_RUNNER", MICROFLOW_SIMAVR_RUNNER)},
      {"plugin", tool_path("MICROFLOW_QEMU_PLUGIN", MICROFLOW_QEMU_PLUGIN)},
      {"flash_check", tool_path("MICROFLOW_FLASH_CHECK_PLUGIN", MICROFLOW_FLASH_CHECK_PLUGIN)},
      {"out", (work / "counts.txt").string()}};
  if (values["flash_check"].empty())
    for (const std::string& arg : count ? t.bench_run : t.run)
      if (arg.find("{flash_check}") != std::string::npos)
        throw CompileError("running on " + t.name + " needs the flash-access checker plugin, which this microflow "
                           "was built without (tools/qemu_insn_plugin builds it on Linux; or set "
                           "MICROFLOW_FLASH_CHECK_PLUGIN)");
  if (count && t.count == "instructions") {
    values["begin"] = symbol_address(t, fw.elf, "mf_bench_begin");
    values["end"] = symbol_address(t, fw.elf, "mf_bench_end");
  }
  std::vector<std::string> argv = expand(count ? t.bench_run : t.run, values);
  // QEMU has no instruction limit of its own: a hung firmware must not hang us.
  if (t.family != "host") argv.insert(argv.begin(), {"timeout", "1800"});
  RunResult r;
  const int rc = run_process(argv, r.output, on_output);
  if (rc == 123 && t.family == "avr")
    throw DoesNotFit(fmt::format("the firmware does not fit {}: its stack ran into static data (static RAM is {} B of "
                                 "the chip's {} B; microflow-simavr stopped the run there)",
                                 t.name, fw.sizes.ram, t.ram_bytes));
  if (rc != 0) {
    // A crash with almost all RAM taken statically is the stack running into the arena.
    const int64_t left_for_stack = t.ram_bytes - fw.sizes.ram;
    const std::string hint =
        rc == 125 && t.ram_bytes > 0 && left_for_stack < 512
            ? fmt::format(" -- static RAM is {} B of the chip's {} B, leaving {} B for the stack: the model most likely "
                          "does not fit {}",
                          fw.sizes.ram, t.ram_bytes, left_for_stack, t.name)
            : "";
    throw CompileError(fmt::format("the firmware failed on {} (exit {}){}:\n{}", t.name, rc, hint,
                                   r.output.size() > 4000 ? r.output.substr(r.output.size() - 4000) : r.output));
  }
  r.stack_bytes = find_count(r.output, "stack");
  r.simulator_stack_bytes = find_count(r.output, "stack_peak");
  if (!count) return r;
  if (t.count == "cycles") {
    r.count = find_count(r.output, "cycles_bench");
  } else {
    std::ifstream in(values["out"]);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (t.count == "callgrind")
      r.count = std::regex_search(text, m, std::regex(R"((summary|totals):\s+(\d+))")) ? std::stoll(m[2]) : -1;
    else
      r.count = find_count(text, "insns_bench");
  }
  if (r.count < 0) throw CompileError("no " + t.count + " count in the run of " + fw.elf.string());
  return r;
}

std::vector<std::vector<uint8_t>> parse_vector_outputs(const std::string& output, size_t vectors, size_t bytes) {
  std::vector<std::vector<uint8_t>> result(vectors);
  std::vector<bool> seen(vectors, false);
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // "V<index> <hex digits>" plus trailing blanks. Parsed by hand: libstdc++'s
    // std::regex recurses once per character and overflows the stack on the
    // long hex lines of large outputs.
    size_t v = 0, pos = 1;
    if (line.empty() || line[0] != 'V') continue;
    const auto [after_index, ec] = std::from_chars(line.data() + 1, line.data() + line.size(), v);
    pos = static_cast<size_t>(after_index - line.data());
    if (ec != std::errc() || pos >= line.size() || line[pos] != ' ') continue;
    size_t end = pos + 1;
    while (end < line.size() && ((line[end] >= '0' && line[end] <= '9') || (line[end] >= 'a' && line[end] <= 'f'))) ++end;
    if (line.find_first_not_of(" \t\r", end) != std::string::npos) continue;
    const std::string hex = line.substr(pos + 1, end - pos - 1);
    if (v >= vectors || hex.size() != 2 * bytes)
      throw CompileError(fmt::format("malformed output line for vector {} ({} hex digits, expected {})", v, hex.size(), 2 * bytes));
    for (size_t i = 0; i < bytes; ++i) result[v].push_back(static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16)));
    seen[v] = true;
  }
  for (size_t v = 0; v < vectors; ++v)
    if (!seen[v]) throw CompileError(fmt::format("the firmware printed no output for vector {}", v));
  return result;
}

std::map<size_t, std::string> split_batch_output(const std::string& output) {
  std::map<size_t, std::string> sections;
  std::string* section = nullptr;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    size_t m = 0;
    const char* end = line.data() + line.size();
    if (line.size() > 1 && line[0] == 'M') {
      const auto [after_index, ec] = std::from_chars(line.data() + 1, end, m);
      if (ec == std::errc() && after_index == end) {
        section = &sections[m];
        continue;
      }
    }
    if (section) *section += line + "\n";
  }
  return sections;
}

void check_model_fits(const Target& t, const CompiledModel& m, int64_t constant_bytes, const std::string& what) {
  if (t.flash_bytes > 0 && constant_bytes > t.flash_bytes)
    throw DoesNotFit(fmt::format("{} does not fit {}: its constants alone need {} B of flash, the chip has {} B", what,
                                   t.name, constant_bytes, t.flash_bytes));
  const int64_t ram = m.plan.arena_bytes + m.plan.state_bytes;
  if (t.ram_bytes > 0 && ram > t.ram_bytes)
    throw DoesNotFit(fmt::format("{} does not fit {}: its arena{} alone needs {} B of RAM, the chip has {} B", what,
                                   t.name, m.plan.state_bytes ? " and state" : "", ram, t.ram_bytes));
}

void check_external_weights_target(const Target& t) {
  if (t.family != "host" && t.family != "cortex-m" && t.family != "rv32imc")
    throw CompileError(fmt::format("--weights external is not supported on {}: its kernels or platform cannot read "
                                   "weights from a RAM page filled from a file (supported: host, cortex-m*, rv32imc)",
                                   t.name));
}

int64_t internal_constant_bytes(const CompiledModel& m, int64_t page_bytes) {
  if (page_bytes <= 0) return m.weight_bytes();
  return plan_weight_pages(m.calls, page_bytes, m.graph.source).internal_constant_bytes;
}

void check_fits(const Target& t, const FirmwareSizes& s, int64_t stack_bytes, const std::string& what) {
  const int64_t ram = s.ram + std::max<int64_t>(stack_bytes, 0);
  if (t.flash_bytes > 0 && s.flash > t.flash_bytes)
    throw DoesNotFit(fmt::format("{} does not fit {}: it needs {} B of flash, the chip has {} B", what, t.name, s.flash,
                                   t.flash_bytes));
  if (t.ram_bytes > 0 && ram > t.ram_bytes)
    throw DoesNotFit(fmt::format("{} does not fit {}: it needs {} B of RAM (static {} + stack {}), the chip has {} B",
                                   what, t.name, ram, s.ram, std::max<int64_t>(stack_bytes, 0), t.ram_bytes));
}

std::unique_ptr<CompiledModel> compile_for_target(const std::string& path, const CompileOptions& options) {
  CompileOptions first = options;
  if (first.input_rows == StreamingMode::Auto) first.input_rows = StreamingMode::Off;
  auto m = std::make_unique<CompiledModel>();
  compile_model(path, *m, first);
  return m;
}

std::unique_ptr<CompiledModel> switch_to_streaming(const std::string& path, const CompileOptions& options,
                                                   const CompiledModel& whole, const Target& t, const DoesNotFit& e,
                                                   const std::string& command) {
  // Rows save RAM, not flash (pipeline_options turns Auto off with external weights).
  const bool constants_too_big = t.flash_bytes > 0 && whole.weight_bytes() > t.flash_bytes;
  if (whole.input_rows.enabled || options.input_rows != StreamingMode::Auto || constants_too_big) throw e;
  const std::string blocker = streaming_blocker(whole.graph, whole.calls);
  if (!blocker.empty()) throw DoesNotFit(std::string(e.what()) + "; the input cannot be fed row by row instead: " + blocker);
  CompileOptions rows = options;
  rows.input_rows = StreamingMode::On;
  auto m = std::make_unique<CompiledModel>();
  compile_model(path, *m, rows);
  if (m->plan.arena_bytes >= whole.plan.arena_bytes)
    throw DoesNotFit(fmt::format("{}; feeding the input row by row would not help: its arena is {} B, the whole "
                                 "input's {} B",
                                 e.what(), m->plan.arena_bytes, whole.plan.arena_bytes));
  std::cerr << fmt::format("{}: the whole input does not fit {} ({}).\n{}: using streaming input instead: {} rows of {} "
                           "pushed one by one, {} held; arena {} B instead of {} B\n",
                           command, t.name, e.what(), command, m->input_rows.rows, m->input_rows.row_elements,
                           m->input_rows.window_rows, m->plan.arena_bytes, m->whole_input_arena_bytes);
  return m;
}

}  // namespace microflow
