// Index, shape and data-movement kernels: GATHER, GATHER_ND, EMBEDDING_LOOKUP,
// SELECT_V2, DYNAMIC_UPDATE_SLICE, FILL, ZEROS_LIKE, CAST, SHAPE, BROADCAST_ARGS and the
// resizes (runtime kernels/gather.h, select.h, dynamic_update_slice.h, fill.h, cast.h,
// shape.h, resize.h). Each one can fold: its `evaluate` (index_eval.cpp) runs the runtime
// kernel on host buffers.
#pragma once

#include <vector>

#include "kernels/kernel.h"

namespace microflow {

// The runtime's fixed array sizes (kGatherNdMaxDepth, kSelectMaxRank, kDynamicUpdateSliceMaxRank).
constexpr int kGatherNdMaxDepth = 5;
constexpr int kSelectMaxRank = 5;
constexpr int kDynamicUpdateSliceMaxRank = 6;

struct GatherParams : ParamsBase {
  int64_t batches = 0, outer = 0, axis_size = 0, positions = 0, inner_bytes = 0;
  int64_t data_in_flash = 0, indices_in_flash = 0;
  MF_PARAMS(GatherParams, batches, outer, axis_size, positions, inner_bytes, data_in_flash, indices_in_flash)
};

struct GatherNdParams : ParamsBase {
  int64_t slices = 0, depth = 0;
  std::vector<int64_t> strides;  // kGatherNdMaxDepth
  int64_t slice_elements = 0, data_elements = 0, element_bytes = 0, data_in_flash = 0, indices_in_flash = 0;
  MF_PARAMS(GatherNdParams, slices, depth, strides, slice_elements, data_elements, element_bytes, data_in_flash,
            indices_in_flash)
};

struct EmbeddingLookupDequantizeParams : ParamsBase {
  int64_t ids = 0, rows = 0, columns = 0;
  float scale = 1;
  int64_t data_in_flash = 0, indices_in_flash = 0;  // table, ids
  MF_PARAMS(EmbeddingLookupDequantizeParams, ids, rows, columns, scale, data_in_flash, indices_in_flash)
};

struct SelectV2Params : ParamsBase {
  std::vector<int64_t> dims, condition_strides, x_strides, y_strides;  // kSelectMaxRank each
  int64_t condition_in_flash = 0, x_in_flash = 0, y_in_flash = 0;
  MF_PARAMS(SelectV2Params, dims, condition_strides, x_strides, y_strides, condition_in_flash, x_in_flash,
            y_in_flash)
};

// DynamicUpdateSliceParams::start_source, as the runtime's DynamicUpdateSliceStart.
enum class StartSource : int64_t { Constant = 0, Int32 = 1, Int64 = 2 };

struct DynamicUpdateSliceParams : ParamsBase {
  int64_t rank = 0;
  std::vector<int64_t> update_dims, max_start, strides;  // kDynamicUpdateSliceMaxRank each
  int64_t operand_bytes = 0, update_row_bytes = 0, update_rows = 0, whole = 0, start_source = 0;
  std::vector<int64_t> start;
  int64_t operand_in_flash = 0, update_in_flash = 0;
  MF_PARAMS(DynamicUpdateSliceParams, rank, update_dims, max_start, strides, operand_bytes, update_row_bytes,
            update_rows, whole, start_source, start, operand_in_flash, update_in_flash)
};

struct FillParams : ParamsBase {
  int64_t count = 0, value_in_flash = 0;
  MF_PARAMS(FillParams, count, value_in_flash)
};

struct ZerosLikeParams : ParamsBase {
  int64_t bytes = 0;
  MF_PARAMS(ZerosLikeParams, bytes)
};

struct CastParams : ParamsBase {
  int64_t count = 0, input_in_flash = 0;
  MF_PARAMS(CastParams, count, input_in_flash)
};

struct ShapeParams : ParamsBase {
  int64_t rank = 0;
  MF_PARAMS(ShapeParams, rank)
};

struct BroadcastArgsParams : ParamsBase {
  int64_t shape1_length = 0, shape2_length = 0, output_length = 0, shape1_in_flash = 0, shape2_in_flash = 0;
  MF_PARAMS(BroadcastArgsParams, shape1_length, shape2_length, output_length, shape1_in_flash, shape2_in_flash)
};

struct ResizeNearestNeighborParams : ParamsBase {
  int64_t batches = 0, output_height = 0, output_width = 0, pixel_bytes = 0, input_batch_bytes = 0;
  int64_t input_in_flash = 0;
  MF_PARAMS(ResizeNearestNeighborParams, batches, output_height, output_width, pixel_bytes, input_batch_bytes,
            input_in_flash)
};

struct ResizeBilinearParams : ParamsBase {
  int64_t batches = 0, output_height = 0, output_width = 0, depth = 0, input_batch_elements = 0;
  int64_t input_in_flash = 0;
  MF_PARAMS(ResizeBilinearParams, batches, output_height, output_width, depth, input_batch_elements, input_in_flash)
};

void evaluate_gather(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_gather_nd(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_embedding_lookup_dequantize(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_select_v2(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_dynamic_update_slice(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_fill(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_zeros_like(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_cast(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_shape(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_broadcast_args(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_resize_nearest_neighbor(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_resize_bilinear_s8(const KernelCall& call, const std::vector<uint8_t*>& tensors);
void evaluate_resize_bilinear_f32(const KernelCall& call, const std::vector<uint8_t*>& tensors);

inline const KernelDef kGather{.function = "gather",
                               .header = "microflow/kernels/gather.h",
                               .evaluate = evaluate_gather,
                               .sample_params = sample_of<GatherParams>};
inline const KernelDef kGatherNd{.function = "gather_nd",
                                 .header = "microflow/kernels/gather.h",
                                 .evaluate = evaluate_gather_nd,
                                 .sample_params = sample_of<GatherNdParams>};
inline const KernelDef kEmbeddingLookupDequantize{.function = "embedding_lookup_dequantize",
                                                  .header = "microflow/kernels/gather.h",
                                                  .evaluate = evaluate_embedding_lookup_dequantize,
                                                  .sample_params = sample_of<EmbeddingLookupDequantizeParams>};
// Output element i depends on x[i] / y[i] / condition[i] of a same-shape operand only.
inline const KernelDef kSelectV2{.function = "select_v2",
                                 .header = "microflow/kernels/select.h",
                                 .in_place = InPlaceKind::Elementwise,
                                 .evaluate = evaluate_select_v2,
                                 .sample_params = sample_of<SelectV2Params>};
// Over the operand (same shape as the output) the kernel skips its copy and writes only
// the update; over a whole-size update it copies nothing; over the start indices it has
// read them before writing.
inline const KernelDef kDynamicUpdateSlice{.function = "dynamic_update_slice",
                                           .header = "microflow/kernels/dynamic_update_slice.h",
                                           .in_place = InPlaceKind::Elementwise,
                                           .evaluate = evaluate_dynamic_update_slice,
                                           .sample_params = sample_of<DynamicUpdateSliceParams>};
inline const KernelDef kFill{.function = "fill",
                             .header = "microflow/kernels/fill.h",
                             .evaluate = evaluate_fill,
                             .sample_params = sample_of<FillParams>};
inline const KernelDef kZerosLike{.function = "zeros_like",
                                  .header = "microflow/kernels/fill.h",
                                  .evaluate = evaluate_zeros_like,
                                  .sample_params = sample_of<ZerosLikeParams>};
inline const KernelDef kCast{.function = "cast",
                             .header = "microflow/kernels/cast.h",
                             .in_place = InPlaceKind::Elementwise,
                             .evaluate = evaluate_cast,
                             .sample_params = sample_of<CastParams>};
inline const KernelDef kShape{.function = "shape",
                              .header = "microflow/kernels/shape.h",
                              .evaluate = evaluate_shape,
                              .sample_params = sample_of<ShapeParams>};
inline const KernelDef kBroadcastArgs{.function = "broadcast_args",
                                      .header = "microflow/kernels/shape.h",
                                      .evaluate = evaluate_broadcast_args,
                                      .sample_params = sample_of<BroadcastArgsParams>};
inline const KernelDef kResizeNearestNeighbor{.function = "resize_nearest_neighbor",
                                              .header = "microflow/kernels/resize.h",
                                              .evaluate = evaluate_resize_nearest_neighbor,
                                              .sample_params = sample_of<ResizeNearestNeighborParams>};
inline const KernelDef kResizeBilinearS8{.function = "resize_bilinear_s8",
                                         .header = "microflow/kernels/resize.h",
                                         .evaluate = evaluate_resize_bilinear_s8,
                                         .sample_params = sample_of<ResizeBilinearParams>};
inline const KernelDef kResizeBilinearF32{.function = "resize_bilinear_f32",
                                          .header = "microflow/kernels/resize.h",
                                          .evaluate = evaluate_resize_bilinear_f32,
                                          .sample_params = sample_of<ResizeBilinearParams>};

}  // namespace microflow
