// SVDF against TFLM's EvalIntegerSvdfReference / EvalFloatSvdfReference formulation
// (zero points subtracted in the loops, scratch arrays, bias added after the time sums),
// over several invokes: the state the kernel keeps must carry exactly as TFLM's does.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "microflow/kernels/svdf.h"
#include "reference.h"

namespace {

struct Shape {
  int32_t batches, input_size, filters, rank, memory;
  int32_t units() const { return filters / rank; }
};

template <typename T>
struct IntegerCase {
  Shape s;
  std::vector<int8_t> weights_feature;
  std::vector<T> weights_time;
  std::vector<int32_t> bias;
  int32_t z_in, z_state, z_out, m1, s1, m2, s2;
};

template <typename T>
void reference_step(const IntegerCase<T>& c, const std::vector<int8_t>& input, std::vector<T>& state,
                    std::vector<int8_t>& output) {
  const Shape& s = c.s;
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (size_t i = 0; i + 1 < state.size(); ++i) state[i] = state[i + 1];
  for (int32_t b = 0; b < s.batches; ++b)
    for (int32_t f = 0; f < s.filters; ++f) {
      int32_t dot = 0;
      for (int32_t k = 0; k < s.input_size; ++k)
        dot += c.weights_feature[static_cast<size_t>(f * s.input_size + k)] * (input[static_cast<size_t>(b * s.input_size + k)] - c.z_in);
      dot = ref::mbqm(dot, c.m1, c.s1) + c.z_state;
      state[static_cast<size_t>((b * s.filters + f) * s.memory + s.memory - 1)] = static_cast<T>(std::min(std::max(lo, dot), hi));
    }
  std::vector<int32_t> scratch(static_cast<size_t>(s.batches * s.filters));
  for (int32_t b = 0; b < s.batches; ++b)
    for (int32_t f = 0; f < s.filters; ++f) {
      int32_t sum = 0;
      for (int32_t j = 0; j < s.memory; ++j)
        sum += c.weights_time[static_cast<size_t>(f * s.memory + j)] *
               (state[static_cast<size_t>((b * s.filters + f) * s.memory + j)] - c.z_state);
      scratch[static_cast<size_t>(b * s.filters + f)] = sum;
    }
  for (int32_t b = 0; b < s.batches; ++b)
    for (int32_t u = 0; u < s.units(); ++u) {
      int32_t acc = c.bias[static_cast<size_t>(u)];
      for (int32_t r = 0; r < s.rank; ++r) acc += scratch[static_cast<size_t>(b * s.filters + u * s.rank + r)];
      acc = ref::mbqm(acc, c.m2, c.s2) + c.z_out;
      output[static_cast<size_t>(b * s.units() + u)] = static_cast<int8_t>(std::min(std::max(acc, -128), 127));
    }
}

template <typename T>
void check_integer(const Shape& s, int32_t z_in, int32_t z_state, int32_t z_out, double scale1, double scale2,
                   uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> i8(-128, 127), time(std::numeric_limits<T>::min() / 4, std::numeric_limits<T>::max() / 4),
      bias(-20000, 20000);
  IntegerCase<T> c{s, {}, {}, {}, z_in, z_state, z_out, 0, 0, 0, 0};
  for (int32_t i = 0; i < s.filters * s.input_size; ++i) c.weights_feature.push_back(static_cast<int8_t>(i8(rng)));
  for (int32_t i = 0; i < s.filters * s.memory; ++i) c.weights_time.push_back(static_cast<T>(time(rng)));
  for (int32_t i = 0; i < s.units(); ++i) c.bias.push_back(bias(rng));
  ref::quantize_multiplier(scale1, &c.m1, &c.s1);
  ref::quantize_multiplier(scale2, &c.m2, &c.s2);

  // The compiler's folding: -Z_in · Σ weights_feature per filter, -Z_state · Σ weights_time into the bias.
  std::vector<int32_t> feature_offset(static_cast<size_t>(s.filters)), folded_bias(c.bias);
  for (int32_t f = 0; f < s.filters; ++f) {
    int32_t sum = 0;
    for (int32_t k = 0; k < s.input_size; ++k) sum += c.weights_feature[static_cast<size_t>(f * s.input_size + k)];
    feature_offset[static_cast<size_t>(f)] = -z_in * sum;
    int32_t time_sum = 0;
    for (int32_t j = 0; j < s.memory; ++j) time_sum += c.weights_time[static_cast<size_t>(f * s.memory + j)];
    folded_bias[static_cast<size_t>(f / s.rank)] -= z_state * time_sum;
  }
  const mf::SvdfS8Params p = {s.batches, s.input_size, s.filters, s.rank, s.memory, c.m1, c.s1, z_state,
                              c.m2, c.s2, z_out, feature_offset.data()};

  const size_t state_size = static_cast<size_t>(s.batches * s.filters * s.memory);
  std::vector<T> state(state_size, static_cast<T>(z_state)), want_state(state);
  std::vector<int8_t> input(static_cast<size_t>(s.batches * s.input_size));
  std::vector<int8_t> got(static_cast<size_t>(s.batches * s.units())), want(got.size());
  for (int step = 0; step < 12; ++step) {
    for (int8_t& x : input) x = static_cast<int8_t>(i8(rng));
    mf::svdf_s8(p, input.data(), c.weights_feature.data(), c.weights_time.data(), folded_bias.data(), state.data(),
                got.data());
    reference_step(c, input, want_state, want);
    ASSERT_EQ(got, want) << "step " << step;
    ASSERT_EQ(state, want_state) << "step " << step;
  }
}

TEST(Svdf, Int16StateMatchesTflmOverManySteps) {
  check_integer<int16_t>({1, 16, 8, 1, 10}, -3, 0, -7, 0.4, 0.003, 1);
  check_integer<int16_t>({2, 12, 8, 2, 6}, 5, 0, 11, 0.9, 0.0004, 2);
}

TEST(Svdf, Int8StateWithAZeroPointMatchesTflm) {
  // The state zero point is added before the clamp to int8 and subtracted in the time sums.
  check_integer<int8_t>({1, 10, 6, 1, 8}, -3, 0, 5, 0.05, 0.01, 3);
  check_integer<int8_t>({2, 7, 6, 3, 5}, 4, -9, -2, 0.08, 0.02, 4);
}

TEST(Svdf, FloatSumsInTflmsOrder) {
  const Shape s{2, 8, 10, 2, 4};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> wf(static_cast<size_t>(s.filters * s.input_size)), wt(static_cast<size_t>(s.filters * s.memory)),
      bias(static_cast<size_t>(s.units()));
  for (auto* v : {&wf, &wt, &bias})
    for (float& x : *v) x = u(rng);
  const mf::SvdfF32Params p = {s.batches, s.input_size, s.filters, s.rank, s.memory, 0.f, 3.4e38f};
  std::vector<float> state(static_cast<size_t>(s.batches * s.filters * s.memory), 0.f), want_state(state);
  std::vector<float> input(static_cast<size_t>(s.batches * s.input_size)), got(static_cast<size_t>(s.batches * s.units())),
      want(got.size());
  for (int step = 0; step < 8; ++step) {
    for (float& x : input) x = u(rng);
    mf::svdf_f32(p, input.data(), wf.data(), wt.data(), step % 2 ? bias.data() : nullptr, state.data(), got.data());
    // TFLM: shift, feature dot products into the last column, time sums into scratch, then
    // output = bias (or 0) + scratch of each rank, RELU.
    for (size_t i = 0; i + 1 < want_state.size(); ++i) want_state[i] = want_state[i + 1];
    for (int32_t b = 0; b < s.batches; ++b)
      for (int32_t f = 0; f < s.filters; ++f) {
        float dot = 0.f;
        for (int32_t k = 0; k < s.input_size; ++k)
          dot += wf[static_cast<size_t>(f * s.input_size + k)] * input[static_cast<size_t>(b * s.input_size + k)];
        want_state[static_cast<size_t>((b * s.filters + f) * s.memory + s.memory - 1)] = dot;
      }
    std::vector<float> scratch(static_cast<size_t>(s.batches * s.filters));
    for (int32_t b = 0; b < s.batches; ++b)
      for (int32_t f = 0; f < s.filters; ++f) {
        float sum = 0.f;
        for (int32_t j = 0; j < s.memory; ++j)
          sum += wt[static_cast<size_t>(f * s.memory + j)] * want_state[static_cast<size_t>((b * s.filters + f) * s.memory + j)];
        scratch[static_cast<size_t>(b * s.filters + f)] = sum;
      }
    for (int32_t b = 0; b < s.batches; ++b)
      for (int32_t u2 = 0; u2 < s.units(); ++u2) {
        float acc = step % 2 ? bias[static_cast<size_t>(u2)] : 0.f;
        for (int32_t r = 0; r < s.rank; ++r) acc += scratch[static_cast<size_t>(b * s.filters + u2 * s.rank + r)];
        want[static_cast<size_t>(b * s.units() + u2)] = std::max(0.f, acc);
      }
    ASSERT_EQ(got, want) << "step " << step;
    ASSERT_EQ(state, want_state) << "step " << step;
  }
}

}  // namespace
