// The data-movement lowerings (ops/pad.cpp, concatenation.cpp, split.cpp, slice.cpp,
// transpose.cpp, space_batch.cpp): STRIDED_SLICE's index arithmetic against TFLM's
// reference formulation on random begin/end/strides/masks, constant folding through
// KernelDef::evaluate, execution order with several outputs, and the rejections.
// Models are built here with the schema's own flatbuffer builders (options tables the
// test writer does not have).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <limits>
#include <random>

#include "kernels/copy_boxes.h"
#include "ops/op_def.h"
#include "passes/lower.h"
#include "pipeline.h"
#include "reader/tflite_reader.h"
#include "test_util.h"
#include "tflite_subset_generated.h"

namespace {

namespace tfl = microflow::tfl;
using microflow::KernelCall;

constexpr const char* kName = "data.tflite";

// TFLite's BuiltinOperator codes of the operators used here.
enum class Op : int {
  ADD = 0,
  CONCATENATION = 2,
  SPACE_TO_DEPTH = 26,
  TRANSPOSE = 39,
  PAD = 34,
  STRIDED_SLICE = 45,
  SPLIT = 49,
  PADV2 = 60,
  SLICE = 65,
  PACK = 83,
  MIRROR_PAD = 100,
  REVERSE_V2 = 105
};

// A model of a few operators; constant tensors carry their bytes. Model inputs are the
// tensors without data that no operator writes.
class Model {
 public:
  using Options = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

  int tensor(const std::string& name, tfl::TensorType type, std::vector<int32_t> shape,
             std::vector<uint8_t> data = {}, float scale = 0.f, int64_t zero_point = 0) {
    tensors_.push_back({name, type, std::move(shape), std::move(data), scale, zero_point});
    return static_cast<int>(tensors_.size()) - 1;
  }
  template <typename V>
  int constant(const std::string& name, tfl::TensorType type, std::vector<int32_t> shape, const std::vector<V>& v) {
    std::vector<uint8_t> bytes(v.size() * sizeof(V));
    std::memcpy(bytes.data(), v.data(), bytes.size());
    return tensor(name, type, std::move(shape), std::move(bytes));
  }
  void op(Op code, std::vector<int> inputs, std::vector<int> outputs,
          tfl::BuiltinOptions options_type = tfl::BuiltinOptions::NONE, Options options = nullptr) {
    ops_.push_back({code, std::move(inputs), std::move(outputs), options_type, std::move(options)});
  }

  std::vector<uint8_t> finish(const std::vector<int>& model_outputs) const {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<tfl::Buffer>> buffers = {tfl::CreateBuffer(b)};
    std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
    std::vector<int> model_inputs;
    for (size_t i = 0; i < tensors_.size(); ++i) {
      const TensorSpec& t = tensors_[i];
      uint32_t buffer = 0;
      if (!t.data.empty()) {
        buffer = static_cast<uint32_t>(buffers.size());
        buffers.push_back(tfl::CreateBuffer(b, b.CreateVector(t.data)));
      } else if (std::none_of(ops_.begin(), ops_.end(), [&](const OpSpec& o) {
                   return std::count(o.outputs.begin(), o.outputs.end(), static_cast<int>(i)) > 0;
                 })) {
        model_inputs.push_back(static_cast<int>(i));
      }
      flatbuffers::Offset<tfl::QuantizationParameters> q;
      if (t.scale > 0)
        q = tfl::CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{t.scale}),
                                              b.CreateVector(std::vector<int64_t>{t.zero_point}));
      tensors.push_back(tfl::CreateTensor(b, b.CreateVector(t.shape), t.type, buffer, b.CreateString(t.name), q));
    }
    std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
    std::vector<flatbuffers::Offset<tfl::Operator>> ops;
    for (const OpSpec& o : ops_) {
      const int c = static_cast<int>(o.code);
      const uint32_t index = static_cast<uint32_t>(codes.size());
      codes.push_back(tfl::CreateOperatorCode(b, static_cast<int8_t>(std::min(c, 127)), 0, 1, c));
      const auto options = o.options ? o.options(b) : flatbuffers::Offset<void>();
      ops.push_back(tfl::CreateOperator(b, index, b.CreateVector(o.inputs), b.CreateVector(o.outputs), o.options_type,
                                        options));
    }
    const auto subgraph = tfl::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(model_inputs),
                                              b.CreateVector(model_outputs), b.CreateVector(ops));
    b.Finish(tfl::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(std::vector{subgraph}), 0,
                              b.CreateVector(buffers)),
             "TFL3");
    return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
  }

  // The graph of a one-operator model (outputs: the operator's).
  microflow::Graph graph() const { return microflow::read_tflite_buffer(finish(ops_.back().outputs), kName); }

 private:
  struct TensorSpec {
    std::string name;
    tfl::TensorType type;
    std::vector<int32_t> shape;
    std::vector<uint8_t> data;
    float scale;
    int64_t zero_point;
  };
  struct OpSpec {
    Op code;
    std::vector<int> inputs, outputs;
    tfl::BuiltinOptions options_type;
    Options options;
  };
  std::vector<TensorSpec> tensors_;
  std::vector<OpSpec> ops_;
};

