// Running host tools (the C++ compiler, a built runner) from the CLI.
#pragma once

#include <string>
#include <vector>

namespace microflow {

// Runs argv[0] with arguments, stdout+stderr captured into `output`.
// Returns the exit status (-1 if it could not be started or was killed).
int run_process(const std::vector<std::string>& argv, std::string& output);

// The system C++ compiler: $CXX, else c++.
std::string host_cxx();

}  // namespace microflow
