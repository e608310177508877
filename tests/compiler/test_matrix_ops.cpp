// SOFTMAX (int16 paths), LOG_SOFTMAX, L2_NORMALIZATION, BATCH_MATMUL and TRANSPOSE_CONV in
// the compiler: TFLM's Prepare rules as named rejections, the build-time tables and
// constants the lowerings emit, and TRANSPOSE_CONV's gather needing no scratch memory.
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>

#include "ops/op_def.h"
#include "test_util.h"

namespace {

using namespace mftest;
using w::BuiltinOperator;
using w::TensorType;

constexpr const char* kName = "m.tflite";
constexpr int kL2Normalization = 11, kLogSoftmax = 50, kBatchMatMul = 126;

BuiltinOperator op_code(int code) { return static_cast<BuiltinOperator>(code); }

// One operator reading `inputs`, writing a new tensor; the graph as the reader makes it.
microflow::Graph one_op(w::ModelWriter& m, int code, std::vector<int32_t> inputs, TensorType out_type,
                        std::vector<int32_t> out_shape, std::optional<w::Quantization> quant) {
  const int32_t out = m.add_tensor("y", out_type, std::move(out_shape), std::move(quant));
  if (code == 25) m.add_softmax(inputs.at(0), out);
  else m.add_operator(op_code(code), std::move(inputs), {out});
  m.set_outputs({out});
  return microflow::read_tflite_buffer(m.finish(), kName);
}

TEST(MatrixOps, RejectionsNameTheOperatorAndTheReason) {
  {  // LOG_SOFTMAX: TFLM fixes the int8 output to 16/256, zero point 127
    w::ModelWriter m;
    const int32_t x = m.add_input_tensor("x", TensorType::INT8, {2, 8}, q(0.1f, 0));
    const auto g = one_op(m, kLogSoftmax, {x}, TensorType::INT8, {2, 8}, q(1.f / 256, -128));
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(LOG_SOFTMAX)", "16/256", "127");
  }
  {  // SOFTMAX int8 -> int16: zero point -32768
    w::ModelWriter m;
    const int32_t x = m.add_input_tensor("x", TensorType::INT8, {2, 8}, q(0.1f, 0));
    const auto g = one_op(m, 25, {x}, TensorType::INT16, {2, 8}, q(1.f / 65536, 0));
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(SOFTMAX)", "int8 -> int16", "-32768");
  }
  {  // SOFTMAX int16: input zero point 0, int16 output
    w::ModelWriter m;
    const int32_t x = m.add_input_tensor("x", TensorType::INT16, {2, 8}, q(0.001f, 3));
    const auto g = one_op(m, 25, {x}, TensorType::INT16, {2, 8}, q(1.f / 32768, 0));
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(SOFTMAX)", "int16 zero point 3");
  }
  {
    w::ModelWriter m;
    const int32_t x = m.add_input_tensor("x", TensorType::INT16, {2, 8}, q(0.001f, 0));
    const auto g = one_op(m, 25, {x}, TensorType::INT8, {2, 8}, q(1.f / 256, -128));
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(SOFTMAX)", "INT8", "expected INT16");
  }
  {  // L2_NORMALIZATION: at most 4 dimensions
    w::ModelWriter m;
    const int32_t x = m.add_input_tensor("x", TensorType::FLOAT32, {1, 1, 2, 2, 3});
    const auto g = one_op(m, kL2Normalization, {x}, TensorType::FLOAT32, {1, 1, 2, 2, 3}, std::nullopt);
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(L2_NORMALIZATION)", "rank 5");
  }
  {  // BATCH_MATMUL: the summed dimensions differ
    w::ModelWriter m;
    const int32_t a = m.add_input_tensor("a", TensorType::FLOAT32, {2, 3});
    const int32_t b = m.add_input_tensor("b", TensorType::FLOAT32, {4, 5});
    const auto g = one_op(m, kBatchMatMul, {a, b}, TensorType::FLOAT32, {2, 5}, std::nullopt);
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(BATCH_MATMUL)", "summed dimension", "3 vs 4");
  }
  {  // BATCH_MATMUL: batch dimensions 2 and 3 do not broadcast
    w::ModelWriter m;
    const int32_t a = m.add_input_tensor("a", TensorType::INT8, {2, 3, 4}, q(0.1f, 0));
    const int32_t b = m.add_input_tensor("b", TensorType::INT8, {3, 4, 5}, q(0.1f, 0));
    const auto g = one_op(m, kBatchMatMul, {a, b}, TensorType::INT8, {3, 3, 5}, q(0.5f, 0));
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(BATCH_MATMUL)", "batch dimension 0", "does not broadcast");
  }
  {  // BATCH_MATMUL int16: the rhs zero point must be 0 too
    w::ModelWriter m;
    const int32_t a = m.add_input_tensor("a", TensorType::INT16, {3, 4}, q(0.001f, 0));
    const int32_t b = m.add_input_tensor("b", TensorType::INT16, {4, 5}, q(0.001f, 7));
    const auto g = one_op(m, kBatchMatMul, {a, b}, TensorType::INT16, {3, 5}, q(0.01f, 0));
    EXPECT_COMPILE_ERROR(microflow::lower_graph(g), kName, "(BATCH_MATMUL)", "'b'", "int16 zero point 7");
  }
}

TEST(MatrixOps, BatchMatMulConstantOperandStaysInFlash) {
  w::ModelWriter m;
  const int32_t a = m.add_input_tensor("a", TensorType::INT8, {2, 3, 4}, q(0.1f, -3));
  std::vector<int8_t> weights(20);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int8_t>(i * 7 - 60);
  const int32_t b = m.add_const_tensor("b", TensorType::INT8, {1, 4, 5}, bytes_of(weights), q(0.02f, 0));
  const auto g = one_op(m, kBatchMatMul, {a, b}, TensorType::INT8, {2, 3, 5}, q(0.3f, 1));
  const auto calls = microflow::lower_graph(g);
  ASSERT_EQ(calls.size(), 1u);
  const microflow::KernelCall& k = calls[0];
  ASSERT_EQ(k.args.size(), 3u);
  EXPECT_EQ(k.args[0].kind, microflow::KernelArg::Input);
  EXPECT_EQ(k.args[1].kind, microflow::KernelArg::Array);
  ASSERT_EQ(k.arrays.size(), 1u);
  EXPECT_EQ(k.arrays[0].ints, std::vector<int64_t>(weights.begin(), weights.end()));
  std::map<std::string, std::string> fields;
  for (const auto& f : k.params.fields()) fields[f.name] = f.value;
  EXPECT_EQ(fields["rhs_in_flash"], "1");
  EXPECT_EQ(fields["lhs_in_flash"], "0");
  // The rhs batch dimension of 1 broadcasts: stride 0; the lhs steps by its 12 elements.
  EXPECT_EQ(fields["rhs_batch_strides"], "{0, 0, 0}");
  EXPECT_EQ(fields["lhs_batch_strides"], "{0, 0, 12}");
}

TEST(MatrixOps, SoftmaxInt16TablesAreBuildTimeConstants) {
  w::ModelWriter m;
  const int32_t x = m.add_input_tensor("x", TensorType::INT16, {2, 8}, q(1.f / 4096, 0));
  const auto g = one_op(m, 25, {x}, TensorType::INT16, {2, 8}, q(1.f / 32768, 0));
  const auto calls = microflow::lower_graph(g);
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(calls[0].arrays.size(), 2u);
  const auto& exp_lut = calls[0].arrays[0].ints;
  const auto& recip_lut = calls[0].arrays[1].ints;
  ASSERT_EQ(exp_lut.size(), 513u);
  ASSERT_EQ(recip_lut.size(), 513u);
  // Q0.15 over [-1, 1): exp on [-10, 0], 1/(1+x) on [0, 1]; the ends clamp to int16.
  EXPECT_EQ(exp_lut.back(), 32767);
  EXPECT_NEAR(static_cast<double>(exp_lut.front()), std::exp(-10.0) * 32768, 1);
  EXPECT_EQ(recip_lut.front(), 32767);
  EXPECT_EQ(recip_lut.back(), 16384);
  for (size_t i = 0; i < 513; i += 64) {
    EXPECT_NEAR(static_cast<double>(exp_lut[i]), std::exp(-10.0 + 10.0 * i / 512) * 32768, 2) << i;
    EXPECT_NEAR(static_cast<double>(recip_lut[i]), std::min(32768 / (1.0 + i / 512.0), 32767.0), 2) << i;
  }
}

TEST(MatrixOps, TransposeConvNeedsNoScratch) {
  // TFLM scatters into an int32 (int64 for 16x8) scratch the size of the output; the gather
  // form needs only the input and the output in the arena.
  const fs::path models = MICROFLOW_MODELS_DIR;
  for (const char* name : {"operators/TRANSPOSE_CONV/int8_s2_same_bias", "operators/TRANSPOSE_CONV/int16x8_s2_valid_bias",
                           "tflm_integration/seanet/transpose_conv/transpose_conv0"}) {
    const fs::path path = models / name / "model.tflite";
    if (!fs::exists(path)) GTEST_SKIP() << path << " not found (set MICROFLOW_MODELS_DIR)";
    std::ifstream f(path, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto c = compile_bytes(bytes, name);
    ASSERT_EQ(c->calls.size(), 1u);
    // The model's inputs (SEANet's output_shape is one, unread) and its output.
    int64_t tensors = 0;
    for (int id : c->graph.inputs) tensors += c->graph.tensor(id).bytes();
    for (int id : c->graph.outputs) tensors += c->graph.tensor(id).bytes();
    EXPECT_EQ(c->plan.arena_bytes, tensors) << name;
  }
}

}  // namespace
