// The binary kernel catalogue and its constant folding: every evaluate builds the runtime
// params struct from the call's typed parameters and runs the runtime kernel on host
// buffers, instantiated for the element types the operator takes.
#include "kernels/binary.h"

#include <string>

#include "diagnostics.h"
#include "kernels/host_args.h"
#include "microflow/kernels/add_n.h"
#include "microflow/kernels/binary.h"

namespace microflow {
namespace {

template <typename T> constexpr const char* c_name();
template <> constexpr const char* c_name<bool>() { return "bool"; }
template <> constexpr const char* c_name<int8_t>() { return "int8_t"; }
template <> constexpr const char* c_name<int16_t>() { return "int16_t"; }
template <> constexpr const char* c_name<int32_t>() { return "int32_t"; }
template <> constexpr const char* c_name<int64_t>() { return "int64_t"; }
template <> constexpr const char* c_name<float>() { return "float"; }

template <typename P>
P runtime_shape(const BinaryParams& t) {
  P p{};
  copy_ints(p.dims, t.dims);
  copy_ints(p.input1_strides, t.input1_strides);
  copy_ints(p.input2_strides, t.input2_strides);
  p.input1_in_flash = i32(t.input1_in_flash);
  p.input2_in_flash = i32(t.input2_in_flash);
  return p;
}

// Runs `run(T{})` for the T among Ts whose C name is the first argument's element type.
template <typename... Ts, typename F>
void for_input_type(const KernelCall& call, const HostArgs& a, F run) {
  const std::string& type = a.c_type(0);
  const bool found = ((type == c_name<Ts>() ? (run(Ts{}), true) : false) || ...);
  if (!found) unsupported(call, type);
}

template <typename Op, typename... Ts>
void evaluate_plain(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto p = runtime_shape<mf::BinaryParams>(call.params.as<BinaryParams>());
  const HostArgs a(call, tensors);
  for_input_type<Ts...>(call, a, [&](auto t) {
    using T = decltype(t);
    using R = decltype(Op::apply(T{}, T{}));
    mf::binary<Op>(p, a.at<const T>(0), a.at<const T>(1), a.at<R>(2));
  });
}

template <typename Op>
void evaluate_s32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<BinaryS32Params>();
  auto p = runtime_shape<mf::BinaryS32Params>(t);
  p.act_min = i32(t.act_min);
  p.act_max = i32(t.act_max);
  const HostArgs a(call, tensors);
  mf::binary_s32<Op>(p, a.at<const int32_t>(0), a.at<const int32_t>(1), a.at<int32_t>(2));
}

template <typename Op>
void evaluate_f32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<BinaryF32Params>();
  auto p = runtime_shape<mf::BinaryF32Params>(t);
  p.act_min = t.act_min;
  p.act_max = t.act_max;
  const HostArgs a(call, tensors);
  mf::binary_f32<Op>(p, a.at<const float>(0), a.at<const float>(1), a.at<float>(2));
}

// R: the output element type, the input's or bool (comparisons).
template <typename Op, bool Compare, typename... Ts>
void evaluate_quantized(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<BinaryQuantizedParams>();
  auto p = runtime_shape<mf::BinaryQuantizedParams>(t);
  p.input1_offset = i32(t.input1_offset);
  p.input2_offset = i32(t.input2_offset);
  p.left_shift = i32(t.left_shift);
  p.input1_multiplier = i32(t.input1_multiplier);
  p.input1_shift = i32(t.input1_shift);
  p.input2_multiplier = i32(t.input2_multiplier);
  p.input2_shift = i32(t.input2_shift);
  p.output_multiplier = i32(t.output_multiplier);
  p.output_shift = i32(t.output_shift);
  p.output_offset = i32(t.output_offset);
  p.act_min = i32(t.act_min);
  p.act_max = i32(t.act_max);
  const HostArgs a(call, tensors);
  for_input_type<Ts...>(call, a, [&](auto e) {
    using T = decltype(e);
    using R = std::conditional_t<Compare, bool, T>;
    mf::binary_quantized<Op>(p, a.at<const T>(0), a.at<const T>(1), a.at<R>(2));
  });
}

