#include "sine_training.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

#include "deterministic_random.h"

namespace microflow::sine {
namespace {

constexpr float kTwoPi = 2 * std::numbers::pi_v<float>;

// Adam state and gradient accumulators for one layer.
struct LayerOptimizer {
  std::vector<float> grad_w, grad_b, m_w, v_w, m_b, v_b;

  explicit LayerOptimizer(const DenseLayer& layer)
      : grad_w(layer.weights.size()),
        grad_b(layer.bias.size()),
        m_w(layer.weights.size()),
        v_w(layer.weights.size()),
        m_b(layer.bias.size()),
        v_b(layer.bias.size()) {}
};

// Keras' defaults, which the hello_world model was trained with.
constexpr float kBeta1 = 0.9f;
constexpr float kBeta2 = 0.999f;
constexpr float kEpsilon = 1e-7f;

void adam_update(std::vector<float>& params, std::vector<float>& grads, std::vector<float>& m,
                 std::vector<float>& v, float step_size) {
  for (size_t i = 0; i < params.size(); ++i) {
    m[i] = kBeta1 * m[i] + (1 - kBeta1) * grads[i];
    v[i] = kBeta2 * v[i] + (1 - kBeta2) * grads[i] * grads[i];
    params[i] -= step_size * m[i] / (std::sqrt(v[i]) + kEpsilon);
    grads[i] = 0.f;
  }
}

// He-uniform weights. The first layer's biases put each ReLU's kink at a
// random point of [0, 2π] (b = -w·c): with zero biases every kink would sit
// at x = 0 and the piecewise-linear fit would start with no breakpoints
// inside the range.
void initialise(FloatMlp& mlp, DeterministicRandom& random) {
  for (size_t l = 0; l < mlp.layers.size(); ++l) {
    DenseLayer& layer = mlp.layers[l];
    const float limit = std::sqrt(6.f / static_cast<float>(layer.inputs));
    for (float& w : layer.weights) w = random.uniform(-limit, limit);
    if (l == 0) {
      for (int o = 0; o < layer.outputs; ++o)
        layer.bias[o] = -layer.weights[o] * random.uniform(0.f, kTwoPi);
    }
  }
}

// Adds d(loss)/d(params) of one sample to the accumulators; loss is the
// squared error scaled by loss_scale.
void accumulate_gradients(const FloatMlp& mlp, float x, float target, float loss_scale,
                          std::vector<LayerOptimizer>& optimizers) {
  const auto activations = mlp.activations(x);
  std::vector<float> delta{2.f * (activations.back()[0] - target) * loss_scale};
  for (size_t l = mlp.layers.size(); l-- > 0;) {
    const DenseLayer& layer = mlp.layers[l];
    const float* in = l == 0 ? &x : activations[l - 1].data();
    LayerOptimizer& opt = optimizers[l];
    std::vector<float> delta_in(static_cast<size_t>(layer.inputs), 0.f);
    for (int o = 0; o < layer.outputs; ++o) {
      opt.grad_b[o] += delta[o];
      for (int i = 0; i < layer.inputs; ++i) {
        opt.grad_w[o * layer.inputs + i] += delta[o] * in[i];
        delta_in[i] += layer.weights[o * layer.inputs + i] * delta[o];
      }
    }
    // The previous layer's ReLU passes gradient only where it was active.
    if (l > 0 && mlp.layers[l - 1].relu) {
      for (int i = 0; i < layer.inputs; ++i)
        if (in[i] <= 0.f) delta_in[i] = 0.f;
    }
    delta = std::move(delta_in);
  }
}

}  // namespace

TrainingResult train_sine_mlp(const TrainingConfig& config) {
  if (config.widths.size() < 2 || config.widths.front() != 1 || config.widths.back() != 1)
    throw std::invalid_argument("sine MLP widths must start and end with 1");
  if (config.samples <= 0 || config.batch_size <= 0 || config.epochs <= 0)
    throw std::invalid_argument("samples, batch_size and epochs must be positive");

  DeterministicRandom random(config.seed);
  FloatMlp mlp = FloatMlp::with_widths(config.widths);
  initialise(mlp, random);

  std::vector<float> xs(static_cast<size_t>(config.samples));
  for (float& x : xs) x = random.uniform(0.f, kTwoPi);
  std::vector<float> ys;
  for (float x : xs) ys.push_back(static_cast<float>(std::sin(static_cast<double>(x))));

  std::vector<LayerOptimizer> optimizers;
  for (const auto& layer : mlp.layers) optimizers.emplace_back(layer);

  std::vector<uint32_t> order(xs.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;

  const int batches_per_epoch = (config.samples + config.batch_size - 1) / config.batch_size;
  const double total_steps = static_cast<double>(batches_per_epoch) * config.epochs;
  const double decay = static_cast<double>(config.final_learning_rate) /
                       static_cast<double>(config.initial_learning_rate);
  int64_t step = 0;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    for (uint32_t i = static_cast<uint32_t>(order.size()); i > 1; --i)  // Fisher-Yates
      std::swap(order[i - 1], order[random.below(i)]);
    for (int start = 0; start < config.samples; start += config.batch_size) {
      const int end = std::min(start + config.batch_size, config.samples);
      const float loss_scale = 1.f / static_cast<float>(end - start);
      for (int s = start; s < end; ++s)
        accumulate_gradients(mlp, xs[order[s]], ys[order[s]], loss_scale, optimizers);

      ++step;
      const double lr = config.initial_learning_rate *
                        std::pow(decay, static_cast<double>(step - 1) / total_steps);
      // Adam's bias correction folded into the step size.
      const double correction = std::sqrt(1 - std::pow(double{kBeta2}, static_cast<double>(step))) /
                                (1 - std::pow(double{kBeta1}, static_cast<double>(step)));
      const auto step_size = static_cast<float>(lr * correction);
      for (size_t l = 0; l < mlp.layers.size(); ++l) {
        LayerOptimizer& opt = optimizers[l];
        adam_update(mlp.layers[l].weights, opt.grad_w, opt.m_w, opt.v_w, step_size);
        adam_update(mlp.layers[l].bias, opt.grad_b, opt.m_b, opt.v_b, step_size);
      }
    }
  }

  double squared_error = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double e = mlp.predict(xs[i]) - ys[i];
    squared_error += e * e;
  }
  return {std::move(mlp), squared_error / static_cast<double>(xs.size())};
}

}  // namespace microflow::sine
