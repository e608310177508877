#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microflow/kernels/add_n.h"
#include "microflow/kernels/binary.h"
#include "reference.h"

namespace {

// Shape fields of any binary params struct: dims padded on the left to 5.
template <typename P>
void set_shape(P& p, std::vector<int32_t> dims, std::vector<int32_t> s1, std::vector<int32_t> s2) {
  const size_t pad = 5 - dims.size();
  for (size_t i = 0; i < 5; ++i) {
    p.dims[i] = i < pad ? 1 : dims[i - pad];
    p.input1_strides[i] = i < pad ? 0 : s1[i - pad];
    p.input2_strides[i] = i < pad ? 0 : s2[i - pad];
  }
}

// First ADD of ic_pretrainedResnet_quant_int8 (doc §10): S1 = 0.0393936, S2 = 0.1041950,
// S_out = 0.0509457, Z = (-128, 4, -128).
mf::BinaryQuantizedParams resnet_add(std::vector<int32_t> dims, std::vector<int32_t> s1, std::vector<int32_t> s2,
                                     int32_t act_min = -128, int32_t act_max = 127) {
  mf::BinaryQuantizedParams p = {};
  set_shape(p, dims, s1, s2);
  p.input1_offset = 128;
  p.input2_offset = -4;
  p.left_shift = 20;
  p.input1_multiplier = 1623821475;
  p.input1_shift = -2;
  p.input2_multiplier = 1073741824;
  p.input2_shift = 0;
  p.output_multiplier = 1098017566;
  p.output_shift = -17;
  p.output_offset = -128;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

// TFLM's rescaled input: MultiplyByQuantizedMultiplierSmallerThanOneExp((x - Z) << shift).
int32_t ref_rescale(int32_t x, int32_t offset, int32_t left_shift, int32_t m, int32_t s) {
  return ref::rdbpot(ref::srdhm((x + offset) * (1 << left_shift), m), -s);
}

// TFLM's AddElementwise / SubElementwise (sign +1 / -1), any T.
int32_t reference_add_sub(const mf::BinaryQuantizedParams& p, int32_t x1, int32_t x2, int sign) {
  const int32_t a = ref_rescale(x1, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift);
  const int32_t b = ref_rescale(x2, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift);
  const int32_t o = ref::rdbpot(ref::srdhm(a + sign * b, p.output_multiplier), -p.output_shift) + p.output_offset;
  return std::min(p.act_max, std::max(p.act_min, o));
}

TEST(BinaryAddS8, DocumentedResnetExample) {
  const auto p = resnet_add({2}, {1}, {1});
  const int8_t in1[] = {0, 100}, in2[] = {4, -50};
  int8_t out[2];
  mf::binary_quantized<mf::OpAdd>(p, in1, in2, out);
  EXPECT_EQ(out[0], -29);
  EXPECT_EQ(out[1], -62);
}

TEST(BinaryAddS8, AllInputPairsMatchReference) {
  const auto p = resnet_add({256, 256}, {1, 0}, {0, 1});
  std::vector<int8_t> in(256), out(256 * 256);
  for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
  mf::binary_quantized<mf::OpAdd>(p, in.data(), in.data(), out.data());
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j) ASSERT_EQ(out[i * 256 + j], reference_add_sub(p, in[i], in[j], 1));
}

// An activation folded into int8 ADD (output_table): each clamped sum goes through it.
TEST(BinaryAddS8, OutputTableAfterTheClamp) {
  auto p = resnet_add({256, 256}, {1, 0}, {0, 1});
  p.act_min = -90;
  p.act_max = 100;
  ref::Random rng(58);
  const auto table = rng.s8(256);
  p.output_table = table.data();
  std::vector<int8_t> in(256), out(256 * 256);
  for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
  mf::binary_quantized<mf::OpAdd>(p, in.data(), in.data(), out.data());
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j)
      ASSERT_EQ(out[i * 256 + j], table[static_cast<uint8_t>(reference_add_sub(p, in[i], in[j], 1))]);
}

