#include "passes/activation_fold.h"

#include <algorithm>

#include "kernels/binary.h"
#include "kernels/catalog.h"
#include "kernels/unary.h"

namespace microflow {
namespace {

// Where an int8 layer's output stage takes a folded activation: its clamp bounds, and the
// table pointer where its kernels have one (else nullptr: only clamps fold into it).
struct OutputStage {
  int64_t* act_min = nullptr;
  int64_t* act_max = nullptr;
  ArrayRef* table = nullptr;
};

template <typename P> OutputStage stage_of(P& p) { return {&p.act_min, &p.act_max, nullptr}; }

bool output_stage(const Graph& g, KernelCall& k, OutputStage& stage) {
  if (!k.emits_code() || k.folded_activation || !k.fused.empty() || !k.stages.empty() ||
      g.tensor(k.output_tensor()).type != DType::Int8)
    return false;
  if (auto* p = k.params.get<Conv2DS8Params>()) {
    stage = stage_of(*p);
    stage.table = &p->output_table;
  } else if (auto* p = k.params.get<DepthwiseConv2DS8Params>()) {
    stage = stage_of(*p);
    stage.table = &p->output_table;
  } else if (auto* p = k.params.get<FullyConnectedS8Params>()) {
    stage = stage_of(*p);
    stage.table = &p->output_table;
  } else if (auto* p = k.params.get<Pool2DS8Params>()) {
    stage = stage_of(*p);
    stage.table = &p->output_table;
  } else if (auto* p = k.params.get<BinaryQuantizedParams>(); p && k.kernel == kAddKernels.quantized) {
    stage = stage_of(*p);
    stage.table = &p->output_table;
  } else {
    return false;
  }
  return true;
}

// Moves the activation into the layer; false when the layer cannot take it.
bool fold_into(KernelCall& layer, OutputStage stage, KernelCall& activation) {
  if (activation.kernel == &kClampS8) {
    // clamp(clamp(v, a, b), lo, hi) == clamp(v, clamp(a, lo, hi), clamp(b, lo, hi)).
    const ClampParams& c = activation.params.as<ClampParams>();
    *stage.act_min = std::clamp(*stage.act_min, c.min, c.max);
    *stage.act_max = std::clamp(*stage.act_max, c.min, c.max);
    return true;
  }
  if (!stage.table) return false;
  ConstArray table = activation.arrays.at(0);
  table.suffix = kOutputTableSuffix;
  layer.arrays.push_back(std::move(table));
  *stage.table = ArrayRef{kOutputTableSuffix};
  return true;
}

}  // namespace

void fold_activations(const Graph& g, std::vector<KernelCall>& calls) {
  const std::vector<int> readers = tensor_readers(g, calls);
  std::vector<bool> gone(calls.size(), false);
  for (KernelCall& activation : calls) {
    if (!activation.emits_code() || (activation.kernel != &kLookupS8 && activation.kernel != &kClampS8)) continue;
    const int between = activation.input_tensor();
    if (readers[static_cast<size_t>(between)] != 1 || g.is_output(between)) continue;
    const auto layer = std::find_if(calls.begin(), calls.end(),
                                    [&](const KernelCall& k) { return k.emits_code() && k.output_tensor() == between; });
    OutputStage stage;
    if (layer == calls.end() || !output_stage(g, *layer, stage) || !fold_into(*layer, stage, activation)) continue;
    for (KernelArg& a : layer->args)
      if (a.kind == KernelArg::Output && a.tensor == between) a.tensor = activation.output_tensor();
    layer->folded_activation = activation.op;
    gone[static_cast<size_t>(&activation - calls.data())] = true;
  }
  std::vector<KernelCall> kept;
  for (size_t i = 0; i < calls.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(calls[i]));
  calls = std::move(kept);
}

}  // namespace microflow
