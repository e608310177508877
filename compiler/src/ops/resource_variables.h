// Resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE) and CALL_ONCE. The
// reader inlines a CALL_ONCE's init subgraph as run-once operators and resolves every
// VAR_HANDLE to one variable tensor per (container, shared_name): a slot of the state
// region that READ_VARIABLE copies from and ASSIGN_VARIABLE copies into.
#pragma once

#include <string>

#include "graph/graph.h"
#include "ops/op_def.h"

namespace microflow {

struct CallOnceOptions : OpOptions {
  int init_subgraph = 0;
};
struct VarHandleOptions : OpOptions {
  std::string container, shared_name;
};

// Resolved by the reader; they never reach lowering.
extern const OpDef kCallOnceOp;
extern const OpDef kVarHandleOp;

// Replaces each VAR_HANDLE's resource tensor by its variable tensor (type, shape and
// quantization of the first value ASSIGN_VARIABLE stores in it, in TFLM's Prepare order)
// and removes the VAR_HANDLE operators.
void resolve_resource_variables(Graph& g);

}  // namespace microflow
