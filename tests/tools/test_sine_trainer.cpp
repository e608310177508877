// Tests of tools/sine_trainer: its TFLite int8 arithmetic against TFLM's own
// outputs, its converter-style quantization, the checked-in example model,
// and the determinism of the trainer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "post_training_quantization.h"
#include "tflite_int8_reference.h"
#include "tflite_subset_generated.h"

namespace {

namespace fs = std::filesystem;
namespace tfl = microflow::tfl;
using namespace microflow::sine;

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

QuantParams params_of(const tfl::Tensor* tensor) {
  const auto* q = tensor->quantization();
  return {q->scale()->Get(0), static_cast<int32_t>(q->zero_point()->Get(0))};
}

template <typename T>
std::vector<T> data_of(const tfl::Model* model, const tfl::Tensor* tensor) {
  const auto* data = model->buffers()->Get(tensor->buffer())->data();
  std::vector<T> values(data->size() / sizeof(T));
  std::memcpy(values.data(), data->data(), data->size());
  return values;
}

// Reads a chain of int8 FULLY_CONNECTED operators {x, weights, bias} -> y,
// such as hello_world's sine model, back into a QuantizedMlp.
QuantizedMlp read_fc_chain(const std::vector<uint8_t>& bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!tfl::VerifyModelBuffer(verifier)) throw std::runtime_error("not a valid .tflite");
  const tfl::Model* model = tfl::GetModel(bytes.data());
  const tfl::SubGraph* graph = model->subgraphs()->Get(0);
  const auto tensor = [graph](int32_t index) { return graph->tensors()->Get(index); };

  QuantizedMlp mlp;
  mlp.input_params = params_of(tensor(graph->inputs()->Get(0)));
  for (const tfl::Operator* op : *graph->operators()) {
    const tfl::Tensor* weights = tensor(op->inputs()->Get(1));
    const tfl::Tensor* bias = tensor(op->inputs()->Get(2));
    QuantizedDense dense;
    dense.outputs = weights->shape()->Get(0);
    dense.inputs = weights->shape()->Get(1);
    dense.weights = data_of<int8_t>(model, weights);
    dense.weight_params = params_of(weights);
    dense.bias = data_of<int32_t>(model, bias);
    dense.bias_params = params_of(bias);
    dense.output_params = params_of(tensor(op->outputs()->Get(0)));
    dense.relu = op->builtin_options_as_FullyConnectedOptions()->fused_activation_function() ==
                 tfl::ActivationFunctionType::RELU;
    mlp.layers.push_back(std::move(dense));
  }
  return mlp;
}

double int8_max_error_vs_sine(const QuantizedMlp& mlp) {
  double max_error = 0;
  for (int i = 0; i < 1000; ++i) {
    const float x = 2 * std::numbers::pi_v<float> * static_cast<float>(i) / 999.f;
    const int8_t y = run_int8(mlp, quantize_to_int8(x, mlp.input_params));
    const float y_real = dequantize_int8(y, mlp.layers.back().output_params);
    max_error = std::max(max_error, std::fabs(double{y_real} - std::sin(double{x})));
  }
  return max_error;
}

TEST(QuantizeMultiplier, MatchesTfliteEdgeCases) {
  const auto expect = [](double real, int32_t multiplier, int shift) {
    const QuantizedMultiplier m = quantize_multiplier(real);
    EXPECT_EQ(m.multiplier, multiplier) << real;
    EXPECT_EQ(m.shift, shift) << real;
  };
  expect(1.0, 1 << 30, 1);
  expect(0.5, 1 << 30, 0);
  expect(1 - 1e-12, 1 << 30, 1);  // f·2^31 rounds up to 2^31
  expect(std::ldexp(1.0, -31), 1 << 30, -30);
  expect(std::ldexp(1.0, -32), 1 << 30, -31);
  expect(1.86e-10, 0, 0);  // below 2^-32: flushed to zero
  expect(0.0, 0, 0);
}

TEST(MultiplyByQuantizedMultiplier, RoundsTwiceLikeGemmlowp) {
  const QuantizedMultiplier half{1 << 30, 0};
  // SaturatingRoundingDoublingHighMul ties go toward +infinity.
  EXPECT_EQ(multiply_by_quantized_multiplier(1, half), 1);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1, half), 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, half), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(3, half), 2);
  // 5·0.25 = 1.25 would round to 1 in one step; gemmlowp rounds 5/2 to 3,
  // then 3/2 to 2.
  const QuantizedMultiplier quarter{1 << 30, -1};
  EXPECT_EQ(multiply_by_quantized_multiplier(5, quarter), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(3, quarter), 1);
}

