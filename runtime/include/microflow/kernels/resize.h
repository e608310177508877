// RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on NHWC tensors (TFLM reference
// resize_nearest_neighbor.h, resize_bilinear.h).
//
// Everything TFLM derives per call from the shapes and the align_corners /
// half_pixel_centers options (scales, source rows and columns, interpolation weights) is
// computed by the compiler with TFLM's own arithmetic and arrives as small flash tables,
// one entry per output row and per output column. What remains here is the per-pixel work.
#ifndef MICROFLOW_RESIZE_H_
#define MICROFLOW_RESIZE_H_

#include <stddef.h>
#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"

namespace mf {

// Copies whole pixels (depth elements, any type).
struct ResizeNearestNeighborParams {
  int32_t batches, output_height, output_width;
  int32_t pixel_bytes;        // depth * element size
  int32_t input_batch_bytes;  // one input image
  int32_t input_in_flash;
};

// rows[y]: byte offset of output row y's source row in an input image;
// columns[x]: byte offset of output column x's source pixel within a row.
inline void resize_nearest_neighbor(const ResizeNearestNeighborParams& params, const void* in,
                                    const int32_t* rows, const int32_t* columns, void* out) {
  const ResizeNearestNeighborParams p = flash_load(params);
  const size_t pixel = static_cast<size_t>(p.pixel_bytes);
  const uint8_t* image = static_cast<const uint8_t*>(in);
  uint8_t* dst = static_cast<uint8_t*>(out);
  for (int32_t b = 0; b < p.batches; ++b, image += p.input_batch_bytes) {
    for (int32_t y = 0; y < p.output_height; ++y) {
      const uint8_t* row = image + flash_read(rows + y);
      for (int32_t x = 0; x < p.output_width; ++x, dst += pixel) {
        copy_operand(dst, row + flash_read(columns + x), pixel, p.input_in_flash);
      }
    }
  }
}

struct ResizeBilinearParams {
  int32_t batches, output_height, output_width, depth;
  int32_t input_batch_elements;  // one input image
  int32_t input_in_flash;
};

// TFLM's integer path: positions and weights in Q10, the sum of products in Q20.
const int32_t kResizeBilinearOne = 1 << 10;
const int32_t kResizeBilinearHalfQ20 = static_cast<int32_t>(1) << 19;
const int32_t kResizeBilinearOneQ20 = static_cast<int32_t>(1) << 20;

// rows[3y .. 3y+2] = {element offset of source row y0, of row y1, Q10 weight of y1} for
// output row y; columns[3x .. 3x+2] likewise for output column x. The weights of y0 / x0
// are 1024 minus those. TFLM sums the four products in int64; with weights of at most
// 1024 + 512 in magnitude (half-pixel positions reach -0.5) and |q| <= 128 the sum stays
// below 2^29, so int32 holds it exactly, and the same double rounding (half away from
// zero, then division by 2^20) gives TFLM's value.
inline void resize_bilinear_s8(const ResizeBilinearParams& params, const int8_t* in, const int32_t* rows,
                               const int32_t* columns, int8_t* out) {
  const ResizeBilinearParams p = flash_load(params);
  for (int32_t b = 0; b < p.batches; ++b, in += p.input_batch_elements) {
    for (int32_t y = 0; y < p.output_height; ++y) {
      const int8_t* row0 = in + flash_read(rows + 3 * y);
      const int8_t* row1 = in + flash_read(rows + 3 * y + 1);
      const int32_t wy1 = flash_read(rows + 3 * y + 2), wy0 = kResizeBilinearOne - wy1;
      for (int32_t x = 0; x < p.output_width; ++x) {
        const int32_t x0 = flash_read(columns + 3 * x), x1 = flash_read(columns + 3 * x + 1);
        const int32_t wx1 = flash_read(columns + 3 * x + 2), wx0 = kResizeBilinearOne - wx1;
        const int32_t w00 = wy0 * wx0, w10 = wy1 * wx0, w01 = wy0 * wx1, w11 = wy1 * wx1;
        for (int32_t c = 0; c < p.depth; ++c) {
          const int32_t sum = load_operand(row0 + x0 + c, p.input_in_flash) * w00 +
                              load_operand(row1 + x0 + c, p.input_in_flash) * w10 +
                              load_operand(row0 + x1 + c, p.input_in_flash) * w01 +
                              load_operand(row1 + x1 + c, p.input_in_flash) * w11;
          const int32_t round = sum > 0 ? kResizeBilinearHalfQ20 : -kResizeBilinearHalfQ20;
          *out++ = static_cast<int8_t>((sum + round) / kResizeBilinearOneQ20);
        }
      }
    }
  }
}

// rows[2y], rows[2y+1]: element offsets of source rows y0, y1; row_weights[2y],
// row_weights[2y+1]: 1 - (in_y - y0) and in_y - y0, as TFLM computes them in float;
// columns and column_weights likewise. Products and sums in TFLM's order and
// association, so every rounding step is the same.
inline void resize_bilinear_f32(const ResizeBilinearParams& params, const float* in, const int32_t* rows,
                                const float* row_weights, const int32_t* columns, const float* column_weights,
                                float* out) {
  const ResizeBilinearParams p = flash_load(params);
  for (int32_t b = 0; b < p.batches; ++b, in += p.input_batch_elements) {
    for (int32_t y = 0; y < p.output_height; ++y) {
      const float* row0 = in + flash_read(rows + 2 * y);
      const float* row1 = in + flash_read(rows + 2 * y + 1);
      const float wy0 = flash_read(row_weights + 2 * y), wy1 = flash_read(row_weights + 2 * y + 1);
      for (int32_t x = 0; x < p.output_width; ++x) {
        const int32_t x0 = flash_read(columns + 2 * x), x1 = flash_read(columns + 2 * x + 1);
        const float wx0 = flash_read(column_weights + 2 * x), wx1 = flash_read(column_weights + 2 * x + 1);
        for (int32_t c = 0; c < p.depth; ++c) {
          const float v00 = load_operand(row0 + x0 + c, p.input_in_flash);
          const float v10 = load_operand(row1 + x0 + c, p.input_in_flash);
          const float v01 = load_operand(row0 + x1 + c, p.input_in_flash);
          const float v11 = load_operand(row1 + x1 + c, p.input_in_flash);
          // TFLM adds a rounding offset of 0.0f for float (it matters for -0.0f only).
          *out++ = v00 * wy0 * wx0 + v10 * wy1 * wx0 + v01 * wy0 * wx1 + v11 * wy1 * wx1 + 0.f;
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_RESIZE_H_
