// The index / shape / data-movement operators beyond the reference models: compile-time
// checks of constant indices and types, constant folding through KernelDef::evaluate,
// and constant operands read from flash end to end.
#include <cstdlib>

#include "kernels/index.h"
#include "ops/op_def.h"
#include "test_util.h"

namespace {

using namespace mftest;
using microflow::DType;
using w::BuiltinOperator;
using w::TensorType;

BuiltinOperator op_code(int code) { return static_cast<BuiltinOperator>(code); }
constexpr int kGather = 36, kGatherNd = 107, kEmbeddingLookup = 7, kSelectV2 = 123, kDynamicUpdateSlice = 151,
              kFill = 94, kZerosLike = 93, kCast = 53, kShape = 77, kBroadcastArgs = 145,
              kResizeNearestNeighbor = 97, kResizeBilinear = 23;

// A model whose single operator `code` reads `inputs` and writes a new output tensor.
struct OneOp {
  w::ModelWriter m;
  int32_t input = -1;  // the model input (unused by const-only operators)

  OneOp() { input = m.add_input_tensor("x", TensorType::FLOAT32, {1}); }
  std::vector<uint8_t> finish(BuiltinOperator code, std::vector<int32_t> inputs, TensorType out_type,
                              std::vector<int32_t> out_shape, std::optional<w::Quantization> quant = std::nullopt) {
    const int32_t out = m.add_tensor("y", out_type, std::move(out_shape), std::move(quant));
    m.add_operator(code, std::move(inputs), {out});
    m.set_outputs({out});
    return m.finish();
  }
};

// The single operator lowered, and its evaluation into a buffer of the output's size.
std::vector<uint8_t> fold(const std::vector<uint8_t>& model) {
  const microflow::Graph g = microflow::read_tflite_buffer(model, "m.tflite");
  const microflow::KernelCall k = g.ops.at(0).def->lower(g, g.ops.at(0));
  EXPECT_NE(k.kernel->evaluate, nullptr) << k.function();
  for (const microflow::KernelArg& a : k.args)
    EXPECT_NE(a.kind, microflow::KernelArg::Input) << k.function() << " reads a tensor: it would not fold";
  std::vector<uint8_t> out(static_cast<size_t>(g.tensor(g.ops[0].outputs[0]).bytes()));
  k.kernel->evaluate(k, {out.data()});
  return out;
}

template <typename T>
std::vector<T> as(const std::vector<uint8_t>& bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

TEST(IndexOps, ConstantIndicesAreCheckedAtCompileTime) {
  OneOp o;
  const int32_t params = o.m.add_input_tensor("params", TensorType::INT8, {10, 6}, q(0.05f, -3));
  const int32_t indices = o.m.add_const_tensor("idx", TensorType::INT32, {2}, bytes_of<int32_t>({0, 10}));
  const auto model = o.finish(op_code(kGather), {params, indices}, TensorType::INT8, {2, 6}, q(0.05f, -3));
  EXPECT_COMPILE_ERROR(compile_bytes(model, "m.tflite"), "m.tflite", "op 0 (GATHER)", "indices tensor",
                       "value 10 at position 1 is outside [0, 10)");

  OneOp nd;
  const int32_t data = nd.m.add_input_tensor("params", TensorType::FLOAT32, {2, 2});
  const int32_t tuples = nd.m.add_const_tensor("idx", TensorType::INT32, {2, 2}, bytes_of<int32_t>({0, 2, 1, 2}));
  const auto nd_model = nd.finish(op_code(kGatherNd), {data, tuples}, TensorType::FLOAT32, {2});
  EXPECT_COMPILE_ERROR(compile_bytes(nd_model, "m.tflite"), "m.tflite", "op 0 (GATHER_ND)",
                       "tuple 1 points outside the params [2,2]");
}

TEST(IndexOps, TypesTflmRejectsNameTheReason) {
  OneOp g;
  const int32_t params = g.m.add_input_tensor("params", TensorType::INT16, {4, 3});
  const int32_t indices = g.m.add_input_tensor("idx", TensorType::INT32, {2});
  EXPECT_COMPILE_ERROR(compile_bytes(g.finish(op_code(kGather), {params, indices}, TensorType::INT16, {2, 3}), "m.tflite"),
                       "m.tflite", "op 0 (GATHER)", "params tensor", "type INT16 is not supported",
                       "float32 and int8");
  OneOp c;
  const int32_t wide = c.m.add_input_tensor("i64", TensorType::INT64, {4});
  EXPECT_COMPILE_ERROR(compile_bytes(c.finish(op_code(kCast), {wide}, TensorType::FLOAT32, {4}), "m.tflite"),
                       "m.tflite", "op 0 (CAST)", "type INT64 is not supported");
  OneOp s;
  const int32_t any = s.m.add_input_tensor("t", TensorType::INT8, {2, 3}, q(1.f, 0));
  EXPECT_COMPILE_ERROR(compile_bytes(s.finish(op_code(kShape), {any}, TensorType::INT64, {2}), "m.tflite"), "m.tflite",
                       "op 0 (SHAPE)", "TFLM's SHAPE writes int32 only");
  OneOp r;
  const int32_t image = r.m.add_input_tensor("img", TensorType::INT16, {1, 2, 2, 1}, q(1.f, 0));
  const int32_t size = r.m.add_const_tensor("size", TensorType::INT32, {2}, bytes_of<int32_t>({4, 4}));
  EXPECT_COMPILE_ERROR(compile_bytes(r.finish(op_code(kResizeBilinear), {image, size}, TensorType::INT16, {1, 4, 4, 1},
                                              q(1.f, 0)),
                                     "m.tflite"),
                       "m.tflite", "op 0 (RESIZE_BILINEAR)", "float32 and int8");
}

TEST(IndexOps, ConstantOperandsFold) {
  {
    OneOp o;
    const int32_t t = o.m.add_input_tensor("t", TensorType::INT8, {1, 5, 6, 3}, q(1.f, 0));
    EXPECT_EQ(as<int32_t>(fold(o.finish(op_code(kShape), {t}, TensorType::INT32, {4}))),
              (std::vector<int32_t>{1, 5, 6, 3}));
  }
  {
    OneOp o;
    const int32_t t = o.m.add_input_tensor("t", TensorType::INT64, {2, 3});
    EXPECT_EQ(as<int64_t>(fold(o.finish(op_code(kZerosLike), {t}, TensorType::INT64, {2, 3}))),
              std::vector<int64_t>(6, 0));
  }
  {
    OneOp o;
    const int32_t c = o.m.add_const_tensor("c", TensorType::FLOAT32, {4}, bytes_of<float>({-1.5f, 2.7f, 300.2f, -0.f}));
    EXPECT_EQ(as<int8_t>(fold(o.finish(op_code(kCast), {c}, TensorType::INT8, {4}))),
              (std::vector<int8_t>{-1, 2, 44, 0}));
  }
  {
    OneOp o;
    const int32_t dims = o.m.add_const_tensor("dims", TensorType::INT64, {2}, bytes_of<int64_t>({2, 3}));
    const int32_t value = o.m.add_const_tensor("v", TensorType::INT32, {}, bytes_of<int32_t>({-7}));
    EXPECT_EQ(as<int32_t>(fold(o.finish(op_code(kFill), {dims, value}, TensorType::INT32, {2, 3}))),
              std::vector<int32_t>(6, -7));
  }
  {
    OneOp o;
    const int32_t a = o.m.add_const_tensor("a", TensorType::INT64, {2}, bytes_of<int64_t>({6, 1}));
    const int32_t b = o.m.add_const_tensor("b", TensorType::INT64, {3}, bytes_of<int64_t>({1, 1, 4}));
    EXPECT_EQ(as<int64_t>(fold(o.finish(op_code(kBroadcastArgs), {a, b}, TensorType::INT64, {3}))),
              (std::vector<int64_t>{1, 6, 4}));
  }
  {
    OneOp o;
    const int32_t params = o.m.add_const_tensor("p", TensorType::FLOAT32, {3, 2}, bytes_of<float>({1, 2, 3, 4, 5, 6}));
    const int32_t idx = o.m.add_const_tensor("i", TensorType::INT32, {2}, bytes_of<int32_t>({2, 0}));
    EXPECT_EQ(as<float>(fold(o.finish(op_code(kGather), {params, idx}, TensorType::FLOAT32, {2, 2}))),
              (std::vector<float>{5, 6, 1, 2}));
  }
  {
    OneOp o;
    const int32_t params = o.m.add_const_tensor("p", TensorType::INT8, {2, 2}, bytes_of<int8_t>({1, 2, 3, 4}), q(1.f, 0));
    const int32_t idx = o.m.add_const_tensor("i", TensorType::INT32, {3, 2}, bytes_of<int32_t>({1, 0, 0, 1, 1, 1}));
    EXPECT_EQ(as<int8_t>(fold(o.finish(op_code(kGatherNd), {params, idx}, TensorType::INT8, {3}, q(1.f, 0)))),
              (std::vector<int8_t>{3, 2, 4}));
  }
  {
    OneOp o;
    const int32_t ids = o.m.add_const_tensor("ids", TensorType::INT32, {2}, bytes_of<int32_t>({1, 0}));
    const int32_t table = o.m.add_const_tensor("t", TensorType::INT8, {2, 2}, bytes_of<int8_t>({10, -20, 30, 40}),
                                               q(0.5f, 0));
    EXPECT_EQ(as<float>(fold(o.finish(op_code(kEmbeddingLookup), {ids, table}, TensorType::FLOAT32, {2, 2}))),
              (std::vector<float>{15, 20, 5, -10}));
  }
  {
    OneOp o;
    const int32_t c = o.m.add_const_tensor("c", TensorType::BOOL, {2, 1}, bytes_of<uint8_t>({1, 0}));
    const int32_t x = o.m.add_const_tensor("x", TensorType::INT16, {1, 3}, bytes_of<int16_t>({1, 2, 3}), q(1.f, 0));
    const int32_t y = o.m.add_const_tensor("y", TensorType::INT16, {1}, bytes_of<int16_t>({-9}), q(1.f, 0));
    EXPECT_EQ(as<int16_t>(fold(o.finish(op_code(kSelectV2), {c, x, y}, TensorType::INT16, {2, 3}, q(1.f, 0)))),
              (std::vector<int16_t>{1, 2, 3, -9, -9, -9}));
  }
  {
    OneOp o;
    const int32_t operand = o.m.add_const_tensor("o", TensorType::INT32, {5}, bytes_of<int32_t>({0, 1, 2, 3, 4}));
    const int32_t update = o.m.add_const_tensor("u", TensorType::INT32, {2}, bytes_of<int32_t>({-1, -2}));
    const int32_t start = o.m.add_const_tensor("s", TensorType::INT64, {1}, bytes_of<int64_t>({7}));
    EXPECT_EQ(as<int32_t>(fold(o.finish(op_code(kDynamicUpdateSlice), {operand, update, start}, TensorType::INT32, {5}))),
              (std::vector<int32_t>{0, 1, 2, -1, -2}));
  }
  for (const TensorType type : {TensorType::INT8, TensorType::FLOAT32}) {
    OneOp o;
    const bool is_int8 = type == TensorType::INT8;
    const int32_t image = is_int8 ? o.m.add_const_tensor("img", type, {1, 1, 2, 1}, bytes_of<int8_t>({0, 100}), q(1.f, 0))
                                  : o.m.add_const_tensor("img", type, {1, 1, 2, 1}, bytes_of<float>({0, 100}));
    const int32_t size = o.m.add_const_tensor("size", TensorType::INT32, {2}, bytes_of<int32_t>({1, 4}));
    const std::optional<w::Quantization> quant = is_int8 ? std::optional(q(1.f, 0)) : std::nullopt;
    const std::vector<uint8_t> bilinear =
        fold(o.finish(op_code(kResizeBilinear), {image, size}, type, {1, 1, 4, 1}, quant));
    if (is_int8) EXPECT_EQ(as<int8_t>(bilinear), (std::vector<int8_t>{0, 50, 100, 100}));
    else EXPECT_EQ(as<float>(bilinear), (std::vector<float>{0, 50, 100, 100}));
  }
  {
    OneOp o;
    const int32_t image = o.m.add_const_tensor("img", TensorType::INT8, {1, 1, 2, 1}, bytes_of<int8_t>({7, 9}), q(1.f, 0));
    const int32_t size = o.m.add_const_tensor("size", TensorType::INT32, {2}, bytes_of<int32_t>({2, 4}));
    EXPECT_EQ(as<int8_t>(fold(o.finish(op_code(kResizeNearestNeighbor), {image, size}, TensorType::INT8, {1, 2, 4, 1},
                                       q(1.f, 0)))),
              (std::vector<int8_t>{7, 7, 9, 9, 7, 7, 9, 9}));
  }
}

// SHAPE of a computed tensor folds (its output depends on static shapes only), and the
// constant it leaves reaches the next operator as a flash operand.
TEST(IndexOps, ShapeOfAComputedTensorFolds) {
  w::ModelWriter m;
  const int32_t x = m.add_input_tensor("x", TensorType::FLOAT32, {2, 3});
  const int32_t dims = m.add_tensor("dims", TensorType::INT32, {2});
  m.add_operator(op_code(kShape), {x}, {dims});
  const int32_t y = m.add_tensor("y", TensorType::FLOAT32, {2});
  m.add_operator(op_code(kCast), {dims}, {y});
  m.set_outputs({y});
  const auto c = compile_bytes(m.finish(), "m.tflite");
  ASSERT_EQ(c->folded.size(), 1u);
  EXPECT_EQ(c->folded[0].op_name, "SHAPE");
  EXPECT_TRUE(c->folded[0].evaluated);
  ASSERT_EQ(c->calls.size(), 1u);
  const microflow::KernelCall& cast = c->calls[0];
  EXPECT_EQ(cast.function(), "cast");
  ASSERT_EQ(cast.arrays.size(), 1u);
  EXPECT_EQ(cast.arrays[0].ints, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(cast.params.as<microflow::CastParams>().input_in_flash, 1);
}

// SELECT_V2 with a constant branch, DYNAMIC_UPDATE_SLICE with a constant update and a
// run-time start, GATHER of a constant table: the constants stay in flash (on AVR read
// through program memory) and the results match.
TEST(IndexOps, ConstantOperandsFromFlashEndToEnd) {
  if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built";
  w::ModelWriter m;
  const int32_t cond = m.add_input_tensor("cond", TensorType::BOOL, {2, 3});
  const int32_t x = m.add_input_tensor("x", TensorType::INT8, {2, 3}, q(0.1f, 0));
  const int32_t start = m.add_input_tensor("start", TensorType::INT32, {1});
  const int32_t ids = m.add_input_tensor("ids", TensorType::INT32, {3});
  const int32_t y = m.add_const_tensor("y", TensorType::INT8, {1, 3}, bytes_of<int8_t>({-1, -2, -3}), q(0.1f, 0));
  const int32_t selected = m.add_tensor("selected", TensorType::INT8, {2, 3}, q(0.1f, 0));
  m.add_operator(op_code(kSelectV2), {cond, x, y}, {selected});
  const int32_t operand = m.add_tensor("flat", TensorType::INT8, {6}, q(0.1f, 0));
  m.add_reshape({selected}, operand);
  const int32_t update = m.add_const_tensor("u", TensorType::INT8, {2}, bytes_of<int8_t>({100, 101}), q(0.1f, 0));
  const int32_t updated = m.add_tensor("updated", TensorType::INT8, {6}, q(0.1f, 0));
  m.add_operator(op_code(kDynamicUpdateSlice), {operand, update, start}, {updated});
  const int32_t table = m.add_const_tensor("table", TensorType::INT8, {4, 2}, bytes_of<int8_t>({1, 2, 3, 4, 5, 6, 7, 8}),
                                           q(0.1f, 0));
  const int32_t rows = m.add_tensor("rows", TensorType::INT8, {3, 2}, q(0.1f, 0));
  m.add_operator(op_code(kGather), {table, ids}, {rows});
  m.set_outputs({updated, rows});
  TempDir dir("index_flash");
  write_file(dir.path() / "m.tflite", m.finish());
  fs::create_directories(dir.path() / "vectors");
  const std::vector<std::vector<int32_t>> cases = {{0, 3, 1, 0}, {4, 0, 0, 0}, {-3, 2, 2, 2}, {9, 1, 5, -1}};
  for (size_t v = 0; v < cases.size(); ++v) {
    const std::vector<uint8_t> c = {1, 0, 1, 0, 0, 1};
    const std::vector<int8_t> xv = {10, 11, 12, 13, 14, 15};
    std::vector<uint8_t> in = c;
    for (int8_t b : xv) in.push_back(static_cast<uint8_t>(b));
    for (size_t k = 0; k < 4; ++k) {
      const std::vector<uint8_t> b = bytes_of<int32_t>({cases[v][k]});
      in.insert(in.end(), b.begin(), b.end());
    }
    std::vector<int8_t> flat = {10, -2, 12, -1, -2, 15};
    const int32_t s = std::min(std::max(cases[v][0], 0), 4);
    flat[static_cast<size_t>(s)] = 100;
    flat[static_cast<size_t>(s) + 1] = 101;
    std::vector<uint8_t> out(flat.begin(), flat.end());
    for (size_t k = 1; k < 4; ++k)
      for (int j = 0; j < 2; ++j) {
        const int32_t id = cases[v][k];
        out.push_back(static_cast<uint8_t>(id >= 0 && id < 4 ? 2 * id + j + 1 : 0));  // zeros for an id outside
      }
    const std::string name = numbered("v", v);
    write_file(dir.path() / "vectors" / (name + ".in.bin"), in);
    write_file(dir.path() / "vectors" / (name + ".out.bin"), out);
  }
  std::vector<std::string> runs = {""};
  if (MICROFLOW_HAS_SIMAVR && std::system("command -v avr-g++ >/dev/null") == 0) runs.push_back(" --target atmega328p");
  for (const std::string& target : runs) {
    const std::string cmd = std::string("\"") + MICROFLOW_EXE + "\" verify \"" + (dir.path() / "m.tflite").string() +
                            "\" --vectors \"" + (dir.path() / "vectors").string() + "\"" + target + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string output;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << output;
    EXPECT_NE(output.find("verify: 4/4 bit-exact"), std::string::npos) << target << "\n" << output;
  }
}

}  // namespace
