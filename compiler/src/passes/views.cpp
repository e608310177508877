#include "passes/views.h"

#include <algorithm>
#include <map>
#include <set>

#include "kernels/copy_boxes.h"

namespace microflow {
namespace {

bool listed(const std::vector<int>& ids, int t) { return std::find(ids.begin(), ids.end(), t) != ids.end(); }

bool is_output_of(const KernelCall& k, int t) {
  return std::any_of(k.args.begin(), k.args.end(),
                     [&](const KernelArg& a) { return a.kind == KernelArg::Output && a.tensor == t; });
}

// The rows x run layout of one side of a box (dims already merged): rows of `run`
// elements `stride` elements apart; false when it is not such a layout.
bool rows_of(const std::vector<BoxDim>& dims, bool source, int64_t& rows, int64_t& run, int64_t& stride) {
  auto st = [&](const BoxDim& d) { return source ? d.source_stride : d.target_stride; };
  if (dims.size() == 1 && st(dims[0]) == 1) {
    rows = 1;
    run = stride = dims[0].count;
    return true;
  }
  if (dims.size() == 2 && st(dims[1]) == 1 && st(dims[0]) >= dims[1].count) {
    rows = dims[0].count;
    run = dims[1].count;
    stride = st(dims[0]);
    return true;
  }
  return false;
}

// The blocks of a box-copy call (kernels/copy_boxes.h) whose every box moves one whole
// tensor (the part, stored contiguously) to or from a rows x run block of one other
// tensor (the whole): CONCATENATION and PACK inputs in their output; SPLIT, UNPACK,
// SLICE, STRIDED_SLICE outputs that are blocks of their input. Empty otherwise.
std::vector<Block> blocks_of(const Graph& g, const KernelCall& k) {
  const CopyBoxesParams* p = k.params.get<CopyBoxesParams>();
  // PAD fills part of its output: not a plain block move.
  if (k.kernel != &kCopyBoxes || !p || k.params.get<PadParams>() || p->box_list.empty()) return {};
  std::vector<int> tensors;  // the box numbering: inputs, then outputs
  for (const KernelArg& a : k.args)
    if (a.kind == KernelArg::Input) tensors.push_back(a.tensor);
  for (const KernelArg& a : k.args)
    if (a.kind == KernelArg::Output) tensors.push_back(a.tensor);
  std::vector<Block> blocks;
  for (const CopyBox& box : p->box_list) {
    if (box.source == kFillSource) return {};
    int64_t elements = 1;
    for (const BoxDim& d : box.dims) elements *= d.count;
    const int source = tensors.at(static_cast<size_t>(box.source)), target = tensors.at(static_cast<size_t>(box.target));
    int64_t rows = 0, run = 0, stride = 0, part_rows = 0, part_run = 0, part_stride = 0;
    Block b;
    if (g.tensor(source).elements() == elements && rows_of(box.dims, true, part_rows, part_run, part_stride) &&
        part_rows * part_run == elements && part_stride == part_run && rows_of(box.dims, false, rows, run, stride)) {
      b = {source, target, box.target_offset, rows, run, stride};  // the source is stored inside the target
    } else if (g.tensor(target).elements() == elements && rows_of(box.dims, false, part_rows, part_run, part_stride) &&
               part_stride == part_run && rows_of(box.dims, true, rows, run, stride)) {
      b = {target, source, box.source_offset, rows, run, stride};  // the target is a block of the source
    } else {
      return {};
    }
    const int64_t element = p->element_bytes;
    b.offset *= element;
    b.row_bytes = b.row_bytes * element;
    b.row_stride = b.row_stride * element;
    if (!blocks.empty() && blocks.front().whole != b.whole) return {};
    blocks.push_back(b);
  }
  return blocks;
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
    if (!k.emits_code()) continue;
    k.blocks = blocks_of(g, k);
    if (k.blocks.empty()) continue;
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
    if (!ok) {
      k.blocks.clear();
      continue;
    }
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
