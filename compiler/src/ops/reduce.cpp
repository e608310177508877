// MEAN, SUM, REDUCE_MAX and REDUCE_MIN over constant axes (runtime kernels/reduce.h).
#include <algorithm>
#include <bit>

#include "microflow/kernels/reduce.h"
#include "ops/quantization.h"
#include "ops/reduce_common.h"

namespace microflow {

// The twins of the runtime structs: kept and reduced loops (3 each), outermost first.
struct ReduceGeometryFields {
  std::vector<int64_t> kept, kept_strides, reduced, reduced_strides;
};

struct ReduceParams : ParamsBase, ReduceGeometryFields {
  MF_PARAMS(ReduceParams, kept, kept_strides, reduced, reduced_strides)
};

struct ReduceMeanParams : ParamsBase, ReduceGeometryFields {
  int64_t count = 0;
  MF_PARAMS(ReduceMeanParams, kept, kept_strides, reduced, reduced_strides, count)
};

struct ReduceRequantizeParams : ParamsBase, ReduceGeometryFields {
  int64_t sum_offset = 0, multiplier = 0, shift = 0, output_zero_point = 0;
  MF_PARAMS(ReduceRequantizeParams, kept, kept_strides, reduced, reduced_strides, sum_offset, multiplier, shift,
            output_zero_point)
};

namespace {

constexpr int kLoops = 3;  // kept and reduced loops of the runtime kernels

// Constant folding of int32 reductions: the runtime kernel on host buffers.
template <void (*Kernel)(const mf::ReduceParams&, const int32_t*, int32_t*)>
void evaluate_reduce_s32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& f = call.params.as<ReduceParams>();
  mf::ReduceParams p{};
  for (size_t i = 0; i < kLoops; ++i) {
    p.kept[i] = static_cast<int32_t>(f.kept[i]);
    p.kept_strides[i] = static_cast<int32_t>(f.kept_strides[i]);
    p.reduced[i] = static_cast<int32_t>(f.reduced[i]);
    p.reduced_strides[i] = static_cast<int32_t>(f.reduced_strides[i]);
  }
  Kernel(p, reinterpret_cast<const int32_t*>(tensors[0]), reinterpret_cast<int32_t*>(tensors[1]));
}

template <typename P>
constexpr KernelDef reduce_kernel(const char* function, void (*evaluate)(const KernelCall&, const std::vector<uint8_t*>&) = nullptr) {
  return {.function = function,
          .header = "microflow/kernels/reduce.h",
          .evaluate = evaluate,
          .sample_params = sample_of<P>};
}

constexpr KernelDef kReduceSumF32 = reduce_kernel<ReduceParams>("reduce_sum_f32");
constexpr KernelDef kReduceMeanF32 = reduce_kernel<ReduceMeanParams>("reduce_mean_f32");
constexpr KernelDef kReduceMaxF32 = reduce_kernel<ReduceParams>("reduce_max_f32");
constexpr KernelDef kReduceMinF32 = reduce_kernel<ReduceParams>("reduce_min_f32");
constexpr KernelDef kReduceMaxS8 = reduce_kernel<ReduceParams>("reduce_max_s8");
constexpr KernelDef kReduceMinS8 = reduce_kernel<ReduceParams>("reduce_min_s8");
constexpr KernelDef kReduceSumS32 = reduce_kernel<ReduceParams>("reduce_sum_s32", evaluate_reduce_s32<mf::reduce_sum_s32>);
constexpr KernelDef kReduceMaxS32 = reduce_kernel<ReduceParams>("reduce_max_s32", evaluate_reduce_s32<mf::reduce_max_s32>);
constexpr KernelDef kReduceMinS32 = reduce_kernel<ReduceParams>("reduce_min_s32", evaluate_reduce_s32<mf::reduce_min_s32>);
constexpr KernelDef kReduceSumRequantizeS8 = reduce_kernel<ReduceRequantizeParams>("reduce_sum_requantize_s8");
constexpr KernelDef kReduceSumRequantizeS16 = reduce_kernel<ReduceRequantizeParams>("reduce_sum_requantize_s16");

enum class Reduction { Mean, Sum, Max, Min };

// The reduction as at most kLoops kept loops around at most kLoops reduced ones: extent-1
// dimensions dropped, neighbours of the same kind merged (row-major, so a merged pair is
// one loop over the inner one's stride), unused loops of extent 1 in front.
ReduceGeometryFields reduce_geometry(const Graph& g, const Operator& op, const Tensor& in,
                                     const std::vector<bool>& reduced) {
  struct Loop {
    bool reduced;
    int64_t extent, stride;
  };
  std::vector<Loop> loops;
  int64_t stride = 1;
  for (size_t i = in.shape.size(); i-- > 0; stride *= in.shape[i]) {
    if (in.shape[i] == 1) continue;
    if (!loops.empty() && loops.back().reduced == reduced[i]) {
      loops.back().extent *= in.shape[i];  // over the inner dimension's stride
    } else {
      loops.push_back({reduced[i], in.shape[i], stride});
    }
  }
  ReduceGeometryFields f;
  f.kept = f.kept_strides = f.reduced = f.reduced_strides = std::vector<int64_t>(kLoops, 0);
  int kept = 0, red = 0;
  for (const Loop& l : loops) {  // innermost first
    int& n = l.reduced ? red : kept;
    if (n == kLoops)
      fail(g, op, describe(g, in.id, "input") + ": the axes split shape " + in.shape_string() + " into more than " +
                      std::to_string(kLoops) + " groups of " + (l.reduced ? "reduced" : "kept") + " dimensions");
    const size_t at = static_cast<size_t>(kLoops - 1 - n++);
    (l.reduced ? f.reduced : f.kept)[at] = l.extent;
    (l.reduced ? f.reduced_strides : f.kept_strides)[at] = l.stride;
  }
  for (size_t i = 0; i < kLoops; ++i) {
    if (f.kept[i] == 0) f.kept[i] = 1;
    if (f.reduced[i] == 0) f.reduced[i] = 1;
  }
  return f;
}

const char* op_types_note(Reduction r) {
  switch (r) {
    case Reduction::Mean: return "TFLM's MEAN takes float32, int8 and int16";
    case Reduction::Sum: return "TFLM's SUM takes float32, int8 and int16; int32 as TFLite, for shape arithmetic";
    default: return "TFLM's REDUCE_MAX / REDUCE_MIN take float32 and int8; int32 as TFLite, for shape arithmetic";
  }
}

std::vector<DType> op_types(Reduction r) {
  switch (r) {
    case Reduction::Mean: return {DType::Float32, DType::Int8, DType::Int16};
    case Reduction::Sum: return {DType::Float32, DType::Int8, DType::Int16, DType::Int32};
    default: return {DType::Float32, DType::Int8, DType::Int32};
  }
}

// int8 / int16 SUM and MEAN as TFLM's QuantizedMeanOrSum: the raw sum minus Z_in·count
// (int64 there, then cast to int32: wrapped), requantized by S_in / S_out; MEAN folds
// 1/count into the multiplier: shifted up by k = min(floor(log2 count), 32, 31 + shift)
// bits, divided by count with truncation, and the shift lowered by k.
ReduceRequantizeParams requantize_params(const ReduceGeometryFields& geo, const Tensor& in, const Tensor& out,
                                         int64_t count, bool mean) {
  QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) / static_cast<double>(out.quant.scale()));
  if (mean) {
    int k = std::min(static_cast<int>(std::bit_width(static_cast<uint64_t>(count))) - 1, 32);
    k = std::min(k, 31 + q.shift);
    q.multiplier = static_cast<int32_t>((static_cast<int64_t>(q.multiplier) << k) / count);
    q.shift -= k;
  }
  ReduceRequantizeParams p;
  static_cast<ReduceGeometryFields&>(p) = geo;
  p.sum_offset = static_cast<int32_t>(static_cast<uint32_t>(-int64_t{in.quant.zero_point()} * count));
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  p.output_zero_point = out.quant.zero_point();
  return p;
}

