// microflow-make-sine: trains the project's example model (y = sin(x) for
// x in [0, 2π]), quantizes it to int8 the way the TFLite converter does, and
// writes it as a .tflite file. The run is deterministic: same build, same bytes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "post_training_quantization.h"
#include "sine_tflite.h"
#include "sine_training.h"
#include "tflite_int8_reference.h"

namespace {

using namespace microflow::sine;

constexpr float kTwoPi = 2 * std::numbers::pi_v<float>;
// The representative dataset and the accuracy grid: evenly spaced over the
// whole input range, endpoints included, so the input range is exactly [0, 2π].
constexpr int kCalibrationPoints = 1000;
constexpr int kEvaluationPoints = 1000;

std::vector<float> evenly_spaced(float lo, float hi, int count) {
  std::vector<float> xs;
  for (int i = 0; i < count; ++i)
    xs.push_back(lo + (hi - lo) * static_cast<float>(i) / static_cast<float>(count - 1));
  return xs;
}

struct ErrorStats {
  double max = 0;
  double mean = 0;
};

template <typename Predict>
ErrorStats error_vs_sine(const std::vector<float>& xs, Predict predict) {
  ErrorStats stats;
  for (float x : xs) {
    const double error = std::fabs(double{predict(x)} - std::sin(double{x}));
    stats.max = std::max(stats.max, error);
    stats.mean += error;
  }
  stats.mean /= static_cast<double>(xs.size());
  return stats;
}

void print_quantization(const QuantizedMlp& mlp) {
  std::printf("quantization (scale, zero point):\n  input x         %.9g, %d\n",
              mlp.input_params.scale, mlp.input_params.zero_point);
  for (size_t l = 0; l < mlp.layers.size(); ++l) {
    const QuantizedDense& d = mlp.layers[l];
    std::printf("  dense_%zu weights %.9g, %d   bias %.9g, %d   output %.9g, %d%s\n", l + 1,
                d.weight_params.scale, d.weight_params.zero_point, d.bias_params.scale,
                d.bias_params.zero_point, d.output_params.scale, d.output_params.zero_point,
                d.relu ? "  (RELU)" : "");
  }
}

int run(const std::string& output_path) {
  const TrainingConfig config;
  const TrainingResult trained = train_sine_mlp(config);
  const QuantizedMlp quantized =
      quantize_mlp(trained.model, evenly_spaced(0.f, kTwoPi, kCalibrationPoints));
  const std::vector<uint8_t> tflite = write_tflite(quantized);

  std::ofstream file(output_path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(tflite.data()), static_cast<std::streamsize>(tflite.size()));
  file.close();
  if (!file) {
    std::fprintf(stderr, "microflow-make-sine: cannot write %s\n", output_path.c_str());
    return 1;
  }

  const auto grid = evenly_spaced(0.f, kTwoPi, kEvaluationPoints);
  const ErrorStats float_error =
      error_vs_sine(grid, [&](float x) { return trained.model.predict(x); });
  const ErrorStats int8_error = error_vs_sine(grid, [&](float x) {
    const int8_t q = run_int8(quantized, quantize_to_int8(x, quantized.input_params));
    return dequantize_int8(q, quantized.layers.back().output_params);
  });

  std::string widths;
  for (int width : config.widths) {
    if (!widths.empty()) widths += '-';
    widths += std::to_string(width);
  }
  std::printf("trained %s ReLU MLP: %d samples, %d epochs, seed 0x%llx, final MSE %.3g\n",
              widths.c_str(), config.samples, config.epochs,
              static_cast<unsigned long long>(config.seed), trained.final_mse);
  print_quantization(quantized);
  std::printf("|error| vs sin(x) over %d points in [0, 2pi]:\n", kEvaluationPoints);
  std::printf("  float32 model: max %.4f, mean %.4f\n", float_error.max, float_error.mean);
  std::printf("  int8 model (TFLite arithmetic): max %.4f, mean %.4f\n", int8_error.max,
              int8_error.mean);
  std::printf("wrote %s (%zu bytes)\n", output_path.c_str(), tflite.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.tflite\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "microflow-make-sine: %s\n", e.what());
    return 1;
  }
}
