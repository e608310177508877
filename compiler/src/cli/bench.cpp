// `microflow bench`: one invoke() on a target, counted exactly (AVR cycles
// from simavr, instructions from a QEMU plugin, callgrind on the host), with
// flash, static RAM and peak stack; and the same for the empty harness so the
// model's own cost can be read off.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <nlohmann/json.hpp>

#include "cli/bench.h"
#include "cli/progress.h"
#include "diagnostics.h"
#include "pipeline.h"
#include "targets/firmware.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

int64_t printed_count(const std::string& output, const std::string& key) {
  std::smatch m;
  return std::regex_search(output, m, std::regex(key + R"(=(\d+))")) ? std::stoll(m[1]) : 0;
}

// The harness embeds the input vector in flash; that is test data, not the
// model's cost, so it is not counted.
Measurement measure(const Target& t, const CompiledModel* m, const std::vector<uint8_t>& input, const fs::path& work,
                    int64_t page_bytes) {
  const std::string weights = m && page_bytes ? weights_image_path(work).string() : "";
  Progress progress(fmt::format("bench: {} on {}", m ? "the model" : "the empty harness", t.name));
  progress.set("building the firmware");
  const Firmware fw = build_firmware(t, m, bench_harness(m, input, weights), work, m ? page_bytes : 0);
  progress.set(t.family == "host" ? "running under callgrind" : "running on " + t.name + "'s simulator");
  const RunResult r = run_firmware(t, fw, work, true);
  FirmwareSizes sizes = fw.sizes;
  if (m) sizes.flash -= static_cast<int64_t>(input.size());
  return {sizes, std::max<int64_t>(r.stack_bytes, 0), r.count, printed_count(r.output, "weight_reads"),
          printed_count(r.output, "weight_read_bytes")};
}

nlohmann::json to_json(const Measurement& m, const std::string& counter) {
  return {{"flash_bytes", m.sizes.flash}, {"ram_bytes", m.sizes.ram + m.stack}, {"static_ram_bytes", m.sizes.ram},
          {"stack_bytes", m.stack}, {counter, m.count}};
}

}  // namespace

nlohmann::json energy_json(const Target& t, int64_t count) {
  const InferenceCost c = t.cost(count);
  nlohmann::json j = {{"part", t.energy.part}, {"clock_hz", t.energy.clock_hz}, {"voltage_v", t.energy.voltage_v},
                      {"active_current_ma", t.energy.active_current_ma}, {"cycles", c.cycles},
                      {"time_us", c.seconds * 1e6}, {"energy_uj", c.microjoules}, {"source", t.energy.source}};
  if (t.count != "cycles") j["cycles_per_instruction"] = t.energy.cycles_per_instruction;
  return j;
}

std::string energy_line(const Target& t, int64_t count) {
  if (!t.has_energy()) return fmt::format("time and energy: no datasheet figures for {} in targets.json", t.name);
  const InferenceCost c = t.cost(count);
  const std::string cycles = t.count == "cycles"
                                 ? "exact cycles"
                                 : fmt::format("assuming {:.1f} cycles per instruction", t.energy.cycles_per_instruction);
  return fmt::format("time per inference: {:.1f} µs; energy per inference: {:.3f} µJ ({} at {:g} MHz, {:g} mA x {:g} V; "
                     "{})",
                     c.seconds * 1e6, c.microjoules, t.energy.part, t.energy.clock_hz / 1e6,
                     t.energy.active_current_ma, t.energy.voltage_v, cycles);
}

BenchRun bench_on_target(const BenchArgs& a, const Target& target, const std::vector<uint8_t>& input,
                         const fs::path& work) {
  const int64_t page_bytes = a.pipeline.weights.page();
  const CompileOptions options = pipeline_options(a.pipeline, &target);
  BenchRun run;
  run.model = compile_for_target(a.model, options);
  auto measure_model = [&](const CompiledModel& m) {
    check_model_fits(target, m, internal_constant_bytes(m, page_bytes), a.model);
    std::cerr << fmt::format("bench: {} on {}: building and running the model firmware{}...\n",
                             fs::path(a.model).filename().string(), target.name,
                             m.input_rows.enabled ? " (input row by row)" : "");
    const Measurement r = measure(target, &m, input, work / "model", page_bytes);
    check_fits(target, r.sizes, r.stack, a.model);
    return r;
  };
  try {
    run.firmware = measure_model(*run.model);
  } catch (const DoesNotFit& e) {
    run.model = switch_to_streaming(a.model, options, *run.model, target, e, "bench");
    run.firmware = measure_model(*run.model);
  }
  std::cerr << "bench: building and running the empty harness (baseline)...\n";
  run.empty = measure(target, nullptr, {}, work / "empty", 0);
  return run;
}

