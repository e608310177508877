// One error type and one message format for everything the compiler rejects:
//   model.tflite: op 3 (CONV_2D): filter tensor 7 'conv1/weights': expected 4 dimensions, got 2
#pragma once

#include <stdexcept>
#include <string>

#include "graph/graph.h"

namespace microflow {

class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<file>: <what>"
[[noreturn]] void fail(const std::string& file, const std::string& what);
// "<file>: op <index> (<NAME>): <what>"
[[noreturn]] void fail(const Graph& g, const Operator& op, const std::string& what);
// "filter tensor 7 'conv1/weights'"
std::string describe(const Graph& g, int tensor_id, const std::string& role);
// A name from the model, safe to print in a one-line message: control
// characters become '?' and very long names are cut.
std::string printable(const std::string& name);

}  // namespace microflow
