#include "sine_tflite.h"

#include <string>

#include "microflow/tflite_writer.h"

namespace microflow::sine {

using tools::Activation;
using tools::Quantization;
using tools::TensorType;

std::vector<uint8_t> write_tflite(const QuantizedMlp& mlp) {
  tools::ModelWriter writer;
  writer.set_description("microflow sine example (tools/sine_trainer)");
  const auto quantization = [](QuantParams p) { return Quantization{p.scale, p.zero_point}; };

  int32_t activation =
      writer.add_input_tensor("x", TensorType::INT8, {1, 1}, quantization(mlp.input_params));
  for (size_t l = 0; l < mlp.layers.size(); ++l) {
    const QuantizedDense& layer = mlp.layers[l];
    const std::string prefix = "dense_" + std::to_string(l + 1);
    const int32_t weights = writer.add_const_tensor(
        prefix + "/weights", TensorType::INT8, {layer.outputs, layer.inputs},
        tools::to_bytes(layer.weights), quantization(layer.weight_params));
    const int32_t bias =
        writer.add_const_tensor(prefix + "/bias", TensorType::INT32, {layer.outputs},
                                tools::to_bytes(layer.bias), quantization(layer.bias_params));
    const bool last = l + 1 == mlp.layers.size();
    const int32_t output =
        writer.add_tensor(last ? "y" : prefix + "/relu", TensorType::INT8, {1, layer.outputs},
                          quantization(layer.output_params));
    writer.add_fully_connected({activation, weights, bias}, output,
                               layer.relu ? Activation::RELU : Activation::NONE);
    activation = output;
  }
  writer.set_outputs({activation});
  return writer.finish();
}

}  // namespace microflow::sine
