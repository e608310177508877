// Builds a compiled model's generated code together with a small harness
// into a host executable, as `verify` and `bench` need.
#pragma once

#include <filesystem>
#include <string>

#include "pipeline.h"

namespace microflow {

// Name of the generated namespace/files inside host builds.
inline constexpr const char* kHostModelName = "host_model";

struct HostBuild {
  std::filesystem::path work_dir;
  std::filesystem::path runner;
  std::filesystem::path model_object;  // the generated model alone, for size reports
};

// Writes host_model.{h,cpp} and harness.cpp into work_dir and compiles them
// with the system C++ compiler (-O2). Throws CompileError on failure.
HostBuild build_for_host(const CompiledModel& m, const std::string& harness_source,
                         const std::filesystem::path& work_dir, const std::string& runtime_include);

// A temporary directory unique to this process.
std::filesystem::path temp_work_dir(const char* what);

}  // namespace microflow