// Runs the call's own evaluate on host buffers: inputs from `inputs` (in argument order),
// outputs returned in argument order.
std::vector<std::vector<uint8_t>> evaluate(const microflow::Graph& g, const KernelCall& k,
                                           std::vector<std::vector<uint8_t>> inputs) {
  std::vector<std::vector<uint8_t>> outputs;
  for (const microflow::KernelArg& a : k.args)
    if (a.kind == microflow::KernelArg::Output) outputs.emplace_back(static_cast<size_t>(g.tensor(a.tensor).bytes()));
  std::vector<uint8_t*> buffers;
  size_t in = 0, out = 0;
  for (const microflow::KernelArg& a : k.args) {
    if (a.kind == microflow::KernelArg::Input) buffers.push_back(inputs.at(in++).data());
    if (a.kind == microflow::KernelArg::Output) buffers.push_back(outputs.at(out++).data());
  }
  k.kernel->evaluate(k, buffers);
  return outputs;
}

// TFLM's StridedSlice: Prepare's output shape (StartForAxis / StopForAxis, a float ceil)
// and the reference kernel's loops over the shape padded to 5-D (StridedSliceStartForAxis
// / EndForAxis), written out as in strided_slice_logic.h.
struct TflmStridedSlice {
  std::vector<int32_t> shape;
  std::vector<int> begin, end, strides;
  int begin_mask = 0, end_mask = 0, shrink_mask = 0;

  static int clamp(int v, int lo, int hi) { return v > hi ? hi : v < lo ? lo : v; }

