// Constant folding: an operator whose inputs are all constant runs at build time,
// through the same runtime kernel the target would run (KernelDef::evaluate), and
// its outputs become constants; operators nothing reads any more are removed.
// Shape-only chains (Keras' Flatten: SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE)
// vanish this way.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace microflow {

struct FoldedOp {
  int op_index = -1;
  std::string op_name;
  bool evaluated = false;  // false: removed because nothing read its outputs
};

// Runs on a scheduled graph, before lowering; g.ops keeps its order.
std::vector<FoldedOp> fold_constants(Graph& g);

}  // namespace microflow
