// UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM unidirectional_sequence_lstm.cc, lstm_eval.h): the
// standard LSTM TFLM implements (no CIFG, peephole, projection or layer normalization). Per
// time step and batch row x, with the hidden state h and the cell state c of that row:
//   gate_g = act_g(FC(x, Wx_g, bias_g) + FC(h, Wh_g))   g = input, forget, cell, output
//   c = forget * c + input * cell  (clipped to ±cell_clip)
//   h = tanh(c) * output, and the output row is h.
// act is the sigmoid except for the cell gate's tanh (TFLite's fused activation, which TFLM
// applies there: TANH is the only one of TFLite's that TFLM's gates take).
// Time major: input [time][batch][input], batch major: [batch][time][input]; TFLM runs every
// batch row of a step (time major) or every step of a batch row (batch major) with the same
// per-row arithmetic, so one loop over (step, row) in TFLM's order covers both.
//
// Hidden and cell state are variable tensors in the state region. No scratch: TFLM's four
// gate buffers hold whole gate vectors because its FC runs over all units first; here each
// unit's four gates are computed together (the gates of one unit read only x, the old h
// and that unit's c), the new h goes straight into the output row, and the row is copied
// to the hidden state once every unit has read the old one. Results are unchanged: the
// same values meet in the same operations.
//
// Quantized forms (int8 activations with int16 cell "8x8_16", int16 activations "16x8"):
// each FC is requantized on its own to int16 Q3.12 and the two are added with saturation,
// as TFLM does; gates are TFLM's int16 sigmoid / tanh (Q0.15); the element-wise products
// are TFLM's MulElementwise with compiler-made multipliers. int8: the input zero point is
// folded into the input bias and the hidden zero point into `recurrent_bias` (-Z_h · Σ Wh),
// so each FC is a plain Σ w·x (TFLM's int32 sums, wrapping alike). int16: int64 sums,
// int64 bias, the 15-bit multipliers of multiply_by_reduced_multiplier_s64, no zero points.
#ifndef MICROFLOW_LSTM_H_
#define MICROFLOW_LSTM_H_

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "microflow/arch/dot_s8.h"
#include "microflow/exec/flash.h"
#include "microflow/fixed_point.h"
#include "microflow/kernel_util.h"
#include "microflow/kernels/sigmoid_tanh.h"
#include "microflow/kernels/unary_f32.h"

