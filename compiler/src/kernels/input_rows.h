// Row forms of the windowed kernels for streaming input (runtime
// exec/input_rows.h and the *_input_rows_s8 entries of the kernel headers).
#pragma once

#include <string>

#include "kernels/kernel.h"

namespace microflow {

struct InputRowsParams : ParamsBase {
  int64_t input_height = 0;   // rows of the whole input
  int64_t row_elements = 0;   // width * depth
  int64_t window_rows = 0;    // rows held in the ring
  int64_t output_height = 0;  // rows of the first kernel's output
  int64_t stride_height = 1, pad_top = 0;
  int64_t window_height = 1;
  MF_PARAMS(InputRowsParams, input_height, row_elements, window_rows, output_height, stride_height, pad_top,
            window_height)
};

// The row form's struct: the ring's geometry, then the whole-input call's parameters,
// either as one nested field (`field`) or, when empty, its own fields continued.
class RowFormParams : public ParamsBase {
 public:
  RowFormParams(RowFormLayout layout, InputRowsParams rows, Params call)
      : layout_(layout), rows_(std::move(rows)), call_(std::move(call)) {}
  std::unique_ptr<ParamsBase> clone() const override { return std::make_unique<RowFormParams>(*this); }
  const char* type_name() const override { return layout_.type; }
  void describe(FieldSink& sink) const override;
  const Params& call() const { return call_; }

 private:
  RowFormLayout layout_;
  InputRowsParams rows_;
  Params call_;
};

}  // namespace microflow
