// The single-input element-wise and PRELU kernels, each with its host evaluation: the
// runtime kernel itself on host buffers (on the host, flash is plain memory).
#include "kernels/unary.h"

#include <string>

#include "diagnostics.h"
#include "kernels/host_args.h"
#include "microflow/kernels/lookup.h"
#include "microflow/kernels/prelu.h"
#include "microflow/kernels/sigmoid_tanh.h"
#include "microflow/kernels/unary_f32.h"
#include "microflow/kernels/unary_quantized.h"
#include "passes/kernel_call.h"

namespace microflow {
namespace {

// The compiler twins as the runtime structs.
mf::LookupS8Params to_runtime(const LookupS8Params& t) { return {i32(t.size)}; }
mf::ClampParams to_runtime(const ClampParams& t) { return {i32(t.size), i32(t.min), i32(t.max)}; }
mf::ReluParams to_runtime(const ReluParams& t) {
  return {i32(t.size),  i32(t.input_zero_point), i32(t.output_zero_point), i32(t.multiplier),
          i32(t.shift), i32(t.act_min),          i32(t.act_max)};
}
mf::LeakyReluParams to_runtime(const LeakyReluParams& t) {
  return {i32(t.size),        i32(t.input_zero_point),    i32(t.output_zero_point), i32(t.alpha_multiplier),
          i32(t.alpha_shift), i32(t.identity_multiplier), i32(t.identity_shift)};
}
mf::AbsParams to_runtime(const AbsParams& t) {
  return {i32(t.size), i32(t.mode), i32(t.input_zero_point), i32(t.output_zero_point), i32(t.multiplier),
          i32(t.shift)};
}
mf::HardSwishS8Params to_runtime(const HardSwishS8Params& t) {
  return {i32(t.size),         i32(t.input_zero_point),   i32(t.output_zero_point), i32(t.output_multiplier),
          i32(t.output_shift), i32(t.reluish_multiplier), i32(t.reluish_shift)};
}
mf::EluS8Params to_runtime(const EluS8Params& t) {
  return {i32(t.size), i32(t.input_zero_point), i32(t.output_zero_point), t.input_scale, t.inverse_output_scale};
}
mf::RsqrtS8Params to_runtime(const RsqrtS8Params& t) {
  return {i32(t.size), i32(t.input_zero_point), i32(t.output_zero_point), i32(t.multiplier), i32(t.shift)};
}
mf::SigmoidS8Params to_runtime(const SigmoidS8Params& t) {
  return {i32(t.size), i32(t.input_zero_point), i32(t.input_range_radius), i32(t.input_multiplier),
          i32(t.input_left_shift)};
}
mf::SigmoidS16Params to_runtime(const SigmoidS16Params& t) {
  return {i32(t.size), i32(t.input_multiplier), i32(t.input_left_shift)};
}
mf::UnaryF32Params to_runtime(const UnaryF32Params& t) { return {i32(t.size)}; }
mf::LeakyReluF32Params to_runtime(const LeakyReluF32Params& t) { return {i32(t.size), t.alpha}; }
mf::PreluParams to_runtime(const PreluParams& t) {
  auto p = runtime_broadcast<mf::PreluParams>(t);
  p.input_offset = i32(t.input_offset);
  p.alpha_offset = i32(t.alpha_offset);
  p.output_offset = i32(t.output_offset);
  p.identity_multiplier = i32(t.identity_multiplier);
  p.identity_shift = i32(t.identity_shift);
  p.alpha_multiplier = i32(t.alpha_multiplier);
  p.alpha_shift = i32(t.alpha_shift);
  return p;
}

using Evaluate = void (*)(const KernelCall&, const std::vector<uint8_t*>&);

// (in, out) kernels: tensors are the input and the output buffer.
template <typename Twin, typename Runtime, typename T, typename U, void (*Kernel)(const Runtime&, const T*, U*)>
void evaluate_unary(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  Kernel(to_runtime(call.params.as<Twin>()), reinterpret_cast<const T*>(tensors.at(0)),
         reinterpret_cast<U*>(tensors.at(1)));
}

// PRELU: input, alpha (an activation or a flash array), output.
template <typename T, void (*Kernel)(const mf::PreluParams&, const T*, const T*, T*)>
void evaluate_prelu(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  Kernel(to_runtime(call.params.as<PreluParams>()), a.at<const T>(0), a.at<const T>(1), a.at<T>(2));
}
void evaluate_prelu_f32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  mf::prelu_f32(runtime_broadcast<mf::BinaryParams>(call.params.as<BinaryParams>()), a.at<const float>(0),
                a.at<const float>(1), a.at<float>(2));
}

template <typename Twin>
constexpr KernelDef kernel(const char* function, const char* header, Evaluate evaluate) {
  return {.function = function,
          .header = header,
          .in_place = InPlaceKind::Elementwise,
          .evaluate = evaluate,
          .sample_params = sample_of<Twin>};
}

constexpr const char* kQuantized = "microflow/kernels/unary_quantized.h";
constexpr const char* kSigmoid = "microflow/kernels/sigmoid_tanh.h";
constexpr const char* kFloat = "microflow/kernels/unary_f32.h";
constexpr const char* kPrelu = "microflow/kernels/prelu.h";

template <typename Twin, typename Runtime, typename T, void (*Kernel)(const Runtime&, const T*, T*)>
constexpr KernelDef unary(const char* function, const char* header) {
  return kernel<Twin>(function, header, evaluate_unary<Twin, Runtime, T, T, Kernel>);
}

template <void (*Kernel)(const mf::UnaryF32Params&, const float*, float*)>
constexpr KernelDef float_unary(const char* function) {
  return unary<UnaryF32Params, mf::UnaryF32Params, float, Kernel>(function, kFloat);
}

void evaluate_lookup_s8(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  mf::lookup_s8(to_runtime(call.params.as<LookupS8Params>()), a.at<const int8_t>(0), a.at<const int8_t>(1),
                a.at<int8_t>(2));
}
}  // namespace

