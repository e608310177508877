// Lowerings of the reduction family (MEAN, SUM, REDUCE_MAX / REDUCE_MIN, ARG_MAX / ARG_MIN,
// CUMSUM), L2_POOL_2D and ADD with a constant operand: the loops they precompute, the
// models they reject (with the operator, tensor and reason), and constant folding through
// KernelDef::evaluate. The arithmetic itself is checked bit for bit by tests/runtime and
// the operators/ goldens.
#include <map>
#include <optional>

#include "kernels/binary.h"
#include "test_util.h"

namespace mftest {
namespace {

constexpr const char* kName = "reduce.tflite";
using Op = w::BuiltinOperator;
constexpr auto kArgMax = static_cast<Op>(56), kArgMin = static_cast<Op>(79), kSum = static_cast<Op>(74),
               kReduceMax = static_cast<Op>(82), kCumsum = static_cast<Op>(128), kL2Pool = static_cast<Op>(12);

// One operator `code` on an input tensor and a constant int32 axis tensor.
std::vector<uint8_t> one_op(Op code, w::TensorType type, std::vector<int32_t> in_shape, std::vector<int32_t> axes,
                            w::TensorType out_type, std::vector<int32_t> out_shape,
                            std::optional<w::Quantization> in_q = std::nullopt,
                            std::optional<w::Quantization> out_q = std::nullopt) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", type, in_shape, in_q);
  const int axis = m.add_const_tensor("axis", w::TensorType::INT32, {static_cast<int32_t>(axes.size())},
                                      w::to_bytes(axes));
  const int out = m.add_tensor("out", out_type, out_shape, out_q);
  m.add_operator(code, {in, axis}, {out});
  m.set_outputs({out});
  return m.finish();
}

std::map<std::string, std::string> fields(const microflow::KernelCall& k) {
  std::map<std::string, std::string> f;
  for (const auto& p : k.params.fields()) f[p.name] = p.value;
  return f;
}

TEST(ReduceOps, MeanMergesLoopsAndResolvesNegativeAndRepeatedAxes) {
  // [2,3,4,5] over {-3, 2, 1}: axis -3 is axis 1 again; dims 1 and 2 form one reduced loop
  // of 12 over stride 5 between the kept dims 0 (stride 60) and 3 (stride 1).
  const auto c = compile_bytes(one_op(Op::Mean, w::TensorType::FLOAT32, {2, 3, 4, 5}, {-3, 2, 1},
                                      w::TensorType::FLOAT32, {2, 1, 1, 5}),
                               kName);
  ASSERT_EQ(c->calls.size(), 1u);
  EXPECT_EQ(c->calls[0].function(), "reduce_mean_f32");
  auto f = fields(c->calls[0]);
  EXPECT_EQ(f["kept"], "{1, 2, 5}");
  EXPECT_EQ(f["kept_strides"], "{0, 60, 1}");
  EXPECT_EQ(f["reduced"], "{1, 1, 12}");
  EXPECT_EQ(f["reduced_strides"], "{0, 0, 5}");
  EXPECT_EQ(f["count"], "12");
}

TEST(ReduceOps, Int8MeanFoldsTheCountIntoTheMultiplier) {
  // S_in / S_out = 1: QuantizeMultiplier (2^30, 1); count 24: k = 4, 2^34 / 24 = 715827882,
  // shift -3; sum offset -Z_in * 24 = 72.
  const auto c = compile_bytes(one_op(Op::Mean, w::TensorType::INT8, {4, 3, 6}, {0, 2}, w::TensorType::INT8, {3},
                                      q(0.05f, -3), q(0.05f, -3)),
                               kName);
  EXPECT_EQ(c->calls[0].function(), "reduce_sum_requantize_s8");
  auto f = fields(c->calls[0]);
  EXPECT_EQ(f["multiplier"], "715827882");
  EXPECT_EQ(f["shift"], "-3");
  EXPECT_EQ(f["sum_offset"], "72");
  EXPECT_EQ(f["output_zero_point"], "-3");
}

TEST(ReduceOps, RejectsWhatTflmRejects) {
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(Op::Mean, w::TensorType::FLOAT32, {2, 3, 4}, {3}, w::TensorType::FLOAT32,
                                            {2, 3}),
                                     kName),
                       kName, "op 0 (MEAN)", "axis tensor 1 'axis'", "axis 3 is out of range for rank 3");
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(kReduceMax, w::TensorType::INT16, {2, 3}, {1}, w::TensorType::INT16, {2},
                                            q(0.01f, 0), q(0.01f, 0)),
                                     kName),
                       kName, "op 0 (REDUCE_MAX)", "type INT16 is not supported", "float32 and int8");
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(kReduceMax, w::TensorType::INT8, {2, 3}, {1}, w::TensorType::INT8, {2},
                                            q(0.01f, 0), q(0.02f, 0)),
                                     kName),
                       kName, "op 0 (REDUCE_MAX)", "output tensor 2 'out'", "input's scale and zero point");
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(Op::Mean, w::TensorType::INT32, {2, 3}, {1}, w::TensorType::INT32, {2}),
                                     kName),
                       kName, "op 0 (MEAN)", "type INT32 is not supported");
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(kArgMax, w::TensorType::INT8, {2, 3}, {0, 1}, w::TensorType::INT32, {2},
                                            q(0.01f, 0)),
                                     kName),
                       kName, "op 0 (ARG_MAX)", "axis tensor 1 'axis'", "holds 2 values, expected 1");
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(kArgMin, w::TensorType::INT16, {2, 3}, {1}, w::TensorType::INT32, {2},
                                            q(0.01f, 0)),
                                     kName),
                       kName, "op 0 (ARG_MIN)", "type INT16 is not supported");
  // 2 S_in / (2^20 S_out) >= 1.
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(kCumsum, w::TensorType::INT8, {2, 3}, {1}, w::TensorType::INT8, {2, 3},
                                            q(1.f, 0), q(1e-7f, 0)),
                                     kName),
                       kName, "op 0 (CUMSUM)", "rescale multiplier >= 1");
}

