#include "diagnostics.h"

namespace microflow {

void fail(const std::string& file, const std::string& what) { throw CompileError(file + ": " + what); }

void fail(const Graph& g, const Operator& op, const std::string& what) {
  const std::string init = op.subgraph > 0 ? ", op " + std::to_string(op.subgraph_index) + " of CALL_ONCE's init subgraph " +
                                                 std::to_string(op.subgraph)
                                           : "";
  fail(g.source, "op " + std::to_string(op.index) + " (" + op.name + init + "): " + what);
}

std::string describe(const Graph& g, int tensor_id, const std::string& role) {
  std::string s = role.empty() ? "tensor " : role + " tensor ";
  s += std::to_string(tensor_id);
  if (tensor_id >= 0 && static_cast<size_t>(tensor_id) < g.tensors.size())
    s += " '" + printable(g.tensor(tensor_id).name) + "'";
  return s;
}

std::string printable(const std::string& name) {
  constexpr size_t kMaxLength = 200;
  std::string s = name.size() > kMaxLength ? name.substr(0, kMaxLength) + "..." : name;
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 32 || c == 127) c = '?';
  return s;
}

}  // namespace microflow
