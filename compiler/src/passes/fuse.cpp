#include "passes/fuse.h"

#include <algorithm>

#include "kernels/fully_connected.h"
#include "ops/lower_util.h"

namespace microflow {
namespace {

// Calls that read tensor t.
std::vector<size_t> readers_of(const std::vector<KernelCall>& calls, int t) {
  std::vector<size_t> r;
  for (size_t i = 0; i < calls.size(); ++i)
    for (const KernelArg& a : calls[i].args)
      if (a.kind == KernelArg::Input && a.tensor == t) {
        r.push_back(i);
        break;
      }
  return r;
}

// The two calls' arrays under one roof, renamed with a prefix.
void append_arrays(KernelCall& fused, const KernelCall& k, const std::string& prefix) {
  for (ConstArray a : k.arrays) {
    a.suffix = prefix + a.suffix;
    fused.arrays.push_back(std::move(a));
  }
}

ArrayRef prefixed(const ArrayRef& a, const std::string& prefix) { return a.null() ? a : ArrayRef{prefix + a.suffix}; }

KernelCall fuse(Graph& g, const KernelCall& dw, const KernelCall* reshape, const KernelCall& fc) {
  DepthwiseConv2DFullyConnectedS8Params p;
  p.depthwise = dw.params.as<DepthwiseConv2DS8Params>();
  p.depthwise.channel_multiplier = prefixed(p.depthwise.channel_multiplier, "Dw");
  p.depthwise.channel_shift = prefixed(p.depthwise.channel_shift, "Dw");
  p.fully_connected = fc.params.as<FullyConnectedS8Params>();
  p.fully_connected.channel_multiplier = prefixed(p.fully_connected.channel_multiplier, "Fc");
  p.fully_connected.channel_shift = prefixed(p.fully_connected.channel_shift, "Fc");
  KernelCall k;
  k.op = fc.op;
  k.kernel = dw.kernel->fuses_fully_connected;
  k.params = p;
  k.fused = {dw.op};
  if (reshape) k.fused.push_back(reshape->op);
  k.macs = dw.macs + fc.macs;
  append_arrays(k, dw, "Dw");
  append_arrays(k, fc, "Fc");
  // Arguments: dw input, dw filter, dw bias, fc weights, fc bias, accumulators, output.
  for (const KernelArg& a : dw.args)
    if (a.kind == KernelArg::Input) k.args.push_back(a);
    else if (a.kind == KernelArg::Array) k.args.push_back({KernelArg::Array, -1, "Dw" + a.array, a.c_type});
  for (const KernelArg& a : fc.args)
    if (a.kind == KernelArg::Array) k.args.push_back({KernelArg::Array, -1, "Fc" + a.array, a.c_type});
  Tensor scratch;
  scratch.id = static_cast<int>(g.tensors.size());
  scratch.name = g.tensor(fc.output_tensor()).name + "/accumulators";
  scratch.type = DType::Int32;
  scratch.type_name = "INT32";
  scratch.shape = {static_cast<int32_t>(p.fully_connected.output_depth)};
  g.tensors.push_back(scratch);
  k.args.push_back({KernelArg::Output, scratch.id, "", "int32_t"});
  k.args.push_back({KernelArg::Output, fc.output_tensor(), "", "int8_t"});
  return k;
}

}  // namespace

void fuse_layers(Graph& g, std::vector<KernelCall>& calls) {
  for (size_t i = 0; i < calls.size(); ++i) {
    const KernelDef* kernel = calls[i].kernel;
    // The fused kernel's sink takes the depthwise values as they are: no folded activation table.
    if (!kernel || !kernel->fuses_fully_connected || calls[i].params.as<DepthwiseConv2DS8Params>().batches != 1 ||
        !calls[i].params.as<DepthwiseConv2DS8Params>().output_table.null())
      continue;
    const int intermediate = calls[i].output_tensor();
    if (g.is_output(intermediate)) continue;
    std::vector<size_t> readers = readers_of(calls, intermediate);
    if (readers.size() != 1) continue;
    size_t fc = readers[0];
    const KernelCall* reshape = nullptr;
    if (calls[fc].is_alias) {
      reshape = &calls[fc];
      const int reshaped = reshape->output_tensor();
      std::vector<size_t> next = readers_of(calls, reshaped);
      if (g.is_output(reshaped) || next.size() != 1) continue;
      fc = next[0];
    }
    const KernelCall& f = calls[fc];
    // The FC must read the intermediate as its (flattened, single-batch) input, with no folded
    // activation table (the fused call would need it under its "Fc" prefix).
    if (f.kernel != &kFullyConnectedS8 || f.params.as<FullyConnectedS8Params>().batches != 1 ||
        !f.params.as<FullyConnectedS8Params>().output_table.null() ||
        f.input_tensor() != (reshape ? reshape->output_tensor() : intermediate))
      continue;
    // Pays when the accumulators are smaller than the tensor they replace.
    if (4 * f.params.as<FullyConnectedS8Params>().output_depth >= g.tensor(intermediate).bytes()) continue;
    KernelCall fused = fuse(g, calls[i], reshape, f);
    const size_t reshape_index = reshape ? static_cast<size_t>(reshape - calls.data()) : calls.size();
    calls[fc] = std::move(fused);
    // Remove the depthwise call and the reshape (higher index first).
    std::vector<size_t> gone = {i};
    if (reshape_index < calls.size()) gone.push_back(reshape_index);
    std::sort(gone.rbegin(), gone.rend());
    for (size_t j : gone) calls.erase(calls.begin() + static_cast<std::ptrdiff_t>(j));
    --i;
  }
}

}  // namespace microflow
