// int8 single-input operators as tables (ops/int8_table.h): for several quantizations per
// operator, the compiled call (lookup_s8 over its table, or clamp_s8), evaluated at all 256
// inputs, equals the operator's direct evaluation: the runtime reference kernel run on each
// input with the parameters TFLM's Prepare computes, derived here from TFLM's formulas
// independently of the compiler. The reference kernels' arithmetic is checked by
// tests/runtime/test_unary.cpp and the operators/ goldens.
#include <cmath>
#include <functional>

#include "kernels/unary.h"
#include "microflow/kernels/sigmoid_tanh.h"
#include "microflow/kernels/unary_quantized.h"
#include "ops/int8_table.h"
#include "test_util.h"
#include "tflm_reference.h"

namespace mftest {
namespace {

using Op = w::BuiltinOperator;
constexpr auto kAbs = static_cast<Op>(101), kRsqrt = static_cast<Op>(76), kRelu = static_cast<Op>(19),
               kRelu6 = static_cast<Op>(21), kLeakyRelu = static_cast<Op>(98), kElu = static_cast<Op>(111),
               kHardSwish = static_cast<Op>(117);

struct Quant {
  float scale;
  int32_t zero_point;
};

std::vector<uint8_t> one_op(Op code, Quant in, Quant out, w::BuiltinOptions options = {}) {
  w::ModelWriter m;
  const int x = m.add_input_tensor("in", w::TensorType::INT8, {256}, q(in.scale, in.zero_point));
  const int y = m.add_tensor("out", w::TensorType::INT8, {256}, q(out.scale, out.zero_point));
  m.add_operator(code, {x}, {y}, options);
  m.set_outputs({y});
  return m.finish();
}

// The direct evaluation of one input.
using Direct = std::function<int8_t(int8_t)>;

template <typename P>
Direct direct(void (*kernel)(const P&, const int8_t*, int8_t*), P p) {
  p.size = 1;
  return [kernel, p](int8_t x) {
    int8_t y = 0;
    kernel(p, &x, &y);
    return y;
  };
}

// TFLM QuantizeMultiplier on any sign (LEAKY_RELU's alpha may be negative).
tflm_ref::QM quantize_signed(double d) {
  if (d >= 0) return tflm_ref::quantize_multiplier(d);
  int s = 0;
  const double f = std::frexp(d, &s);
  if (s < -31) return {};
  return {static_cast<int32_t>(std::round(f * 2147483648.0)), s};
}

// Compiles the operator, checks which kernel it became, and compares the call's output for
// every input (and int8_table_for's table) with the direct evaluation.
void expect_table_matches(Op code, Quant in, Quant out, const Direct& reference, w::BuiltinOptions options = {},
                          const char* kernel = nullptr) {
  const auto c = compile_bytes(one_op(code, in, out, options), "table.tflite");
  ASSERT_EQ(c->calls.size(), 1u);
  const microflow::KernelCall& k = c->calls[0];
  if (kernel) {
    EXPECT_EQ(k.function(), kernel);
  }
  std::vector<uint8_t> x(256), y(256);
  for (int b = 0; b < 256; ++b) x[static_cast<size_t>(b)] = static_cast<uint8_t>(b);
  k.kernel->evaluate(k, {x.data(), y.data()});
  const microflow::Int8Table table = microflow::int8_table_for(c->graph, *k.op);
  for (int v = -128; v <= 127; ++v) {
    const auto b = static_cast<uint8_t>(static_cast<int8_t>(v));
    const int8_t expected = reference(static_cast<int8_t>(v));
    ASSERT_EQ(static_cast<int8_t>(y[b]), expected) << k.op->name << " input " << v << " (S_in " << in.scale
                                                    << ", Z_in " << in.zero_point << ", S_out " << out.scale
                                                    << ", Z_out " << out.zero_point << ")";
    ASSERT_EQ(table[b], expected) << "int8_table_for, input " << v;
  }
}

TEST(Int8Tables, Relu) {
  for (auto [in, out] : {std::pair<Quant, Quant>{{0.05f, -3}, {0.03f, -128}},
                         {{0.1f, 20}, {0.1f, 20}},
                         {{0.02f, 100}, {0.05f, -100}},
                         {{0.5f, -128}, {0.01f, 0}}}) {
    const tflm_ref::QM m = tflm_ref::quantize_multiplier(static_cast<double>(in.scale) / out.scale);
    const mf::ReluParams p{0, in.zero_point, out.zero_point, m.m, m.s, std::max(-128, out.zero_point), 127};
    // Equal quantizations give a clamp at the zero point: no table.
    const bool same = in.scale == out.scale && in.zero_point == out.zero_point;
    expect_table_matches(kRelu, in, out, direct(mf::relu_s8, p), {}, same ? "clamp_s8" : "lookup_s8");
  }
}

TEST(Int8Tables, Relu6IsAClampOfTheRawInput) {
  for (Quant in : {Quant{0.05f, -3}, Quant{0.1f, 20}, Quant{0.01f, -128}, Quant{0.5f, 0}}) {
    const int32_t six = std::clamp(static_cast<int32_t>(std::round(6.0f / in.scale)) + in.zero_point, -128, 127);
    // The output quantization plays no part (TFLM's RELU6 reads only the input's).
    expect_table_matches(kRelu6, in, {0.7f, 5}, direct(mf::clamp_s8, mf::ClampParams{0, in.zero_point, six}), {},
                         "clamp_s8");
  }
}

TEST(Int8Tables, LeakyRelu) {
  struct Case {
    Quant in, out;
    float alpha;
  };
  for (const Case& t : {Case{{0.05f, -3}, {0.0304f, -87}, 0.2f}, Case{{0.04f, 30}, {0.0419f, 53}, 1.5f},
                        Case{{0.1f, 0}, {0.08f, 10}, -0.3f}, Case{{0.02f, -128}, {0.02f, -128}, 0.0f}}) {
    const tflm_ref::QM a = quantize_signed(static_cast<double>(t.in.scale * t.alpha / t.out.scale));
    const tflm_ref::QM id = tflm_ref::quantize_multiplier(static_cast<double>(t.in.scale / t.out.scale));
    const mf::LeakyReluParams p{0, t.in.zero_point, t.out.zero_point, a.m, a.s, id.m, id.s};
    expect_table_matches(kLeakyRelu, t.in, t.out, direct(mf::leaky_relu_s8, p), w::LeakyReluOptions{t.alpha});
  }
}

TEST(Int8Tables, Abs) {
  for (auto [in, out] : {std::pair<Quant, Quant>{{0.05f, -3}, {0.0225f, -128}},
                         {{0.05f, -3}, {0.05f, -3}},
                         {{0.05f, 40}, {0.05f, -128}},
                         {{0.02f, 0}, {0.1f, 7}}}) {
    mf::AbsParams p{0, mf::kAbsOffset, in.zero_point, out.zero_point, 0, 0};
    if (in.scale != out.scale) {
      const tflm_ref::QM m = tflm_ref::quantize_multiplier(static_cast<double>(in.scale) / out.scale);
      p = {0, mf::kAbsRescale, in.zero_point, out.zero_point, m.m, m.s};
    }
    expect_table_matches(kAbs, in, out, direct(mf::abs_s8, p));
  }
}

TEST(Int8Tables, Elu) {
  for (auto [in, out] : {std::pair<Quant, Quant>{{0.05f, -3}, {0.04f, -100}},
                         {{0.1f, 0}, {0.1f, -20}},
                         {{0.02f, 60}, {0.01f, 0}}}) {
    const mf::EluS8Params p{0, in.zero_point, out.zero_point, in.scale, 1.0f / out.scale};
    expect_table_matches(kElu, in, out, direct(mf::elu_s8, p));
  }
}

// TFLM DownScaleInt32ToInt16Multiplier.
int32_t to_q15(int32_t m) { return m >= INT32_MAX - (1 << 15) ? 32767 : (m + (1 << 15)) >> 16; }

TEST(Int8Tables, HardSwish) {
  for (auto [in, out] : {std::pair<Quant, Quant>{{0.05f, -3}, {0.03f, -100}},
                         {{0.1f, 10}, {0.05f, -128}},
                         {{0.2f, -50}, {0.3f, 0}}}) {
    const float hires = (1.0f / 128.0f) * in.scale;
    const tflm_ref::QM o = tflm_ref::quantize_multiplier(static_cast<double>(hires / out.scale));
    const tflm_ref::QM r = tflm_ref::quantize_multiplier(static_cast<double>(hires / (3.0f / 32768.0f)));
    const mf::HardSwishS8Params p{0, in.zero_point, out.zero_point, to_q15(o.m), o.s, to_q15(r.m), r.s};
    expect_table_matches(kHardSwish, in, out, direct(mf::hard_swish_s8, p));
  }
}

TEST(Int8Tables, Rsqrt) {
  for (auto [in, out] : {std::pair<Quant, Quant>{{0.05f, -128}, {0.0176f, -128}},
                         {{0.25f, -128}, {1.0f / 127, 0}},
                         {{0.01f, -20}, {0.05f, -100}}}) {
    const tflm_ref::QM m =
        tflm_ref::quantize_multiplier(1.0 / (std::sqrt(static_cast<double>(in.scale)) * static_cast<double>(out.scale)));
    const mf::RsqrtS8Params p{0, in.zero_point, out.zero_point, m.m, m.s};
    expect_table_matches(kRsqrt, in, out, direct(mf::rsqrt_s8, p));
  }
}

// TFLM's int8 LOGISTIC / TANH Prepare: the input to Q4.27.
mf::SigmoidS8Params sigmoid_params(Quant in) {
  int shift = 0;
  const double f = std::frexp(static_cast<double>(in.scale) * (1 << 27), &shift);
  const double radius = 15.0 * (int64_t{1} << 27) / std::ldexp(1.0, shift);
  return {0, in.zero_point, static_cast<int32_t>(std::floor(radius)),
          static_cast<int32_t>(std::round(f * 2147483648.0)), shift};
}

TEST(Int8Tables, Logistic) {
  for (Quant in : {Quant{0.1f, 0}, Quant{0.05f, -3}, Quant{0.02f, 100}, Quant{0.25f, -128}, Quant{1.0f / 16, 0}}) {
    expect_table_matches(w::BuiltinOperator::Logistic, in, {1.0f / 256, -128}, direct(mf::logistic_s8, sigmoid_params(in)));
  }
}

TEST(Int8Tables, Tanh) {
  // TFLM ignores TANH's output quantization (scale 1/128, zero point 0 assumed).
  for (Quant in : {Quant{0.1f, 0}, Quant{0.05f, 20}, Quant{0.02f, -100}, Quant{0.25f, 0}}) {
    expect_table_matches(w::BuiltinOperator::Tanh, in, {1.0f / 128, 0}, direct(mf::tanh_s8, sigmoid_params(in)));
  }
}

// A constant input folds: the table call (or the float kernel) runs at build time, and the
// ADD that reads the result takes it as its constant operand.
TEST(Int8Tables, ConstantInputsFold) {
  for (bool int8 : {true, false}) {
    w::ModelWriter m;
    const auto type = int8 ? w::TensorType::INT8 : w::TensorType::FLOAT32;
    auto quant = [&](float s, int64_t z) { return int8 ? std::optional(q(s, z)) : std::nullopt; };
    const std::vector<uint8_t> bytes = int8 ? w::to_bytes(std::vector<int8_t>{-100, 0, 100})
                                            : w::to_bytes(std::vector<float>{-1.f, 0.f, 2.f});
    const int c = m.add_const_tensor("c", type, {3}, bytes, quant(0.05f, 0));
    const int act = m.add_tensor("act", type, {3}, quant(1.0f / 256, -128));
    const int x = m.add_input_tensor("x", type, {3}, quant(0.01f, 0));
    const int y = m.add_tensor("y", type, {3}, quant(0.02f, 0));
    m.add_operator(int8 ? w::BuiltinOperator::Logistic : static_cast<Op>(47), {c}, {act});  // EXP
    m.add_add(x, act, y);
    m.set_outputs({y});
    const auto compiled = compile_bytes(m.finish(), "fold.tflite");
    ASSERT_EQ(compiled->folded.size(), 1u);
    EXPECT_TRUE(compiled->folded[0].evaluated);
    ASSERT_EQ(compiled->calls.size(), 1u);
    const microflow::ConstArray& folded = compiled->calls[0].arrays.at(0);
    if (int8) {
      // logistic(-5), logistic(0), logistic(5) in 1/256 steps from -128.
      EXPECT_EQ(folded.ints, (std::vector<int64_t>{-126, 0, 126}));
    } else {
      EXPECT_EQ(folded.floats, (std::vector<float>{std::exp(-1.f), 1.f, std::exp(2.f)}));
    }
  }
}

TEST(Int8Tables, InspectNamesTheTableAndItsReferenceKernel) {
  const auto c = compile_bytes(one_op(w::BuiltinOperator::Tanh, {0.1f, 0}, {1.0f / 128, 0}), "table.tflite");
  const auto use = microflow::int8_table_use(c->graph, c->calls[0]);
  ASSERT_TRUE(use.has_value());
  EXPECT_TRUE(use->table);
  EXPECT_EQ(use->bytes, 256);
  EXPECT_EQ(use->op, "TANH");
  EXPECT_EQ(use->reference_kernel, "tanh_s8");
  const auto relu6 = compile_bytes(one_op(kRelu6, {0.05f, -3}, {0.05f, -3}), "table.tflite");
  const auto clamp = microflow::int8_table_use(relu6->graph, relu6->calls[0]);
  ASSERT_TRUE(clamp.has_value());
  EXPECT_FALSE(clamp->table);
  EXPECT_EQ(clamp->clamp_min, -3);
  EXPECT_EQ(clamp->clamp_max, 117);
}

// --int8-tables off keeps the direct kernels (TFLM's arithmetic per element, to measure the
// tables against): each call is its operator's reference call and agrees with its table.
TEST(Int8Tables, OffKeepsTheDirectKernels) {
  struct Case {
    Op code;
    Quant in, out;
    const char* kernel;
    w::BuiltinOptions options = {};
  };
  for (const Case& t : {Case{w::BuiltinOperator::Logistic, {0.05f, 0}, {1.0f / 256, -128}, "logistic_s8"},
                        Case{w::BuiltinOperator::Tanh, {0.1f, 3}, {1.0f / 128, 0}, "tanh_s8"},
                        Case{kLeakyRelu, {0.05f, -3}, {0.04f, -20}, "leaky_relu_s8", w::LeakyReluOptions{0.2f}},
                        Case{kHardSwish, {0.05f, 0}, {0.03f, -10}, "hard_swish_s8"}}) {
    const std::vector<uint8_t> bytes = one_op(t.code, t.in, t.out, t.options);
    Compiled direct;
    microflow::CompileOptions o;
    o.int8_tables = false;
    microflow::compile_model_buffer(bytes, "direct.tflite", direct, o);
    ASSERT_EQ(direct.calls.size(), 1u);
    const microflow::KernelCall& k = direct.calls[0];
    EXPECT_EQ(k.function(), t.kernel);
    std::vector<uint8_t> x(256), y(256);
    for (int b = 0; b < 256; ++b) x[static_cast<size_t>(b)] = static_cast<uint8_t>(b);
    k.kernel->evaluate(k, {x.data(), y.data()});
    const microflow::Int8Table table = microflow::int8_table_for(direct.graph, *k.op);
    for (size_t b = 0; b < 256; ++b) ASSERT_EQ(static_cast<int8_t>(y[b]), table[b]) << t.kernel << " input byte " << b;
    EXPECT_NE(compile_bytes(bytes, "table.tflite")->calls[0].function(), t.kernel) << "the default is the table";
  }
}

// The direct kernels on cortex-m4 on TFLM's goldens (the measure of bench/int8_tables.py).
TEST(Int8Tables, DirectKernelsOnCortexM4) {
  if (!fs::exists(MICROFLOW_EXE)) GTEST_SKIP() << "microflow executable not built";
  for (const char* c : {"LOGISTIC/int8", "TANH/int8_zp"}) {
    const fs::path dir = fs::path(MICROFLOW_MODELS_DIR) / "operators" / c;
    if (!fs::exists(dir / "model.tflite")) GTEST_SKIP() << dir << " absent";
    const RunResult r = run("verify " + quoted(dir / "model.tflite") + " --vectors " + quoted(dir / "vectors") +
                            " --int8-tables off --target cortex-m4");
    EXPECT_EQ(r.exit_code, 0) << c << ":\n" << r.output;
    EXPECT_NE(r.output.find("bit-exact on cortex-m4"), std::string::npos) << c << ":\n" << r.output;
  }
}

TEST(Int8Tables, RejectionsNameTheOperatorAndTheReason) {
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(w::BuiltinOperator::Logistic, {0.1f, 0}, {1.0f / 256, 0}), "t.tflite"),
                       "t.tflite", "op 0 (LOGISTIC)", "output tensor 1 'out'", "zero point 0",
                       "TFLM's int8 LOGISTIC requires -128");
  EXPECT_COMPILE_ERROR(compile_bytes(one_op(kHardSwish, {0.05f, 0}, {0.0001f, 0}), "t.tflite"), "t.tflite",
                       "op 0 (HARD_SWISH)", "output multiplier exponent <= 0");
}

}  // namespace
}  // namespace mftest
