#include "passes/kernel_call.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

namespace microflow {

int64_t ConstArray::bytes() const { return static_cast<int64_t>(size()) * dtype_size(type); }

int64_t KernelCall::constant_bytes() const {
  int64_t n = 0;
  for (const ConstArray& a : arrays) n += a.bytes();
  for (const KernelCall& k : stages) n += k.constant_bytes();
  return n;
}

int KernelCall::input_tensor() const {
  for (const KernelArg& a : args)
    if (a.kind == KernelArg::Input) return a.tensor;
  return -1;
}

int KernelCall::output_tensor() const {
  for (auto it = args.rbegin(); it != args.rend(); ++it)
    if (it->kind == KernelArg::Output) return it->tensor;
  return -1;
}

std::string KernelCall::op_indices() const {
  std::string s;
  for (const Operator* o : fused) s += std::to_string(o->index) + "+";
  return s + std::to_string(op->index);
}

std::string KernelCall::op_names() const {
  std::string s;
  for (const Operator* o : fused) s += std::string(op_kind_name(o->kind)) + "+";
  return s + op_kind_name(op->kind);
}

std::string literal(int64_t v) {
  // INT32_MIN cannot be written as a plain negative literal.
  if (v == INT32_MIN) return "(-2147483647 - 1)";
  return std::to_string(v);
}

std::string literal(float v) {
  if (std::isinf(v)) return v > 0 ? "__builtin_inff()" : "-__builtin_inff()";
  if (std::isnan(v)) return std::signbit(v) ? "-__builtin_nanf(\"\")" : "__builtin_nanf(\"\")";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s + "f";
}

}  // namespace microflow
