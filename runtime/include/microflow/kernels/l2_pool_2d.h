// L2_POOL_2D, float only as in TFLM (reference pooling.h L2Pool), NHWC: the square root of
// the mean of squares over a window's in-image cells.
#ifndef MICROFLOW_L2_POOL_2D_H_
#define MICROFLOW_L2_POOL_2D_H_

#include <math.h>
#include <stdint.h>

#include "microflow/kernels/pooling.h"

namespace mf {

// Squares summed in TFLM's (fy, fx) order from 0.f, divided by the in-image cell count,
// then one correctly rounded sqrtf.
inline void l2_pool_2d_f32(const Pool2DF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  detail::for_each_pool_window(p, in, [&](const float* x, const detail::PoolWindow& w) {
    const float count = static_cast<float>(w.rows * w.cols);
    for (int32_t c = 0; c < p.depth; ++c) {
      const float squares =
          detail::fold_window(x + c, w, 0.f, [](float acc, float v) { return acc + v * v; });
      *out++ = clamp_f32(sqrtf(squares / count), p.act_min, p.act_max);
    }
  });
}

}  // namespace mf

#endif  // MICROFLOW_L2_POOL_2D_H_
