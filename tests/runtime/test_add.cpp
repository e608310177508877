#include <gtest/gtest.h>

#include <vector>

#include "microflow/kernels/add.h"
#include "reference.h"

namespace {

// First ADD of ic_pretrainedResnet_quant_int8 (doc §10): S1 = 0.0393936, S2 = 0.1041950,
// S_out = 0.0509457, Z = (-128, 4, -128).
mf::AddS8Params resnet_add(const int32_t (&dims)[4], const int32_t (&s1)[4], const int32_t (&s2)[4],
                           int32_t act_min = -128, int32_t act_max = 127) {
  mf::AddS8Params p = {};
  for (int i = 0; i < 4; ++i) {
    p.dims[i] = dims[i];
    p.input1_strides[i] = s1[i];
    p.input2_strides[i] = s2[i];
  }
  p.input1_offset = 128;
  p.input2_offset = -4;
  p.left_shift = 20;
  p.input1_multiplier = 1623821475;
  p.input1_shift = -2;
  p.input2_multiplier = 1073741824;
  p.input2_shift = 0;
  p.output_multiplier = 1098017566;
  p.output_shift = -17;
  p.output_zero_point = -128;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

// TFLM AddFunc with MultiplyByQuantizedMultiplierSmallerThanOneExp.
int8_t reference_add(const mf::AddS8Params& p, int8_t x1, int8_t x2) {
  const int32_t a = (x1 + p.input1_offset) * (1 << p.left_shift);
  const int32_t b = (x2 + p.input2_offset) * (1 << p.left_shift);
  const int32_t a2 = ref::rdbpot(ref::srdhm(a, p.input1_multiplier), -p.input1_shift);
  const int32_t b2 = ref::rdbpot(ref::srdhm(b, p.input2_multiplier), -p.input2_shift);
  const int32_t o =
      ref::rdbpot(ref::srdhm(a2 + b2, p.output_multiplier), -p.output_shift) + p.output_zero_point;
  return ref::clamp8(o, p.act_min, p.act_max);
}

TEST(AddS8, DocumentedResnetExample) {
  const auto p = resnet_add({1, 1, 1, 2}, {0, 0, 0, 1}, {0, 0, 0, 1});
  const int8_t in1[] = {0, 100}, in2[] = {4, -50};
  int8_t out[2];
  mf::add_s8(p, in1, in2, out);
  EXPECT_EQ(out[0], -29);
  EXPECT_EQ(out[1], -62);
}

TEST(AddS8, AllInputPairsMatchReference) {
  const auto p = resnet_add({1, 1, 256, 256}, {0, 0, 1, 0}, {0, 0, 0, 1});
  std::vector<int8_t> in1(256), in2(256), out(256 * 256);
  for (int i = 0; i < 256; ++i) in1[i] = in2[i] = static_cast<int8_t>(i - 128);
  mf::add_s8(p, in1.data(), in2.data(), out.data());
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; ++j) ASSERT_EQ(out[i * 256 + j], reference_add(p, in1[i], in2[j]));
  }
}

TEST(AddS8, BroadcastRowVector) {
  // [2,3] + [3]
  const auto p = resnet_add({1, 1, 2, 3}, {0, 0, 3, 1}, {0, 0, 0, 1});
  const int8_t in1[] = {-128, -100, 0, 50, 100, 127}, in2[] = {-50, 4, 60};
  int8_t out[6];
  mf::add_s8(p, in1, in2, out);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], reference_add(p, in1[i], in2[i % 3])) << i;
  EXPECT_EQ(out[3], reference_add(p, 50, -50));
}

TEST(AddS8, BroadcastBothInputs4D) {
  // [2,1,3,1] + [1,4,1,5] -> [2,4,3,5]
  const auto p = resnet_add({2, 4, 3, 5}, {3, 0, 1, 0}, {0, 5, 0, 1}, -128, 40);
  ref::Random rng(600);
  const auto in1 = rng.s8(6), in2 = rng.s8(20);
  std::vector<int8_t> out(2 * 4 * 3 * 5);
  mf::add_s8(p, in1.data(), in2.data(), out.data());
  size_t i = 0;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 4; ++b)
      for (int c = 0; c < 3; ++c)
        for (int d = 0; d < 5; ++d, ++i)
          ASSERT_EQ(out[i], reference_add(p, in1[a * 3 + c], in2[b * 5 + d]));
}

