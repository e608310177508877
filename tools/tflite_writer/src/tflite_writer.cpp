#include "microflow/tflite_writer.h"

#include <algorithm>
#include <type_traits>

namespace microflow::tools {
namespace {

namespace fb = flatbuffers;

// Buffer.data carries force_align: 16 in the schema so that kernels may read
// constant data in place with SIMD loads; the builder must be told explicitly.
constexpr size_t kBufferDataAlignment = 16;

fb::Offset<tfl::QuantizationParameters> write_quantization(fb::FlatBufferBuilder& fbb,
                                                           const Quantization& q) {
  return tfl::CreateQuantizationParameters(
      fbb, /*min=*/0, /*max=*/0, fbb.CreateVector(q.scales), fbb.CreateVector(q.zero_points),
      tfl::QuantizationDetails::NONE, /*details=*/0, q.quantized_dimension);
}

struct WrittenOptions {
  tfl::BuiltinOptions type = tfl::BuiltinOptions::NONE;
  fb::Offset<void> table = 0;
};

WrittenOptions write_options(fb::FlatBufferBuilder& fbb, const BuiltinOptions& options) {
  return std::visit(
      [&fbb](const auto& o) -> WrittenOptions {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {};
        } else if constexpr (std::is_same_v<T, Conv2DOptions>) {
          return {tfl::BuiltinOptions::Conv2DOptions,
                  tfl::CreateConv2DOptions(fbb, o.padding, o.stride_w, o.stride_h, o.activation,
                                           o.dilation_w, o.dilation_h)
                      .Union()};
        } else if constexpr (std::is_same_v<T, DepthwiseConv2DOptions>) {
          return {tfl::BuiltinOptions::DepthwiseConv2DOptions,
                  tfl::CreateDepthwiseConv2DOptions(fbb, o.padding, o.stride_w, o.stride_h,
                                                    o.depth_multiplier, o.activation,
                                                    o.dilation_w, o.dilation_h)
                      .Union()};
        } else if constexpr (std::is_same_v<T, Pool2DOptions>) {
          return {tfl::BuiltinOptions::Pool2DOptions,
                  tfl::CreatePool2DOptions(fbb, o.padding, o.stride_w, o.stride_h,
                                           o.filter_width, o.filter_height, o.activation)
                      .Union()};
        } else if constexpr (std::is_same_v<T, FullyConnectedOptions>) {
          return {tfl::BuiltinOptions::FullyConnectedOptions,
                  tfl::CreateFullyConnectedOptions(fbb, o.activation,
                                                   tfl::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                   o.keep_num_dims)
                      .Union()};
        } else if constexpr (std::is_same_v<T, SoftmaxOptions>) {
          return {tfl::BuiltinOptions::SoftmaxOptions,
                  tfl::CreateSoftmaxOptions(fbb, o.beta).Union()};
        } else if constexpr (std::is_same_v<T, AddOptions>) {
          return {tfl::BuiltinOptions::AddOptions,
                  tfl::CreateAddOptions(fbb, o.activation).Union()};
        } else if constexpr (std::is_same_v<T, ReshapeOptions>) {
          return {tfl::BuiltinOptions::ReshapeOptions,
                  tfl::CreateReshapeOptions(fbb, fbb.CreateVector(o.new_shape)).Union()};
        } else if constexpr (std::is_same_v<T, ConcatenationOptions>) {
          return {tfl::BuiltinOptions::ConcatenationOptions,
                  tfl::CreateConcatenationOptions(fbb, o.axis, o.activation).Union()};
        } else if constexpr (std::is_same_v<T, LeakyReluOptions>) {
          return {tfl::BuiltinOptions::LeakyReluOptions, tfl::CreateLeakyReluOptions(fbb, o.alpha).Union()};
        } else if constexpr (std::is_same_v<T, MirrorPadOptions>) {
          return {tfl::BuiltinOptions::MirrorPadOptions, tfl::CreateMirrorPadOptions(fbb, o.mode).Union()};
        } else if constexpr (std::is_same_v<T, QuantizeOptions>) {
          return {tfl::BuiltinOptions::QuantizeOptions, tfl::CreateQuantizeOptions(fbb).Union()};
        } else {
          static_assert(std::is_same_v<T, DequantizeOptions>, "unhandled BuiltinOptions member");
          return {tfl::BuiltinOptions::DequantizeOptions,
                  tfl::CreateDequantizeOptions(fbb).Union()};
        }
      },
      options);
}

}  // namespace

