#include "passes/views.h"

#include <algorithm>
#include <map>
#include <set>

namespace microflow {
namespace {

bool listed(const std::vector<int>& ids, int t) { return std::find(ids.begin(), ids.end(), t) != ids.end(); }

bool is_output_of(const KernelCall& k, int t) {
  return std::any_of(k.args.begin(), k.args.end(),
                     [&](const KernelArg& a) { return a.kind == KernelArg::Output && a.tensor == t; });
}

}  // namespace

void place_views(const Graph& g, std::vector<KernelCall>& calls) {
  std::map<int, size_t> producer;
  std::map<int, int> readers;
  for (size_t i = 0; i < calls.size(); ++i)
    for (const KernelArg& a : calls[i].args) {
      if (a.kind == KernelArg::Output) producer[a.tensor] = i;
      if (a.kind == KernelArg::Input) ++readers[a.tensor];
    }
  std::set<int> placed;  // tensors already stored inside another
  for (KernelCall& k : calls) {
    if (k.blocks.empty() || !k.emits_code()) continue;
    std::vector<size_t> strided_producers;
    std::set<int> parts;
    bool ok = true;
    for (const Block& b : k.blocks) {
      const Tensor& part = g.tensor(b.part);
      const bool into_output = is_output_of(k, b.whole);  // CONCATENATION: the part is an input
      ok = !part.is_constant && !listed(g.inputs, b.part) && !placed.count(b.part) && !placed.count(b.whole) &&
           parts.insert(b.part).second && part.type == g.tensor(b.whole).type;
      if (!ok) break;
      if (b.contiguous()) continue;
      // A strided part is written by its producer with an output stride and read by nothing else.
      const auto p = producer.find(b.part);
      const int64_t element = dtype_size(part.type);
      ok = into_output && p != producer.end() && readers[b.part] == 1 && !listed(g.outputs, b.part) &&
           calls[p->second].kernel && calls[p->second].kernel->set_output_stride &&
           calls[p->second].output_tensor() == b.part && b.row_stride % element == 0;
      if (!ok) break;
      strided_producers.push_back(p->second);
    }
    if (!ok) continue;
    for (size_t i = 0; i < k.blocks.size(); ++i) {
      const Block& b = k.blocks[i];
      placed.insert(b.part);
      if (b.contiguous()) continue;
      KernelCall& producer_call = calls[strided_producers.front()];
      strided_producers.erase(strided_producers.begin());
      producer_call.kernel->set_output_stride(producer_call.params, b.row_stride / dtype_size(g.tensor(b.part).type));
      producer_call.strided_output = true;
    }
    k.views = true;
  }
}

}  // namespace microflow
