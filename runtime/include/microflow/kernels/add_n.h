// ADD_N: the element-wise sum of N same-shape inputs (TFLM reference add_n.h).
// The inputs follow the output in the argument list (any number, each a RAM tensor or,
// with its bit of `in_flash_mask` set, a constant array in flash). Element-wise in place
// is allowed: out may alias an input.
#ifndef MICROFLOW_ADD_N_H_
#define MICROFLOW_ADD_N_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/exec/operand.h"
#include "microflow/fixed_point.h"
#include "microflow/kernel_util.h"
#include "microflow/kernels/binary.h"

namespace mf {

struct AddNF32Params {
  int32_t size, in_flash_mask;
};

struct AddNS8Params {
  int32_t size, in_flash_mask;
  // TFLM starts every sum at the rescaled input offset (-Z): the compiler's constant.
  int32_t initial_sum;
  int32_t input_offset, left_shift, input_multiplier, input_shift;
  int32_t output_multiplier, output_shift, output_offset;
  int32_t act_min, act_max;
};

namespace detail {

inline bool add_n_in_flash(int32_t mask, int32_t input) { return ((static_cast<uint32_t>(mask) >> input) & 1u) != 0; }

}  // namespace detail

// Sums in input order from 0, as TFLM does (float addition is not associative).
template <typename... In>
inline void add_n_f32(const AddNF32Params& params, float* out, const In*... in) {
  const AddNF32Params p = flash_load(params);
  const float* inputs[] = {in...};
  const int32_t n = static_cast<int32_t>(sizeof...(In));
  for (int32_t i = 0; i < p.size; ++i) {
    float sum = 0.f;
    for (int32_t j = 0; j < n; ++j) sum += load_operand(inputs[j] + i, detail::add_n_in_flash(p.in_flash_mask, j));
    out[i] = sum;
  }
}

// Each input rescaled as ADD's are (binary.h; 20 bits of headroom), summed, requantized once.
template <typename... In>
inline void add_n_s8(const AddNS8Params& params, int8_t* out, const In*... in) {
  const AddNS8Params p = flash_load(params);
  const int8_t* inputs[] = {in...};
  const int32_t n = static_cast<int32_t>(sizeof...(In));
  for (int32_t i = 0; i < p.size; ++i) {
    int32_t sum = p.initial_sum;
    for (int32_t j = 0; j < n; ++j) {
      const int32_t x = load_operand(inputs[j] + i, detail::add_n_in_flash(p.in_flash_mask, j));
      sum += detail::rescale_input(x, p.input_offset, p.left_shift, p.input_multiplier, p.input_shift);
    }
    const int32_t v = multiply_by_quantized_multiplier(sum, p.output_multiplier, p.output_shift) + p.output_offset;
    out[i] = clamp_to_s8(v, p.act_min, p.act_max);
  }
}

}  // namespace mf

#endif  // MICROFLOW_ADD_N_H_