TEST(BinaryAddS8, BroadcastBothInputs5D) {
  // [2,1,3,1,2] + [1,4,1,5,1] -> [2,4,3,5,2]
  const auto p = resnet_add({2, 4, 3, 5, 2}, {6, 0, 2, 0, 1}, {0, 5, 0, 1, 0}, -128, 40);
  ref::Random rng(600);
  const auto in1 = rng.s8(12), in2 = rng.s8(20);
  std::vector<int8_t> out(2 * 4 * 3 * 5 * 2);
  mf::binary_quantized<mf::OpAdd>(p, in1.data(), in2.data(), out.data());
  size_t i = 0;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 4; ++b)
      for (int c = 0; c < 3; ++c)
        for (int d = 0; d < 5; ++d)
          for (int e = 0; e < 2; ++e, ++i)
            ASSERT_EQ(out[i], reference_add_sub(p, in1[a * 6 + c * 2 + e], in2[b * 5 + d], 1));
}

TEST(BinaryAddS8, InPlaceOnEitherInput) {
  const auto p = resnet_add({24}, {1}, {1});
  ref::Random rng(601);
  const auto a = rng.s8(24), b = rng.s8(24);
  std::vector<int8_t> expected(24);
  for (int i = 0; i < 24; ++i) expected[i] = static_cast<int8_t>(reference_add_sub(p, a[i], b[i], 1));
  std::vector<int8_t> x = a;
  mf::binary_quantized<mf::OpAdd>(p, x.data(), b.data(), x.data());
  EXPECT_EQ(x, expected);
  std::vector<int8_t> y = b;
  mf::binary_quantized<mf::OpAdd>(p, a.data(), y.data(), y.data());
  EXPECT_EQ(y, expected);
}

// ADD and SUB, int8 (left shift 20) and int16 (15, zero points 0), random scales as
// TFLM's Prepare computes them.
TEST(BinaryAddSub, RandomScalesMatchReference) {
  ref::Random rng(602);
  for (int iter = 0; iter < 400; ++iter) {
    const bool wide = iter % 2 == 1;
    const double s1 = rng.uniform_f(0.001f, 0.2f), s2 = rng.uniform_f(0.001f, 0.2f);
    const double so = rng.uniform_f(0.01f, 0.3f) * (wide ? 1.f / 256 : 1.f);
    const double twice_max = 2 * std::max(s1, s2);
    mf::BinaryQuantizedParams p = resnet_add({64}, {1}, {1}, wide ? -32768 : -128, wide ? 32767 : 127);
    p.left_shift = wide ? 15 : 20;
    ref::quantize_multiplier(s1 / twice_max, &p.input1_multiplier, &p.input1_shift);
    ref::quantize_multiplier(s2 / twice_max, &p.input2_multiplier, &p.input2_shift);
    ref::quantize_multiplier(twice_max / ((1 << p.left_shift) * so), &p.output_multiplier, &p.output_shift);
    p.input1_offset = wide ? 0 : -rng.uniform(-128, 127);
    p.input2_offset = wide ? 0 : -rng.uniform(-128, 127);
    p.output_offset = wide ? 0 : rng.uniform(-128, 127);
    if (wide) {
      const auto a = rng.s32(64, -32768, 32767), b = rng.s32(64, -32768, 32767);
      std::vector<int16_t> x(a.begin(), a.end()), y(b.begin(), b.end()), sum(64), diff(64);
      mf::binary_quantized<mf::OpAdd>(p, x.data(), y.data(), sum.data());
      mf::binary_quantized<mf::OpSub>(p, x.data(), y.data(), diff.data());
      for (int i = 0; i < 64; ++i) {
        ASSERT_EQ(sum[i], reference_add_sub(p, x[i], y[i], 1)) << iter;
        ASSERT_EQ(diff[i], reference_add_sub(p, x[i], y[i], -1)) << iter;
      }
    } else {
      const auto a = rng.s8(64), b = rng.s8(64);
      std::vector<int8_t> sum(64), diff(64);
      mf::binary_quantized<mf::OpAdd>(p, a.data(), b.data(), sum.data());
      mf::binary_quantized<mf::OpSub>(p, a.data(), b.data(), diff.data());
      for (int i = 0; i < 64; ++i) {
        ASSERT_EQ(sum[i], reference_add_sub(p, a[i], b[i], 1)) << iter;
        ASSERT_EQ(diff[i], reference_add_sub(p, a[i], b[i], -1)) << iter;
      }
    }
  }
}

