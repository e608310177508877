// Runs the generated sine model on the host: predictions against sin(x), and
// what the model costs (flash for constants, RAM for the arena, time).
#include <chrono>
#include <cmath>
#include <cstdio>

#include "sine_model.h"

int main() {
  sine_model::Model model;
  std::printf("%8s %10s %10s %10s\n", "x", "sin(x)", "model", "error");
  double max_error = 0;
  for (int i = 0; i <= 8; ++i) {
    const float x = static_cast<float>(i * 2 * M_PI / 8);
    float y = 0;
    model.set_input(&x);
    model.invoke();
    model.get_output(&y);
    const double error = std::fabs(y - std::sin(x));
    max_error = std::fmax(max_error, error);
    std::printf("%8.4f %10.4f %10.4f %10.4f\n", x, std::sin(x), y, error);
  }
  std::printf("max abs error over the grid: %.4f\n\n", max_error);

  constexpr int kRuns = 200000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    model.input()[0] = static_cast<int8_t>(i);
    model.invoke();
  }
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;

  std::printf("model: %zu MACs per inference\n", sine_model::kMacs);
  std::printf("flash: %zu bytes of constants (weights, folded biases, requantization)\n", sine_model::kConstantBytes);
  std::printf("RAM:   %zu bytes of arena\n", sine_model::kArenaBytes);
  std::printf("time:  %.1f ns per inference on this host (mean of %d; wall clock, noisy)\n",
              elapsed.count() / kRuns, kRuns);
  return max_error < 0.15 ? 0 : 1;
}
