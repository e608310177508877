#include "targets/target.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "diagnostics.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

nlohmann::json load_targets() {
  const fs::path file = targets_dir() / "targets.json";
  std::ifstream in(file);
  if (!in) throw CompileError(file.string() + ": cannot read the target descriptions");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw CompileError(file.string() + ": " + e.what());
  }
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  return j.contains(key) ? j.at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace

std::string find_runtime_include() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MICROFLOW_RUNTIME_INCLUDE")) candidates.emplace_back(env);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(self.parent_path().parent_path() / "include");
  candidates.emplace_back(MICROFLOW_SOURCE_RUNTIME_INCLUDE);
  for (const fs::path& p : candidates)
    if (fs::exists(p / "microflow" / "microflow.h")) return p.string();
  throw CompileError("cannot find the microflow runtime headers (microflow/microflow.h); set MICROFLOW_RUNTIME_INCLUDE");
}

fs::path targets_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MICROFLOW_TARGETS_DIR")) candidates.emplace_back(env);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(self.parent_path().parent_path() / "share" / "microflow" / "targets");
  candidates.emplace_back(MICROFLOW_SOURCE_TARGETS_DIR);
  for (const fs::path& p : candidates)
    if (fs::exists(p / "targets.json")) return p;
  throw CompileError("cannot find targets/targets.json; set MICROFLOW_TARGETS_DIR");
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  // Held in a variable: items() of a temporary would outlive it in the range-for.
  const nlohmann::json all = load_targets();
  for (const auto& [name, _] : all.items()) names.push_back(name);
  return names;
}

Target find_target(const std::string& name) {
  const nlohmann::json all = load_targets();
  if (!all.contains(name)) {
    std::string list;
    for (const auto& [n, _] : all.items()) list += (list.empty() ? "" : ", ") + n;
    throw CompileError("unknown target '" + name + "' (targets: " + list + ")");
  }
  const nlohmann::json& j = all.at(name);
  try {
    Target t;
    t.name = name;
    t.family = j.at("family");
    t.isa = strings(j, "isa");
    t.cxx = j.at("cxx");
    // {targets_dir} lets a flag name a file of the targets folder (e.g. a linker script).
    const std::map<std::string, std::string> dirs = {{"targets_dir", targets_dir().string()}};
    t.cflags = expand(strings(j, "cflags"), dirs);
    t.ldflags = expand(strings(j, "ldflags"), dirs);
    for (const std::string& s : strings(j, "platform_sources")) t.platform_sources.push_back((targets_dir() / s).string());
    for (const std::string& s : strings(j, "include_dirs")) t.include_dirs.push_back((targets_dir() / s).string());
    t.flash_sections = strings(j, "flash_sections");
    t.ram_sections = strings(j, "ram_sections");
    t.size_tool = j.value("size_tool", "size");
    t.nm_tool = j.value("nm_tool", "nm");
    t.flash_bytes = j.value("flash_bytes", int64_t{0});
    t.ram_bytes = j.value("ram_bytes", int64_t{0});
    t.run = strings(j, "run");
    t.bench_run = strings(j, "bench_run");
    t.count = j.value("count", "");
    if (j.contains("energy")) {
      const nlohmann::json& e = j.at("energy");
      t.energy = {e.at("part"), e.at("source"), e.at("clock_hz"), e.at("voltage_v"), e.at("active_current_ma"),
                  e.value("cycles_per_instruction", 1.0)};
    }
    return t;
  } catch (const nlohmann::json::exception& e) {
    throw CompileError("targets.json: target '" + name + "': " + e.what());
  }
}

InferenceCost Target::cost(int64_t n) const {
  if (!has_energy()) return {};
  const double cycles = static_cast<double>(n) * (count == "cycles" ? 1.0 : energy.cycles_per_instruction);
  const double seconds = cycles / energy.clock_hz;
  // P = V x I; mA x V x s = mJ, x 1000 = uJ.
  return {cycles, seconds, energy.voltage_v * energy.active_current_ma * seconds * 1e3};
}

std::vector<std::string> expand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& values) {
  std::vector<std::string> out;
  for (std::string a : argv) {
    for (const auto& [key, value] : values)
      for (size_t p; (p = a.find("{" + key + "}")) != std::string::npos;) a.replace(p, key.size() + 2, value);
    out.push_back(a);
  }
  return out;
}

}  // namespace microflow
