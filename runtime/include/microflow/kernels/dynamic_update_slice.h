// DYNAMIC_UPDATE_SLICE: the output is the operand with `update` written at a start
// position (TFLM reference dynamic_update_slice.cc). Moves bytes, so one kernel serves
// every element type.
//
// Start indices follow TFLM, which clamps each one to [0, operand dim - update dim]: an
// update never reaches outside the operand, for constant and run-time starts alike.
// The output may be the operand's buffer (in place): then only the update is written.
// It may also be placed over the start indices, which are read before anything is written.
#ifndef MICROFLOW_DYNAMIC_UPDATE_SLICE_H_
#define MICROFLOW_DYNAMIC_UPDATE_SLICE_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

const int32_t kDynamicUpdateSliceMaxRank = 6;  // TFLM's kMaxDimensions

// Where the start indices come from.
enum DynamicUpdateSliceStart : int32_t {
  kStartConstant = 0,  // `start` in the params, already clamped by the compiler
  kStartInt32 = 1,     // an int32 tensor, clamped here
  kStartInt64 = 2,     // an int64 tensor, clamped here
};

struct DynamicUpdateSliceParams {
  int32_t rank;
  int32_t update_dims[kDynamicUpdateSliceMaxRank];
  int32_t max_start[kDynamicUpdateSliceMaxRank];  // operand dim - update dim
  int32_t strides[kDynamicUpdateSliceMaxRank];    // bytes per step of each operand dim
  int32_t operand_bytes;
  int32_t update_row_bytes;  // the update's last dim, in bytes
  int32_t update_rows;       // product of the update's other dims
  // The update has as many elements as the operand (so it is the whole output; TFLM
  // then ignores the start indices).
  int32_t whole;
  int32_t start_source;  // a DynamicUpdateSliceStart
  int32_t start[kDynamicUpdateSliceMaxRank];
  int32_t operand_in_flash, update_in_flash;
};

namespace detail {

inline int32_t clamp_start(int64_t start, int32_t max_start) {
  if (start < 0) return 0;
  return start > max_start ? max_start : static_cast<int32_t>(start);
}

}  // namespace detail

// `start`: nullptr for kStartConstant, else the int32 / int64 start index tensor.
inline void dynamic_update_slice(const DynamicUpdateSliceParams& params, const void* operand, const void* update,
                                 const void* start, void* out) {
  const DynamicUpdateSliceParams p = flash_load(params);
  uint8_t* dst = static_cast<uint8_t*>(out);
  const uint8_t* src = static_cast<const uint8_t*>(update);
  if (p.whole) {
    if (src != dst) copy_operand(dst, src, static_cast<size_t>(p.operand_bytes), p.update_in_flash);
    return;
  }
  // The start indices first: the output may be placed over them.
  size_t at_start = 0;
  for (int32_t d = 0; d < p.rank; ++d) {
    int32_t s = p.start[d];
    if (p.start_source == kStartInt32) s = detail::clamp_start(static_cast<const int32_t*>(start)[d], p.max_start[d]);
    if (p.start_source == kStartInt64) s = detail::clamp_start(static_cast<const int64_t*>(start)[d], p.max_start[d]);
    at_start += static_cast<size_t>(s) * static_cast<size_t>(p.strides[d]);
  }
  if (operand != out) copy_operand(dst, operand, static_cast<size_t>(p.operand_bytes), p.operand_in_flash);
  dst += at_start;
  // The update's rows in order; `at` counts positions in its leading rank - 1 dims.
  int32_t at[kDynamicUpdateSliceMaxRank] = {0, 0, 0, 0, 0, 0};
  const size_t row = static_cast<size_t>(p.update_row_bytes);
  for (int32_t r = 0; r < p.update_rows; ++r, src += row) {
    copy_operand(dst, src, row, p.update_in_flash);
    for (int32_t d = p.rank - 2; d >= 0; --d) {
      dst += p.strides[d];
      if (++at[d] < p.update_dims[d]) break;
      at[d] = 0;
      dst -= static_cast<size_t>(p.strides[d]) * static_cast<size_t>(p.update_dims[d]);
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_DYNAMIC_UPDATE_SLICE_H_
