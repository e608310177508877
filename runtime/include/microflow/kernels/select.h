// SELECT_V2: out = condition ? x : y with numpy broadcasting of all three operands over
// up to 5 dimensions (TFLM reference select.h, BroadcastSelect5DSlow). Values are copied
// unchanged, so int8 / int16 / float32 share one template.
// Element-wise in place is allowed: out may alias x or y when its shape is theirs.
#ifndef MICROFLOW_SELECT_H_
#define MICROFLOW_SELECT_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

const int32_t kSelectMaxRank = 5;

struct SelectV2Params {
  int32_t dims[kSelectMaxRank];  // output shape, padded on the left with 1s
  // Element strides of each operand, 0 on a broadcast dim.
  int32_t condition_strides[kSelectMaxRank], x_strides[kSelectMaxRank], y_strides[kSelectMaxRank];
  int32_t condition_in_flash, x_in_flash, y_in_flash;
};

template <typename T>
inline void select_v2(const SelectV2Params& params, const bool* condition, const T* x, const T* y, T* out) {
  const SelectV2Params p = flash_load(params);
  const int32_t* cs = p.condition_strides;
  const int32_t* xs = p.x_strides;
  const int32_t* ys = p.y_strides;
  for (int32_t i0 = 0; i0 < p.dims[0]; ++i0) {
    const int32_t c0 = i0 * cs[0], x0 = i0 * xs[0], y0 = i0 * ys[0];
    for (int32_t i1 = 0; i1 < p.dims[1]; ++i1) {
      const int32_t c1 = c0 + i1 * cs[1], x1 = x0 + i1 * xs[1], y1 = y0 + i1 * ys[1];
      for (int32_t i2 = 0; i2 < p.dims[2]; ++i2) {
        const int32_t c2 = c1 + i2 * cs[2], x2 = x1 + i2 * xs[2], y2 = y1 + i2 * ys[2];
        for (int32_t i3 = 0; i3 < p.dims[3]; ++i3) {
          const int32_t c3 = c2 + i3 * cs[3], x3 = x2 + i3 * xs[3], y3 = y2 + i3 * ys[3];
          for (int32_t i4 = 0; i4 < p.dims[4]; ++i4) {
            *out++ = load_operand(condition + c3 + i4 * cs[4], p.condition_in_flash)
                         ? load_operand(x + x3 + i4 * xs[4], p.x_in_flash)
                         : load_operand(y + y3 + i4 * ys[4], p.y_in_flash);
          }
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_SELECT_H_