TEST(PostTrainingQuantization, ActivationRangeIncludesZero) {
  const QuantParams relu_out = asymmetric_int8_params(0.0, 2.55);
  EXPECT_FLOAT_EQ(relu_out.scale, 0.01f);
  EXPECT_EQ(relu_out.zero_point, -128);
  EXPECT_EQ(asymmetric_int8_params(1.0, 2.0).zero_point, -128);  // widened to [0, 2]
  EXPECT_EQ(asymmetric_int8_params(-2.0, -1.0).zero_point, 127);  // widened to [-2, 0]
  const QuantParams symmetric = asymmetric_int8_params(-1.0, 1.0);
  EXPECT_FLOAT_EQ(symmetric.scale, 2.0f / 255);
  EXPECT_EQ(symmetric.zero_point, -1);  // round(-0.5) is -1: half away from zero
  EXPECT_THROW(asymmetric_int8_params(0.0, 0.0), std::runtime_error);
}

TEST(PostTrainingQuantization, WeightsAreSymmetricPerTensor) {
  const QuantParams w = symmetric_int8_params({0.5f, -1.27f, 0.0f});
  EXPECT_FLOAT_EQ(w.scale, 0.01f);
  EXPECT_EQ(w.zero_point, 0);
  EXPECT_THROW(symmetric_int8_params({0.f, 0.f}), std::runtime_error);
}

// Our int8 simulation must reproduce TFLM bit for bit on hello_world's model.
TEST(TfliteInt8Reference, MatchesTflmOnHelloWorldSineVectors) {
  const fs::path dir = fs::path(MICROFLOW_MODELS_DIR) / "sine_int8";
  if (std::string(MICROFLOW_MODELS_DIR).empty() || !fs::exists(dir / "model.tflite"))
    GTEST_SKIP() << "reference models not available at " << dir;
  const QuantizedMlp mlp = read_fc_chain(read_file(dir / "model.tflite"));

  int vectors = 0;
  for (const auto& entry : fs::directory_iterator(dir / "vectors")) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".in.bin";
    if (!name.ends_with(suffix)) continue;
    const std::string stem = name.substr(0, name.size() - suffix.size());
    const auto input = read_file(entry.path());
    const auto expected = read_file(dir / "vectors" / (stem + ".out.bin"));
    ASSERT_EQ(input.size(), 1u);
    ASSERT_EQ(expected.size(), 1u);
    EXPECT_EQ(run_int8(mlp, static_cast<int8_t>(input[0])), static_cast<int8_t>(expected[0]))
        << stem;
    ++vectors;
  }
  EXPECT_GT(vectors, 30);
}

TEST(SineExample, IsAccurateFullIntegerModel) {
  const QuantizedMlp mlp = read_fc_chain(read_file(MICROFLOW_SINE_EXAMPLE));
  ASSERT_EQ(mlp.layers.size(), 3u);
  EXPECT_TRUE(mlp.layers[0].relu);
  EXPECT_TRUE(mlp.layers[1].relu);
  EXPECT_FALSE(mlp.layers[2].relu);
  EXPECT_LT(int8_max_error_vs_sine(mlp), 0.1);
}

// Runs microflow-make-sine and returns the model it wrote.
std::vector<uint8_t> run_trainer(const std::string& file_name) {
  // The pid keeps concurrent test processes (ctest -j) apart.
  const fs::path out = fs::temp_directory_path() / (std::to_string(::getpid()) + "_" + file_name);
  const std::string command =
      std::string("\"") + MICROFLOW_MAKE_SINE + "\" \"" + out.string() + "\" > /dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  auto bytes = read_file(out);
  fs::remove(out);
  return bytes;
}

TEST(SineTrainer, IsDeterministic) {
  const auto first = run_trainer("microflow_sine_run1.tflite");
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run_trainer("microflow_sine_run2.tflite"));
}

// Bit-identical only with the reference toolchain (Debian 12, g++ 12,
// x86-64): another libm or FMA contraction changes the trained weights.
TEST(SineExample, IsTheTrainerOutput) {
  EXPECT_EQ(run_trainer("microflow_sine_check.tflite"), read_file(MICROFLOW_SINE_EXAMPLE))
      << "examples/sine/sine.tflite is stale: regenerate it with microflow-make-sine";
}

}  // namespace
