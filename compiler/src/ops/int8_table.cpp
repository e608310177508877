#include "ops/int8_table.h"

#include <optional>

#include "diagnostics.h"
#include "kernels/unary.h"
#include "ops/lower_util.h"
#include "passes/lower.h"

namespace microflow {
namespace {

struct ClampRange {
  int64_t min = 0, max = 0;
};

int8_t at(const Int8Table& t, int x) { return t[static_cast<uint8_t>(static_cast<int8_t>(x))]; }

// The table as clamp(x, min, max), when it is one.
std::optional<ClampRange> as_clamp(const Int8Table& t) {
  const ClampRange r{at(t, -128), at(t, 127)};
  for (int x = -128; x <= 127; ++x)
    if (at(t, x) != std::min<int64_t>(std::max<int64_t>(x, r.min), r.max)) return std::nullopt;
  return r;
}

}  // namespace

bool has_int8_table(const Operator& op) { return op.def->int8_reference != nullptr; }

Int8Table int8_table_for(const Graph& g, const Operator& op) {
  if (!has_int8_table(op)) fail(g, op, "internal: the operator has no int8 table form");
  KernelCall k = op.def->int8_reference(g, op);
  ElementCount* count = k.params.get<ElementCount>();
  if (!k.kernel || !k.kernel->evaluate || !count)
    fail(g, op, "internal: " + k.function() + " cannot be evaluated into a table");
  check_shifts(g, op, k);
  count->size = 256;
  std::vector<uint8_t> in(256), out(256);
  for (size_t b = 0; b < 256; ++b) in[b] = static_cast<uint8_t>(b);
  k.kernel->evaluate(k, {in.data(), out.data()});
  Int8Table t;
  for (size_t b = 0; b < 256; ++b) t[b] = static_cast<int8_t>(out[b]);
  return t;
}

KernelCall lower_int8_by_table(const Graph& g, const Operator& op) {
  const Int8Table table = int8_table_for(g, op);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  KernelCall k;
  if (const std::optional<ClampRange> c = as_clamp(table)) {
    ClampParams p;
    p.size = out.elements();
    p.min = c->min;
    p.max = c->max;
    k = make_call(op, kClampS8, p);
    add_input_arg(k, in);
  } else {
    LookupS8Params p;
    p.size = out.elements();
    k = make_call(op, kLookupS8, p);
    add_input_arg(k, in);
    add_array_arg(k, int_array("Table", DType::Int8, std::vector<int64_t>(table.begin(), table.end())));
  }
  add_output_arg(k, out);
  return k;
}

void use_direct_int8_kernels(const Graph& g, std::vector<KernelCall>& calls) {
  for (KernelCall& k : calls)
    if (k.op && has_int8_table(*k.op) && (k.kernel == &kLookupS8 || k.kernel == &kClampS8))
      k = k.op->def->int8_reference(g, *k.op);
}

std::optional<Int8TableUse> int8_table_use(const Graph& g, const KernelCall& k) {
  if (!k.op || !has_int8_table(*k.op) || (k.kernel != &kLookupS8 && k.kernel != &kClampS8)) return std::nullopt;
  Int8TableUse u;
  u.table = k.kernel == &kLookupS8;
  u.bytes = k.constant_bytes();
  if (!u.table) {
    u.clamp_min = k.params.as<ClampParams>().min;
    u.clamp_max = k.params.as<ClampParams>().max;
  }
  u.op = k.op->def->name;
  u.reference_kernel = k.op->def->int8_reference(g, *k.op).function();
  return u;
}

std::string Int8TableUse::note() const {
  if (table)
    return "table (" + std::to_string(bytes) + " B): " + op + "'s int8 arithmetic (" + reference_kernel +
           ") evaluated at build time for all 256 inputs";
  return "clamp [" + std::to_string(clamp_min) + ", " + std::to_string(clamp_max) + "]: " + op + "'s int8 table (" +
         reference_kernel + ") is a clamp, no table";
}

}  // namespace microflow