// A constant operand (flash, here plain memory on the host) reads the same values.
TEST(BinaryAddS8, OperandInFlashEqualsRam) {
  ref::Random rng(930);
  auto p = resnet_add({3, 4}, {4, 1}, {0, 1});
  const auto x = rng.s8(12), c = rng.s8(4);
  std::vector<int8_t> expected(12), out(12);
  mf::binary_quantized<mf::OpAdd>(p, x.data(), c.data(), expected.data());
  p.input2_in_flash = 1;
  mf::binary_quantized<mf::OpAdd>(p, x.data(), c.data(), out.data());
  EXPECT_EQ(out, expected);
}

TEST(BinaryMul, QuantizedMatchesReference) {
  ref::Random rng(700);
  for (int iter = 0; iter < 200; ++iter) {
    mf::BinaryQuantizedParams p = {};
    set_shape(p, {64}, {1}, {1});
    const bool wide = iter % 2 == 1;
    ref::quantize_multiplier(rng.uniform_f(0.0005f, 4.f), &p.output_multiplier, &p.output_shift);
    p.input1_offset = wide ? 0 : rng.uniform(-127, 128);
    p.input2_offset = wide ? 0 : rng.uniform(-127, 128);
    p.output_offset = wide ? 0 : rng.uniform(-128, 127);
    p.act_min = wide ? -32768 : rng.uniform(-128, 0);
    p.act_max = wide ? 32767 : rng.uniform(0, 127);
    auto reference = [&](int32_t a, int32_t b) {
      const int32_t v = ref::mbqm((a + p.input1_offset) * (b + p.input2_offset), p.output_multiplier, p.output_shift) +
                        p.output_offset;
      return std::min(p.act_max, std::max(p.act_min, v));
    };
    if (wide) {
      const auto a = rng.s32(64, -32768, 32767), b = rng.s32(64, -32768, 32767);
      std::vector<int16_t> x(a.begin(), a.end()), y(b.begin(), b.end()), out(64);
      mf::binary_quantized<mf::OpMul>(p, x.data(), y.data(), out.data());
      for (int i = 0; i < 64; ++i) ASSERT_EQ(out[i], reference(x[i], y[i])) << iter;
    } else {
      const auto a = rng.s8(64), b = rng.s8(64);
      std::vector<int8_t> out(64);
      mf::binary_quantized<mf::OpMul>(p, a.data(), b.data(), out.data());
      for (int i = 0; i < 64; ++i) ASSERT_EQ(out[i], reference(a[i], b[i])) << iter;
    }
  }
}

// TFLM's DivElementwise with GCC's builtins for the bit counts (TFLM's GCC path).
int32_t reference_div(const mf::BinaryQuantizedParams& p, int32_t a, int32_t b) {
  int32_t x1 = a + p.input1_offset, x2 = b + p.input2_offset;
  if (x2 < 0) {
    x1 = -x1;
    x2 = -x2;
  }
  const int headroom_plus_one = __builtin_clz(static_cast<uint32_t>(x2));
  const int recip_shift = 31 - headroom_plus_one;
  const int32_t inv = mf::detail::one_over_one_plus_x_for_x_in_0_1(
      static_cast<int32_t>((static_cast<uint32_t>(x2) << headroom_plus_one) - (1u << 31)));
  const int headroom = x1 ? __builtin_clrsb(x1) : 31;
  const int32_t q = ref::srdhm(static_cast<int32_t>(static_cast<uint32_t>(x1) << headroom), inv);
  const int total_shift = p.output_shift - recip_shift - headroom;
  const int32_t v = ref::rdbpot(ref::srdhm(q, p.output_multiplier), -total_shift) + p.output_offset;
  return std::min(p.act_max, std::max(p.act_min, v));
}

