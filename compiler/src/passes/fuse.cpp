#include "passes/fuse.h"

#include <algorithm>

#include "passes/lower_util.h"

namespace microflow {
namespace {

bool is_model_output(const Graph& g, int t) { return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end(); }

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

int64_t param_value(const KernelCall& k, const std::string& name) {
  for (const ParamField& f : k.params)
    if (f.name == name) return std::stoll(f.value);
  return -1;
}

// The two calls' parameters and arrays under one roof: fields keep their
// order (the fused params struct nests both), array names get a prefix.
void append_prefixed(KernelCall& fused, const KernelCall& k, const std::string& prefix, const std::string& field_prefix) {
  for (const ParamField& f : k.params)
    fused.params.push_back({field_prefix + f.name, f.value[0] == '@' ? "@" + prefix + f.value.substr(1) : f.value});
  for (ConstArray a : k.arrays) {
    a.suffix = prefix + a.suffix;
    fused.arrays.push_back(std::move(a));
  }
}

KernelCall fuse(Graph& g, const KernelCall& dw, const KernelCall* reshape, const KernelCall& fc) {
  KernelCall k;
  k.op = fc.op;
  k.fused = {dw.op};
  if (reshape) k.fused.push_back(reshape->op);
  k.function = "depthwise_conv_2d_fully_connected_s8";
  k.params_type = "DepthwiseConv2DFullyConnectedS8Params";
  k.macs = dw.macs + fc.macs;
  append_prefixed(k, dw, "Dw", "depthwise.");
  append_prefixed(k, fc, "Fc", "fully_connected.");
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
  scratch.shape = {static_cast<int32_t>(param_value(fc, "output_depth"))};
  g.tensors.push_back(scratch);
  k.args.push_back({KernelArg::Output, scratch.id, "", "int32_t"});
  k.args.push_back({KernelArg::Output, fc.output_tensor(), "", "int8_t"});
  return k;
}

}  // namespace

void fuse_layers(Graph& g, std::vector<KernelCall>& calls) {
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].function != "depthwise_conv_2d_s8" || param_value(calls[i], "batches") != 1) continue;
    const int intermediate = calls[i].output_tensor();
    if (is_model_output(g, intermediate)) continue;
    std::vector<size_t> readers = readers_of(calls, intermediate);
    if (readers.size() != 1) continue;
    size_t fc = readers[0];
    const KernelCall* reshape = nullptr;
    if (calls[fc].is_alias) {
      reshape = &calls[fc];
      const int reshaped = reshape->output_tensor();
      std::vector<size_t> next = readers_of(calls, reshaped);
      if (is_model_output(g, reshaped) || next.size() != 1) continue;
      fc = next[0];
    }
    const KernelCall& f = calls[fc];
    // The FC must read the intermediate as its (flattened, single-batch) input.
    if (f.function != "fully_connected_s8" || param_value(f, "batches") != 1 || f.input_tensor() != (reshape ? reshape->output_tensor() : intermediate))
      continue;
    // Pays when the accumulators are smaller than the tensor they replace.
    if (4 * param_value(f, "output_depth") >= g.tensor(intermediate).bytes()) continue;
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