void evaluate_logical_not(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<LogicalNotParams>();
  const HostArgs a(call, tensors);
  mf::logical_not(mf::LogicalNotParams{i32(t.size), i32(t.input_in_flash)}, a.at<const bool>(0), a.at<bool>(1));
}

// ADD_N takes its inputs as a parameter pack: folding expands the host pointers into the
// instance for their count.
template <size_t... I>
void add_n_call(const mf::AddNF32Params& p, float* out, const float* const* in, std::index_sequence<I...>) {
  mf::add_n_f32(p, out, in[I]...);
}
template <size_t... I>
void add_n_call(const mf::AddNS8Params& p, int8_t* out, const int8_t* const* in, std::index_sequence<I...>) {
  mf::add_n_s8(p, out, in[I]...);
}

// Calls the kernel instance for exactly `count` inputs (the lowering allows 2 .. 32).
template <typename P, typename T, size_t N = 2>
void add_n_dispatch(const KernelCall& call, const P& p, T* out, const T* const* in, size_t count) {
  if constexpr (N <= 32) {
    if (count == N) return add_n_call(p, out, in, std::make_index_sequence<N>{});
    return add_n_dispatch<P, T, N + 1>(call, p, out, in, count);
  } else {
    throw CompileError("internal: " + call.function() + " with " + std::to_string(count) + " inputs");
  }
}

template <typename T>
std::vector<const T*> add_n_inputs(const HostArgs& a) {
  std::vector<const T*> in;
  for (size_t i = 1; i < a.size(); ++i) in.push_back(a.at<const T>(i));
  return in;
}

void evaluate_add_n_f32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<AddNF32Params>();
  const HostArgs a(call, tensors);
  const std::vector<const float*> in = add_n_inputs<float>(a);
  add_n_dispatch(call, mf::AddNF32Params{i32(t.size), i32(t.in_flash_mask)}, a.at<float>(0), in.data(), in.size());
}

void evaluate_add_n_s8(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<AddNS8Params>();
  const mf::AddNS8Params p{i32(t.size),           i32(t.in_flash_mask),  i32(t.initial_sum),  i32(t.input_offset),
                           i32(t.left_shift),     i32(t.input_multiplier), i32(t.input_shift), i32(t.output_multiplier),
                           i32(t.output_shift),   i32(t.output_offset),  i32(t.act_min),      i32(t.act_max)};
  const HostArgs a(call, tensors);
  const std::vector<const int8_t*> in = add_n_inputs<int8_t>(a);
  add_n_dispatch(call, p, a.at<int8_t>(0), in.data(), in.size());
}

constexpr const char* kHeader = "microflow/kernels/binary.h";

template <typename Op, typename... Ts>
constexpr KernelDef plain(const char* function) {
  return {.function = function,
          .header = kHeader,
          .in_place = InPlaceKind::Elementwise,
          .evaluate = evaluate_plain<Op, Ts...>,
          .sample_params = sample_of<BinaryParams>};
}
template <typename Op>
constexpr KernelDef s32(const char* function) {
  return {.function = function,
          .header = kHeader,
          .in_place = InPlaceKind::Elementwise,
          .evaluate = evaluate_s32<Op>,
          .sample_params = sample_of<BinaryS32Params>};
}
template <typename Op>
constexpr KernelDef f32(const char* function) {
  return {.function = function,
          .header = kHeader,
          .in_place = InPlaceKind::Elementwise,
          .evaluate = evaluate_f32<Op>,
          .sample_params = sample_of<BinaryF32Params>};
}
template <typename Op, bool Compare, typename... Ts>
constexpr KernelDef quantized(const char* function) {
  return {.function = function,
          .header = kHeader,
          .in_place = InPlaceKind::Elementwise,
          .evaluate = evaluate_quantized<Op, Compare, Ts...>,
          .sample_params = sample_of<BinaryQuantizedParams>};
}

