// Options shared by several operator definitions, and the readers of TFLite's
// common option fields.
#pragma once

#include <memory>
#include <string>

#include "diagnostics.h"
#include "graph/graph.h"
#include "tflite_subset_generated.h"

namespace microflow {

struct ConvOptions : OpOptions {
  Padding padding = Padding::Same;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Activation activation = Activation::None;
};
struct DepthwiseOptions : ConvOptions {
  int depth_multiplier = 1;
};
struct PoolOptions : OpOptions {
  Padding padding = Padding::Same;
  int stride_h = 1, stride_w = 1, filter_h = 1, filter_w = 1;
  Activation activation = Activation::None;
};
struct FullyConnectedOptions : OpOptions {
  Activation activation = Activation::None;
  bool keep_num_dims = false;
};
struct SoftmaxOptions : OpOptions {
  float beta = 1.f;
};
// Operators whose only option is a fused activation (ADD, ...).
struct ActivationOptions : OpOptions {
  Activation activation = Activation::None;
};

Activation to_activation(tfl::ActivationFunctionType a, const std::string& where);
Padding to_padding(tfl::Padding p, const std::string& where);

// The operator's options table of type T; missing or of another type is an error
// (for operators whose options have no meaningful defaults).
template <typename T>
const T* options_as(const tfl::Operator& op, const std::string& where) {
  const T* o = op.builtin_options_as<T>();
  if (!o)
    throw CompileError(where + ": builtin options missing or of the wrong type (" +
                             tfl::EnumNameBuiltinOptions(op.builtin_options_type()) + ")");
  return o;
}

std::shared_ptr<const OpOptions> read_pool_options(const tfl::Operator& op, const std::string& where);

}  // namespace microflow
