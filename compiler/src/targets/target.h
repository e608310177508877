// Build-and-run descriptions of the targets, read from targets/targets.json
// (the single source of truth shared with the CMake toolchain files).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace microflow {

// What one inference costs in time and energy on the real chip a target stands for:
// the clock, the active current and supply voltage from its datasheet (targets.json
// "energy", with a "source" note). clock_hz == 0: no figures for this target.
struct EnergyModel {
  std::string part, source;
  double clock_hz = 0, voltage_v = 0, active_current_ma = 0;
  // Instruction-counting targets: cycles = instructions x this (an assumption, stated
  // in the source note); cycle-counting ones (AVR) use the count as it is.
  double cycles_per_instruction = 1.0;
};

struct InferenceCost {
  double cycles = 0, seconds = 0, microjoules = 0;
};

struct Target {
  std::string name;
  std::string family;  // avr, cortex-m, riscv, host
  std::vector<std::string> isa;  // instruction-set extensions the cflags enable ("dsp", "mve")
  std::string cxx;     // compiler driver
  std::vector<std::string> cflags, ldflags;
  std::vector<std::string> platform_sources;  // absolute paths
  std::vector<std::string> include_dirs;      // absolute paths
  std::vector<std::string> flash_sections, ram_sections;  // what `size -A` rows count as flash / RAM
  std::string size_tool, nm_tool;
  int64_t flash_bytes = 0, ram_bytes = 0;  // the real chip's limits
  std::vector<std::string> run;            // argv template: run a firmware
  std::vector<std::string> bench_run;      // argv template: run it and count the benchmark region
  std::string count;                       // "cycles", "instructions" or "callgrind"
  EnergyModel energy;
  bool has_energy() const { return energy.clock_hz > 0; }
  // Time and energy of one invoke() that counted `count` (cycles or instructions).
  InferenceCost cost(int64_t count) const;
};

// Where the runtime headers are: $MICROFLOW_RUNTIME_INCLUDE, next to the
// installed binary, or the source tree this binary was built from.
std::string find_runtime_include();

// The directory holding targets.json and the platform sources.
std::filesystem::path targets_dir();
Target find_target(const std::string& name);
std::vector<std::string> target_names();

// Replaces {key} placeholders in every argument.
std::vector<std::string> expand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& values);

}  // namespace microflow
