#pragma once
// Trains the float sine regressor y = sin(x), x in [0, 2π], deterministically.
#include <cstdint>
#include <vector>

#include "float_mlp.h"

namespace microflow::sine {

struct TrainingConfig {
  std::vector<int> widths{1, 16, 16, 1};  // TFLM hello_world's shape
  uint64_t seed = 0x5EED'51CE;
  int samples = 1000;
  int epochs = 800;
  int batch_size = 16;
  // Adam, with the learning rate decayed exponentially from initial to final
  // over the run: a large step finds the shape, a small one polishes it.
  float initial_learning_rate = 0.01f;
  float final_learning_rate = 0.0002f;
};

struct TrainingResult {
  FloatMlp model;
  double final_mse = 0;  // over the training set, after the last epoch
};

TrainingResult train_sine_mlp(const TrainingConfig& config);

}  // namespace microflow::sine
