// Data movement: PAD, PADV2, MIRROR_PAD, CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V,
// SLICE, STRIDED_SLICE, TRANSPOSE, REVERSE_V2, BROADCAST_TO, SPACE_TO_DEPTH,
// DEPTH_TO_SPACE, BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND are all one kernel: a list of
// boxes the compiler computed from the operator's shapes and constant operands. A box is
// an N-d block of elements (N <= 6) copied from one tensor argument to another, or filled
// with a constant; strides are in elements, negative for a reversed dimension and zero for
// a broadcast one. The compiler merges adjacent dimensions, so the innermost one is
// usually a contiguous run that goes through one memcpy.
//
// Values are moved, never converted: an element is element_bytes bytes, whatever its type.
#ifndef MICROFLOW_COPY_BOXES_H_
#define MICROFLOW_COPY_BOXES_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"

namespace mf {

// One box record in the params' int32 array:
//   source         tensor argument index, or kFillSource (the params' fill value)
//   target         tensor argument index of an output
//   source_offset  element of the box's first value in the source
//   target_offset  the same in the target
//   rank           1..kMaxBoxRank
//   rank x (count, source_stride, target_stride), outermost dimension first
// Tensor arguments are numbered in call order (inputs, then outputs). A source may be an
// output written by an earlier box of the same call (MIRROR_PAD mirrors its own interior).
const int32_t kFillSource = -1;
const int32_t kMaxBoxRank = 6;
const int32_t kBoxHeaderWords = 5;

struct CopyBoxesParams {
  int32_t element_bytes;  // 1, 2, 4 or 8
  int32_t box_count;
  const int32_t* boxes;   // box_count records
  int32_t fill;           // the element of fill boxes, sign-extended (float: its bit pattern)
};

// A tensor argument: where it is read, and for an output where it is written.
struct TensorSlot {
  const uint8_t* read;
  uint8_t* write;
};

namespace detail {

// One run of n elements along the innermost dimension (strides in bytes).
template <typename T>
inline void copy_run(const uint8_t* src, int32_t src_stride, uint8_t* dst, int32_t dst_stride, int32_t n) {
  if (src_stride == static_cast<int32_t>(sizeof(T)) && dst_stride == static_cast<int32_t>(sizeof(T))) {
    memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
    return;
  }
  for (int32_t i = 0; i < n; ++i, src += src_stride, dst += dst_stride) memcpy(dst, src, sizeof(T));
}

template <typename T>
inline void fill_run(T value, uint8_t* dst, int32_t dst_stride, int32_t n) {
  // A value of one repeated byte (0, -1, any int8) in a contiguous run is one memset.
  uint8_t bytes[sizeof(T)];
  memcpy(bytes, &value, sizeof(T));
  bool uniform = dst_stride == static_cast<int32_t>(sizeof(T));
  for (size_t i = 1; i < sizeof(T) && uniform; ++i) uniform = bytes[i] == bytes[0];
  if (uniform) {
    memset(dst, bytes[0], static_cast<size_t>(n) * sizeof(T));
    return;
  }
  for (int32_t i = 0; i < n; ++i, dst += dst_stride) memcpy(dst, bytes, sizeof(T));
}

// One box: the outer dimensions as an odometer, the innermost as a run. `src` is null for
// a fill box. dims: rank x (count, source stride, target stride) in elements, turned into
// byte steps in place.
template <typename T>
inline void copy_box(int32_t* dims, int32_t rank, const uint8_t* src, uint8_t* dst, T fill) {
  int32_t index[kMaxBoxRank];
  for (int32_t d = 0; d < rank; ++d) {
    dims[3 * d + 1] *= static_cast<int32_t>(sizeof(T));
    dims[3 * d + 2] *= static_cast<int32_t>(sizeof(T));
    index[d] = 0;
  }
  const int32_t* inner = dims + 3 * (rank - 1);
  for (;;) {
    if (src) copy_run<T>(src, inner[1], dst, inner[2], inner[0]);
    else fill_run(fill, dst, inner[2], inner[0]);
    int32_t d = rank - 2;
    for (; d >= 0; --d) {
      const int32_t count = dims[3 * d], src_step = dims[3 * d + 1], dst_step = dims[3 * d + 2];
      if (src) src += src_step;
      dst += dst_step;
      if (++index[d] < count) break;
      index[d] = 0;
      if (src) src -= src_step * count;
      dst -= dst_step * count;
    }
    if (d < 0) return;
  }
}

template <typename T>
inline void copy_boxes_typed(const CopyBoxesParams& p, const TensorSlot* tensors) {
  const T fill = static_cast<T>(p.fill);
  const int32_t* record = p.boxes;
  for (int32_t b = 0; b < p.box_count; ++b) {
    int32_t box[kBoxHeaderWords + 3 * kMaxBoxRank];
    flash_copy(box, record, sizeof(int32_t) * static_cast<size_t>(kBoxHeaderWords));
    const int32_t rank = box[4];
    flash_copy(box + kBoxHeaderWords, record + kBoxHeaderWords, sizeof(int32_t) * static_cast<size_t>(3 * rank));
    record += kBoxHeaderWords + 3 * rank;
    const uint8_t* src = box[0] == kFillSource ? nullptr : tensors[box[0]].read + box[2] * static_cast<int32_t>(sizeof(T));
    uint8_t* dst = tensors[box[1]].write + box[3] * static_cast<int32_t>(sizeof(T));
    copy_box<T>(box + kBoxHeaderWords, rank, src, dst, fill);
  }
}

template <typename T>
inline TensorSlot tensor_slot(const T* p) {
  return {reinterpret_cast<const uint8_t*>(p), nullptr};
}
template <typename T>
inline TensorSlot tensor_slot(T* p) {
  return {reinterpret_cast<const uint8_t*>(p), reinterpret_cast<uint8_t*>(p)};
}

}  // namespace detail

// The boxes in order over the tensor slots (for callers that hold them in an array:
// the compiler's constant folding).
inline void copy_boxes_slots(const CopyBoxesParams& params, const TensorSlot* tensors) {
  const CopyBoxesParams p = flash_load(params);
  switch (p.element_bytes) {
    case 1: detail::copy_boxes_typed<uint8_t>(p, tensors); break;
    case 2: detail::copy_boxes_typed<uint16_t>(p, tensors); break;
    case 4: detail::copy_boxes_typed<uint32_t>(p, tensors); break;
    default: detail::copy_boxes_typed<uint64_t>(p, tensors); break;
  }
}

// Generated code passes the call's tensors directly: inputs as const pointers, outputs as
// writable ones, in the order the box records number them.
template <typename... Tensors>
inline void copy_boxes(const CopyBoxesParams& params, Tensors*... tensors) {
  const TensorSlot slots[] = {detail::tensor_slot(tensors)...};
  copy_boxes_slots(params, slots);
}

}  // namespace mf

#endif  // MICROFLOW_COPY_BOXES_H_