  std::vector<int32_t> output_shape() const {
    std::vector<int32_t> out;
    for (size_t a = 0; a < shape.size(); ++a) {
      const int size = shape[a], stride = strides[a];
      int start = begin[a];
      if (begin_mask >> a & 1) start = stride > 0 ? std::numeric_limits<int>::lowest() : std::numeric_limits<int>::max();
      if (start < 0) start += size;
      start = stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1);
      int stop = end[a];
      if (end_mask >> a & 1) stop = stride > 0 ? std::numeric_limits<int>::max() : std::numeric_limits<int>::lowest();
      if (stop < 0) stop += size;
      stop = stride > 0 ? clamp(stop, 0, size) : clamp(stop, -1, size - 1);
      if (shrink_mask >> a & 1) continue;
      const int n = static_cast<int>(std::ceil(static_cast<float>(stop - start) / static_cast<float>(stride)));
      out.push_back(n < 0 ? 0 : n);
    }
    return out;
  }

  // The elements the kernel writes, in order.
  std::vector<int16_t> run(const std::vector<int16_t>& input) const {
    const int pad = 5 - static_cast<int>(shape.size());
    int dims[5], b[5], e[5], s[5], bm = begin_mask << pad | ((1 << pad) - 1), em = end_mask << pad | ((1 << pad) - 1),
                                    sm = shrink_mask << pad;
    for (int i = 0; i < 5; ++i) {
      const bool lead = i < pad;
      dims[i] = lead ? 1 : shape[static_cast<size_t>(i - pad)];
      b[i] = lead ? 0 : begin[static_cast<size_t>(i - pad)];
      e[i] = lead ? 1 : end[static_cast<size_t>(i - pad)];
      s[i] = lead ? 1 : strides[static_cast<size_t>(i - pad)];
    }
    int start[5], stop[5];
    for (int a = 0; a < 5; ++a) {
      int st = b[a];
      if (st < 0) st += dims[a];
      st = s[a] > 0 ? clamp(st, 0, dims[a]) : clamp(st, -1, dims[a] - 1);
      if (bm >> a & 1) st = s[a] > 0 ? 0 : dims[a] - 1;
      start[a] = st;
      if (sm >> a & 1) {
        stop[a] = st >= dims[a] ? st : st + 1;
        continue;
      }
      int en = e[a];
      if (en < 0) en += dims[a];
      en = s[a] > 0 ? clamp(en, 0, dims[a]) : clamp(en, -1, dims[a] - 1);
      if (em >> a & 1) en = s[a] > 0 ? dims[a] : -1;
      stop[a] = en;
    }
    auto more = [](int i, int stop, int stride) { return stride < 0 ? i > stop : i < stop; };
    std::vector<int16_t> out;
    for (int i0 = start[0]; more(i0, stop[0], s[0]); i0 += s[0])
      for (int i1 = start[1]; more(i1, stop[1], s[1]); i1 += s[1])
        for (int i2 = start[2]; more(i2, stop[2], s[2]); i2 += s[2])
          for (int i3 = start[3]; more(i3, stop[3], s[3]); i3 += s[3])
            for (int i4 = start[4]; more(i4, stop[4], s[4]); i4 += s[4])
              out.push_back(input[static_cast<size_t>((((i0 * dims[1] + i1) * dims[2] + i2) * dims[3] + i3) * dims[4] + i4)]);
    return out;
  }
};

std::vector<uint8_t> int16_bytes(const std::vector<int16_t>& v) {
  std::vector<uint8_t> bytes(v.size() * 2);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return bytes;
}

TEST(DataMovement, StridedSliceMatchesTflmOnRandomIndicesAndMasks) {
  std::mt19937 rng(20240611);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int compared = 0, rejected = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    TflmStridedSlice s;
    const int rank = uniform(1, 4);
    for (int a = 0; a < rank; ++a) {
      const int size = uniform(1, 5);
      s.shape.push_back(size);
      s.begin.push_back(uniform(-size - 2, size + 2));
      s.end.push_back(uniform(-size - 2, size + 2));
      s.strides.push_back(uniform(1, 3) * (uniform(0, 1) ? 1 : -1));
    }
    s.begin_mask = uniform(0, (1 << rank) - 1);
    s.end_mask = uniform(0, (1 << rank) - 1);
    s.shrink_mask = uniform(0, 3) == 0 ? uniform(0, (1 << rank) - 1) : 0;
    const std::vector<int32_t> out_shape = s.output_shape();
    int64_t out_elements = 1;
    for (int32_t d : out_shape) out_elements *= d;
    if (out_elements == 0) continue;  // empty outputs are rejected before lowering

    std::vector<int16_t> input(static_cast<size_t>(std::accumulate(s.shape.begin(), s.shape.end(), 1, std::multiplies<>())));
    for (int16_t& v : input) v = static_cast<int16_t>(uniform(-32768, 32767));
    const std::vector<int16_t> expected = s.run(input);

    Model m;
    const int in = m.tensor("in", tfl::TensorType::INT16, s.shape);
    const int32_t r = static_cast<int32_t>(rank);
    const int begin = m.constant("begin", tfl::TensorType::INT32, {r}, s.begin);
    const int end = m.constant("end", tfl::TensorType::INT32, {r}, s.end);
    const int strides = m.constant("strides", tfl::TensorType::INT32, {r}, s.strides);
    const int out = m.tensor("out", tfl::TensorType::INT16, out_shape);
    m.op(Op::STRIDED_SLICE, {in, begin, end, strides}, {out},
         tfl::BuiltinOptions::StridedSliceOptions, [&](flatbuffers::FlatBufferBuilder& b) {
           return tfl::CreateStridedSliceOptions(b, s.begin_mask, s.end_mask, 0, 0, s.shrink_mask).Union();
         });
    const microflow::Graph g = m.graph();
    // TFLM writes fewer elements than the output holds only for a shrunk axis it cannot
    // take one element of: the lowering rejects exactly those.
    if (static_cast<int64_t>(expected.size()) != out_elements) {
      EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "STRIDED_SLICE", "shrink_axis_mask");
      ++rejected;
      continue;
    }
    const std::vector<KernelCall> calls = microflow::lower_graph(g);
    ASSERT_EQ(calls.size(), 1u);
    const auto result = evaluate(g, calls[0], {int16_bytes(input)});
    ASSERT_EQ(result[0], int16_bytes(expected)) << "trial " << trial;
    ++compared;
  }
  EXPECT_GT(compared, 300);
  EXPECT_GT(rejected, 0);
}

