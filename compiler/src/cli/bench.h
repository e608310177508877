// `microflow bench`'s measurement, shared with `microflow report`.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "pipeline.h"
#include "targets/firmware.h"

namespace microflow {

struct Measurement {
  FirmwareSizes sizes;
  int64_t stack = 0, count = 0;
  int64_t weight_reads = 0, weight_read_bytes = 0;  // external weights: read_weights() calls in invoke()
};

// The model's bench firmware and the empty harness on one target (switching to streaming
// input when the whole input does not fit and the arguments allow it); throws
// CompileError / DoesNotFit with the reason when it cannot run there.
struct BenchRun {
  std::unique_ptr<CompiledModel> model;
  Measurement firmware, empty;
};
BenchRun bench_on_target(const BenchArgs& a, const Target& target, const std::vector<uint8_t>& input,
                         const std::filesystem::path& work);

// Time and energy of `count` on the target's datasheet figures (targets.json "energy").
nlohmann::json energy_json(const Target& t, int64_t count);
std::string energy_line(const Target& t, int64_t count);

}  // namespace microflow