TEST(AddS8, InPlaceOnEitherInput) {
  const auto p = resnet_add({1, 2, 3, 4}, {12, 12, 4, 1}, {12, 12, 4, 1});
  ref::Random rng(601);
  const auto a = rng.s8(24), b = rng.s8(24);
  std::vector<int8_t> expected(24);
  for (int i = 0; i < 24; ++i) expected[i] = reference_add(p, a[i], b[i]);
  std::vector<int8_t> x = a;
  mf::add_s8(p, x.data(), b.data(), x.data());
  EXPECT_EQ(x, expected);
  std::vector<int8_t> y = b;
  mf::add_s8(p, a.data(), y.data(), y.data());
  EXPECT_EQ(y, expected);
}

TEST(AddS8, ReluClamp) {
  const auto p = resnet_add({1, 1, 1, 256}, {0, 0, 0, 1}, {0, 0, 0, 0}, -100, 10);
  std::vector<int8_t> in1(256), out(256);
  for (int i = 0; i < 256; ++i) in1[i] = static_cast<int8_t>(i - 128);
  const int8_t in2 = 4;
  mf::add_s8(p, in1.data(), &in2, out.data());
  for (int i = 0; i < 256; ++i) {
    ASSERT_EQ(out[i], reference_add(p, in1[i], in2));
    ASSERT_GE(out[i], -100);
    ASSERT_LE(out[i], 10);
  }
  EXPECT_EQ(out[0], -100);
  EXPECT_EQ(out[255], 10);
}

TEST(AddS8, RandomScalesMatchReference) {
  ref::Random rng(602);
  for (int iter = 0; iter < 200; ++iter) {
    const double s1 = rng.uniform_f(0.001f, 0.2f), s2 = rng.uniform_f(0.001f, 0.2f);
    const double so = rng.uniform_f(0.01f, 0.3f);
    const double twice_max = 2 * std::max(s1, s2);
    mf::AddS8Params p = resnet_add({1, 1, 1, 64}, {0, 0, 0, 1}, {0, 0, 0, 1});
    ref::quantize_multiplier(s1 / twice_max, &p.input1_multiplier, &p.input1_shift);
    ref::quantize_multiplier(s2 / twice_max, &p.input2_multiplier, &p.input2_shift);
    ref::quantize_multiplier(twice_max / ((1 << 20) * so), &p.output_multiplier, &p.output_shift);
    p.input1_offset = -rng.uniform(-128, 127);
    p.input2_offset = -rng.uniform(-128, 127);
    p.output_zero_point = rng.uniform(-128, 127);
    const auto a = rng.s8(64), b = rng.s8(64);
    std::vector<int8_t> out(64);
    mf::add_s8(p, a.data(), b.data(), out.data());
    for (int i = 0; i < 64; ++i) ASSERT_EQ(out[i], reference_add(p, a[i], b[i])) << iter;
  }
}

TEST(AddF32, BroadcastAndClamp) {
  const mf::AddF32Params p = {{1, 1, 2, 3}, {0, 0, 3, 1}, {0, 0, 0, 1}, 0.f, 6.f};
  const float in1[] = {1.f, 2.f, 3.f, -4.f, 5.f, 0.25f}, in2[] = {0.5f, -3.f, 4.f};
  float out[6];
  mf::add_f32(p, in1, in2, out);
  const float expected[] = {1.5f, 0.f, 6.f, 0.f, 2.f, 4.25f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], expected[i]) << i;
}

TEST(AddF32, InPlace) {
  const mf::AddF32Params p = {
      {1, 1, 1, 3}, {0, 0, 0, 1}, {0, 0, 0, 1}, -3.40282347e+38f, 3.40282347e+38f};
  float x[] = {1.f, 2.f, 3.f};
  const float y[] = {10.f, 20.f, 30.f};
  mf::add_f32(p, x, y, x);
  EXPECT_EQ(x[0], 11.f);
  EXPECT_EQ(x[1], 22.f);
  EXPECT_EQ(x[2], 33.f);
}

}  // namespace
