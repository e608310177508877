// Parameters of the kernels that read their input through a window of rows
// (convolutions, depthwise convolutions, pooling): what band streaming,
// streaming input and the planner's row-gap placement need to know.
#pragma once

#include "kernels/params.h"

namespace microflow {

struct RowWindow {
  int64_t batches = 0;
  int64_t input_height = 0, input_width = 0, input_depth = 0;
  int64_t output_height = 0, output_width = 0, output_depth = 0;
  int64_t stride = 1, pad_top = 0;
  int64_t span = 1;  // input rows one output row reads: dilation * (filter_height - 1) + 1

  int64_t input_row_bytes() const { return input_width * input_depth; }    // int8
  int64_t output_row_bytes() const { return output_width * output_depth; }  // int8
};

struct WindowedParams : ParamsBase {
  virtual RowWindow window() const = 0;
};

}  // namespace microflow
