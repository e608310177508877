#pragma once
// Builds TensorFlow Lite models (.tflite, schema version 3) in memory.
//
// Tests and tools use this to produce models without the TensorFlow
// converter. It writes exactly what it is told: indices are not checked
// against each other, so the same API also builds deliberately broken models
// (dangling tensor indices, wrong buffers, mismatched quantization vectors).
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tflite_subset_generated.h"

namespace microflow::tools {

using TensorType = tfl::TensorType;
using Activation = tfl::ActivationFunctionType;
using Padding = tfl::Padding;

// TFLite BuiltinOperator codes. The subset schema stores builtin_code as a
// plain int32, so the values are spelled out here. Any other code can be
// written with static_cast<BuiltinOperator>(n).
enum class BuiltinOperator : int32_t {
  Add = 0,
  AveragePool2D = 1,
  Concatenation = 2,
  Conv2D = 3,
  DepthwiseConv2D = 4,
  Dequantize = 6,
  FullyConnected = 9,
  Logistic = 14,
  MaxPool2D = 17,
  Mul = 18,
  Reshape = 22,
  Softmax = 25,
  Tanh = 28,
  Custom = 32,
  Pad = 34,
  Mean = 40,
  LeakyRelu = 98,
  MirrorPad = 100,
  Quantize = 114,
};

// The largest code the int8 deprecated_builtin_code field can hold; TFLite
// writes it for every code at or above it (PLACEHOLDER_FOR_GREATER_OP_CODES).
inline constexpr int32_t kDeprecatedBuiltinCodeLimit = 127;

// Quantization of one tensor: per-tensor when there is one scale, otherwise
// per-channel along quantized_dimension. The vectors are written as given,
// so their sizes may disagree on purpose.
struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;

  Quantization(float scale, int64_t zero_point) : scales{scale}, zero_points{zero_point} {}
  Quantization(std::vector<float> channel_scales, std::vector<int64_t> channel_zero_points,
               int32_t dimension)
      : scales(std::move(channel_scales)),
        zero_points(std::move(channel_zero_points)),
        quantized_dimension(dimension) {}

  // Symmetric per-channel weights: every zero point is 0.
  static Quantization symmetric_per_channel(std::vector<float> channel_scales,
                                            int32_t dimension) {
    std::vector<int64_t> zeros(channel_scales.size(), 0);
    return {std::move(channel_scales), std::move(zeros), dimension};
  }
};

// Builtin options, one struct per TFLite options table, with the defaults a
// caller usually wants (unit strides and dilations) rather than the schema's
// zeros.
struct Conv2DOptions {
  Padding padding = Padding::SAME;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  Activation activation = Activation::NONE;
  int32_t dilation_w = 1;
  int32_t dilation_h = 1;
};

struct DepthwiseConv2DOptions {
  Padding padding = Padding::SAME;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t depth_multiplier = 1;
  Activation activation = Activation::NONE;
  int32_t dilation_w = 1;
  int32_t dilation_h = 1;
};

struct Pool2DOptions {
  Padding padding = Padding::SAME;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t filter_width = 1;
  int32_t filter_height = 1;
  Activation activation = Activation::NONE;
};

struct FullyConnectedOptions {
  Activation activation = Activation::NONE;
  bool keep_num_dims = false;
};

struct SoftmaxOptions {
  float beta = 1.0f;
};

struct AddOptions {
  Activation activation = Activation::NONE;
};

struct ReshapeOptions {
  std::vector<int32_t> new_shape;
};

struct QuantizeOptions {};
struct DequantizeOptions {};

struct ConcatenationOptions {
  int32_t axis = 0;
  Activation activation = Activation::NONE;
};

struct LeakyReluOptions {
  float alpha = 0.2f;
};

struct MirrorPadOptions {
  tfl::MirrorPadMode mode = tfl::MirrorPadMode::REFLECT;
};

// std::monostate writes an operator without builtin options.
using BuiltinOptions =
    std::variant<std::monostate, Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions,
                 FullyConnectedOptions, SoftmaxOptions, AddOptions, ReshapeOptions,
                 QuantizeOptions, DequantizeOptions, ConcatenationOptions, LeakyReluOptions,
                 MirrorPadOptions>;