// The element types each form takes (TFLM's kernels).
#define MF_QUANTIZED_ARITHMETIC(Op) quantized<mf::Op, false, int8_t, int16_t>("binary_quantized<mf::" #Op ">")
#define MF_ALL_TYPES int8_t, int16_t, int32_t, int64_t, float
#define MF_QUANTIZED_COMPARISON(Op) quantized<mf::Op, true, int8_t>("binary_quantized<mf::" #Op ">")

constexpr KernelDef kAddS32 = s32<mf::OpAdd>("binary_s32<mf::OpAdd>");
constexpr KernelDef kAddF32 = f32<mf::OpAdd>("binary_f32<mf::OpAdd>");
constexpr KernelDef kAddQuantized = MF_QUANTIZED_ARITHMETIC(OpAdd);
constexpr KernelDef kSubS32 = s32<mf::OpSub>("binary_s32<mf::OpSub>");
constexpr KernelDef kSubF32 = f32<mf::OpSub>("binary_f32<mf::OpSub>");
constexpr KernelDef kSubQuantized = MF_QUANTIZED_ARITHMETIC(OpSub);
constexpr KernelDef kMulS32 = s32<mf::OpMul>("binary_s32<mf::OpMul>");
constexpr KernelDef kMulF32 = f32<mf::OpMul>("binary_f32<mf::OpMul>");
constexpr KernelDef kMulQuantized = MF_QUANTIZED_ARITHMETIC(OpMul);
constexpr KernelDef kDivS32 = s32<mf::OpDiv>("binary_s32<mf::OpDiv>");
constexpr KernelDef kDivF32 = f32<mf::OpDiv>("binary_f32<mf::OpDiv>");
constexpr KernelDef kDivQuantized = quantized<mf::OpDiv, false, int8_t>("binary_quantized<mf::OpDiv>");
constexpr KernelDef kSquaredDifferenceS32 = s32<mf::OpSquaredDifference>("binary_s32<mf::OpSquaredDifference>");
constexpr KernelDef kSquaredDifferenceF32 = f32<mf::OpSquaredDifference>("binary_f32<mf::OpSquaredDifference>");
constexpr KernelDef kSquaredDifferenceQuantized = MF_QUANTIZED_ARITHMETIC(OpSquaredDifference);
constexpr KernelDef kMaximum = plain<mf::OpMaximum, MF_ALL_TYPES>("binary<mf::OpMaximum>");
constexpr KernelDef kMinimum = plain<mf::OpMinimum, MF_ALL_TYPES>("binary<mf::OpMinimum>");
constexpr KernelDef kFloorDiv = plain<mf::OpFloorDiv, float>("binary<mf::OpFloorDiv>");
constexpr KernelDef kFloorMod = plain<mf::OpFloorMod, float>("binary<mf::OpFloorMod>");
constexpr KernelDef kEqual = plain<mf::OpEqual, bool, int32_t, int64_t, float>("binary<mf::OpEqual>");
constexpr KernelDef kEqualQuantized = MF_QUANTIZED_COMPARISON(OpEqual);
constexpr KernelDef kNotEqual = plain<mf::OpNotEqual, bool, int32_t, int64_t, float>("binary<mf::OpNotEqual>");
constexpr KernelDef kNotEqualQuantized = MF_QUANTIZED_COMPARISON(OpNotEqual);
constexpr KernelDef kLess = plain<mf::OpLess, int32_t, int64_t, float>("binary<mf::OpLess>");
constexpr KernelDef kLessQuantized = MF_QUANTIZED_COMPARISON(OpLess);
constexpr KernelDef kLessEqual = plain<mf::OpLessEqual, int32_t, int64_t, float>("binary<mf::OpLessEqual>");
constexpr KernelDef kLessEqualQuantized = MF_QUANTIZED_COMPARISON(OpLessEqual);
constexpr KernelDef kGreater = plain<mf::OpGreater, int32_t, int64_t, float>("binary<mf::OpGreater>");
constexpr KernelDef kGreaterQuantized = MF_QUANTIZED_COMPARISON(OpGreater);
constexpr KernelDef kGreaterEqual = plain<mf::OpGreaterEqual, int32_t, int64_t, float>("binary<mf::OpGreaterEqual>");
constexpr KernelDef kGreaterEqualQuantized = MF_QUANTIZED_COMPARISON(OpGreaterEqual);
constexpr KernelDef kLogicalAnd = plain<mf::OpLogicalAnd, bool>("binary<mf::OpLogicalAnd>");
constexpr KernelDef kLogicalOr = plain<mf::OpLogicalOr, bool>("binary<mf::OpLogicalOr>");

