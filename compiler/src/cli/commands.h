// The `microflow` subcommands. Each returns the process exit status.
#pragma once

#include <string>

namespace microflow {

struct CompileArgs {
  std::string model, out_dir, name;
};
int run_compile(const CompileArgs& a);

struct InspectArgs {
  std::string model;
  bool json = false;
};
int run_inspect(const InspectArgs& a);

struct VerifyArgs {
  std::string model, vectors, work_dir, runtime_include;
  bool keep = false;
  double tolerance = 1e-5;  // float outputs: max relative error
};
int run_verify(const VerifyArgs& a);

struct BenchArgs {
  std::string model, target = "host", input, work_dir, runtime_include;
  bool json = false;
};
int run_bench(const BenchArgs& a);

// Where the runtime headers are: explicit option, $MICROFLOW_RUNTIME_INCLUDE,
// next to the installed binary, or the source tree this binary was built from.
std::string find_runtime_include(const std::string& explicit_dir);

}  // namespace microflow