ModelWriter::ModelWriter() : buffers_(1) {}

uint32_t ModelWriter::add_buffer(std::vector<uint8_t> data) {
  buffers_.push_back(std::move(data));
  return static_cast<uint32_t>(buffers_.size() - 1);
}

int32_t ModelWriter::add_tensor(std::string name, TensorType type, std::vector<int32_t> shape,
                                std::optional<Quantization> quantization, uint32_t buffer) {
  tensors_.push_back({std::move(name), type, std::move(shape), std::move(quantization), buffer});
  return static_cast<int32_t>(tensors_.size() - 1);
}

int32_t ModelWriter::add_input_tensor(std::string name, TensorType type,
                                      std::vector<int32_t> shape,
                                      std::optional<Quantization> quantization) {
  const int32_t index = add_tensor(std::move(name), type, std::move(shape), std::move(quantization));
  inputs_.push_back(index);
  return index;
}

int32_t ModelWriter::add_const_tensor(std::string name, TensorType type,
                                      std::vector<int32_t> shape, std::vector<uint8_t> data,
                                      std::optional<Quantization> quantization) {
  const uint32_t buffer = add_buffer(std::move(data));
  return add_tensor(std::move(name), type, std::move(shape), std::move(quantization), buffer);
}

int32_t ModelWriter::add_fully_connected(std::vector<int32_t> inputs, int32_t output,
                                         Activation activation, bool keep_num_dims) {
  return add_operator(BuiltinOperator::FullyConnected, std::move(inputs), {output},
                      FullyConnectedOptions{activation, keep_num_dims});
}

int32_t ModelWriter::add_conv_2d(std::vector<int32_t> inputs, int32_t output,
                                 const Conv2DOptions& options) {
  return add_operator(BuiltinOperator::Conv2D, std::move(inputs), {output}, options);
}

int32_t ModelWriter::add_depthwise_conv_2d(std::vector<int32_t> inputs, int32_t output,
                                           const DepthwiseConv2DOptions& options) {
  return add_operator(BuiltinOperator::DepthwiseConv2D, std::move(inputs), {output}, options);
}

int32_t ModelWriter::add_average_pool_2d(int32_t input, int32_t output,
                                         const Pool2DOptions& options) {
  return add_operator(BuiltinOperator::AveragePool2D, {input}, {output}, options);
}

int32_t ModelWriter::add_max_pool_2d(int32_t input, int32_t output, const Pool2DOptions& options) {
  return add_operator(BuiltinOperator::MaxPool2D, {input}, {output}, options);
}

int32_t ModelWriter::add_reshape(std::vector<int32_t> inputs, int32_t output,
                                 std::optional<std::vector<int32_t>> new_shape) {
  BuiltinOptions options;
  if (new_shape) options = ReshapeOptions{std::move(*new_shape)};
  return add_operator(BuiltinOperator::Reshape, std::move(inputs), {output}, std::move(options));
}

int32_t ModelWriter::add_softmax(int32_t input, int32_t output, float beta) {
  return add_operator(BuiltinOperator::Softmax, {input}, {output}, SoftmaxOptions{beta});
}

int32_t ModelWriter::add_add(int32_t lhs, int32_t rhs, int32_t output, Activation activation) {
  return add_operator(BuiltinOperator::Add, {lhs, rhs}, {output}, AddOptions{activation});
}

int32_t ModelWriter::add_quantize(int32_t input, int32_t output) {
  return add_operator(BuiltinOperator::Quantize, {input}, {output}, QuantizeOptions{});
}

int32_t ModelWriter::add_dequantize(int32_t input, int32_t output) {
  return add_operator(BuiltinOperator::Dequantize, {input}, {output}, DequantizeOptions{});
}

int32_t ModelWriter::add_operator(BuiltinOperator code, std::vector<int32_t> inputs,
                                  std::vector<int32_t> outputs, BuiltinOptions options,
                                  int32_t version) {
  const uint32_t opcode = opcode_index_for({static_cast<int32_t>(code), "", version});
  return append_operator({opcode, std::move(inputs), std::move(outputs), std::move(options), {}});
}