TEST(DataMovement, PackOfConstantScalarsFoldsThroughEvaluate) {
  // Keras' Flatten idiom: PACK(batch, -1) of int32 scalars, both constant once SHAPE and
  // STRIDED_SLICE are folded.
  Model m;
  const int batch = m.constant("batch", tfl::TensorType::INT32, {}, std::vector<int32_t>{3});
  const int minus_one = m.constant("minus_one", tfl::TensorType::INT32, {}, std::vector<int32_t>{-1});
  const int out = m.tensor("shape", tfl::TensorType::INT32, {2});
  m.op(Op::PACK, {batch, minus_one}, {out}, tfl::BuiltinOptions::PackOptions,
       [](flatbuffers::FlatBufferBuilder& b) { return tfl::CreatePackOptions(b, 2, 0).Union(); });
  // A model needs an input: an unrelated TRANSPOSE reads it.
  const int x = m.tensor("x", tfl::TensorType::FLOAT32, {1, 2});
  const int perm = m.constant("perm", tfl::TensorType::INT32, {2}, std::vector<int32_t>{1, 0});
  const int y = m.tensor("y", tfl::TensorType::FLOAT32, {2, 1});
  m.op(Op::TRANSPOSE, {x, perm}, {y});
  const microflow::Graph g = microflow::read_tflite_buffer(m.finish({out, y}), kName);
  // The PACK's own lowering, as the folding pass calls it (lower_graph rejects constant
  // arguments: only folding runs such a call).
  ASSERT_STREQ(g.ops[0].name, "PACK");
  const KernelCall pack = g.ops[0].def->lower(g, g.ops[0]);
  const auto result = evaluate(g, pack, {g.tensor(batch).data, g.tensor(minus_one).data});
  std::vector<int32_t> values(2);
  std::memcpy(values.data(), result[0].data(), 8);
  EXPECT_EQ(values, (std::vector<int32_t>{3, -1}));
}

TEST(DataMovement, SplitRunsBeforeTheReadersOfEachOutput) {
  // SPLIT(in) -> (a, b); ADD(a, z) -> SLICE -> one element; TRANSPOSE(b). Running ADD and
  // SLICE first would free z before SPLIT's peak, so the order search would take that
  // order if it did not see that ADD reads SPLIT's first output (not its last, which is
  // the call's output_tensor()).
  Model m;
  const auto int8 = tfl::TensorType::INT8;
  const int axis = m.constant("axis", tfl::TensorType::INT32, {}, std::vector<int32_t>{1});
  const int in = m.tensor("in", int8, {2, 8}, {}, 0.5f, 0);
  const int z = m.tensor("z", int8, {2, 4}, {}, 0.5f, 0);
  const int a = m.tensor("a", int8, {2, 4}, {}, 0.5f, 0);
  const int b = m.tensor("b", int8, {2, 4}, {}, 0.5f, 0);
  const int r = m.tensor("r", int8, {2, 4}, {}, 0.5f, 0);
  const int begin = m.constant("begin", tfl::TensorType::INT32, {2}, std::vector<int32_t>{0, 0});
  const int size = m.constant("size", tfl::TensorType::INT32, {2}, std::vector<int32_t>{1, 1});
  const int corner = m.tensor("corner", int8, {1, 1}, {}, 0.5f, 0);
  const int perm = m.constant("perm", tfl::TensorType::INT32, {2}, std::vector<int32_t>{1, 0});
  const int tb = m.tensor("tb", int8, {4, 2}, {}, 0.5f, 0);
  m.op(Op::SPLIT, {axis, in}, {a, b}, tfl::BuiltinOptions::SplitOptions,
       [](flatbuffers::FlatBufferBuilder& fb) { return tfl::CreateSplitOptions(fb, 2).Union(); });
  m.op(Op::ADD, {a, z}, {r});
  m.op(Op::SLICE, {r, begin, size}, {corner});
  m.op(Op::TRANSPOSE, {b, perm}, {tb});
  const auto c = mftest::compile_bytes(m.finish({corner, tb}), kName);
  ASSERT_EQ(c->calls.size(), 4u);
  EXPECT_STREQ(c->calls[0].op->name, "SPLIT");
  // Each output is one block per input row in the boxes: what a zero-copy pass reads.
  const auto& p = c->calls[0].params.as<microflow::CopyBoxesParams>();
  ASSERT_EQ(p.box_list.size(), 2u);
  EXPECT_EQ(p.box_list[1].source_offset, 4);
  EXPECT_EQ(p.box_list[1].target, 2);
  EXPECT_EQ(p.box_list[1].dims.size(), 2u);
}