// Raw little-endian bytes of values, the layout of TFLite buffers.
template <typename T>
std::vector<uint8_t> to_bytes(const std::vector<T>& values) {
  static_assert(std::endian::native == std::endian::little,
                "TFLite buffers are little-endian; a big-endian host would need byte swapping");
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A single-subgraph model under construction. Tensor and operator indices
// are returned in creation order, as TFLite numbers them. Use -1 as an input
// index for an absent optional input (e.g. no bias).
class ModelWriter {
 public:
  // Creates buffer 0, the empty sentinel that tensors without data refer to.
  ModelWriter();

  // Appends a buffer and returns its index; empty data writes no data vector.
  uint32_t add_buffer(std::vector<uint8_t> data);

  // A tensor backed by `buffer` (0 = no data, i.e. an activation).
  int32_t add_tensor(std::string name, TensorType type, std::vector<int32_t> shape,
                     std::optional<Quantization> quantization = std::nullopt,
                     uint32_t buffer = 0);
  // add_tensor, also appended to the subgraph inputs.
  int32_t add_input_tensor(std::string name, TensorType type, std::vector<int32_t> shape,
                           std::optional<Quantization> quantization = std::nullopt);
  // A constant tensor with its own new buffer holding data.
  int32_t add_const_tensor(std::string name, TensorType type, std::vector<int32_t> shape,
                           std::vector<uint8_t> data,
                           std::optional<Quantization> quantization = std::nullopt);

  // Typed operators; each returns the operator index. inputs are written
  // as given (TFLite order, e.g. {input, filter, bias}).
  int32_t add_fully_connected(std::vector<int32_t> inputs, int32_t output,
                              Activation activation = Activation::NONE,
                              bool keep_num_dims = false);
  int32_t add_conv_2d(std::vector<int32_t> inputs, int32_t output,
                      const Conv2DOptions& options);
  int32_t add_depthwise_conv_2d(std::vector<int32_t> inputs, int32_t output,
                                const DepthwiseConv2DOptions& options);
  int32_t add_average_pool_2d(int32_t input, int32_t output, const Pool2DOptions& options);
  int32_t add_max_pool_2d(int32_t input, int32_t output, const Pool2DOptions& options);
  // Without new_shape the operator has no options (the shape comes from the
  // output tensor or an optional second input).
  int32_t add_reshape(std::vector<int32_t> inputs, int32_t output,
                      std::optional<std::vector<int32_t>> new_shape = std::nullopt);
  int32_t add_softmax(int32_t input, int32_t output, float beta = 1.0f);
  int32_t add_add(int32_t lhs, int32_t rhs, int32_t output,
                  Activation activation = Activation::NONE);
  int32_t add_quantize(int32_t input, int32_t output);
  int32_t add_dequantize(int32_t input, int32_t output);

  // Any builtin operator with any (or no) options: for ops without a typed
  // helper and for mismatched code/options pairs. Operator codes are shared
  // between operators with the same (code, version).
  int32_t add_operator(BuiltinOperator code, std::vector<int32_t> inputs,
                       std::vector<int32_t> outputs, BuiltinOptions options = {},
                       int32_t version = 1);
  // A CUSTOM operator identified by custom_code, with opaque options bytes.
  int32_t add_custom_operator(std::string custom_code, std::vector<int32_t> inputs,
                              std::vector<int32_t> outputs,
                              std::vector<uint8_t> custom_options = {});

  void set_inputs(std::vector<int32_t> tensor_indices);
  void set_outputs(std::vector<int32_t> tensor_indices);
  void set_description(std::string description);
  // The schema version field; TFLite readers expect 3.
  void set_version(uint32_t version);

  // Serializes the model with the "TFL3" file identifier. Can be called
  // repeatedly; the writer is left unchanged.
  std::vector<uint8_t> finish() const;

 private:
  struct TensorSpec {
    std::string name;
    TensorType type;
    std::vector<int32_t> shape;
    std::optional<Quantization> quantization;
    uint32_t buffer;
  };
  struct OperatorCodeSpec {
    int32_t builtin_code;
    std::string custom_code;
    int32_t version;
    bool operator==(const OperatorCodeSpec&) const = default;
  };
  struct OperatorSpec {
    uint32_t opcode_index;
    std::vector<int32_t> inputs;
    std::vector<int32_t> outputs;
    BuiltinOptions options;
    std::vector<uint8_t> custom_options;
  };

  uint32_t opcode_index_for(const OperatorCodeSpec& code);
  int32_t append_operator(OperatorSpec op);

  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<TensorSpec> tensors_;
  std::vector<OperatorCodeSpec> operator_codes_;
  std::vector<OperatorSpec> operators_;
  std::vector<int32_t> inputs_;
  std::vector<int32_t> outputs_;
  std::string description_ = "microflow tflite_writer";
  uint32_t version_ = 3;
};

}  // namespace microflow::tools