namespace mf {

// Gate order in every per-gate array: input, forget, cell, output (TFLite's tensor order).
struct LstmQParams {
  int32_t batches, time_steps, input_size, units, time_major;
  int32_t cell_clip;  // quantized |clip| in cell units; -1: no clipping
  int32_t forget_cell_multiplier, forget_cell_shift;  // forget (2^-15) x cell -> cell
  int32_t input_cell_multiplier, input_cell_shift;    // input x cell gate (2^-15 each) -> cell
  int32_t hidden_multiplier, hidden_shift, hidden_zero_point;  // tanh(c) x output -> hidden
  int32_t cell_tanh_multiplier, cell_tanh_shift;  // tanh's input scaling for the cell state
  // [4 gates][input FC multiplier, shift, recurrent FC multiplier, shift] to Q3.12, in flash
  // (int16 activations: 15-bit multipliers).
  const int32_t* gate_requantization;
};

struct LstmF32Params {
  int32_t batches, time_steps, input_size, units, time_major;
  float cell_clip;  // 0: no clipping
};

namespace detail {

// Step `step` reads input row `step` and writes output row `step` in both layouts (time
// major: t * batches + b, batch major: b * time_steps + t); its batch row of the state:
template <typename P>
inline int32_t lstm_batch(const P& p, int32_t step) {
  return p.time_major ? step % p.batches : step / p.time_steps;
}

inline int16_t lstm_mul(int32_t a, int32_t b, int32_t multiplier, int32_t shift) {
  return saturate_to<int16_t>(multiply_by_quantized_multiplier(a * b, multiplier, shift));
}

template <typename B>
inline B lstm_bias(const B* bias, int32_t i) {
  return bias != nullptr ? flash_read(bias + i) : static_cast<B>(0);
}

// The four gates' pre-activations of unit u (int16 Q3.12): each FC requantized on its own
// (TFLM's FC with an int16 output, no activation), then the saturating add. int8: the four
// gate rows of the unit are `units` rows apart, one rows4_dot each for x and h (TFLM's int32
// sums, wrapping alike).
inline void lstm_unit_preactivations(const LstmQParams& p, const int32_t* rq, int32_t u, const int8_t* x,
                                     const int8_t* h, const int8_t* weights_x, const int8_t* weights_h,
                                     const int32_t* bias, const int32_t* recurrent_bias, int16_t* pre) {
  const int32_t I = p.input_size, U = p.units;
  Acc4 ax = {0, 0, 0, 0}, ah = {0, 0, 0, 0};
  rows4_dot(ax, x, weights_x + u * I, U * I, I);
  rows4_dot(ah, h, weights_h + u * U, U * U, U);
  const int32_t sx[4] = {ax.a0, ax.a1, ax.a2, ax.a3}, sh[4] = {ah.a0, ah.a1, ah.a2, ah.a3};
  for (int32_t g = 0; g < 4; ++g) {
    const uint32_t acc_x = static_cast<uint32_t>(sx[g]) + static_cast<uint32_t>(flash_read(bias + g * U + u));
    const uint32_t acc_h = static_cast<uint32_t>(sh[g]) + static_cast<uint32_t>(flash_read(recurrent_bias + g * U + u));
    const int32_t from_x = saturate_to<int16_t>(
        multiply_by_quantized_multiplier(static_cast<int32_t>(acc_x), flash_read(rq + 4 * g), flash_read(rq + 4 * g + 1)));
    const int32_t from_h = saturate_to<int16_t>(
        multiply_by_quantized_multiplier(static_cast<int32_t>(acc_h), flash_read(rq + 4 * g + 2), flash_read(rq + 4 * g + 3)));
    pre[g] = saturate_to<int16_t>(from_x + from_h);
  }
}

// int16 activations: int64 sums and bias, the 15-bit multipliers; the recurrent FC has no bias.
inline void lstm_unit_preactivations(const LstmQParams& p, const int32_t* rq, int32_t u, const int16_t* x,
                                     const int16_t* h, const int8_t* weights_x, const int8_t* weights_h,
                                     const int64_t* bias, const int64_t* recurrent_bias, int16_t* pre) {
  const int32_t I = p.input_size, U = p.units;
  for (int32_t g = 0; g < 4; ++g) {
    const int32_t unit = g * U + u;
    const int32_t from_x = saturate_to<int16_t>(multiply_by_reduced_multiplier_s64(
        dot_s8_s16(weights_x + unit * I, x, I) + flash_read(bias + unit), flash_read(rq + 4 * g), flash_read(rq + 4 * g + 1)));
    const int32_t from_h = saturate_to<int16_t>(multiply_by_reduced_multiplier_s64(
        dot_s8_s16(weights_h + unit * U, h, U) + lstm_bias(recurrent_bias, unit), flash_read(rq + 4 * g + 2),
        flash_read(rq + 4 * g + 3)));
    pre[g] = saturate_to<int16_t>(from_x + from_h);
  }
}

template <typename T, typename B>
inline void lstm_quantized(const LstmQParams& params, const T* input, const int8_t* weights_x,
                           const int8_t* weights_h, const B* bias, const B* recurrent_bias, T* hidden,
                           int16_t* cell, T* output) {
  const LstmQParams p = flash_load(params);
  // TFLM calls Logistic and the gates' Tanh with multiplier 0, shift 0 (Q3.12 inputs), which
  // its kernels turn into multiplier 3, shift 0.
  const SigmoidS16Params gate_act = {0, 3, 0};
  const SigmoidS16Params cell_tanh = {0, p.cell_tanh_multiplier, p.cell_tanh_shift};
  const int32_t I = p.input_size, U = p.units;
  const int32_t steps = p.batches * p.time_steps;
  for (int32_t step = 0; step < steps; ++step) {
    const int32_t b = lstm_batch(p, step), row = step;
    const T* x = input + row * I;
    T* h = hidden + b * U;
    int16_t* c = cell + b * U;
    T* out = output + row * U;
    for (int32_t u = 0; u < U; ++u) {
      int16_t gate[4];
      lstm_unit_preactivations(p, p.gate_requantization, u, x, h, weights_x, weights_h, bias, recurrent_bias, gate);
      for (int32_t g = 0; g < 4; ++g)
        gate[g] = g == 2 ? tanh_s16_value(gate_act, gate[g]) : logistic_s16_value(gate_act, gate[g]);
      const int16_t kept = lstm_mul(gate[1], c[u], p.forget_cell_multiplier, p.forget_cell_shift);
      const int16_t added = lstm_mul(gate[0], gate[2], p.input_cell_multiplier, p.input_cell_shift);
      int32_t next = saturate_to<int16_t>(static_cast<int32_t>(kept) + added);
      if (p.cell_clip >= 0) next = next > p.cell_clip ? p.cell_clip : next < -p.cell_clip ? -p.cell_clip : next;
      c[u] = static_cast<int16_t>(next);
      const int32_t t = tanh_s16_value(cell_tanh, c[u]);
      out[u] = saturate_to<T>(multiply_by_quantized_multiplier(t * gate[3], p.hidden_multiplier, p.hidden_shift) +
                              p.hidden_zero_point);
    }
    memcpy(h, out, static_cast<size_t>(U) * sizeof(T));
  }
}

}  // namespace detail

// int8 activations, int16 cell. bias: folded input bias [4][units] (int32, flash);
// recurrent_bias: -Z_h · Σ Wh [4][units]; weights_x [4][units][input], weights_h [4][units][units].
inline void lstm_s8(const LstmQParams& params, const int8_t* input, const int8_t* weights_x, const int8_t* weights_h,
                    const int32_t* bias, const int32_t* recurrent_bias, int8_t* hidden, int16_t* cell,
                    int8_t* output) {
  detail::lstm_quantized(params, input, weights_x, weights_h, bias, recurrent_bias, hidden, cell, output);
}

// int16 activations (zero points 0), int8 weights, int64 bias, int16 cell.
inline void lstm_s16(const LstmQParams& params, const int16_t* input, const int8_t* weights_x,
                     const int8_t* weights_h, const int64_t* bias, int16_t* hidden, int16_t* cell, int16_t* output) {
  detail::lstm_quantized(params, input, weights_x, weights_h, bias, static_cast<const int64_t*>(nullptr), hidden,
                         cell, output);
}

// float32, TFLM's operation order: each FC sums from 0 in index order and then adds its bias
// (0 for the recurrent FC), the two FC outputs are added, then the activation.
inline void lstm_f32(const LstmF32Params& params, const float* input, const float* weights_x,
                     const float* weights_h, const float* bias, float* hidden, float* cell, float* output) {
  const LstmF32Params p = flash_load(params);
  const int32_t I = p.input_size, U = p.units;
  const int32_t steps = p.batches * p.time_steps;
  for (int32_t step = 0; step < steps; ++step) {
    const int32_t b = detail::lstm_batch(p, step), row = step;
    const float* x = input + row * I;
    float* h = hidden + b * U;
    float* c = cell + b * U;
    float* out = output + row * U;
    for (int32_t u = 0; u < U; ++u) {
      float gate[4];
      for (int32_t g = 0; g < 4; ++g) {
        const int32_t unit = g * U + u;
        const float from_x = dot_f32(0.f, weights_x + unit * I, x, I) + flash_read(bias + unit);
        const float from_h = dot_f32(0.f, weights_h + unit * U, h, U) + 0.f;
        const float sum = from_x + from_h;
        gate[g] = g == 2 ? tanhf(sum) : detail::logistic_f32_element(sum);
      }
      float next = gate[1] * c[u] + gate[0] * gate[2];
      if (p.cell_clip > 0.f) next = next > p.cell_clip ? p.cell_clip : next < -p.cell_clip ? -p.cell_clip : next;
      c[u] = next;
      out[u] = tanhf(next) * gate[3];
    }
    memcpy(h, out, static_cast<size_t>(U) * sizeof(float));
  }
}

}  // namespace mf

#endif  // MICROFLOW_LSTM_H_