TEST(ReduceOps, L2PoolIsFloatOnly) {
  w::ModelWriter m;
  const int in = m.add_input_tensor("in", w::TensorType::INT8, {1, 4, 4, 2}, q(0.1f, 0));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 2, 2, 2}, q(0.1f, 0));
  w::Pool2DOptions o;
  o.padding = w::Padding::VALID;
  o.stride_w = o.stride_h = o.filter_width = o.filter_height = 2;
  m.add_operator(kL2Pool, {in}, {out}, o);
  m.set_outputs({out});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 0 (L2_POOL_2D)", "float32 only");
}

// ADD(constant, x): the constant stays in flash as the kernel's first operand.
TEST(ReduceOps, AddTakesAConstantOperandFromFlash) {
  w::ModelWriter m;
  const int c = m.add_const_tensor("c", w::TensorType::INT8, {4}, w::to_bytes(std::vector<int8_t>{1, -2, 3, -4}),
                                   q(0.02f, 5));
  const int x = m.add_input_tensor("x", w::TensorType::INT8, {1, 3, 4}, q(0.05f, -3));
  const int out = m.add_tensor("out", w::TensorType::INT8, {1, 3, 4}, q(0.06f, -2));
  m.add_add(c, x, out);
  m.set_outputs({out});
  const auto compiled = compile_bytes(m.finish(), kName);
  const auto& k = compiled->calls[0];
  EXPECT_EQ(k.function(), "binary_quantized<mf::OpAdd>");
  ASSERT_EQ(k.args.size(), 3u);
  EXPECT_EQ(k.args[0].kind, microflow::KernelArg::Array);
  EXPECT_EQ(k.arrays[0].ints, (std::vector<int64_t>{1, -2, 3, -4}));
  EXPECT_EQ(k.args[1].kind, microflow::KernelArg::Input);
  EXPECT_EQ(k.args[1].tensor, x);
  EXPECT_EQ(k.args[2].tensor, out);
  const auto& p = k.params.as<microflow::BinaryQuantizedParams>();
  EXPECT_EQ(p.input1_in_flash, 1);
  EXPECT_EQ(p.input2_in_flash, 0);
  // [4] against [1,3,4]: one loop of 12 outputs would not do; rows of 4, the constant repeated.
  EXPECT_EQ(p.dims, (std::vector<int64_t>{1, 1, 1, 3, 4}));
  EXPECT_EQ(p.input1_strides, (std::vector<int64_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(p.input2_strides, (std::vector<int64_t>{0, 0, 0, 4, 1}));

  // ADD of two constants folds; the second ADD reads the sum from flash.
  w::ModelWriter both;
  const int c1 = both.add_const_tensor("c1", w::TensorType::FLOAT32, {2}, w::to_bytes(std::vector<float>{1, 2}));
  const int c2 = both.add_const_tensor("c2", w::TensorType::FLOAT32, {2}, w::to_bytes(std::vector<float>{3, 4}));
  const int x2 = both.add_input_tensor("x", w::TensorType::FLOAT32, {2});
  const int sum = both.add_tensor("sum", w::TensorType::FLOAT32, {2});
  const int y = both.add_tensor("y", w::TensorType::FLOAT32, {2});
  both.add_add(c1, c2, sum);
  both.add_add(sum, x2, y);
  both.set_outputs({y});
  const auto folded = compile_bytes(both.finish(), kName);
  ASSERT_EQ(folded->calls.size(), 1u);
  EXPECT_EQ(folded->calls[0].function(), "binary_f32<mf::OpAdd>");
  EXPECT_EQ(folded->calls[0].arrays.at(0).floats, (std::vector<float>{4, 6}));
}

// Constant folding: the lowered call's evaluate runs the runtime kernel on host buffers.
template <typename In, typename Out>
std::vector<Out> evaluate(Op code, std::vector<int32_t> shape, std::vector<int32_t> axes, w::TensorType out_type,
                          std::vector<int32_t> out_shape, const std::vector<In>& input) {
  const auto c = compile_bytes(one_op(code, w::TensorType::INT32, shape, axes, out_type, out_shape), kName);
  const auto& k = c->calls.at(0);
  EXPECT_NE(k.kernel->evaluate, nullptr) << k.function();
  size_t outputs = 1;
  for (int32_t d : out_shape) outputs *= static_cast<size_t>(d);
  std::vector<In> in = input;
  std::vector<Out> out(outputs);
  k.kernel->evaluate(k, {reinterpret_cast<uint8_t*>(in.data()), reinterpret_cast<uint8_t*>(out.data())});
  return out;
}

TEST(ReduceOps, Int32ReductionsFold) {
  const std::vector<int32_t> x = {3, -1, 7, 2, 9, -4};  // [2, 3]
  EXPECT_EQ((evaluate<int32_t, int32_t>(kSum, {2, 3}, {1}, w::TensorType::INT32, {2}, x)),
            (std::vector<int32_t>{9, 7}));
  EXPECT_EQ((evaluate<int32_t, int32_t>(kReduceMax, {2, 3}, {0}, w::TensorType::INT32, {3}, x)),
            (std::vector<int32_t>{3, 9, 7}));
  EXPECT_EQ((evaluate<int32_t, int32_t>(static_cast<Op>(89), {2, 3}, {-1}, w::TensorType::INT32, {2}, x)),
            (std::vector<int32_t>{-1, -4}));
  EXPECT_EQ((evaluate<int32_t, int64_t>(kArgMax, {2, 3}, {1}, w::TensorType::INT64, {2}, x)),
            (std::vector<int64_t>{2, 1}));
  EXPECT_EQ((evaluate<int32_t, int32_t>(kArgMin, {2, 3}, {0}, w::TensorType::INT32, {3}, x)),
            (std::vector<int32_t>{1, 0, 1}));
}

// In a model: SUM of a constant computes a RESHAPE's shape operand at build time (the
// lowering accepts a constant int32 input for that) and disappears.
TEST(ReduceOps, SumOfAConstantFoldsAway) {
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::FLOAT32, {2, 6});
  const int dims = m.add_const_tensor("dims", w::TensorType::INT32, {2, 2}, w::to_bytes(std::vector<int32_t>{1, 2, 3, 1}));
  const int axis = m.add_const_tensor("axis", w::TensorType::INT32, {1}, w::to_bytes(std::vector<int32_t>{1}));
  const int shape = m.add_tensor("shape", w::TensorType::INT32, {2});
  m.add_operator(kSum, {dims, axis}, {shape});  // {3, 4}
  const int y = m.add_tensor("y", w::TensorType::FLOAT32, {3, 4});
  m.add_reshape({x, shape}, y);
  const int z = m.add_tensor("z", w::TensorType::FLOAT32, {3, 4});
  m.add_add(y, y, z);
  m.set_outputs({z});
  const auto c = compile_bytes(m.finish(), kName);
  ASSERT_EQ(c->folded.size(), 1u);
  EXPECT_EQ(c->folded[0].op_name, "SUM");
  EXPECT_TRUE(c->folded[0].evaluated);
  const auto& folded = c->graph.tensor(shape);
  ASSERT_TRUE(folded.is_constant);
  EXPECT_EQ(std::vector<int32_t>(folded.data_as<int32_t>(), folded.data_as<int32_t>() + 2), (std::vector<int32_t>{3, 4}));
}

// Folding leaves model outputs to run time, where a constant input has no arena buffer.
TEST(ReduceOps, ConstantInputOfAModelOutputIsRejected) {
  w::ModelWriter m;
  const int x = m.add_input_tensor("x", w::TensorType::FLOAT32, {2});
  const int y = m.add_tensor("y", w::TensorType::FLOAT32, {2});
  m.add_add(x, x, y);
  const int c = m.add_const_tensor("c", w::TensorType::INT32, {2, 3}, w::to_bytes(std::vector<int32_t>{3, -1, 7, 2, 9, -4}));
  const int axis = m.add_const_tensor("axis", w::TensorType::INT32, {1}, w::to_bytes(std::vector<int32_t>{1}));
  const int s = m.add_tensor("s", w::TensorType::INT32, {2});
  m.add_operator(kSum, {c, axis}, {s});
  m.set_outputs({y, s});
  EXPECT_COMPILE_ERROR(compile_bytes(m.finish(), kName), kName, "op 1 (SUM)", "input tensor 2 'c'", "is constant",
                       "model output");
}

}  // namespace
}  // namespace mftest
