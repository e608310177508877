#include "diagnostics.h"

namespace microflow {

void fail(const std::string& file, const std::string& what) { throw CompileError(file + ": " + what); }

void fail(const Graph& g, const Operator& op, const std::string& what) {
  fail(g.source, "op " + std::to_string(op.index) + " (" + op_kind_name(op.kind) + "): " + what);
}

std::string describe(const Graph& g, int tensor_id, const std::string& role) {
  std::string s = role.empty() ? "tensor " : role + " tensor ";
  s += std::to_string(tensor_id);
  if (tensor_id >= 0 && static_cast<size_t>(tensor_id) < g.tensors.size())
    s += " '" + g.tensor(tensor_id).name + "'";
  return s;
}

}  // namespace microflow