int32_t ModelWriter::add_custom_operator(std::string custom_code, std::vector<int32_t> inputs,
                                         std::vector<int32_t> outputs,
                                         std::vector<uint8_t> custom_options) {
  const uint32_t opcode = opcode_index_for(
      {static_cast<int32_t>(BuiltinOperator::Custom), std::move(custom_code), 1});
  return append_operator(
      {opcode, std::move(inputs), std::move(outputs), {}, std::move(custom_options)});
}

void ModelWriter::set_inputs(std::vector<int32_t> tensor_indices) {
  inputs_ = std::move(tensor_indices);
}

void ModelWriter::set_outputs(std::vector<int32_t> tensor_indices) {
  outputs_ = std::move(tensor_indices);
}

void ModelWriter::set_description(std::string description) {
  description_ = std::move(description);
}

void ModelWriter::set_version(uint32_t version) { version_ = version; }

uint32_t ModelWriter::opcode_index_for(const OperatorCodeSpec& code) {
  const auto found = std::find(operator_codes_.begin(), operator_codes_.end(), code);
  if (found != operator_codes_.end())
    return static_cast<uint32_t>(found - operator_codes_.begin());
  operator_codes_.push_back(code);
  return static_cast<uint32_t>(operator_codes_.size() - 1);
}

int32_t ModelWriter::append_operator(OperatorSpec op) {
  operators_.push_back(std::move(op));
  return static_cast<int32_t>(operators_.size() - 1);
}

std::vector<uint8_t> ModelWriter::finish() const {
  fb::FlatBufferBuilder fbb;

  std::vector<fb::Offset<tfl::Buffer>> buffers;
  for (const auto& data : buffers_) {
    fb::Offset<fb::Vector<uint8_t>> data_vector = 0;
    if (!data.empty()) {
      fbb.ForceVectorAlignment(data.size(), sizeof(uint8_t), kBufferDataAlignment);
      data_vector = fbb.CreateVector(data);
    }
    buffers.push_back(tfl::CreateBuffer(fbb, data_vector));
  }

  std::vector<fb::Offset<tfl::Tensor>> tensors;
  for (const auto& t : tensors_) {
    fb::Offset<tfl::QuantizationParameters> quantization = 0;
    if (t.quantization) quantization = write_quantization(fbb, *t.quantization);
    tensors.push_back(tfl::CreateTensor(fbb, fbb.CreateVector(t.shape), t.type, t.buffer,
                                        fbb.CreateString(t.name), quantization));
  }

  std::vector<fb::Offset<tfl::OperatorCode>> operator_codes;
  for (const auto& code : operator_codes_) {
    // Readers before schema 3a only know the int8 field; newer readers take
    // the larger of the two, so both must be filled.
    const auto deprecated_code =
        static_cast<int8_t>(std::clamp(code.builtin_code, 0, kDeprecatedBuiltinCodeLimit));
    fb::Offset<fb::String> custom_code = 0;
    if (!code.custom_code.empty()) custom_code = fbb.CreateString(code.custom_code);
    operator_codes.push_back(tfl::CreateOperatorCode(fbb, deprecated_code, custom_code,
                                                     code.version, code.builtin_code));
  }

  std::vector<fb::Offset<tfl::Operator>> operators;
  for (const auto& op : operators_) {
    const WrittenOptions options = write_options(fbb, op.options);
    fb::Offset<fb::Vector<uint8_t>> custom_options = 0;
    if (!op.custom_options.empty()) custom_options = fbb.CreateVector(op.custom_options);
    operators.push_back(tfl::CreateOperator(fbb, op.opcode_index, fbb.CreateVector(op.inputs),
                                            fbb.CreateVector(op.outputs), options.type,
                                            options.table, custom_options));
  }

  const auto subgraph = tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors),
                                            fbb.CreateVector(inputs_), fbb.CreateVector(outputs_),
                                            fbb.CreateVector(operators), fbb.CreateString("main"));
  const auto model = tfl::CreateModel(fbb, version_, fbb.CreateVector(operator_codes),
                                      fbb.CreateVector(std::vector{subgraph}),
                                      fbb.CreateString(description_), fbb.CreateVector(buffers));
  tfl::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace microflow::tools
