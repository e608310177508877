// TFLite BuiltinOperator codes: the ones microflow compiles, plus names for
// the rest so an unsupported operator is reported by name.
#pragma once

#include <optional>
#include <string>

#include "graph/graph.h"

namespace microflow {

std::optional<OpKind> op_kind_from_builtin(int code);
std::string builtin_op_name(int code);
// "ADD, AVERAGE_POOL_2D, ..." for messages.
std::string supported_ops_list();

}  // namespace microflow
