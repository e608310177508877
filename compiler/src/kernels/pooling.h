// AVERAGE_POOL_2D and MAX_POOL_2D kernels (runtime kernels/pooling.h).
#pragma once

#include "kernels/kernel.h"
#include "kernels/window.h"

namespace microflow {

struct PoolGeometryFields {
  int64_t batches = 0, input_height = 0, input_width = 0, depth = 0, output_height = 0, output_width = 0;
  int64_t filter_height = 1, filter_width = 1, stride_height = 1, stride_width = 1, pad_top = 0, pad_left = 0;

  RowWindow pool_window() const {
    return {batches, input_height, input_width, depth, output_height, output_width, depth,
            stride_height, pad_top, filter_height};
  }
};

struct Pool2DS8Params : WindowedParams, PoolGeometryFields {
  int64_t act_min = 0, act_max = 0;
  ArrayRef output_table;  // a folded activation's table (passes/activation_fold.cpp)
  RowWindow window() const override { return pool_window(); }
  MF_PARAMS(Pool2DS8Params, batches, input_height, input_width, depth, output_height, output_width, filter_height,
            filter_width, stride_height, stride_width, pad_top, pad_left, act_min, act_max, output_table)
};

// The int16 poolings (runtime: the same struct as int8, its table always nullptr: nothing
// folds into int16 layers). Not windowed parameters: band streaming, streaming input and
// row-gap placement assume int8 rows.
struct Pool2DS16Params : ParamsBase, PoolGeometryFields {
  int64_t act_min = 0, act_max = 0;
  ArrayRef output_table;
  MF_PARAMS(Pool2DS16Params, batches, input_height, input_width, depth, output_height, output_width, filter_height,
            filter_width, stride_height, stride_width, pad_top, pad_left, act_min, act_max, output_table)
};

struct Pool2DF32Params : WindowedParams, PoolGeometryFields {
  float act_min = 0, act_max = 0;
  RowWindow window() const override { return pool_window(); }
  MF_PARAMS(Pool2DF32Params, batches, input_height, input_width, depth, output_height, output_width, filter_height,
            filter_width, stride_height, stride_width, pad_top, pad_left, act_min, act_max)
};

extern const KernelDef kAveragePool2DInputRowsS8, kMaxPool2DInputRowsS8;

inline const KernelDef kAveragePool2DS8{.function = "average_pool_2d_s8",
                                        .header = "microflow/kernels/pooling.h",
                                        .band = "kBandAveragePool",
                                        .band_sink = "kBandAveragePoolSink",
                                        .row_form = &kAveragePool2DInputRowsS8,
                                        .in_place = InPlaceKind::RowWindow,
                                        .sample_params = sample_of<Pool2DS8Params>};
inline const KernelDef kMaxPool2DS8{.function = "max_pool_2d_s8",
                                    .header = "microflow/kernels/pooling.h",
                                    .band = "kBandMaxPool",
                                    .band_sink = "kBandMaxPoolSink",
                                    .row_form = &kMaxPool2DInputRowsS8,
                                    .in_place = InPlaceKind::RowWindow,
                                    .sample_params = sample_of<Pool2DS8Params>};
inline const KernelDef kAveragePool2DS16{.function = "average_pool_2d_s16",
                                         .header = "microflow/kernels/pooling.h",
                                         .sample_params = sample_of<Pool2DS16Params>};
inline const KernelDef kMaxPool2DS16{.function = "max_pool_2d_s16",
                                     .header = "microflow/kernels/pooling.h",
                                     .sample_params = sample_of<Pool2DS16Params>};
inline const KernelDef kAveragePool2DF32{.function = "average_pool_2d_f32",
                                         .header = "microflow/kernels/pooling.h",
                                         .sample_params = sample_of<Pool2DF32Params>};
inline const KernelDef kMaxPool2DF32{.function = "max_pool_2d_f32",
                                     .header = "microflow/kernels/pooling.h",
                                     .sample_params = sample_of<Pool2DF32Params>};

}  // namespace microflow