const KernelDef kLookupS8 = kernel<LookupS8Params>("lookup_s8", "microflow/kernels/lookup.h", evaluate_lookup_s8);
const KernelDef kClampS8 = unary<ClampParams, mf::ClampParams, int8_t, mf::clamp_s8>("clamp_s8", kQuantized);
const KernelDef kClampS16 = unary<ClampParams, mf::ClampParams, int16_t, mf::clamp_s16>("clamp_s16", kQuantized);

const KernelDef kReluS8 = unary<ReluParams, mf::ReluParams, int8_t, mf::relu_s8>("relu_s8", kQuantized);
const KernelDef kReluS16 = unary<ReluParams, mf::ReluParams, int16_t, mf::relu_s16>("relu_s16", kQuantized);
const KernelDef kLeakyReluS8 =
    unary<LeakyReluParams, mf::LeakyReluParams, int8_t, mf::leaky_relu_s8>("leaky_relu_s8", kQuantized);
const KernelDef kLeakyReluS16 =
    unary<LeakyReluParams, mf::LeakyReluParams, int16_t, mf::leaky_relu_s16>("leaky_relu_s16", kQuantized);
const KernelDef kAbsS8 = unary<AbsParams, mf::AbsParams, int8_t, mf::abs_s8>("abs_s8", kQuantized);
const KernelDef kAbsS16 = unary<AbsParams, mf::AbsParams, int16_t, mf::abs_s16>("abs_s16", kQuantized);
const KernelDef kHardSwishS8 =
    unary<HardSwishS8Params, mf::HardSwishS8Params, int8_t, mf::hard_swish_s8>("hard_swish_s8", kQuantized);
const KernelDef kEluS8 = unary<EluS8Params, mf::EluS8Params, int8_t, mf::elu_s8>("elu_s8", kQuantized);
const KernelDef kRsqrtS8 = unary<RsqrtS8Params, mf::RsqrtS8Params, int8_t, mf::rsqrt_s8>("rsqrt_s8", kQuantized);
const KernelDef kLogisticS8 =
    unary<SigmoidS8Params, mf::SigmoidS8Params, int8_t, mf::logistic_s8>("logistic_s8", kSigmoid);
const KernelDef kTanhS8 = unary<SigmoidS8Params, mf::SigmoidS8Params, int8_t, mf::tanh_s8>("tanh_s8", kSigmoid);
const KernelDef kLogisticS16 =
    unary<SigmoidS16Params, mf::SigmoidS16Params, int16_t, mf::logistic_s16>("logistic_s16", kSigmoid);
const KernelDef kTanhS16 = unary<SigmoidS16Params, mf::SigmoidS16Params, int16_t, mf::tanh_s16>("tanh_s16", kSigmoid);

const KernelDef kAbsF32 = float_unary<mf::abs_f32>("abs_f32");
const KernelDef kNegF32 = float_unary<mf::neg_f32>("neg_f32");
const KernelDef kExpF32 = float_unary<mf::exp_f32>("exp_f32");
const KernelDef kLogF32 = float_unary<mf::log_f32>("log_f32");
const KernelDef kSqrtF32 = float_unary<mf::sqrt_f32>("sqrt_f32");
const KernelDef kRsqrtF32 = float_unary<mf::rsqrt_f32>("rsqrt_f32");
const KernelDef kSquareF32 = float_unary<mf::square_f32>("square_f32");
const KernelDef kSinF32 = float_unary<mf::sin_f32>("sin_f32");
const KernelDef kCosF32 = float_unary<mf::cos_f32>("cos_f32");
const KernelDef kFloorF32 = float_unary<mf::floor_f32>("floor_f32");
const KernelDef kCeilF32 = float_unary<mf::ceil_f32>("ceil_f32");
const KernelDef kRoundF32 = float_unary<mf::round_f32>("round_f32");
const KernelDef kReluF32 = float_unary<mf::relu_f32>("relu_f32");
const KernelDef kRelu6F32 = float_unary<mf::relu6_f32>("relu6_f32");
const KernelDef kLeakyReluF32 =
    unary<LeakyReluF32Params, mf::LeakyReluF32Params, float, mf::leaky_relu_f32>("leaky_relu_f32", kFloat);
const KernelDef kEluF32 = float_unary<mf::elu_f32>("elu_f32");
const KernelDef kHardSwishF32 = float_unary<mf::hard_swish_f32>("hard_swish_f32");
const KernelDef kLogisticF32 = float_unary<mf::logistic_f32>("logistic_f32");
const KernelDef kTanhF32 = float_unary<mf::tanh_f32>("tanh_f32");

const KernelDef kPreluS8 = kernel<PreluParams>("prelu_s8", kPrelu, evaluate_prelu<int8_t, mf::prelu_s8>);
const KernelDef kPreluS16 = kernel<PreluParams>("prelu_s16", kPrelu, evaluate_prelu<int16_t, mf::prelu_s16>);
const KernelDef kPreluF32 = kernel<BinaryParams>("prelu_f32", kPrelu, evaluate_prelu_f32);

}  // namespace microflow
