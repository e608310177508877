// Running host tools (the C++ compiler, a built runner) from the CLI.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace microflow {

// Runs argv[0] with arguments, stdout+stderr captured into `output`.
// Returns the exit status (-1 if it could not be started or was killed).
// `on_output`, if given, sees the output so far each time more arrives (progress displays).
int run_process(const std::vector<std::string>& argv, std::string& output,
                const std::function<void(const std::string&)>& on_output = nullptr);

// The system C++ compiler: $CXX, else c++.
std::string host_cxx();

}  // namespace microflow
