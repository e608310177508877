#include "ops/resource_variables.h"

#include <algorithm>
#include <map>

#include "kernels/index.h"
#include "ops/index_util.h"
#include "ops/lower_util.h"
#include "ops/options.h"

namespace microflow {
namespace {

std::shared_ptr<const OpOptions> read_call_once(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<CallOnceOptions>();
  o->init_subgraph = options_as<tfl::CallOnceOptions>(op, where)->init_subgraph_index();
  return o;
}

std::shared_ptr<const OpOptions> read_var_handle(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<VarHandleOptions>();
  if (const auto* v = op.builtin_options_as<tfl::VarHandleOptions>()) {
    if (v->container()) o->container = v->container()->str();
    if (v->shared_name()) o->shared_name = v->shared_name()->str();
  } else if (op.builtin_options_type() != tfl::BuiltinOptions::NONE) {
    throw CompileError(where + ": builtin options of the wrong type (" +
                       tfl::EnumNameBuiltinOptions(op.builtin_options_type()) + ")");
  }
  return o;
}

const Tensor& variable_input(const Graph& g, const Operator& op) {
  const Tensor& v = op_input(g, op, 0, "resource");
  if (!v.is_variable) fail(g, op, describe(g, v.id, "resource") + ": is not the output of a VAR_HANDLE");
  return v;
}

// A copy is a CAST to the same type (kernels/cast.h), from flash when the value is constant.
KernelCall copy_call(const Operator& op, const Tensor& from, const Tensor& to) {
  CastParams p;
  p.count = to.elements();
  KernelCall k = make_call(op, kCast, CastParams{});
  p.input_in_flash = add_operand_arg(k, from, "Value");
  add_output_arg(k, to);
  k.params = p;
  return k;
}

void expect_same_value(const Graph& g, const Operator& op, const Tensor& var, const Tensor& value, const char* role) {
  if (value.type != var.type || value.elements() != var.elements())
    fail(g, op, describe(g, value.id, role) + ": " + dtype_name(value.type) + value.shape_string() + ", but resource variable '" +
                    printable(var.name) + "' holds " + dtype_name(var.type) + var.shape_string());
}

KernelCall lower_read_variable(const Graph& g, const Operator& op) {
  const Tensor& var = variable_input(g, op);
  const Tensor& out = op_output(g, op);
  expect_same_value(g, op, var, out, "output");
  return copy_call(op, var, out);
}

KernelCall lower_assign_variable(const Graph& g, const Operator& op) {
  const Tensor& var = variable_input(g, op);
  const Tensor& value = op_input(g, op, 1, "value");
  expect_same_value(g, op, var, value, "value");
  return copy_call(op, value, var);
}

struct Variable {
  std::string container, shared_name;
  int tensor = -1;
};

}  // namespace

extern const OpDef kCallOnceOp{.code = 129, .name = "CALL_ONCE", .read_options = read_call_once, .num_outputs = 0, .kernels = {}};
extern const OpDef kVarHandleOp{.code = 142, .name = "VAR_HANDLE", .read_options = read_var_handle, .kernels = {}};
extern const OpDef kReadVariableOp{
    .code = 143, .name = "READ_VARIABLE", .lower = lower_read_variable, .kernels = {&kCast}};
extern const OpDef kAssignVariableOp{
    .code = 144, .name = "ASSIGN_VARIABLE", .lower = lower_assign_variable, .num_outputs = 0, .kernels = {&kCast}};

void resolve_resource_variables(Graph& g) {
  std::vector<Variable> variables;
  std::map<int, int> variable_of;  // resource tensor -> variable tensor
  for (const Operator& op : g.ops) {
    if (op.def != &kVarHandleOp) continue;
    if (!op.inputs.empty() || op.outputs.size() != 1) fail(g, op, "VAR_HANDLE takes no inputs and has one output");
    const auto& o = op.opts<VarHandleOptions>();
    // As TFLM's MicroResourceVariables::FindId: a handle without a container matches any.
    auto it = std::find_if(variables.begin(), variables.end(), [&](const Variable& v) {
      return (o.container.empty() || o.container == v.container) && o.shared_name == v.shared_name;
    });
    if (it == variables.end()) {
      Tensor t;
      t.id = static_cast<int>(g.tensors.size());
      t.name = o.shared_name;
      t.is_variable = true;
      g.tensors.push_back(std::move(t));
      variables.push_back({o.container, o.shared_name, g.tensors.back().id});
      it = std::prev(variables.end());
    }
    variable_of[op.outputs[0]] = it->tensor;
  }
  std::erase_if(g.ops, [](const Operator& op) { return op.def == &kVarHandleOp; });
  for (Operator& op : g.ops)
    for (int& t : op.inputs) {
      if (t < 0) continue;
      if (const auto it = variable_of.find(t); it != variable_of.end()) t = it->second;
      else if (g.tensor(t).type_name == "RESOURCE")
        fail(g, op, describe(g, t, "input") + ": a resource that no VAR_HANDLE of this model gives");
    }
  // TFLM allocates a variable at the first ASSIGN_VARIABLE it prepares (subgraph 0 first,
  // then the others, each in operator order), with that value's size, and fills it with the
  // value's int8 zero point (0 when not quantized); reset() restores that.
  std::vector<const Operator*> prepare_order;
  for (const Operator& op : g.ops) prepare_order.push_back(&op);
  std::stable_sort(prepare_order.begin(), prepare_order.end(),
                   [](const Operator* a, const Operator* b) { return a->subgraph < b->subgraph; });
  for (const Variable& v : variables) {
    Tensor* var = &g.tensor(v.tensor);
    for (const Operator* op : prepare_order) {
      if (op->def != &kAssignVariableOp || op->input(0) != v.tensor || op->input(1) < 0) continue;
      const Tensor& value = g.tensor(op->input(1));
      var->type = value.type;
      var->type_name = value.type_name;
      var->shape = value.shape;
      var->quant = value.quant;
      var->reset_byte = value.quant.present() ? static_cast<uint8_t>(value.quant.zero_point()) : 0;
      break;
    }
    if (var->type == DType::Unsupported)
      fail(g.source, "resource variable '" + printable(v.shared_name) +
                         "' is never assigned (TFLM allocates it at its first ASSIGN_VARIABLE)");
  }
}

}  // namespace microflow
