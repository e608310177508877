// The kernels passes create from lowered calls (row forms, in-place forms,
// fused calls, band regions, --optimize=speed variants), beside the ones each
// operator's lowering produces (ops/registry.h lists those).
#pragma once

#include <vector>

#include "kernels/conv.h"
#include "kernels/elementwise.h"
#include "kernels/fully_connected.h"
#include "kernels/input_rows.h"
#include "kernels/pooling.h"
#include "kernels/softmax.h"
#include "kernels/variants.h"

namespace microflow {

// A band region's fields in its row form's params (mf::BandStreamInputRowsS8Params after
// `rows`): the stage table and its length. The whole-input call takes them as arguments.
struct BandStreamS8Params : ParamsBase {
  ArrayRef stages;
  int64_t count = 0;
  MF_PARAMS(BandStreamS8Params, stages, count)
};

extern const KernelDef kBandStreamInputRowsS8;

// A band-streamed region (passes/stream.cpp): the stage table is its parameter. With
// streaming input its first stage reads the ring of input rows.
inline const KernelDef kBandStreamS8{
    .function = "band_stream_s8", .header = "microflow/exec/band_stream.h", .row_form = &kBandStreamInputRowsS8};

const std::vector<const KernelDef*>& derived_kernels();

}  // namespace microflow
