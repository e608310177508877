#include "passes/kernel_call.h"


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
  std::string s = folded_pad ? std::to_string(folded_pad->index) + "+" : "";
  for (const Operator* o : fused) s += std::to_string(o->index) + "+";
  s += std::to_string(op->index);
  return folded_activation ? s + "+" + std::to_string(folded_activation->index) : s;
}

std::string KernelCall::op_names() const {
  std::string s = folded_pad ? std::string(folded_pad->name) + "+" : "";
  for (const Operator* o : fused) s += std::string(o->name) + "+";
  s += op->name;
  return folded_activation ? s + "+" + folded_activation->name : s;
}

std::vector<int> tensor_readers(const Graph& g, const std::vector<KernelCall>& calls) {
  std::vector<int> readers(g.tensors.size(), 0);
  for (const KernelCall& k : calls)
    for (const KernelArg& a : k.args)
      if (a.kind == KernelArg::Input) ++readers[static_cast<size_t>(a.tensor)];
  return readers;
}

}  // namespace microflow
