#include "passes/pad_fold.h"

#include <algorithm>
#include <cstring>

#include "kernels/catalog.h"
#include "kernels/copy_boxes.h"

namespace microflow {
namespace {

// The convolution's geometry and the value it assumes outside the image, or nullptr.
ConvGeometryFields* conv_geometry(KernelCall& k, int64_t& outside) {
  if (k.kernel == &kConv2DS8 || k.kernel == &kConv2D1x1S8 || k.kernel == &kConv2DPackedS8) {
    auto& p = k.params.as<Conv2DS8Params>();
    outside = p.input_zero_point;
    return &p;
  }
  if (k.kernel == &kDepthwiseConv2DS8) {
    auto& p = k.params.as<DepthwiseConv2DS8Params>();
    outside = p.input_zero_point;
    return &p;
  }
  // Float and int16 (zero point 0): out-of-image taps contribute nothing, as a padded 0 does.
  outside = 0;
  if (k.kernel == &kConv2DF32) return &k.params.as<Conv2DF32Params>();
  if (k.kernel == &kDepthwiseConv2DF32) return &k.params.as<DepthwiseConv2DF32Params>();
  if (k.kernel == &kConv2DS16 || k.kernel == &kConv2DS16Acc32) return &k.params.as<Conv2DS16Params>();
  if (k.kernel == &kDepthwiseConv2DS16) return &k.params.as<DepthwiseConv2DS16Params>();
  return nullptr;
}

}  // namespace

void fold_padding(const Graph& g, std::vector<KernelCall>& calls) {
  const std::vector<int> readers = tensor_readers(g, calls);
  std::vector<bool> gone(calls.size(), false);
  for (KernelCall& conv : calls) {
    int64_t outside = 0;
    ConvGeometryFields* geo = conv_geometry(conv, outside);
    if (!geo || conv.folded_pad) continue;
    const int padded = conv.input_tensor();
    if (readers[static_cast<size_t>(padded)] != 1 || g.is_output(padded)) continue;
    const auto pad = std::find_if(calls.begin(), calls.end(), [&](const KernelCall& k) {
      return k.emits_code() && k.output_tensor() == padded && k.params.get<PadParams>();
    });
    if (pad == calls.end()) continue;
    const PadParams& p = pad->params.as<PadParams>();
    if (p.pad_before.size() != 4 || p.pad_before[0] || p.pad_after[0] || p.pad_before[3] || p.pad_after[3] ||
        p.fill != outside)
      continue;
    const int unpadded = pad->input_tensor();
    geo->input_height = g.tensor(unpadded).shape[1];
    geo->input_width = g.tensor(unpadded).shape[2];
    geo->pad_top += p.pad_before[1];
    geo->pad_left += p.pad_before[2];
    // The pointwise kernel assumes an unpadded 1x1 window; the packed one takes the same filter.
    if (conv.kernel == &kConv2D1x1S8) conv.kernel = &kConv2DPackedS8;
    for (KernelArg& a : conv.args)
      if (a.kind == KernelArg::Input && a.tensor == padded) a.tensor = unpadded;
    conv.folded_pad = pad->op;
    gone[static_cast<size_t>(pad - calls.begin())] = true;
  }
  std::vector<KernelCall> kept;
  for (size_t i = 0; i < calls.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(calls[i]));
  calls = std::move(kept);
}

}  // namespace microflow
