// FULLY_CONNECTED (TFLM reference, docs §7). Input read flat as [batches][input_depth].
#ifndef MICROFLOW_FULLY_CONNECTED_H_
#define MICROFLOW_FULLY_CONNECTED_H_

#include <stdint.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/kernel_util.h"

#if defined(__AVX2__)
#include "microflow/variants/fully_connected_avx2.h"
#endif

namespace mf {

struct FullyConnectedS8Params {
  int32_t batches;             // rows of the flattened input
  int32_t input_depth;         // K
  int32_t output_depth;        // N
  int32_t weights_zero_point;  // Z_w; 0 for symmetric weights (then no runtime sum of x)
  int32_t output_zero_point;
  int32_t multiplier;  // per-tensor requantization (used when channel_multiplier == nullptr)
  int32_t shift;
  const int32_t* channel_multiplier;  // per-output-channel, in flash; nullptr => per-tensor
  const int32_t* channel_shift;       // in flash
  int32_t act_min, act_max;           // within [-128, 127]
  // Elements from one output row (batch) to the next: output_depth, or the whole layer's
  // depth when this call computes one group of its outputs (weights paged in from
  // external memory a group at a time, see the emitter).
  int32_t output_stride;
  const int8_t* output_table;  // flash [256] or nullptr: kernel_util.h's activate_s8
};

namespace detail {

// The output stage of one FULLY_CONNECTED layer: per-channel or per-tensor requantization,
// the per-tensor constants prepared once.
struct FcOutput {
  const int32_t* channel_multiplier;
  const int32_t* channel_shift;
  int32_t multiplier, shift, zero_point, act_min, act_max;
  const int8_t* table;
  bool tensor_q31;
  Q31Channel q31;
};

inline FcOutput fc_output(const FullyConnectedS8Params& p) {
  FcOutput o;
  o.channel_multiplier = p.channel_multiplier, o.channel_shift = p.channel_shift;
  o.multiplier = p.multiplier, o.shift = p.shift;
  o.zero_point = p.output_zero_point, o.act_min = p.act_min, o.act_max = p.act_max;
  o.table = p.output_table;
  o.tensor_q31 = p.channel_multiplier == nullptr && is_q31_requantization(p.multiplier, p.shift);
  o.q31 = make_q31_channel(p.multiplier, p.shift);
  return o;
}

inline int8_t fc_requantize_raw(const FcOutput& o, int32_t acc, int32_t channel) {
  if (o.tensor_q31) return clamp_to_s8(requantize_q31(acc, o.q31, o.zero_point), o.act_min, o.act_max);
  if (o.channel_multiplier == nullptr)
    return requantize_to_s8(acc, o.multiplier, o.shift, o.zero_point, o.act_min, o.act_max);
  return requantize_to_s8(acc, flash_read(o.channel_multiplier + channel), flash_read(o.channel_shift + channel),
                          o.zero_point, o.act_min, o.act_max);
}

inline int8_t fc_requantize(const FcOutput& o, int32_t acc, int32_t channel) {
  return activate_s8(o.table, fc_requantize_raw(o, acc, channel));
}

// The layer's sums built up piece by piece, for inputs that arrive in parts (the fused
// depthwise + FC kernel, a band region's FC sink): accumulators[o] starts at the folded
// bias, gets every part's w·x, and is requantized once at the end; `input_sum` (the sum of
// all inputs) brings in the weight zero point's term then.
inline void fully_connected_sums_begin(const FullyConnectedS8Params& fc, const int32_t* fc_folded_bias,
                                       int32_t* accumulators) {
  for (int32_t o = 0; o < fc.output_depth; ++o) accumulators[o] = flash_read(fc_folded_bias + o);
}

// Adds the `n` inputs x[0..n) that sit at flat positions [offset, offset + n) of the input
// to the sums of `units` outputs of `depth` weights each (four rows at a time).
inline void fully_connected_rows_part(const int8_t* weights, int32_t depth, int32_t units, int32_t offset,
                                      const int8_t* x, int32_t n, int32_t* accumulators) {
  const int8_t* w = weights + offset;
  int32_t o = 0;
  for (; o + 4 <= units; o += 4, w += 4 * depth) {
    Acc4 acc = {accumulators[o], accumulators[o + 1], accumulators[o + 2], accumulators[o + 3]};
    rows4_dot(acc, x, w, depth, n);
    accumulators[o] = acc.a0, accumulators[o + 1] = acc.a1, accumulators[o + 2] = acc.a2, accumulators[o + 3] = acc.a3;
  }
  for (; o < units; ++o, w += depth) accumulators[o] += dot_s8(w, x, n);
}

// The same for the layer, and the inputs' sum where the weight zero point needs it.
inline void fully_connected_sums_part(const FullyConnectedS8Params& fc, const int8_t* weights, int32_t offset,
                                      const int8_t* x, int32_t n, int32_t* accumulators, int32_t& input_sum) {
  fully_connected_rows_part(weights, fc.input_depth, fc.output_depth, offset, x, n, accumulators);
  if (fc.weights_zero_point != 0)
    for (int32_t d = 0; d < n; ++d) input_sum += x[d];
}

inline void fully_connected_sums_end(const FullyConnectedS8Params& fc, const int32_t* accumulators, int32_t input_sum,
                                     int8_t* output) {
  const bool per_channel = fc.channel_multiplier != nullptr;
  for (int32_t o = 0; o < fc.output_depth; ++o) {
    const int32_t multiplier = per_channel ? flash_read(fc.channel_multiplier + o) : fc.multiplier;
    const int32_t shift = per_channel ? flash_read(fc.channel_shift + o) : fc.shift;
    output[o] = activate_s8(fc.output_table, requantize_to_s8(accumulators[o] - fc.weights_zero_point * input_sum,
                                                              multiplier, shift, fc.output_zero_point, fc.act_min,
                                                              fc.act_max));
  }
}

}  // namespace detail

// folded_bias[o] = bias[o] - Z_in * sum_d w[o][d] + K * Z_in * Z_w (compiler-computed), so
// acc = folded_bias[o] + sum_d w[o][d] * x[b][d] - Z_w * sum_d x[b][d]
//     == TFLM's bias[o] + sum_d (w[o][d] - Z_w) * (x[b][d] - Z_in).
// weights: flash [N][K]; folded_bias: flash [N]. Four outputs at a time share the input.
inline void fully_connected_s8(const FullyConnectedS8Params& params, const int8_t* input,
                               const int8_t* weights, const int32_t* folded_bias, int8_t* output) {
#if defined(__AVR__)
  // One row at a time through dot_s8's LPM loop; fields read one by one (no 44-byte copy),
  // 16-bit counts, and requantize_avr for the common per-tensor case.
  const uint16_t depth = static_cast<uint16_t>(flash_read(&params.input_depth));
  const uint16_t units = static_cast<uint16_t>(flash_read(&params.output_depth));
  const int32_t weights_zero_point = flash_read(&params.weights_zero_point);
  const int32_t* channel_multiplier = flash_read(&params.channel_multiplier);
  const int32_t* channel_shift = flash_read(&params.channel_shift);
  const int32_t multiplier = flash_read(&params.multiplier), shift = flash_read(&params.shift);
  const int8_t* table = flash_read(&params.output_table);
  detail::RequantAvr rq;
  rq.multiplier = multiplier;
  rq.shift = static_cast<uint8_t>(-shift - 1);
  rq.zero_point = static_cast<int8_t>(flash_read(&params.output_zero_point));
  rq.act_min = static_cast<int8_t>(flash_read(&params.act_min));
  rq.act_max = static_cast<int8_t>(flash_read(&params.act_max));
  const bool fast = channel_multiplier == nullptr && is_q31_requantization(multiplier, shift);
  const int32_t row_skip = flash_read(&params.output_stride) - static_cast<int32_t>(units);
  for (int32_t b = flash_read(&params.batches); b > 0; --b, input += depth, output += row_skip) {
    int32_t input_term = 0;
    if (weights_zero_point != 0) {
      for (uint16_t d = 0; d < depth; ++d) input_term += input[d];
      input_term *= weights_zero_point;
    }
    const int8_t* w = weights;
    const int32_t* bias = folded_bias;
    for (uint16_t o = 0; o < units; ++o, w += depth) {
      const int32_t acc = flash_read(bias++) + dot_s8(w, input, depth) - input_term;
      if (fast) {
        *output++ = activate_s8(table, detail::requantize_avr(acc, rq));
      } else {
        *output++ = activate_s8(table, requantize_to_s8(acc, channel_multiplier ? flash_read(channel_multiplier + o)
                                                                               : multiplier,
                                                        channel_shift ? flash_read(channel_shift + o) : shift,
                                                        rq.zero_point, rq.act_min, rq.act_max));
      }
    }
  }
#else
  const auto p = flash_load(params);
#if defined(__AVX2__)
  if (detail::fully_connected_avx2(p, input, weights, folded_bias, output)) return;
#endif
  const detail::FcOutput out = detail::fc_output(p);
  const int32_t depth = p.input_depth;
  const int32_t row_skip = p.output_stride - p.output_depth;
  for (int32_t b = 0; b < p.batches; ++b, input += depth, output += row_skip) {
    int32_t input_term = 0;
    if (p.weights_zero_point != 0) {
      for (int32_t d = 0; d < depth; ++d) input_term += input[d];
      input_term *= p.weights_zero_point;
    }
    const int8_t* w = weights;
    int32_t o = 0;
    for (; o + 4 <= p.output_depth; o += 4, w += 4 * depth) {
      detail::Acc4 acc = {flash_read(folded_bias + o) - input_term, flash_read(folded_bias + o + 1) - input_term,
                          flash_read(folded_bias + o + 2) - input_term, flash_read(folded_bias + o + 3) - input_term};
      detail::rows4_dot(acc, input, w, depth, depth);
      *output++ = detail::fc_requantize(out, acc.a0, o);
      *output++ = detail::fc_requantize(out, acc.a1, o + 1);
      *output++ = detail::fc_requantize(out, acc.a2, o + 2);
      *output++ = detail::fc_requantize(out, acc.a3, o + 3);
    }
    for (; o < p.output_depth; ++o, w += depth) {
      const int32_t acc = flash_read(folded_bias + o) + dot_s8(w, input, depth) - input_term;
      *output++ = detail::fc_requantize(out, acc, o);
    }
  }
#endif
}

// AVR with --optimize=speed: the layer's parameters as compile-time constants (per-tensor
// requantization in requantize_q31's range), so the requantization's shifts and clamps are
// immediates and inline, and the loops need no parameter loads. Same int8 weights and
// folded bias as fully_connected_s8.
template <int32_t Batches, int32_t InputDepth, int32_t OutputDepth, int32_t WeightsZeroPoint, int32_t Multiplier,
          int32_t Shift, int32_t OutputZeroPoint, int32_t ActMin, int32_t ActMax>
struct FullyConnectedS8Constants {
  static constexpr int32_t batches = Batches, input_depth = InputDepth, output_depth = OutputDepth;
  static constexpr int32_t weights_zero_point = WeightsZeroPoint, multiplier = Multiplier, shift = Shift;
  static constexpr int32_t output_zero_point = OutputZeroPoint, act_min = ActMin, act_max = ActMax;
};

#if defined(__AVR__)
// C: FullyConnectedS8Constants<...>. Out of line: inlined into a large caller (LTO, as the
// Arduino build links), the MAC loop's X and Z operands can leave no register solution.
template <typename C>
inline __attribute__((noinline)) void fully_connected_s8_fixed(const int8_t* input, const int8_t* weights, const int32_t* folded_bias,
                                     int8_t* output) {
  static_assert(C::multiplier >= (static_cast<int32_t>(1) << 30) && C::shift < 0 && C::shift >= -31,
                "fully_connected_s8_fixed: requantize_q31 range only");
  for (int32_t b = 0; b < C::batches; ++b, input += C::input_depth) {
    int32_t input_term = 0;
    if (C::weights_zero_point != 0) {
      for (uint16_t d = 0; d < C::input_depth; ++d) input_term += input[d];
      input_term *= C::weights_zero_point;
    }
    const int8_t* w = weights;
    const int32_t* bias = folded_bias;
    for (uint16_t o = 0; o < C::output_depth; ++o) {
      int32_t acc;
      if (C::input_depth <= 256) {
        acc = flash_read(bias++) + dot_s8_short_avr<(C::input_depth <= 256 ? C::input_depth : 1)>(w, input);
      } else {
        acc = flash_read(bias++) + dot_s8(w, input, C::input_depth);
      }
      w += C::input_depth;
      *output++ = detail::requantize_fixed_avr<C::multiplier, -C::shift - 1, C::output_zero_point, C::act_min,
                                               C::act_max>(acc - input_term);
    }
  }
}
#endif

// int16 activations with int8 weights (TFLM's 16x8 FullyConnected: per-tensor requantization,
// an int64 accumulator). Zero points of input and output are 0.
struct FullyConnectedS16Params {
  int32_t batches, input_depth, output_depth;
  int32_t weights_zero_point;  // TFLM applies it: acc = sum (w - Z_w) * x
  int32_t multiplier;          // the 15-bit multiplier of multiply_by_reduced_multiplier_s64
  int32_t shift;               // QuantizeMultiplier's shift
  int32_t act_min, act_max;
};

// weights: flash [N][K]; bias: flash int64 [N] or nullptr.
inline void fully_connected_s16(const FullyConnectedS16Params& params, const int16_t* input, const int8_t* weights,
                                const int64_t* bias, int16_t* output) {
  const auto p = flash_load(params);
  for (int32_t b = 0; b < p.batches; ++b, input += p.input_depth) {
    int64_t input_term = 0;  // Z_w * sum x, which sum w * x includes and TFLM's sum does not
    if (p.weights_zero_point != 0) {
      for (int32_t d = 0; d < p.input_depth; ++d) input_term += input[d];
      input_term *= p.weights_zero_point;
    }
    const int8_t* w = weights;
    for (int32_t o = 0; o < p.output_depth; ++o, w += p.input_depth) {
      const int64_t sum = dot_s8_s16(w, input, p.input_depth) - input_term;
      *output++ = requantize_s16(sum, bias, o, p.multiplier, p.shift, p.act_min, p.act_max);
    }
  }
}

struct FullyConnectedF32Params {
  int32_t batches, input_depth, output_depth;
  float act_min, act_max;
};

// weights: flash [N][K]; bias: flash [N] or nullptr.
inline void fully_connected_f32(const FullyConnectedF32Params& params, const float* input,
                                const float* weights, const float* bias, float* output) {
  const auto p = flash_load(params);
  for (int32_t b = 0; b < p.batches; ++b, input += p.input_depth) {
    const float* w = weights;
    for (int32_t o = 0; o < p.output_depth; ++o, w += p.input_depth) {
      const float total = dot_f32(0.f, w, input, p.input_depth);
      // TFLM always adds a bias value (0.f without bias): -0.f + 0.f becomes +0.f.
      const float bias_value = bias != nullptr ? flash_read(bias + o) : 0.f;
      *output++ = clamp_f32(total + bias_value, p.act_min, p.act_max);
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_FULLY_CONNECTED_H_
