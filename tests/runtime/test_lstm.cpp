// UNIDIRECTIONAL_SEQUENCE_LSTM against TFLM's lstm_eval.h formulation: per step whole gate
// vectors (input FC and recurrent FC into separate int16 buffers with the zero points
// subtracted in the loops, saturating add, activation), then the cell update over all units,
// then the output gate and the hidden state, over several invokes so that the state the
// kernel keeps must carry exactly as TFLM's does. The int16 sigmoid / tanh are the ones
// test_unary checks.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "microflow/kernels/lstm.h"
#include "reference.h"

namespace {

struct Case {
  int32_t batches, time_steps, input_size, units;
  bool time_major;
  int32_t cell_clip;  // -1: none
  std::vector<int8_t> wx, wh;  // [4][units][input], [4][units][units]
  std::vector<int32_t> bias;   // [4][units], TFLM's (not folded)
  std::vector<int32_t> requant;  // [4][mx, sx, mh, sh]
  int32_t z_in, z_h;
  int32_t m_fc, s_fc, m_ic, s_ic, m_h, s_h;
};

Case make_case(int32_t batches, int32_t time_steps, bool time_major, int32_t cell_clip, std::mt19937& rng) {
  Case c{batches, time_steps, 5, 6, time_major, cell_clip, {}, {}, {}, {}, 7, -3, 0, 0, 0, 0, 0, 0};
  std::uniform_int_distribution<int> w(-127, 127), bias(-3000, 3000);
  for (int i = 0; i < 4 * c.units * c.input_size; ++i) c.wx.push_back(static_cast<int8_t>(w(rng)));
  for (int i = 0; i < 4 * c.units * c.units; ++i) c.wh.push_back(static_cast<int8_t>(w(rng)));
  for (int i = 0; i < 4 * c.units; ++i) c.bias.push_back(bias(rng));
  for (int g = 0; g < 4; ++g)
    for (double real : {0.0021 + 0.0003 * g, 0.0017 + 0.0002 * g}) {
      int32_t m, s;
      ref::quantize_multiplier(real, &m, &s);
      c.requant.push_back(m);
      c.requant.push_back(s);
    }
  // Cell scale 2^-11: forget x cell -> cell is 2^-15, input x cell gate 2^-19, hidden 2^-30 / 2^-7.
  ref::quantize_multiplier(std::ldexp(1.0, -15), &c.m_fc, &c.s_fc);
  ref::quantize_multiplier(std::ldexp(1.0, -19), &c.m_ic, &c.s_ic);
  ref::quantize_multiplier(std::ldexp(1.0, -23) * 1.37, &c.m_h, &c.s_h);
  return c;
}

int16_t sat16(int32_t v) { return static_cast<int16_t>(std::min(32767, std::max(-32768, v))); }

void reference_invoke(const Case& c, const std::vector<int8_t>& input, std::vector<int8_t>& hidden,
                      std::vector<int16_t>& cell, std::vector<int8_t>& output) {
  const mf::SigmoidS16Params gate_act = {0, 3, 0}, cell_tanh = {0, 6, 0};  // cell scale 2^-11
  const int32_t I = c.input_size, U = c.units;
  auto gate = [&](int g, const int8_t* x, const int8_t* h, int16_t* out) {
    std::vector<int16_t> fc_x(U), fc_h(U);
    for (int u = 0; u < U; ++u) {
      int32_t acc = c.bias[g * U + u];
      for (int d = 0; d < I; ++d) acc += c.wx[(g * U + u) * I + d] * (x[d] - c.z_in);
      fc_x[u] = sat16(ref::mbqm(acc, c.requant[4 * g], c.requant[4 * g + 1]));
      acc = 0;
      for (int d = 0; d < U; ++d) acc += c.wh[(g * U + u) * U + d] * (h[d] - c.z_h);
      fc_h[u] = sat16(ref::mbqm(acc, c.requant[4 * g + 2], c.requant[4 * g + 3]));
    }
    for (int u = 0; u < U; ++u) {
      const int16_t sum = sat16(fc_x[u] + fc_h[u]);
      out[u] = g == 2 ? mf::tanh_s16_value(gate_act, sum) : mf::logistic_s16_value(gate_act, sum);
    }
  };
  auto step = [&](int32_t b, int32_t row) {
    const int8_t* x = &input[row * I];
    int8_t* h = &hidden[b * U];
    int16_t* cs = &cell[b * U];
    std::vector<int16_t> f(U), i(U), g(U), o(U);
    gate(1, x, h, f.data());
    gate(0, x, h, i.data());
    gate(2, x, h, g.data());
    for (int u = 0; u < U; ++u) {
      const int16_t kept = sat16(ref::mbqm(f[u] * cs[u], c.m_fc, c.s_fc));
      const int16_t added = sat16(ref::mbqm(i[u] * g[u], c.m_ic, c.s_ic));
      int16_t next = sat16(kept + added);
      if (c.cell_clip >= 0) next = static_cast<int16_t>(std::min<int32_t>(c.cell_clip, std::max<int32_t>(-c.cell_clip, next)));
      cs[u] = next;
    }
    gate(3, x, h, o.data());
    for (int u = 0; u < U; ++u)
      h[u] = ref::clamp8(ref::mbqm(mf::tanh_s16_value(cell_tanh, cs[u]) * o[u], c.m_h, c.s_h) + c.z_h, -128, 127);
    for (int u = 0; u < U; ++u) output[row * U + u] = h[u];
  };
  if (c.time_major) {
    for (int32_t t = 0; t < c.time_steps; ++t)
      for (int32_t b = 0; b < c.batches; ++b) step(b, t * c.batches + b);
  } else {
    for (int32_t b = 0; b < c.batches; ++b)
      for (int32_t t = 0; t < c.time_steps; ++t) step(b, b * c.time_steps + t);
  }
}

void run_int8_case(const Case& c, std::mt19937& rng) {
  const int32_t I = c.input_size, U = c.units;
  // The compiler's folding: -Z_in · Σ Wx into the bias, -Z_h · Σ Wh into the recurrent bias.
  std::vector<int32_t> bias = c.bias, recurrent(4 * U, 0);
  for (int unit = 0; unit < 4 * U; ++unit) {
    for (int d = 0; d < I; ++d) bias[unit] -= c.z_in * c.wx[unit * I + d];
    for (int d = 0; d < U; ++d) recurrent[unit] -= c.z_h * c.wh[unit * U + d];
  }
  const mf::LstmQParams p = {c.batches, c.time_steps, I, U, c.time_major, c.cell_clip, c.m_fc, c.s_fc, c.m_ic, c.s_ic,
                             c.m_h, c.s_h, c.z_h, 6, 0, c.requant.data()};
  const size_t rows = static_cast<size_t>(c.batches * c.time_steps);
  std::vector<int8_t> hidden(c.batches * U, static_cast<int8_t>(c.z_h)), ref_hidden = hidden;
  std::vector<int16_t> cell(c.batches * U, 0), ref_cell = cell;
  std::uniform_int_distribution<int> value(-128, 127);
  for (int invoke = 0; invoke < 4; ++invoke) {
    std::vector<int8_t> input(rows * I);
    for (auto& v : input) v = static_cast<int8_t>(value(rng));
    std::vector<int8_t> out(rows * U), ref_out(rows * U);
    mf::lstm_s8(p, input.data(), c.wx.data(), c.wh.data(), bias.data(), recurrent.data(), hidden.data(), cell.data(),
                out.data());
    reference_invoke(c, input, ref_hidden, ref_cell, ref_out);
    ASSERT_EQ(out, ref_out) << "invoke " << invoke;
    ASSERT_EQ(hidden, ref_hidden) << "invoke " << invoke;
    ASSERT_EQ(cell, ref_cell) << "invoke " << invoke;
  }
}

TEST(Lstm, Int8BatchMajorMatchesTflmFormulation) {
  std::mt19937 rng(15);
  run_int8_case(make_case(2, 3, false, -1, rng), rng);
}

TEST(Lstm, Int8TimeMajorWithCellClip) {
  std::mt19937 rng(16);
  run_int8_case(make_case(3, 2, true, 900, rng), rng);
}

TEST(Lstm, Float32HandComputedStep) {
  // One unit, one input: every gate's pre-activation is w_x * x + w_h * h + b.
  const float wx[4] = {0.5f, -1.f, 2.f, 0.25f}, wh[4] = {1.f, 0.5f, -0.5f, 2.f}, bias[4] = {0.1f, 0.2f, -0.3f, 0.f};
  const mf::LstmF32Params p = {1, 2, 1, 1, 0, 0.4f};
  const float input[2] = {1.f, -2.f};
  float hidden = 0.f, cell = 0.f, out[2];
  mf::lstm_f32(p, input, wx, wh, bias, &hidden, &cell, out);
  auto sigmoid = [](float v) { return 1.f / (1.f + std::exp(-v)); };
  float h = 0.f, c = 0.f;
  for (int t = 0; t < 2; ++t) {
    const float x = input[t];
    const float i = sigmoid(wx[0] * x + wh[0] * h + bias[0]), f = sigmoid(wx[1] * x + wh[1] * h + bias[1]);
    const float g = std::tanh(wx[2] * x + wh[2] * h + bias[2]), o = sigmoid(wx[3] * x + wh[3] * h + bias[3]);
    c = std::min(0.4f, std::max(-0.4f, f * c + i * g));
    h = std::tanh(c) * o;
    EXPECT_NEAR(out[t], h, 1e-6f) << "step " << t;
  }
  EXPECT_NEAR(hidden, h, 1e-6f);
  EXPECT_NEAR(cell, c, 1e-6f);
}

}  // namespace
