// SHAPE and BROADCAST_ARGS (TFLM reference shape.cc, broadcast_args.h).
//
// Shapes are static, so SHAPE copies the dims the compiler wrote into flash (the
// constant-folding pass normally removes the call). BROADCAST_ARGS may read shape
// vectors that are model inputs.
#ifndef MICROFLOW_SHAPE_H_
#define MICROFLOW_SHAPE_H_

#include <stddef.h>
#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

struct ShapeParams {
  int32_t rank;
};

inline void shape(const ShapeParams& params, const int32_t* dims, int32_t* out) {
  const ShapeParams p = flash_load(params);
  flash_copy(out, dims, static_cast<size_t>(p.rank) * sizeof(int32_t));
}

struct BroadcastArgsParams {
  int32_t shape1_length, shape2_length, output_length;
  int32_t shape1_in_flash, shape2_in_flash;
};

// The broadcast shape of two shape vectors, aligned at their last entries (missing
// leading entries count as 1). TFLM compares the entries as int, so int64 ones keep
// only their low 32 bits, reproduced here. A pair that does not broadcast (neither 1,
// different) stops TFLM (TFLITE_CHECK aborts); with no error channel on an MCU that
// position of the output is 0 here.
template <typename T>
inline void broadcast_args(const BroadcastArgsParams& params, const T* shape1, const T* shape2, T* out) {
  const BroadcastArgsParams p = flash_load(params);
  for (int32_t back = 0; back < p.output_length; ++back) {
    const int32_t i1 = p.shape1_length - 1 - back, i2 = p.shape2_length - 1 - back;
    const int32_t d1 = i1 < 0 ? 1 : static_cast<int32_t>(load_operand(shape1 + i1, p.shape1_in_flash));
    const int32_t d2 = i2 < 0 ? 1 : static_cast<int32_t>(load_operand(shape2 + i2, p.shape2_in_flash));
    int32_t d = d1;
    if (d1 == 1) {
      d = d2;
    } else if (d2 != 1 && d2 != d1) {
      d = 0;
    }
    out[p.output_length - 1 - back] = static_cast<T>(d);
  }
}

}  // namespace mf

#endif  // MICROFLOW_SHAPE_H_
