#include "passes/schedule.h"

#include <queue>

#include "diagnostics.h"

namespace microflow {

void schedule(Graph& g) {
  const size_t n = g.tensors.size();
  // Model inputs and outputs live in the arena and get typed accessors: each
  // must be listed once, be an activation (not constant data) of a known type.
  auto check_io = [&](const std::vector<int>& ids, const char* role) {
    std::vector<bool> seen(n, false);
    for (int t : ids) {
      const Tensor& tensor = g.tensor(t);
      if (seen[static_cast<size_t>(t)]) fail(g.source, describe(g, t, role) + ": is listed twice");
      seen[static_cast<size_t>(t)] = true;
      if (tensor.is_constant) fail(g.source, describe(g, t, role) + ": is a constant (its buffer holds data)");
      if (tensor.type == DType::Unsupported)
        fail(g.source, describe(g, t, role) + ": type " + tensor.type_name + " is not supported");
      if (tensor.is_variable)
        fail(g.source, describe(g, t, role) + ": is a variable tensor (state the model keeps between invokes)");
    }
  };
  check_io(g.inputs, "model input");
  check_io(g.outputs, "model output");
  std::vector<int> producer(n, -1);
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (int t : g.ops[i].outputs) {
      if (producer[static_cast<size_t>(t)] >= 0)
        fail(g, g.ops[i], describe(g, t, "output") + ": is also produced by op " +
                              std::to_string(g.ops[static_cast<size_t>(producer[static_cast<size_t>(t)])].index));
      if (g.tensor(t).is_constant) fail(g, g.ops[i], describe(g, t, "output") + ": is a constant");
      if (g.tensor(t).is_variable) fail(g, g.ops[i], describe(g, t, "output") + ": is a variable tensor");
      producer[static_cast<size_t>(t)] = static_cast<int>(i);
    }
  for (int t : g.inputs)
    if (producer[static_cast<size_t>(t)] >= 0)
      fail(g.source, describe(g, t, "model input") + " is also the output of op " +
                         std::to_string(g.ops[static_cast<size_t>(producer[static_cast<size_t>(t)])].index));

  std::vector<bool> is_model_input(n, false);
  for (int t : g.inputs) is_model_input[static_cast<size_t>(t)] = true;

  // Kahn's algorithm over op -> op edges, smallest original index first.
  std::vector<int> pending(g.ops.size(), 0);
  std::vector<std::vector<size_t>> consumers(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (int t : g.ops[i].inputs) {
      if (t < 0) continue;
      const Tensor& tensor = g.tensor(t);
      int p = producer[static_cast<size_t>(t)];
      if (p >= 0) {
        ++pending[i];
        consumers[static_cast<size_t>(p)].push_back(i);
      } else if (!tensor.is_constant && !tensor.is_variable && !is_model_input[static_cast<size_t>(t)]) {
        fail(g, g.ops[i], describe(g, t, "input") + ": is neither a constant, a model input nor produced by any operator");
      }
    }
  // Variables (state) are read and written in place: their operators keep the model's order.
  std::vector<const Operator*> listed;
  for (const Operator& op : g.ops) listed.push_back(&op);
  for (const auto& [before, after] : state_order(g, listed)) {
    ++pending[after];
    consumers[before].push_back(after);
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<Operator> ordered;
  ordered.reserve(g.ops.size());
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    ordered.push_back(g.ops[i]);
    for (size_t c : consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (ordered.size() != g.ops.size()) {
    for (size_t i = 0; i < g.ops.size(); ++i)
      if (pending[i] > 0) fail(g, g.ops[i], "the graph has a cycle through this operator");
  }
  for (int t : g.outputs)
    if (producer[static_cast<size_t>(t)] < 0 && !is_model_input[static_cast<size_t>(t)])
      fail(g.source, describe(g, t, "model output") + " is not produced by any operator");
  g.ops = std::move(ordered);
}

}  // namespace microflow
