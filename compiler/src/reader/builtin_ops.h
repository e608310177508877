// TFLite's names of its BuiltinOperator codes, so an operator microflow does not
// compile is reported by name (ops/registry.cpp lists the ones it does).
#pragma once

#include <string>

namespace microflow {

std::string builtin_op_name(int code);

}  // namespace microflow
