// PAD disappears into the convolution after it: a PAD of height and width only, whose
// value is what the convolution assumes outside the image (the input zero point for
// int8, 0 for float), read by nothing else, becomes that layer's padding. The padded
// tensor never exists. (Pooling is left alone: TFLM's average and max pooling skip
// out-of-image cells, while a padded tensor's cells count.)
#pragma once

#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

// After lowering, before fusion.
void fold_padding(const Graph& g, std::vector<KernelCall>& calls);

}  // namespace microflow