#undef MF_QUANTIZED_COMPARISON
#undef MF_ALL_TYPES
#undef MF_QUANTIZED_ARITHMETIC

}  // namespace

std::vector<const KernelDef*> BinaryKernels::all() const {
  std::vector<const KernelDef*> v;
  for (const KernelDef* k : {plain, s32, f32, quantized})
    if (k) v.push_back(k);
  return v;
}

const BinaryKernels kAddKernels{.s32 = &kAddS32, .f32 = &kAddF32, .quantized = &kAddQuantized};
const BinaryKernels kSubKernels{.s32 = &kSubS32, .f32 = &kSubF32, .quantized = &kSubQuantized};
const BinaryKernels kMulKernels{.s32 = &kMulS32, .f32 = &kMulF32, .quantized = &kMulQuantized};
const BinaryKernels kDivKernels{.s32 = &kDivS32, .f32 = &kDivF32, .quantized = &kDivQuantized};
const BinaryKernels kSquaredDifferenceKernels{
    .s32 = &kSquaredDifferenceS32, .f32 = &kSquaredDifferenceF32, .quantized = &kSquaredDifferenceQuantized};
const BinaryKernels kMaximumKernels{.plain = &kMaximum};
const BinaryKernels kMinimumKernels{.plain = &kMinimum};
const BinaryKernels kFloorDivKernels{.plain = &kFloorDiv};
const BinaryKernels kFloorModKernels{.plain = &kFloorMod};
const BinaryKernels kEqualKernels{.plain = &kEqual, .quantized = &kEqualQuantized};
const BinaryKernels kNotEqualKernels{.plain = &kNotEqual, .quantized = &kNotEqualQuantized};
const BinaryKernels kLessKernels{.plain = &kLess, .quantized = &kLessQuantized};
const BinaryKernels kLessEqualKernels{.plain = &kLessEqual, .quantized = &kLessEqualQuantized};
const BinaryKernels kGreaterKernels{.plain = &kGreater, .quantized = &kGreaterQuantized};
const BinaryKernels kGreaterEqualKernels{.plain = &kGreaterEqual, .quantized = &kGreaterEqualQuantized};
const BinaryKernels kLogicalAndKernels{.plain = &kLogicalAnd};
const BinaryKernels kLogicalOrKernels{.plain = &kLogicalOr};

const KernelDef kLogicalNot{.function = "logical_not",
                            .header = kHeader,
                            .in_place = InPlaceKind::Elementwise,
                            .evaluate = evaluate_logical_not,
                            .sample_params = sample_of<LogicalNotParams>};
const KernelDef kAddNF32{.function = "add_n_f32",
                         .header = "microflow/kernels/add_n.h",
                         .in_place = InPlaceKind::Elementwise,
                         .evaluate = evaluate_add_n_f32,
                         .sample_params = sample_of<AddNF32Params>};
const KernelDef kAddNS8{.function = "add_n_s8",
                        .header = "microflow/kernels/add_n.h",
                        .in_place = InPlaceKind::Elementwise,
                        .evaluate = evaluate_add_n_s8,
                        .sample_params = sample_of<AddNS8Params>};

}  // namespace microflow
