// The lowered form of one operator: which runtime kernel to call, the
// contents of its parameter struct and the constant arrays it reads. The
// emitter prints this; nothing in it is computed at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "kernels/kernel.h"

namespace microflow {

struct ConstArray {
  std::string suffix;  // becomes part of the symbol: kOp3Weights
  DType type = DType::Int8;
  std::vector<int64_t> ints;  // for integer arrays
  std::vector<float> floats;  // for float arrays
  int64_t bytes() const;
  size_t size() const { return type == DType::Float32 ? floats.size() : ints.size(); }
};

struct KernelArg {
  enum Kind { Input, Output, Array, Null } kind = Input;
  int tensor = -1;     // Input / Output
  std::string array;   // Array: suffix
  std::string c_type;  // element type of a tensor argument
};

// A layer of a band-streamed region (passes/stream.cpp): how the runtime's
// BandStage (band_stream.h) describes it.
struct BandInfo {
  std::string kernel;  // mf::BandKernel enumerator, e.g. "kBandDepthwise"
  int64_t input_height = 0, input_row_bytes = 0, output_height = 0, output_row_bytes = 0;
  int64_t stride = 1, pad_top = 0, span = 1;
  int64_t buffer_offset = -1;  // line buffer in the region's scratch; -1 for the first layer
  int64_t buffer_bytes = 0;
  // A sink (kBand*Sink): int32 accumulators after its one input row; buffer_bytes includes them.
  int64_t accumulator_bytes = 0;
  // An in-place 1x1 stage (no line buffer of its own): its input row sits this many bytes
  // after its output row, in the next stage's buffer, which is that much longer.
  int64_t in_place_shift = 0;
};

// A tensor stored inside another: `part` is `rows` runs of `row_bytes` bytes, `row_stride`
// bytes apart, starting `offset` bytes into `whole` (a CONCATENATION input in its output,
// a SPLIT output in its input).
struct Block {
  int part = -1, whole = -1;
  int64_t offset = 0, rows = 1, row_bytes = 0, row_stride = 0;
  bool contiguous() const { return rows == 1 || row_bytes == row_stride; }
};

struct KernelCall {
  const Operator* op = nullptr;
  const KernelDef* kernel = nullptr;  // nullptr for an alias
  // The kernel's parameter struct (or, for KernelDef::template_constants, its template
  // arguments), typed: kernels/*.h.
  Params params;
  std::vector<ConstArray> arrays;
  std::vector<KernelArg> args;  // after the params argument
  int64_t macs = 0;
  std::string function() const { return kernel ? kernel->function : ""; }
  // RESHAPE: output shares the input's storage, no call is emitted.
  bool is_alias = false;
  // Data movement whose tensors are blocks of one another (the lowering fills `blocks`);
  // when passes/views.cpp can store every part inside its whole, `views` is set and the
  // call copies nothing (no call is emitted).
  std::vector<Block> blocks;
  bool views = false;
  // The output is a strided part of a larger tensor (its producer writes with an output
  // stride): kernel variants without one must not replace this call.
  bool strided_output = false;
  bool emits_code() const { return !is_alias && !views; }
  // Operators folded into this call besides `op` (which produced the output),
  // in execution order.
  std::vector<const Operator*> fused;
  // A PAD whose padding this convolution applies (passes/pad_fold.cpp): it runs no code.
  const Operator* folded_pad = nullptr;
  // An int8 activation applied as this call stores its output (passes/activation_fold.cpp):
  // the call writes the activation's output tensor; `op` is still the layer.
  const Operator* folded_activation = nullptr;
  // A band-streamed region: its layers, each a complete call of its own, with
  // band_stream_s8 as `function`; args are the region input, the scratch
  // (line buffers) and the region output.
  std::vector<KernelCall> stages;
  std::vector<BandInfo> bands;  // one per stage

  int64_t constant_bytes() const;
  // The first tensor the call reads (-1: none, a streamed call) and the last it writes.
  int input_tensor() const;
  int output_tensor() const;
  // "3" / "DEPTHWISE_CONV_2D", or for a fused call "1+2+3" / "DEPTHWISE_CONV_2D+RESHAPE+FULLY_CONNECTED".
  std::string op_indices() const;
  std::string op_names() const;
};

// How many calls read each tensor (indexed by tensor id): a tensor that a pass makes
// disappear must have one reader (and be no model output, Graph::is_output).
std::vector<int> tensor_readers(const Graph& g, const std::vector<KernelCall>& calls);

}  // namespace microflow
