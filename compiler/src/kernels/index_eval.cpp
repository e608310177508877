// Constant folding of the index / shape / data-movement kernels: each evaluate builds the
// runtime params struct from the call's typed parameters and runs the runtime kernel
// itself on host buffers (on the host, flash is plain memory).
#include <string>

#include "diagnostics.h"
#include "kernels/host_args.h"
#include "kernels/index.h"
#include "microflow/kernels/cast.h"
#include "microflow/kernels/dynamic_update_slice.h"
#include "microflow/kernels/fill.h"
#include "microflow/kernels/gather.h"
#include "microflow/kernels/resize.h"
#include "microflow/kernels/select.h"
#include "microflow/kernels/shape.h"
#include "passes/kernel_call.h"

namespace microflow {

void evaluate_gather(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<GatherParams>();
  const mf::GatherParams p{i32(t.batches),     i32(t.outer),         i32(t.axis_size),       i32(t.positions),
                           i32(t.inner_bytes), i32(t.data_in_flash), i32(t.indices_in_flash)};
  const HostArgs a(call, tensors);
  mf::gather(p, a.at<const void>(0), a.at<const int32_t>(1), a.at<void>(2));
}

void evaluate_gather_nd(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<GatherNdParams>();
  mf::GatherNdParams p{};
  p.slices = i32(t.slices);
  p.depth = i32(t.depth);
  copy_ints(p.strides, t.strides);
  p.slice_elements = i32(t.slice_elements);
  p.data_elements = i32(t.data_elements);
  p.element_bytes = i32(t.element_bytes);
  p.data_in_flash = i32(t.data_in_flash);
  p.indices_in_flash = i32(t.indices_in_flash);
  const HostArgs a(call, tensors);
  mf::gather_nd(p, a.at<const void>(0), a.at<const int32_t>(1), a.at<void>(2));
}

void evaluate_embedding_lookup_dequantize(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<EmbeddingLookupDequantizeParams>();
  const mf::EmbeddingLookupDequantizeParams p{i32(t.ids), i32(t.rows), i32(t.columns),
                                              t.scale,    i32(t.data_in_flash), i32(t.indices_in_flash)};
  const HostArgs a(call, tensors);
  mf::embedding_lookup_dequantize(p, a.at<const int8_t>(0), a.at<const int32_t>(1), a.at<float>(2));
}

void evaluate_select_v2(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<SelectV2Params>();
  mf::SelectV2Params p{};
  copy_ints(p.dims, t.dims);
  copy_ints(p.condition_strides, t.condition_strides);
  copy_ints(p.x_strides, t.x_strides);
  copy_ints(p.y_strides, t.y_strides);
  p.condition_in_flash = i32(t.condition_in_flash);
  p.x_in_flash = i32(t.x_in_flash);
  p.y_in_flash = i32(t.y_in_flash);
  const HostArgs a(call, tensors);
  const std::string& type = a.c_type(3);
  const bool* condition = a.at<const bool>(0);
  if (type == "int8_t") {
    mf::select_v2(p, condition, a.at<const int8_t>(1), a.at<const int8_t>(2), a.at<int8_t>(3));
  } else if (type == "int16_t") {
    mf::select_v2(p, condition, a.at<const int16_t>(1), a.at<const int16_t>(2), a.at<int16_t>(3));
  } else if (type == "float") {
    mf::select_v2(p, condition, a.at<const float>(1), a.at<const float>(2), a.at<float>(3));
  } else {
    unsupported(call, type);
  }
}

void evaluate_dynamic_update_slice(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<DynamicUpdateSliceParams>();
  mf::DynamicUpdateSliceParams p{};
  p.rank = i32(t.rank);
  copy_ints(p.update_dims, t.update_dims);
  copy_ints(p.max_start, t.max_start);
  copy_ints(p.strides, t.strides);
  p.operand_bytes = i32(t.operand_bytes);
  p.update_row_bytes = i32(t.update_row_bytes);
  p.update_rows = i32(t.update_rows);
  p.whole = i32(t.whole);
  p.start_source = i32(t.start_source);
  copy_ints(p.start, t.start);
  p.operand_in_flash = i32(t.operand_in_flash);
  p.update_in_flash = i32(t.update_in_flash);
  const HostArgs a(call, tensors);
  mf::dynamic_update_slice(p, a.at<const void>(0), a.at<const void>(1), a.at<const void>(2), a.at<void>(3));
}

void evaluate_fill(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<FillParams>();
  const mf::FillParams p{i32(t.count), i32(t.value_in_flash)};
  const HostArgs a(call, tensors);
  const std::string& type = a.c_type(1);
  if (type == "int8_t") {
    mf::fill(p, a.at<const int8_t>(0), a.at<int8_t>(1));
  } else if (type == "int32_t") {
    mf::fill(p, a.at<const int32_t>(0), a.at<int32_t>(1));
  } else if (type == "float") {
    mf::fill(p, a.at<const float>(0), a.at<float>(1));
  } else {
    unsupported(call, type);
  }
}

void evaluate_zeros_like(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  mf::zeros_like(mf::ZerosLikeParams{i32(call.params.as<ZerosLikeParams>().bytes)}, a.at<void>(0));
}

namespace {

template <typename From>
void cast_from(const KernelCall& call, const mf::CastParams& p, const HostArgs& a) {
  const std::string& to = a.c_type(1);
  const From* in = a.at<const From>(0);
  if (to == "int8_t") {
    mf::cast(p, in, a.at<int8_t>(1));
  } else if (to == "int16_t") {
    mf::cast(p, in, a.at<int16_t>(1));
  } else if (to == "int32_t") {
    mf::cast(p, in, a.at<int32_t>(1));
  } else if (to == "float") {
    mf::cast(p, in, a.at<float>(1));
  } else {
    unsupported(call, to);
  }
}

}  // namespace

void evaluate_cast(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<CastParams>();
  const mf::CastParams p{i32(t.count), i32(t.input_in_flash)};
  const HostArgs a(call, tensors);
  const std::string& from = a.c_type(0);
  if (from == "bool") {
    cast_from<bool>(call, p, a);
  } else if (from == "int8_t") {
    cast_from<int8_t>(call, p, a);
  } else if (from == "int16_t") {
    cast_from<int16_t>(call, p, a);
  } else if (from == "int32_t") {
    cast_from<int32_t>(call, p, a);
  } else if (from == "float") {
    cast_from<float>(call, p, a);
  } else {
    unsupported(call, from);
  }
}

void evaluate_shape(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  mf::shape(mf::ShapeParams{i32(call.params.as<ShapeParams>().rank)}, a.at<const int32_t>(0), a.at<int32_t>(1));
}

void evaluate_broadcast_args(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<BroadcastArgsParams>();
  const mf::BroadcastArgsParams p{i32(t.shape1_length), i32(t.shape2_length), i32(t.output_length),
                                  i32(t.shape1_in_flash), i32(t.shape2_in_flash)};
  const HostArgs a(call, tensors);
  const std::string& type = a.c_type(2);
  if (type == "int32_t") {
    mf::broadcast_args(p, a.at<const int32_t>(0), a.at<const int32_t>(1), a.at<int32_t>(2));
  } else if (type == "int64_t") {
    mf::broadcast_args(p, a.at<const int64_t>(0), a.at<const int64_t>(1), a.at<int64_t>(2));
  } else {
    unsupported(call, type);
  }
}

void evaluate_resize_nearest_neighbor(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& t = call.params.as<ResizeNearestNeighborParams>();
  const mf::ResizeNearestNeighborParams p{i32(t.batches),     i32(t.output_height),     i32(t.output_width),
                                          i32(t.pixel_bytes), i32(t.input_batch_bytes), i32(t.input_in_flash)};
  const HostArgs a(call, tensors);
  mf::resize_nearest_neighbor(p, a.at<const void>(0), a.at<const int32_t>(1), a.at<const int32_t>(2), a.at<void>(3));
}

namespace {

mf::ResizeBilinearParams bilinear_params(const KernelCall& call) {
  const auto& t = call.params.as<ResizeBilinearParams>();
  return {i32(t.batches), i32(t.output_height),        i32(t.output_width),
          i32(t.depth),   i32(t.input_batch_elements), i32(t.input_in_flash)};
}

}  // namespace

void evaluate_resize_bilinear_s8(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  mf::resize_bilinear_s8(bilinear_params(call), a.at<const int8_t>(0), a.at<const int32_t>(1), a.at<const int32_t>(2),
                         a.at<int8_t>(3));
}

void evaluate_resize_bilinear_f32(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const HostArgs a(call, tensors);
  mf::resize_bilinear_f32(bilinear_params(call), a.at<const float>(0), a.at<const int32_t>(1), a.at<const float>(2),
                          a.at<const int32_t>(3), a.at<const float>(4), a.at<float>(5));
}

}  // namespace microflow