TEST(BinaryDiv, QuantizedMatchesReferenceAndRealQuotient) {
  mf::BinaryQuantizedParams p = {};
  set_shape(p, {256, 255}, {1, 0}, {0, 1});
  // S1 = 0.05, S2 = 0.02, S_out = 0.0353 (multiplier 70.8, as the DIV goldens).
  const double s1 = 0.05, s2 = 0.02, so = 0.0352941192686557;
  ref::quantize_multiplier(s1 / (s2 * so), &p.output_multiplier, &p.output_shift);
  p.input1_offset = 3;
  p.input2_offset = 128;
  p.output_offset = -1;
  p.act_min = -128;
  p.act_max = 127;
  std::vector<int8_t> x(256), y(255), out(256 * 255);
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  for (int j = 0; j < 255; ++j) y[j] = static_cast<int8_t>(j - 127);  // -128 is the zero divisor
  mf::binary_quantized<mf::OpDiv>(p, x.data(), y.data(), out.data());
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 255; ++j) {
      const int32_t got = out[i * 255 + j];
      ASSERT_EQ(got, reference_div(p, x[i], y[j])) << i << " / " << j;
      const double real = s1 * (x[i] + 3) / (s2 * (y[j] + 128));
      const double q = std::min(127.0, std::max(-128.0, std::round(real / so) - 1));
      ASSERT_NEAR(got, q, 1.0) << i << " / " << j;
    }
}

TEST(BinaryDiv, ZeroDivisorGivesTheDividendsSignBound) {
  mf::BinaryQuantizedParams p = {};
  set_shape(p, {3}, {1}, {0});
  ref::quantize_multiplier(100.0, &p.output_multiplier, &p.output_shift);
  p.output_offset = 5;
  p.act_min = -20;
  p.act_max = 30;
  const int8_t x[] = {7, -7, 0}, zero = 0;
  int8_t out[3];
  mf::binary_quantized<mf::OpDiv>(p, x, &zero, out);
  EXPECT_EQ(out[0], 30);
  EXPECT_EQ(out[1], -20);
  EXPECT_EQ(out[2], 5);
}

TEST(BinaryS32, ArithmeticWithActivation) {
  mf::BinaryS32Params p = {};
  set_shape(p, {2, 3}, {3, 1}, {0, 1});
  p.act_min = -100;
  p.act_max = 1000;
  const int32_t a[] = {7, -7, 300, 40, 0, -9}, b[] = {2, -3, 4};
  int32_t out[6];
  mf::binary_s32<mf::OpDiv>(p, a, b, out);
  const int32_t quotient[] = {3, 2, 75, 20, 0, -2};  // truncated toward zero
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], quotient[i]) << i;
  mf::binary_s32<mf::OpMul>(p, a, b, out);
  const int32_t product[] = {14, 21, 1000, 80, 0, -36};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], product[i]) << i;
  mf::binary_s32<mf::OpSub>(p, a, b, out);
  const int32_t difference[] = {5, -4, 296, 38, 3, -13};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], difference[i]) << i;
  mf::binary_s32<mf::OpSquaredDifference>(p, a, b, out);
  const int32_t squares[] = {25, 16, 1000, 1000, 9, 169};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], squares[i]) << i;
}

TEST(BinaryF32, BroadcastAndClamp) {
  mf::BinaryF32Params p = {};
  set_shape(p, {2, 3}, {3, 1}, {0, 1});
  p.act_min = 0.f;
  p.act_max = 6.f;
  const float in1[] = {1.f, 2.f, 3.f, -4.f, 5.f, 0.25f}, in2[] = {0.5f, -3.f, 4.f};
  float out[6];
  mf::binary_f32<mf::OpAdd>(p, in1, in2, out);
  const float sum[] = {1.5f, 0.f, 6.f, 0.f, 2.f, 4.25f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], sum[i]) << i;
  mf::binary_f32<mf::OpDiv>(p, in1, in2, out);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], ref::clampf(in1[i] / in2[i % 3], 0.f, 6.f)) << i;
}

