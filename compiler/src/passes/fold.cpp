#include "passes/fold.h"

#include <algorithm>
#include <cstring>

#include "diagnostics.h"
#include "ops/op_def.h"
#include "passes/lower.h"

namespace microflow {
namespace {

bool all_inputs_constant(const Graph& g, const Operator& op) {
  bool any = false;
  for (int t : op.inputs) {
    if (t < 0) continue;
    if (!g.tensor(t).is_constant) return false;
    any = true;
  }
  return any;
}

// The outputs' contents when the operator can run now, else false. A lowering that
// rejects constant operands, or a kernel without a host evaluation, leaves the
// operator to the normal lowering (which reports any real problem).
bool evaluate(Graph& g, const Operator& op) {
  for (int t : op.outputs)
    if (g.is_output(t)) return false;  // the application reads it from the arena
  KernelCall k;
  try {
    k = op.def->lower(g, op);
    check_shifts(g, op, k);
  } catch (const CompileError&) {
    return false;
  }
  if (k.is_alias) {
    Tensor& out = g.tensor(op.outputs[0]);
    out.data = g.tensor(op.inputs[0]).data;
    out.is_constant = true;
    return true;
  }
  if (!k.kernel || !k.kernel->evaluate || !k.stages.empty()) return false;
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<int> ids;
  for (const KernelArg& a : k.args) {
    if (a.kind != KernelArg::Input && a.kind != KernelArg::Output) continue;
    const Tensor& t = g.tensor(a.tensor);
    buffers.push_back(a.kind == KernelArg::Input ? t.data : std::vector<uint8_t>(static_cast<size_t>(t.bytes())));
    ids.push_back(a.kind == KernelArg::Output ? a.tensor : -1);
  }
  std::vector<uint8_t*> pointers;
  for (auto& b : buffers) pointers.push_back(b.data());
  k.kernel->evaluate(k, pointers);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0) continue;
    Tensor& out = g.tensor(ids[i]);
    out.data = std::move(buffers[i]);
    out.is_constant = true;
  }
  return true;
}

}  // namespace

std::vector<FoldedOp> fold_constants(Graph& g) {
  std::vector<FoldedOp> report;
  std::vector<bool> gone(g.ops.size(), false);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    if (!(all_inputs_constant(g, op) || op.def->shape_only) || !evaluate(g, op)) continue;
    gone[i] = true;
    report.push_back({op.index, op.name, true});
  }
  // Dead operators: no remaining operator reads an output and none is a model output.
  std::vector<int> readers(g.tensors.size(), 0);
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (!gone[i])
      for (int t : g.ops[i].inputs)
        if (t >= 0) ++readers[static_cast<size_t>(t)];
  for (size_t i = g.ops.size(); i-- > 0;) {
    if (gone[i]) continue;
    const Operator& op = g.ops[i];
    // An operator on a variable has an effect beyond its outputs (the state it writes).
    const bool used = touches_state(g, op) || std::any_of(op.outputs.begin(), op.outputs.end(), [&](int t) {
      return readers[static_cast<size_t>(t)] > 0 || g.is_output(t);
    });
    if (used) continue;
    gone[i] = true;
    report.push_back({op.index, op.name, false});
    for (int t : op.inputs)
      if (t >= 0) --readers[static_cast<size_t>(t)];
  }
  std::vector<Operator> kept;
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(g.ops[i]));
  g.ops = std::move(kept);
  std::sort(report.begin(), report.end(), [](const FoldedOp& a, const FoldedOp& b) { return a.op_index < b.op_index; });
  return report;
}

}  // namespace microflow
