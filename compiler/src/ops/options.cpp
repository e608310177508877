#include "ops/options.h"

namespace microflow {

Activation to_activation(tfl::ActivationFunctionType a, const std::string& where) {
  switch (a) {
    case tfl::ActivationFunctionType::NONE: return Activation::None;
    case tfl::ActivationFunctionType::RELU: return Activation::Relu;
    case tfl::ActivationFunctionType::RELU_N1_TO_1: return Activation::ReluN1To1;
    case tfl::ActivationFunctionType::RELU6: return Activation::Relu6;
    default: break;
  }
  std::string name = tfl::EnumNameActivationFunctionType(a);
  if (name.empty()) name = std::to_string(static_cast<int>(a)) + " (not a TFLite activation)";
  throw CompileError(where + ": fused activation " + name + " is not supported");
}

Padding to_padding(tfl::Padding p, const std::string& where) {
  if (p == tfl::Padding::SAME) return Padding::Same;
  if (p == tfl::Padding::VALID) return Padding::Valid;
  throw CompileError(where + ": padding " + std::to_string(static_cast<int>(p)) + " is neither SAME (0) nor VALID (1)");
}

std::shared_ptr<const OpOptions> read_pool_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::Pool2DOptions>(op, where);
  auto p = std::make_shared<PoolOptions>();
  p->padding = to_padding(o->padding(), where);
  p->stride_h = o->stride_h();
  p->stride_w = o->stride_w();
  p->filter_h = o->filter_height();
  p->filter_w = o->filter_width();
  p->activation = to_activation(o->fused_activation_function(), where);
  return p;
}

}  // namespace microflow
