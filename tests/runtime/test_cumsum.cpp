#include <gtest/gtest.h>

#include <vector>

#include "microflow/kernels/cumsum.h"
#include "reference.h"

namespace {

// TFLM's CumSum loops, with its names: `inner` the dimensions before the axis, `outer`
// those after it; int8 through its ArithmeticParams arithmetic (input multiplier (2^30, 0)).
template <typename T, typename Acc, typename Start, typename Term, typename Emit>
void reference_lines(int32_t before, int32_t depth, int32_t after, bool exclusive, bool reverse, Start start,
                     Term term, Emit emit) {
  for (int32_t o = 0; o < after; ++o) {
    const int32_t oa = reverse ? after - 1 - o : o;
    for (int32_t i = 0; i < before; ++i) {
      const int32_t ia = reverse ? before - 1 - i : i;
      Acc acc = start();
      for (int32_t d = 0; d < depth; ++d) {
        const int32_t da = reverse ? depth - 1 - d : d;
        const int32_t index = oa + ia * depth * after + da * after;
        if (exclusive) {
          emit(index, acc);
          acc += term(index);
        } else {
          acc += term(index);
          emit(index, acc);
        }
      }
    }
  }
}

TEST(CumsumF32, MatchesReferenceAllModes) {
  ref::Random rng(920);
  for (int iter = 0; iter < 200; ++iter) {
    const mf::CumsumF32Params p = {rng.uniform(1, 4), rng.uniform(1, 12), rng.uniform(1, 4), iter % 2, iter / 2 % 2};
    const auto x = rng.f32(static_cast<size_t>(p.outer * p.depth * p.inner));
    std::vector<float> expected(x.size()), out(x.size());
    reference_lines<float, float>(
        p.outer, p.depth, p.inner, p.exclusive != 0, p.reverse != 0, [] { return 0.f; },
        [&](int32_t i) { return x[static_cast<size_t>(i)]; }, [&](int32_t i, float v) { expected[static_cast<size_t>(i)] = v; });
    mf::cumsum_f32(p, x.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

TEST(CumsumS8, MatchesTflmArithmeticIncludingTheZeroPointTerm) {
  ref::Random rng(921);
  for (int iter = 0; iter < 300; ++iter) {
    const int32_t z_in = rng.uniform(-128, 127), z_out = rng.uniform(-128, 127);
    const int32_t left_shift = 20;
    const double s_in = rng.uniform_f(0.01f, 0.1f), s_out = s_in * rng.uniform_f(1.f, 8.f);
    int32_t m_in = 0, sh_in = 0, m_out = 0, sh_out = 0;
    ref::quantize_multiplier(s_in / (2 * s_in), &m_in, &sh_in);
    ref::quantize_multiplier(2 * s_in / ((1 << left_shift) * s_out), &m_out, &sh_out);
    // Lines up to 16 long keep TFLM's int32 sums of 2^19-scaled terms in range.
    const mf::CumsumS8Params p = {rng.uniform(1, 3), rng.uniform(1, 16), rng.uniform(1, 3), iter % 2, iter / 2 % 2,
                                  z_in, left_shift - 1, m_out, sh_out, z_out};
    const auto x = rng.s8(static_cast<size_t>(p.outer * p.depth * p.inner));
    auto scaled = [&](int32_t y) { return ref::rdbpot(ref::srdhm(y * (1 << left_shift), m_in), -sh_in); };
    std::vector<int8_t> expected(x.size()), out(x.size());
    reference_lines<int8_t, int32_t>(
        p.outer, p.depth, p.inner, p.exclusive != 0, p.reverse != 0, [&] { return scaled(-z_in); },
        [&](int32_t i) { return scaled(x[static_cast<size_t>(i)] - z_in); },
        [&](int32_t i, int32_t acc) {
          expected[static_cast<size_t>(i)] =
              ref::clamp8(ref::rdbpot(ref::srdhm(acc, m_out), -sh_out) + z_out, -128, 127);
        });
    mf::cumsum_s8(p, x.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

}  // namespace