TEST(DataMovement, PadTellsItsPaddingAndValue) {
  Model m;
  const int in = m.tensor("in", tfl::TensorType::INT8, {1, 3, 3, 2}, {}, 0.25f, -5);
  const int pads = m.constant("pads", tfl::TensorType::INT32, {4, 2}, std::vector<int32_t>{0, 0, 1, 1, 2, 0, 0, 0});
  const int out = m.tensor("out", tfl::TensorType::INT8, {1, 5, 5, 2}, {}, 0.25f, -5);
  m.op(Op::PAD, {in, pads}, {out});
  const microflow::Graph g = m.graph();
  const std::vector<KernelCall> calls = microflow::lower_graph(g);
  const auto* p = calls.at(0).params.get<microflow::PadParams>();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pad_before, (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(p->pad_after, (std::vector<int64_t>{0, 1, 0, 0}));
  EXPECT_EQ(p->fill, -5);  // TFLM pads int8 with the output zero point
}

TEST(DataMovement, ConcatenationRejectsAnInputWithAnotherQuantization) {
  Model m;
  const int a = m.tensor("a", tfl::TensorType::INT8, {1, 4}, {}, 0.5f, 3);
  const int b = m.tensor("b", tfl::TensorType::INT8, {1, 4}, {}, 0.25f, 3);
  const int out = m.tensor("out", tfl::TensorType::INT8, {1, 8}, {}, 0.5f, 3);
  m.op(Op::CONCATENATION, {a, b}, {out}, tfl::BuiltinOptions::ConcatenationOptions,
       [](flatbuffers::FlatBufferBuilder& fb) { return tfl::CreateConcatenationOptions(fb, 1).Union(); });
  const microflow::Graph g = m.graph();
  EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "op 0 (CONCATENATION)", "tensor 1 'b'",
                       "share the output's quantization");
}

TEST(DataMovement, ConstantBesideComputedInputsIsRejected) {
  Model m;
  const int a = m.tensor("a", tfl::TensorType::FLOAT32, {2, 2});
  const int k = m.constant("k", tfl::TensorType::FLOAT32, {2, 2}, std::vector<float>{1, 2, 3, 4});
  const int out = m.tensor("out", tfl::TensorType::FLOAT32, {4, 2});
  m.op(Op::CONCATENATION, {a, k}, {out}, tfl::BuiltinOptions::ConcatenationOptions,
       [](flatbuffers::FlatBufferBuilder& fb) { return tfl::CreateConcatenationOptions(fb, 0).Union(); });
  const microflow::Graph g = m.graph();
  EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(CONCATENATION)", "tensor 1 'k'", "constant beside computed");
}

