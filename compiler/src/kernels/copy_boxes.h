// The data-movement kernel (runtime kernels/copy_boxes.h): PAD, PADV2, MIRROR_PAD,
// CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V, SLICE, STRIDED_SLICE, TRANSPOSE,
// REVERSE_V2, BROADCAST_TO, SPACE_TO_DEPTH, DEPTH_TO_SPACE, BATCH_TO_SPACE_ND and
// SPACE_TO_BATCH_ND lower to boxes of elements copied between the call's tensors.
#pragma once

#include <vector>

#include "kernels/kernel.h"

namespace microflow {

// Source of a box that writes the params' fill value (mf::kFillSource).
inline constexpr int kFillSource = -1;
// Most dimensions a box may have (mf::kMaxBoxRank).
inline constexpr int kMaxBoxRank = 6;

// One dimension of a box: its extent and the element strides in source and target
// (negative: reversed, 0: broadcast or fill).
struct BoxDim {
  int64_t count = 1, source_stride = 0, target_stride = 0;
};

// A box: `dims` (outermost first) from the source tensor argument (call order: inputs,
// then outputs) starting at element source_offset, to the target argument from
// target_offset.
struct CopyBox {
  int source = kFillSource, target = 0;
  int64_t source_offset = 0, target_offset = 0;
  std::vector<BoxDim> dims;
};

struct CopyBoxesParams : ParamsBase {
  int64_t element_bytes = 1, box_count = 0;
  ArrayRef boxes;    // the encoded box records
  int64_t fill = 0;  // fill boxes' element, sign-extended (float: bit pattern)
  // What `boxes` encodes, typed, with adjacent dimensions merged (ops/copy_boxes.h builds
  // both; a pass that changes the boxes re-encodes them with set_copy_boxes).
  std::vector<CopyBox> box_list;
  MF_PARAMS(CopyBoxesParams, element_bytes, box_count, boxes, fill)
};

// PAD and PADV2 calls also say what they pad, for passes that fold the padding into the
// next layer: per input dimension the elements before and after (fill is the pad value).
struct PadParams : CopyBoxesParams {
  std::vector<int64_t> pad_before, pad_after;
  MF_PARAMS(CopyBoxesParams, element_bytes, box_count, boxes, fill)
};

// Constant folding: runs mf::copy_boxes_slots on the host buffers (ops/copy_boxes.cpp).
void evaluate_copy_boxes(const KernelCall& call, const std::vector<uint8_t*>& tensors);

inline const KernelDef kCopyBoxes{.function = "copy_boxes",
                                  .header = "microflow/kernels/copy_boxes.h",
                                  .evaluate = evaluate_copy_boxes,
                                  .sample_params = sample_of<CopyBoxesParams>};

}  // namespace microflow
