// CUMSUM along one constant axis (TFLM reference cumsum.h), exclusive and/or reverse.
#ifndef MICROFLOW_CUMSUM_H_
#define MICROFLOW_CUMSUM_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/kernel_util.h"

namespace mf {

// The tensor as [outer][depth][inner], row-major; each of the outer x inner lines along
// `depth` is summed on its own (from its last element when `reverse`).
struct CumsumF32Params {
  int32_t outer, depth, inner, exclusive, reverse;
};

// TFLM rescales every int8 term (q - Z_in) by 2^20 and then by its input multiplier, which
// is always 0.5 = (2^30, 0) (the input scale over twice itself): exactly 2^sum_shift with
// sum_shift = 19. Its int32 accumulator starts at -Z_in scaled the same way (the "extra
// zero-point term": TFLM initialises it with the input offset instead of 0), so it equals
// (-Z_in + sum of terms) * 2^19, wrapping on overflow as TFLM's does in practice. Each
// output is then MBQM(accumulator, output_multiplier, output_shift) + Z_out, clamped.
struct CumsumS8Params {
  int32_t outer, depth, inner, exclusive, reverse;
  int32_t input_zero_point, sum_shift, output_multiplier, output_shift, output_zero_point;
};

namespace detail {

// Calls emit(index, sum) along every line in summation order, `sum` being the running sum
// up to element `index`, included (exclusive: excluded).
template <typename P, typename Acc, typename Term, typename Emit>
inline void cumsum_lines(const P& p, Acc start, Term term, Emit emit) {
  for (int32_t o = 0; o < p.outer; ++o) {
    for (int32_t i = 0; i < p.inner; ++i) {
      Acc acc = start;
      for (int32_t d = 0; d < p.depth; ++d) {
        const int32_t index = (o * p.depth + (p.reverse ? p.depth - 1 - d : d)) * p.inner + i;
        const Acc before = acc;
        acc = acc + term(index);
        emit(index, p.exclusive ? before : acc);
      }
    }
  }
}

}  // namespace detail

inline void cumsum_f32(const CumsumF32Params& params, const float* in, float* out) {
  const auto p = flash_load(params);
  detail::cumsum_lines(
      p, 0.f, [in](int32_t i) { return in[i]; }, [out](int32_t i, float v) { out[i] = v; });
}

inline void cumsum_s8(const CumsumS8Params& params, const int8_t* in, int8_t* out) {
  const auto p = flash_load(params);
  // Unsigned: the wrap-around of TFLM's int32 sum without undefined behaviour.
  detail::cumsum_lines(
      p, static_cast<uint32_t>(-p.input_zero_point),
      [in, &p](int32_t i) { return static_cast<uint32_t>(in[i] - p.input_zero_point); },
      [out, &p](int32_t i, uint32_t sum) {
        const int32_t scaled = static_cast<int32_t>(sum << p.sum_shift);
        out[i] = requantize_to_s8(scaled, p.output_multiplier, p.output_shift, p.output_zero_point, -128, 127);
      });
}

}  // namespace mf

#endif  // MICROFLOW_CUMSUM_H_