TEST(DataMovement, RejectionsNameTheOperatorAndTheReason) {
  {  // SPACE_TO_DEPTH: a block_size whose square overflows int32 (found by the fuzzer: UB)
    Model m;
    const int in = m.tensor("in", tfl::TensorType::INT8, {1, 4, 4, 2}, {}, 1.f, 0);
    const int out = m.tensor("out", tfl::TensorType::INT8, {1, 1, 1, 32}, {}, 1.f, 0);
    m.op(Op::SPACE_TO_DEPTH, {in}, {out}, tfl::BuiltinOptions::SpaceToDepthOptions,
         [](flatbuffers::FlatBufferBuilder& fb) { return tfl::CreateSpaceToDepthOptions(fb, 150994947).Union(); });
    const microflow::Graph g = m.graph();
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(SPACE_TO_DEPTH)", "block_size 150994947");
  }
  {  // MIRROR_PAD: int16 is not among TFLM's types
    Model m;
    const int in = m.tensor("in", tfl::TensorType::INT16, {4, 4}, {}, 1.f, 0);
    const int pads = m.constant("pads", tfl::TensorType::INT32, {2, 2}, std::vector<int32_t>{1, 1, 1, 1});
    const int out = m.tensor("out", tfl::TensorType::INT16, {6, 6}, {}, 1.f, 0);
    m.op(Op::MIRROR_PAD, {in, pads}, {out}, tfl::BuiltinOptions::MirrorPadOptions,
         [](flatbuffers::FlatBufferBuilder& fb) {
           return tfl::CreateMirrorPadOptions(fb, tfl::MirrorPadMode::REFLECT).Union();
         });
    const microflow::Graph g = m.graph();
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(MIRROR_PAD)", "INT16", "float32, int8");
  }
  {  // MIRROR_PAD REFLECT cannot mirror more than size - 1
    Model m;
    const int in = m.tensor("in", tfl::TensorType::FLOAT32, {3});
    const int pads = m.constant("pads", tfl::TensorType::INT32, {1, 2}, std::vector<int32_t>{3, 0});
    const int out = m.tensor("out", tfl::TensorType::FLOAT32, {6});
    m.op(Op::MIRROR_PAD, {in, pads}, {out}, tfl::BuiltinOptions::MirrorPadOptions,
         [](flatbuffers::FlatBufferBuilder& fb) {
           return tfl::CreateMirrorPadOptions(fb, tfl::MirrorPadMode::REFLECT).Union();
         });
    const microflow::Graph g = m.graph();
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(MIRROR_PAD)", "padding 3", "REFLECT");
  }
  {  // REVERSE_V2 of axes 0 and 2
    Model m;
    const int in = m.tensor("in", tfl::TensorType::INT8, {2, 3, 4}, {}, 1.f, 0);
    const int axes = m.constant("axes", tfl::TensorType::INT32, {2}, std::vector<int32_t>{0, 2});
    const int out = m.tensor("out", tfl::TensorType::INT8, {2, 3, 4}, {}, 1.f, 0);
    m.op(Op::REVERSE_V2, {in, axes}, {out});
    const microflow::Graph g = m.graph();
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(REVERSE_V2)", "not contiguous");
  }
  {  // PADV2 int8 with a constant of another zero point
    Model m;
    const int in = m.tensor("in", tfl::TensorType::INT8, {2, 2}, {}, 0.5f, 1);
    const int pads = m.constant("pads", tfl::TensorType::INT32, {2, 2}, std::vector<int32_t>{1, 0, 0, 1});
    const int value = m.tensor("value", tfl::TensorType::INT8, {}, {7}, 0.5f, 2);
    const int out = m.tensor("out", tfl::TensorType::INT8, {3, 3}, {}, 0.5f, 1);
    m.op(Op::PADV2, {in, pads, value}, {out});
    const microflow::Graph g = m.graph();
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(PADV2)", "tensor 2 'value'", "scale and zero point");
  }
  {  // TRANSPOSE with a repeated axis
    Model m;
    const int in = m.tensor("in", tfl::TensorType::FLOAT32, {2, 3});
    const int perm = m.constant("perm", tfl::TensorType::INT32, {2}, std::vector<int32_t>{1, 1});
    const int out = m.tensor("out", tfl::TensorType::FLOAT32, {3, 3});
    m.op(Op::TRANSPOSE, {in, perm}, {out});
    const microflow::Graph g = m.graph();
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(TRANSPOSE)", "not a permutation");
  }
}

}  // namespace
