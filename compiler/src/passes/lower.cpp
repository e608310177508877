#include "passes/lower.h"

#include "diagnostics.h"

namespace microflow {

std::vector<KernelCall> lower_graph(const Graph& g) {
  std::vector<KernelCall> calls;
  calls.reserve(g.ops.size());
  for (const Operator& op : g.ops) {
    if (op.outputs.size() != 1) fail(g, op, "expected exactly one output, got " + std::to_string(op.outputs.size()));
    for (size_t i = 0; i < op.inputs.size(); ++i)
      if (op.inputs[i] >= 0 && g.tensor(op.inputs[i]).elements() == 0)
        fail(g, op, describe(g, op.inputs[i], "input") + ": shape " + g.tensor(op.inputs[i]).shape_string() + " is empty");
    if (g.tensor(op.outputs[0]).elements() == 0)
      fail(g, op, describe(g, op.outputs[0], "output") + ": shape " + g.tensor(op.outputs[0]).shape_string() + " is empty");
    switch (op.kind) {
      case OpKind::FullyConnected: calls.push_back(lower_fully_connected(g, op)); break;
      case OpKind::Conv2D: calls.push_back(lower_conv_2d(g, op)); break;
      case OpKind::DepthwiseConv2D: calls.push_back(lower_depthwise_conv_2d(g, op)); break;
      case OpKind::AveragePool2D:
      case OpKind::MaxPool2D: calls.push_back(lower_pool_2d(g, op)); break;
      case OpKind::Softmax: calls.push_back(lower_softmax(g, op)); break;
      case OpKind::Add: calls.push_back(lower_add(g, op)); break;
      case OpKind::Quantize: calls.push_back(lower_quantize(g, op)); break;
      case OpKind::Dequantize: calls.push_back(lower_dequantize(g, op)); break;
      case OpKind::Reshape: calls.push_back(lower_reshape(g, op)); break;
    }
  }
  return calls;
}

}  // namespace microflow
