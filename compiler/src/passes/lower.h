// Lowering: checks each operator against TFLM's Prepare rules and turns it
// into a KernelCall with every constant (multipliers, folded biases,
// padding, activation bounds) computed at build time.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

std::vector<KernelCall> lower_graph(const Graph& g);

// Per-family lowerings (lower_*.cpp).
KernelCall lower_fully_connected(const Graph& g, const Operator& op);
KernelCall lower_conv_2d(const Graph& g, const Operator& op);
KernelCall lower_depthwise_conv_2d(const Graph& g, const Operator& op);
KernelCall lower_pool_2d(const Graph& g, const Operator& op);
KernelCall lower_softmax(const Graph& g, const Operator& op);
KernelCall lower_add(const Graph& g, const Operator& op);
KernelCall lower_quantize(const Graph& g, const Operator& op);
KernelCall lower_dequantize(const Graph& g, const Operator& op);
KernelCall lower_reshape(const Graph& g, const Operator& op);

}  // namespace microflow