int run_bench(const BenchArgs& a) {
  const Target target = find_target(a.target);
  const int64_t page_bytes = a.pipeline.weights.page();
  if (page_bytes) check_external_weights_target(target);
  const std::unique_ptr<CompiledModel> mp = compile_for_target(a.model, pipeline_options(a.pipeline, &target));
  int64_t input_bytes = 0;  // the same for every form of the model
  for (int id : mp->graph.inputs) input_bytes += mp->graph.tensor(id).bytes();
  std::vector<uint8_t> input(static_cast<size_t>(input_bytes), 0);
  if (!a.input.empty()) {
    std::ifstream in(a.input, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (static_cast<int64_t>(bytes.size()) != input_bytes)
      throw CompileError(fmt::format("{}: {} bytes, the model's inputs take {}", a.input, bytes.size(), input_bytes));
    input = std::move(bytes);
  }
  const fs::path work = a.work_dir.empty() ? fs::temp_directory_path() / fmt::format("microflow-bench-{}", getpid())
                                           : fs::path(a.work_dir);
  BenchRun run = bench_on_target(a, target, input, work);
  if (a.work_dir.empty()) fs::remove_all(work);
  const CompiledModel& m = *run.model;
  const Measurement& model = run.firmware;
  const Measurement& empty = run.empty;
  const int64_t constant_bytes = internal_constant_bytes(m, page_bytes);

  const std::string counter = target.count == "cycles" ? "cycles" : "instructions";
  if (a.json) {
    nlohmann::json j = to_json(model, counter);
    j.update({{"model", a.model}, {"target", target.name}, {"optimize", a.pipeline.optimize},
              {"arena_bytes", m.plan.arena_bytes}, {"state_bytes", m.plan.state_bytes},
              {"streaming_input", m.input_rows.enabled}, {"whole_input_arena_bytes", m.whole_input_arena_bytes},
              {"weight_bytes", m.weight_bytes()}, {"macs", m.macs()}, {"empty_harness", to_json(empty, counter)}});
    if (page_bytes)
      j.update({{"weights", "external"}, {"page_bytes", page_bytes}, {"internal_constant_bytes", constant_bytes},
                {"external_weight_bytes", m.weight_bytes() - constant_bytes}, {"weight_reads", model.weight_reads},
                {"weight_read_bytes", model.weight_read_bytes}});
    if (target.flash_bytes) j["target_flash_bytes"] = target.flash_bytes;
    if (target.ram_bytes) j["target_ram_bytes"] = target.ram_bytes;
    if (target.has_energy()) j["energy"] = energy_json(target, model.count);
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  const char* method = target.count == "cycles" ? "simavr, exact" : target.count == "callgrind" ? "callgrind" : "QEMU plugin, exact";
  std::cout << fmt::format("model: {}\ntarget: {}\noptimize: {}\n", a.model, target.name, a.pipeline.optimize)
            << fmt::format("{} per invoke(): {} ({}), {} MACs, {:.3f} MACs per {}\n", counter, model.count, method,
                           m.macs(), model.count ? static_cast<double>(m.macs()) / static_cast<double>(model.count) : 0.0,
                           counter == "cycles" ? "cycle" : "instruction")
            << fmt::format("{:<15} {:>10} {:>12} {:>12} {:>12}\n", "", "flash B", "static RAM B", "peak stack B", "total RAM B")
            << fmt::format("{:<15} {:>10} {:>12} {:>12} {:>12}\n", "firmware", model.sizes.flash, model.sizes.ram,
                           model.stack, model.sizes.ram + model.stack)
            << fmt::format("{:<15} {:>10} {:>12} {:>12} {:>12}\n", "empty harness", empty.sizes.flash, empty.sizes.ram,
                           empty.stack, empty.sizes.ram + empty.stack)
            << fmt::format("{:<15} {:>10} {:>12} {:>12} {:>12}\n", "model's share", model.sizes.flash - empty.sizes.flash,
                           model.sizes.ram - empty.sizes.ram, model.stack - empty.stack,
                           model.sizes.ram + model.stack - empty.sizes.ram - empty.stack)
            << fmt::format("arena: {} B{} (in static RAM); constants: {} B ({} in flash); flash excludes the {} B input "
                           "vector the harness embeds\n",
                           m.plan.arena_bytes,
                           m.plan.state_bytes ? fmt::format(", state: {} B (kept between invokes)", m.plan.state_bytes) : "",
                           m.weight_bytes(), constant_bytes, input.size());
  if (m.input_rows.enabled)
    std::cout << fmt::format("streaming input: {} rows of {} pushed one by one ({} held in the arena; the whole-input "
                             "arena would be {} B); the count includes copying each row out of flash\n",
                             m.input_rows.rows, m.input_rows.row_elements, m.input_rows.window_rows,
                             m.whole_input_arena_bytes);
  if (page_bytes)
    std::cout << fmt::format("external weights: {} B of constants outside the firmware, {} B in flash; {} B page (in "
                             "static RAM); invoke() made {} read_weights() calls, {} B (counted: the calls' "
                             "instructions, not the transfer time)\n",
                             m.weight_bytes() - constant_bytes, constant_bytes, page_bytes, model.weight_reads,
                             model.weight_read_bytes);
  if (target.flash_bytes)
    std::cout << fmt::format("chip limits: {} B flash, {} B RAM\n", target.flash_bytes, target.ram_bytes);
  std::cout << energy_line(target, model.count) << "\n";
  return 0;
}

}  // namespace microflow
