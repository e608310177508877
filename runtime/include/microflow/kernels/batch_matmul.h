// BATCH_MATMUL (TFLM reference: reference_ops::BatchMatMul). Each output matrix
// [rows, cols] = lhs [rows, depth] x rhs [depth, cols]; adj_x / adj_y are element strides
// (no transposed copies), and up to three batch dimensions broadcast as numpy does (stride
// 0 on a dimension of size 1). Either operand may be a constant in flash (`*_in_flash`).
// int8 accumulates in int32 and requantizes with TFLM's double rounding; int16 (zero
// points 0) accumulates in int64 and uses TFLM's 15-bit single-rounding requantization.
#ifndef MICROFLOW_BATCH_MATMUL_H_
#define MICROFLOW_BATCH_MATMUL_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"
#include "microflow/fixed_point.h"

namespace mf {

// One parameter struct for every type (float ignores the quantization fields).
struct BatchMatMulParams {
  int32_t batches[3];                                  // output batch dims, padded with 1s on the left
  int32_t lhs_batch_strides[3], rhs_batch_strides[3];  // element strides, 0 on a broadcast dim
  int32_t rows, cols, depth;
  int32_t lhs_row_stride, lhs_depth_stride;  // lhs element (row, k)
  int32_t rhs_depth_stride, rhs_col_stride;  // rhs element (k, col)
  int32_t lhs_in_flash, rhs_in_flash;
  int32_t lhs_offset, rhs_offset;  // -Z_lhs, -Z_rhs (int16: 0)
  int32_t output_multiplier;       // int16: the 15-bit reduced multiplier
  int32_t output_shift, output_zero_point;
};

namespace detail {

// Calls out_value(sum) for every output element in row-major order, with
// sum = product(lhs(row, k) + lhs_offset, rhs(k, col) + rhs_offset) summed over k in order.
template <typename T, typename Acc, typename Store>
inline void batch_matmul(const BatchMatMulParams& s, const T* lhs, const T* rhs, Acc lhs_offset, Acc rhs_offset,
                         Store store) {
  for (int32_t b0 = 0; b0 < s.batches[0]; ++b0) {
    for (int32_t b1 = 0; b1 < s.batches[1]; ++b1) {
      for (int32_t b2 = 0; b2 < s.batches[2]; ++b2) {
        const T* l = lhs + b0 * s.lhs_batch_strides[0] + b1 * s.lhs_batch_strides[1] + b2 * s.lhs_batch_strides[2];
        const T* r = rhs + b0 * s.rhs_batch_strides[0] + b1 * s.rhs_batch_strides[1] + b2 * s.rhs_batch_strides[2];
        for (int32_t row = 0; row < s.rows; ++row) {
          const T* l_row = l + row * s.lhs_row_stride;
          for (int32_t col = 0; col < s.cols; ++col) {
            const T* r_col = r + col * s.rhs_col_stride;
            Acc total = 0;
            for (int32_t k = 0; k < s.depth; ++k) {
              const Acc a = static_cast<Acc>(load_operand(l_row + k * s.lhs_depth_stride, s.lhs_in_flash)) + lhs_offset;
              const Acc c = static_cast<Acc>(load_operand(r_col + k * s.rhs_depth_stride, s.rhs_in_flash)) + rhs_offset;
              total += a * c;
            }
            store(total);
          }
        }
      }
    }
  }
}

}  // namespace detail

inline void batch_matmul_s8(const BatchMatMulParams& params, const int8_t* lhs, const int8_t* rhs, int8_t* out) {
  const auto p = flash_load(params);
  detail::batch_matmul<int8_t, int32_t>(p, lhs, rhs, p.lhs_offset, p.rhs_offset, [&](int32_t total) {
    *out++ = clamp_to_s8(multiply_by_quantized_multiplier(total, p.output_multiplier, p.output_shift) +
                             p.output_zero_point,
                         -128, 127);
  });
}

inline void batch_matmul_s16(const BatchMatMulParams& params, const int16_t* lhs, const int16_t* rhs, int16_t* out) {
  const auto p = flash_load(params);
  detail::batch_matmul<int16_t, int64_t>(p, lhs, rhs, 0, 0, [&](int64_t total) {
    const int32_t v = multiply_by_reduced_multiplier_s64(total, p.output_multiplier, p.output_shift);
    *out++ = static_cast<int16_t>(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
  });
}

// Float: products summed in k order from 0 (TFLM's reference).
inline void batch_matmul_f32(const BatchMatMulParams& params, const float* lhs, const float* rhs, float* out) {
  const auto p = flash_load(params);
  detail::batch_matmul<float, float>(p, lhs, rhs, 0.f, 0.f, [&](float total) { *out++ = total; });
}

}  // namespace mf

#endif  // MICROFLOW_BATCH_MATMUL_H_
