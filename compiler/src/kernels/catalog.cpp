#include "kernels/catalog.h"

namespace microflow {
namespace {

template <typename Call>
Params row_form_sample(const RowFormLayout& layout) {
  return RowFormParams(layout, InputRowsParams{}, Call{});
}

}  // namespace

void RowFormParams::describe(FieldSink& sink) const {
  sink.nest("rows", rows_);
  if (*layout_.call_field == '\0') call_.base().describe(sink);
  else sink.nest(layout_.call_field, call_.base());
}

int conv_channel_group_unit(const Params& p) {
  // Without groups each output channel reads the whole input pixel, so the call splits.
  const auto& c = p.as<Conv2DS8Params>();
  return c.filter_depth == c.input_depth ? 1 : 0;
}

int packed_channel_group_unit(const Params&) { return 4; }
int fully_connected_channel_group_unit(const Params&) { return 1; }

const KernelDef kConv2DInputRowsS8{
    .function = "conv_2d_input_rows_s8",
    .header = "microflow/kernels/conv_2d.h",
    .row_params = {"Conv2DInputRowsS8Params", "conv", 2},
    .sample_params = [] { return row_form_sample<Conv2DS8Params>(kConv2DInputRowsS8.row_params); }};
const KernelDef kDepthwiseConv2DInputRowsS8{
    .function = "depthwise_conv_2d_input_rows_s8",
    .header = "microflow/kernels/depthwise_conv_2d.h",
    .row_params = {"DepthwiseConv2DInputRowsS8Params", "depthwise", 2},
    .sample_params = [] { return row_form_sample<DepthwiseConv2DS8Params>(kDepthwiseConv2DInputRowsS8.row_params); }};
// The planner's in-place form: one output row at a time, identical results.
const KernelDef kDepthwiseConv2DByRowsS8{.function = "depthwise_conv_2d_by_rows_s8",
                                         .header = "microflow/kernels/depthwise_conv_2d.h",
                                         .row_form = &kDepthwiseConv2DInputRowsS8,
                                         .in_place = InPlaceKind::RowWindow,
                                         .sample_params = sample_of<DepthwiseConv2DS8Params>};
const KernelDef kDepthwiseConv2DFullyConnectedInputRowsS8{
    .function = "depthwise_conv_2d_fully_connected_input_rows_s8",
    .header = "microflow/kernels/depthwise_conv_2d_fully_connected.h",
    .row_params = {"DepthwiseConv2DFullyConnectedInputRowsS8Params", "", 3},
    .sample_params = [] {
      return row_form_sample<DepthwiseConv2DFullyConnectedS8Params>(
          kDepthwiseConv2DFullyConnectedInputRowsS8.row_params);
    }};
const KernelDef kAveragePool2DInputRowsS8{
    .function = "average_pool_2d_input_rows_s8",
    .header = "microflow/kernels/pooling.h",
    .row_params = {"Pool2DInputRowsS8Params", "pool", 2},
    .sample_params = [] { return row_form_sample<Pool2DS8Params>(kAveragePool2DInputRowsS8.row_params); }};
const KernelDef kMaxPool2DInputRowsS8{
    .function = "max_pool_2d_input_rows_s8",
    .header = "microflow/kernels/pooling.h",
    .row_params = {"Pool2DInputRowsS8Params", "pool", 2},
    .sample_params = [] { return row_form_sample<Pool2DS8Params>(kMaxPool2DInputRowsS8.row_params); }};
// State: the row driver's words, then 3 per stage (mf::BandState), added by make_streaming.
const KernelDef kBandStreamInputRowsS8{
    .function = "band_stream_input_rows_s8",
    .header = "microflow/exec/band_stream.h",
    .row_params = {"BandStreamInputRowsS8Params", "", 2},
    .sample_params = [] { return row_form_sample<BandStreamS8Params>(kBandStreamInputRowsS8.row_params); }};

const std::vector<const KernelDef*>& derived_kernels() {
  static const std::vector<const KernelDef*> kernels = {
      &kConv2DInputRowsS8, &kDepthwiseConv2DInputRowsS8, &kDepthwiseConv2DByRowsS8,
      &kDepthwiseConv2DFullyConnectedS8, &kDepthwiseConv2DFullyConnectedInputRowsS8,
      &kAveragePool2DInputRowsS8, &kMaxPool2DInputRowsS8, &kFullyConnectedS8Fixed, &kFullyConnectedS8RowsFixed,
      &kFullyConnectedS8WideFixed, &kFullyConnectedS8LanesFixed, &kConv2D1x1S8WideFixed, &kConv2D1x1S8RowsFixed,
      &kConv2D1x1S8LanesFixed, &kConv2DS8Wide, &kAddS8TableFixed, &kDepthwiseConv2DFullyConnectedS8WideFixed,
      &kDepthwiseConv2DS8WideFixed, &kDepthwiseConv2DS8NarrowFixed, &kBandStreamS8, &kBandStreamInputRowsS8};
  return kernels;
}

}  // namespace microflow