TEST(BinaryQuantized, SquaredDifferenceMatchesReference) {
  ref::Random rng(710);
  for (int iter = 0; iter < 200; ++iter) {
    mf::BinaryQuantizedParams p = {};
    set_shape(p, {64}, {1}, {1});
    const double s1 = rng.uniform_f(0.01f, 0.1f), s2 = rng.uniform_f(0.01f, 0.1f), so = rng.uniform_f(0.1f, 1.f);
    const double twice_max = 2 * std::max(s1, s2);
    p.left_shift = 7;
    ref::quantize_multiplier(s1 / twice_max, &p.input1_multiplier, &p.input1_shift);
    ref::quantize_multiplier(s2 / twice_max, &p.input2_multiplier, &p.input2_shift);
    ref::quantize_multiplier(twice_max * twice_max / ((1 << 14) * so), &p.output_multiplier, &p.output_shift);
    p.input1_offset = rng.uniform(-127, 128);
    p.input2_offset = rng.uniform(-127, 128);
    p.output_offset = rng.uniform(-128, 127);
    p.act_min = -128;
    p.act_max = 127;
    const auto a = rng.s8(64), b = rng.s8(64);
    std::vector<int8_t> out(64);
    mf::binary_quantized<mf::OpSquaredDifference>(p, a.data(), b.data(), out.data());
    for (int i = 0; i < 64; ++i) {
      const int32_t d = ref_rescale(a[i], p.input1_offset, 7, p.input1_multiplier, p.input1_shift) -
                        ref_rescale(b[i], p.input2_offset, 7, p.input2_multiplier, p.input2_shift);
      ASSERT_EQ(out[i], ref::clamp8(ref::mbqm(d * d, p.output_multiplier, p.output_shift) + p.output_offset, -128, 127))
          << iter;
    }
  }
}

// int8 comparisons rescale both sides (left shift 8, each input's own scale).
TEST(BinaryQuantized, ComparisonsRescaleBothInputs) {
  mf::BinaryQuantizedParams p = {};
  set_shape(p, {256, 256}, {1, 0}, {0, 1});
  p.left_shift = 8;
  ref::quantize_multiplier(0.05, &p.input1_multiplier, &p.input1_shift);
  ref::quantize_multiplier(0.1, &p.input2_multiplier, &p.input2_shift);
  p.input1_offset = 3;
  p.input2_offset = -4;
  std::vector<int8_t> x(256);
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  std::vector<uint8_t> storage(256 * 256);
  bool* out = reinterpret_cast<bool*>(storage.data());
  auto check = [&](auto op, auto expected) {
    mf::binary_quantized<decltype(op)>(p, x.data(), x.data(), out);
    for (int i = 0; i < 256; ++i)
      for (int j = 0; j < 256; ++j) {
        const int32_t a = ref_rescale(x[i], 3, 8, p.input1_multiplier, p.input1_shift);
        const int32_t b = ref_rescale(x[j], -4, 8, p.input2_multiplier, p.input2_shift);
        ASSERT_EQ(out[i * 256 + j], expected(a, b)) << i << " " << j;
      }
  };
  check(mf::OpEqual(), [](int32_t a, int32_t b) { return a == b; });
  check(mf::OpNotEqual(), [](int32_t a, int32_t b) { return a != b; });
  check(mf::OpLess(), [](int32_t a, int32_t b) { return a < b; });
  check(mf::OpLessEqual(), [](int32_t a, int32_t b) { return a <= b; });
  check(mf::OpGreater(), [](int32_t a, int32_t b) { return a > b; });
  check(mf::OpGreaterEqual(), [](int32_t a, int32_t b) { return a >= b; });
}

