#include <gtest/gtest.h>

#include <vector>

#include "microflow/kernels/add.h"
#include "microflow/kernels/add_const.h"
#include "reference.h"

namespace {

// The constant-operand kernels against add_s8 / add_f32 with the constant as an ordinary
// second input, over broadcasts of either operand.
TEST(AddConst, EqualsAddWithTheConstantAsSecondInput) {
  ref::Random rng(930);
  for (int iter = 0; iter < 200; ++iter) {
    mf::AddS8Params s = {};
    int32_t n1 = 1, n2 = 1;
    for (int i = 3; i >= 0; --i) {
      s.dims[i] = rng.uniform(1, 4);
      const int b = rng.uniform(0, 2);  // 0: both full, 1: input broadcast, 2: constant broadcast
      s.input1_strides[i] = b == 1 ? 0 : n1;
      s.input2_strides[i] = b == 2 ? 0 : n2;
      n1 *= b == 1 ? 1 : s.dims[i];
      n2 *= b == 2 ? 1 : s.dims[i];
    }
    s.input1_offset = rng.uniform(-127, 128);
    s.input2_offset = rng.uniform(-127, 128);
    s.left_shift = 20;
    s.input1_multiplier = 1073741824;
    s.input2_multiplier = rng.uniform(1 << 30, ref::kMax);
    s.input2_shift = -rng.uniform(0, 3);
    s.output_multiplier = rng.uniform(1 << 30, ref::kMax);
    s.output_shift = -rng.uniform(15, 20);
    s.output_zero_point = rng.uniform(-128, 127);
    s.act_min = -128;
    s.act_max = rng.uniform(0, 127);
    const size_t outputs = static_cast<size_t>(s.dims[0] * s.dims[1] * s.dims[2] * s.dims[3]);
    const auto x = rng.s8(static_cast<size_t>(n1)), c = rng.s8(static_cast<size_t>(n2));
    std::vector<int8_t> expected(outputs), out(outputs);
    mf::add_s8(s, x.data(), c.data(), expected.data());
    mf::add_const_s8(s, x.data(), c.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;

    mf::AddF32Params f = {};
    for (int i = 0; i < 4; ++i) {
      f.dims[i] = s.dims[i];
      f.input1_strides[i] = s.input1_strides[i];
      f.input2_strides[i] = s.input2_strides[i];
    }
    f.act_min = -1.f;
    f.act_max = 6.f;
    const auto xf = rng.f32(static_cast<size_t>(n1)), cf = rng.f32(static_cast<size_t>(n2));
    std::vector<float> expected_f(outputs), out_f(outputs);
    mf::add_f32(f, xf.data(), cf.data(), expected_f.data());
    mf::add_const_f32(f, xf.data(), cf.data(), out_f.data());
    ASSERT_EQ(out_f, expected_f) << "iter " << iter;
  }
}

}  // namespace
