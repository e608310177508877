// A runtime kernel as the compiler's passes see it: its C++ name and header,
// and the traits that decide which features it takes part in. Passes ask these
// traits (and compare KernelDef identities), never kernel-name strings.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/params.h"

namespace microflow {

struct KernelCall;

// Where a kernel's output may go relative to an input that dies at the call
// (planner/planner.cpp).
enum class InPlaceKind {
  None,
  // Reads element i before writing element i, never writing more bytes than it read
  // up to there (element-wise ADD, QUANTIZE, copies that keep the order).
  Elementwise,
  // Writes output rows in increasing order, reading for row y only input rows from
  // y * stride - pad_top on: the output may start a few rows in front of the input.
  RowWindow,
};

// How a call splits into groups of output channels (weights from external memory,
// passes/weight_pages.cpp): each group runs the kernel on its channels' weights.
struct ChannelSplit {
  int (*unit)(const Params&);              // channels per weight record unit; 0: cannot split
  int64_t (*channels)(const Params&);      // the layer's output channels
  Params (*group)(const Params&, int64_t channels);  // the parameters of one group's call
};

// The split of kernels whose params P have output_depth, every group `Unit` channels
// apart (UnitOf decides per call; see conv.cpp).
template <typename P, int (*UnitOf)(const Params&)>
inline const ChannelSplit kSplitByOutputDepth = {
    UnitOf, [](const Params& p) { return p.as<P>().output_depth; },
    [](const Params& p, int64_t channels) -> Params {
      P group = p.as<P>();
      group.output_depth = channels;
      return group;
    }};

// set_output_stride of kernels whose params P have output_stride.
template <typename P>
void set_output_stride_of(Params& p, int64_t elements) {
  p.as<P>().output_stride = elements;
}

// A row form's runtime params struct: the ring state (InputRowsParams) followed by the
// whole-input call's params, nested as field `call_field` ("": its fields follow inline).
struct RowFormLayout {
  const char* type = nullptr;
  const char* call_field = "";
  int state_words = 0;  // int32 words of row state the kernel keeps between rows
};

struct KernelDef {
  const char* function = "";  // in namespace mf
  const char* header = "";    // what generated code includes for it, e.g. "microflow/kernels/conv_2d.h"
  // Parameters as template arguments of a constants struct (instantiated per layer)
  // instead of a struct in flash.
  bool template_constants = false;
  // A stage of a band-streamed region (passes/stream.cpp): its mf::BandKernel
  // enumerator, nullptr when the kernel cannot be one. A sink folds rows into sums.
  const char* band = nullptr;
  const char* band_sink = nullptr;
  // Streaming input (passes/input_rows.cpp): the row form of this kernel, and, on a
  // row form, the layout of its parameters.
  const KernelDef* row_form = nullptr;
  RowFormLayout row_params = {};
  // Fusion (passes/fuse.cpp): followed by the generic int8 FULLY_CONNECTED (one batch)
  // that reads its whole output, the pair runs as this kernel and the intermediate
  // tensor never exists.
  const KernelDef* fuses_fully_connected = nullptr;
  InPlaceKind in_place = InPlaceKind::None;
  // The kernel that computes the same output row by row, for an output placed in
  // front of its input (InPlaceKind::RowWindow), when this one is not already.
  const KernelDef* in_place_form = nullptr;
  // Weights from external memory: how the call splits by output channel (nullptr:
  // its constants are read whole).
  const ChannelSplit* channel_split = nullptr;
  // A kernel that can write its output with a larger distance between output rows
  // (pixels / batches): sets that distance in elements (passes/views.cpp).
  void (*set_output_stride)(Params& params, int64_t elements) = nullptr;
  // Constant folding (passes/fold.cpp): runs the runtime kernel itself on the host.
  // `tensors` are host buffers for the call's tensor arguments (KernelArg Input /
  // Output, in argument order), inputs filled; nullptr when the kernel cannot fold.
  void (*evaluate)(const KernelCall& call, const std::vector<uint8_t*>& tensors) = nullptr;
  // A new, default instance of the parameter type, for the layout test.
  Params (*sample_params)() = nullptr;
};

template <typename T> Params sample_of() { return T{}; }

}  // namespace microflow