template <Reduction R>
KernelCall lower_reduce(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& axes = op_input(g, op, 1, "axis");
  const Tensor& out = op_output(g, op);
  expect_foldable_or_activation(g, op, in);
  expect_type(g, op, in, "input", op_types(R), op_types_note(R));
  if (out.type != in.type)
    fail(g, op, describe(g, out.id, "output") + ": type " + out.type_name + ", expected the input's " + in.type_name);
  expect_type(g, op, out, "output", op_types(R), op_types_note(R));
  if (in.elements() == 0) fail(g, op, describe(g, in.id, "input") + ": empty tensors are not supported");

  std::vector<bool> reduced(in.shape.size(), false);  // an axis given twice counts once, as in TFLM
  for (int a : resolve_axes(g, op, axes, in.shape.size())) reduced[static_cast<size_t>(a)] = true;
  int64_t count = 1;
  for (size_t i = 0; i < in.shape.size(); ++i)
    if (reduced[i]) count *= in.shape[i];
  if (in.elements() / count != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " holds " +
                    std::to_string(out.elements()) + " elements, the reduction of " + in.shape_string() + " gives " +
                    std::to_string(in.elements() / count));
  const ReduceGeometryFields geo = reduce_geometry(g, op, in, reduced);

  ReduceParams plain;
  static_cast<ReduceGeometryFields&>(plain) = geo;
  ReduceMeanParams mean;
  static_cast<ReduceGeometryFields&>(mean) = geo;
  mean.count = count;
  const bool sum = R == Reduction::Sum, max = R == Reduction::Max;
  KernelCall k;
  if (in.type == DType::Float32) {
    k = R == Reduction::Mean ? make_call(op, kReduceMeanF32, mean)
                             : make_call(op, sum ? kReduceSumF32 : max ? kReduceMaxF32 : kReduceMinF32, plain);
  } else if (in.type == DType::Int32) {
    k = make_call(op, sum ? kReduceSumS32 : max ? kReduceMaxS32 : kReduceMinS32, plain);
  } else {
    const bool s8 = in.type == DType::Int8;
    const bool same_quantization =
        in.quant.scale() == out.quant.scale() && in.quant.zero_point() == out.quant.zero_point();
    if (R == Reduction::Max || R == Reduction::Min) {
      if (!same_quantization)
        fail(g, op, describe(g, out.id, "output") + ": int8 " + op.name +
                        " needs the input's scale and zero point (TFLM rejects other output quantization)");
      k = make_call(op, max ? kReduceMaxS8 : kReduceMinS8, plain);
    } else {
      k = make_call(op, s8 ? kReduceSumRequantizeS8 : kReduceSumRequantizeS16,
                    requantize_params(geo, in, out, count, R == Reduction::Mean));
    }
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kMeanOp{.code = 40,
                           .name = "MEAN",
                           .lower = lower_reduce<Reduction::Mean>,
                           .kernels = {&kReduceMeanF32, &kReduceSumRequantizeS8, &kReduceSumRequantizeS16}};

extern const OpDef kSumOp{.code = 74,
                          .name = "SUM",
                          .lower = lower_reduce<Reduction::Sum>,
                          .kernels = {&kReduceSumF32, &kReduceSumS32, &kReduceSumRequantizeS8, &kReduceSumRequantizeS16}};

extern const OpDef kReduceMaxOp{.code = 82,
                                .name = "REDUCE_MAX",
                                .lower = lower_reduce<Reduction::Max>,
                                .kernels = {&kReduceMaxF32, &kReduceMaxS8, &kReduceMaxS32}};

extern const OpDef kReduceMinOp{.code = 89,
                                .name = "REDUCE_MIN",
                                .lower = lower_reduce<Reduction::Min>,
                                .kernels = {&kReduceMinF32, &kReduceMinS8, &kReduceMinS32}};

}  // namespace microflow
