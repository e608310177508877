// One definition per TFLite builtin operator: how the reader takes its options
// and how lowering turns it into a kernel call. ops/registry.cpp lists them;
// everything operator-specific in the front end lives in the operator's file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "kernels/kernel.h"
#include "passes/kernel_call.h"

namespace microflow {

namespace tfl {
struct Operator;
}

using OptionsReader = std::shared_ptr<const OpOptions> (*)(const tfl::Operator& op, const std::string& where);
using Lowering = KernelCall (*)(const Graph& g, const Operator& op);
// State a kernel keeps between invokes that the model does not hold in a tensor (TFLM
// allocates it in the kernel's Init): its element type and shape. The reader adds it as a
// variable tensor (zeros at reset(), as TFLM's Init/Reset), the operator's last input.
constexpr int kCustomCode = 32;  // BuiltinOperator CUSTOM

struct KernelState {
  DType type = DType::Unsupported;
  std::vector<int32_t> shape;
};
using KernelStateOf = KernelState (*)(const Graph& g, const Operator& op);

struct OpDef {
  int code = -1;          // TFLite BuiltinOperator (32, CUSTOM, for custom operators)
  const char* name = "";  // TFLite's name for it; a custom operator's custom_code
  OptionsReader read_options = nullptr;  // nullptr: the operator has no options
  Lowering lower = nullptr;  // nullptr: the reader resolves the operator (CALL_ONCE, VAR_HANDLE)
  // Constant weights and bias (-1: none): the reader checks their quantization (one
  // positive scale per output channel along `channel_axis`, int8 zero points).
  int weights_input = -1, bias_input = -1, channel_axis = 0;
  const char* weights_role = "weights";  // in messages: "weights" / "filter"
  // The output depends only on the inputs' (static) shapes, never on their values (SHAPE,
  // ZEROS_LIKE): constant folding evaluates it even when the inputs are computed.
  bool shape_only = false;
  int num_outputs = 1;  // -1: as many as the options say (SPLIT, UNPACK); the lowering checks
  // int8 single-input operators: the call of their reference kernel (TFLM's int8 arithmetic)
  // that ops/int8_table.h runs over all 256 inputs to make the operator's table.
  Lowering int8_reference = nullptr;
  KernelStateOf kernel_state = nullptr;  // nullptr: no state outside the model's tensors
  // The kernels the lowering may produce (for tests that cover every kernel).
  std::vector<const KernelDef*> kernels;
};

// The definition of builtin operator `code`, nullptr when microflow does not compile it.
const OpDef* find_op(int code);
// The definition of the custom operator with this custom_code, nullptr when unknown.
const OpDef* find_custom_op(const std::string& custom_code);
const std::vector<const OpDef*>& all_ops();
// "ADD, AVERAGE_POOL_2D, ..." for messages.
std::string supported_ops_list();

}  // namespace microflow