TEST(Binary, MaximumMinimumFloorAndLogical) {
  mf::BinaryParams p = {};
  set_shape(p, {2, 3}, {3, 1}, {0, 1});
  const int64_t a[] = {5, -7, 300, 40, 0, -9}, b[] = {6, -8, 0};
  int64_t out[6];
  mf::binary<mf::OpMaximum>(p, a, b, out);
  const int64_t maxima[] = {6, -7, 300, 40, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], maxima[i]) << i;
  mf::binary<mf::OpMinimum>(p, a, b, out);
  const int64_t minima[] = {5, -8, 0, 6, -8, -9};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], minima[i]) << i;
  bool less[6];
  mf::binary<mf::OpLess>(p, a, b, less);
  const bool expected_less[] = {true, false, false, false, false, true};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(less[i], expected_less[i]) << i;

  const float x[] = {7.f, -7.f, 7.5f, -0.5f, 6.f, -6.f}, y[] = {2.f, -2.f, 2.5f};
  float f[6];
  mf::binary<mf::OpFloorDiv>(p, x, y, f);
  const float quotients[] = {3.f, 3.f, 3.f, -1.f, -3.f, -3.f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[i], quotients[i]) << i;
  mf::binary<mf::OpFloorMod>(p, x, y, f);
  const float remainders[] = {1.f, -1.f, 0.f, 1.5f, 0.f, 1.5f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[i], remainders[i]) << i;

  const bool u[] = {true, false, true, false, true, false}, v[] = {true, true, false};
  bool l[6];
  mf::binary<mf::OpLogicalAnd>(p, u, v, l);
  const bool conjunction[] = {true, false, false, false, true, false};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(l[i], conjunction[i]) << i;
  mf::binary<mf::OpLogicalOr>(p, u, v, l);
  const bool disjunction[] = {true, true, true, true, true, false};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(l[i], disjunction[i]) << i;
  mf::logical_not(mf::LogicalNotParams{6, 0}, u, l);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(l[i], !u[i]) << i;
}

// TFLM's int8 AddN: the sum starts at the rescaled input offset, then each input rescaled.
TEST(AddN, S8MatchesReferenceIncludingTheOffsetTerm) {
  ref::Random rng(720);
  for (int iter = 0; iter < 100; ++iter) {
    mf::AddNS8Params p = {};
    p.size = 32;
    p.input_offset = rng.uniform(-127, 128);
    p.left_shift = 20;
    ref::quantize_multiplier(0.5, &p.input_multiplier, &p.input_shift);
    ref::quantize_multiplier(2 * 0.05 / ((1 << 20) * rng.uniform_f(0.05f, 0.2f)), &p.output_multiplier,
                             &p.output_shift);
    p.initial_sum = ref_rescale(0, p.input_offset, 20, p.input_multiplier, p.input_shift);
    p.output_offset = rng.uniform(-128, 127);
    p.act_min = -128;
    p.act_max = 127;
    const auto a = rng.s8(32), b = rng.s8(32), c = rng.s8(32);
    std::vector<int8_t> out(32);
    p.in_flash_mask = 2;  // the second input as a flash constant
    mf::add_n_s8(p, out.data(), a.data(), b.data(), c.data());
    for (int i = 0; i < 32; ++i) {
      int32_t sum = ref_rescale(0, p.input_offset, 20, p.input_multiplier, p.input_shift);
      for (int8_t x : {a[i], b[i], c[i]}) sum += ref_rescale(x, p.input_offset, 20, p.input_multiplier, p.input_shift);
      ASSERT_EQ(out[i], ref::clamp8(ref::mbqm(sum, p.output_multiplier, p.output_shift) + p.output_offset, -128, 127))
          << iter;
    }
  }
}

TEST(AddN, F32SumsInInputOrder) {
  const float a[] = {1e8f, -0.f}, b[] = {1.f, -0.f}, c[] = {-1e8f, -0.f};
  float out[2];
  mf::add_n_f32(mf::AddNF32Params{2, 0}, out, a, b, c);
  EXPECT_EQ(out[0], ((0.f + 1e8f) + 1.f) + -1e8f);
  EXPECT_FALSE(std::signbit(out[1]));  // 0 + -0 = +0, as TFLM's sum from 0
}

}  // namespace
