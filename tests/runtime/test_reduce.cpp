#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "microflow/kernels/reduce.h"
#include "reference.h"

namespace {

// A reduction of `shape` over the dimensions flagged in `reduced`, each dimension its own
// loop (no merging, unlike the compiler): at most three kept and three reduced dimensions.
template <typename P>
P geometry(const std::vector<int32_t>& shape, const std::vector<bool>& reduced) {
  P p = {};
  std::vector<int32_t> strides(shape.size(), 1);
  for (size_t i = shape.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * shape[i];
  std::vector<std::pair<int32_t, int32_t>> kept, red;
  for (size_t i = 0; i < shape.size(); ++i) (reduced[i] ? red : kept).push_back({shape[i], strides[i]});
  auto place = [](const std::vector<std::pair<int32_t, int32_t>>& loops, int32_t* extents, int32_t* loop_strides) {
    const size_t front = 3 - loops.size();
    for (size_t i = 0; i < 3; ++i) {
      extents[i] = i < front ? 1 : loops[i - front].first;
      loop_strides[i] = i < front ? 0 : loops[i - front].second;
    }
  };
  place(kept, p.kept, p.kept_strides);
  place(red, p.reduced, p.reduced_strides);
  return p;
}

// TFLM's Reduce: the whole input in row-major order, each element folded into the output
// element whose index is the input index without the reduced dimensions.
template <typename T, typename U, typename Fold>
std::vector<U> reference_reduce(const std::vector<T>& in, const std::vector<int32_t>& shape,
                                const std::vector<bool>& reduced, U init, Fold fold) {
  size_t outputs = 1;
  for (size_t i = 0; i < shape.size(); ++i)
    if (!reduced[i]) outputs *= static_cast<size_t>(shape[i]);
  std::vector<U> out(outputs, init);
  std::vector<int32_t> index(shape.size(), 0);
  for (size_t n = 0; n < in.size(); ++n) {
    size_t o = 0;
    for (size_t i = 0; i < shape.size(); ++i)
      if (!reduced[i]) o = o * static_cast<size_t>(shape[i]) + static_cast<size_t>(index[i]);
    out[o] = fold(out[o], in[n]);
    for (size_t i = shape.size(); i-- > 0;) {
      if (++index[i] < shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

int32_t count_of(const std::vector<int32_t>& shape, const std::vector<bool>& reduced) {
  int32_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i)
    if (reduced[i]) n *= shape[i];
  return n;
}

struct Case {
  std::vector<int32_t> shape;
  std::vector<bool> reduced;
};

// Random shapes of rank 1..6 with at most three kept and three reduced dimensions.
Case random_case(ref::Random& rng) {
  Case c;
  const int rank = rng.uniform(1, 6);
  int kept = 0, red = 0;
  for (int i = 0; i < rank; ++i) {
    bool r = rng.uniform(0, 1) == 1;
    if (r ? red == 3 : kept == 3) r = !r;
    (r ? red : kept)++;
    c.shape.push_back(rng.uniform(1, 5));
    c.reduced.push_back(r);
  }
  return c;
}

size_t elements(const std::vector<int32_t>& shape) {
  size_t n = 1;
  for (int32_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

size_t outputs_of(const Case& c) { return elements(c.shape) / static_cast<size_t>(count_of(c.shape, c.reduced)); }

// TFLM's QuantizedMeanOrSum with the kernel's (M, s): MBQM(sum - Z_in * n, M, s) + Z_out,
// clamped to the type.
template <typename T>
std::vector<T> reference_quantized(const std::vector<T>& in, const Case& c, const mf::ReduceRequantizeParams& p,
                                   int32_t z_in) {
  const int64_t n = count_of(c.shape, c.reduced);
  const auto sums = reference_reduce(in, c.shape, c.reduced, int32_t{0}, [](int32_t a, T v) { return a + v; });
  std::vector<T> out;
  for (int32_t sum : sums) {
    const int32_t v = ref::mbqm(static_cast<int32_t>(sum - z_in * n), p.multiplier, p.shift) + p.output_zero_point;
    out.push_back(static_cast<T>(std::min<int32_t>(std::max<int32_t>(v, std::numeric_limits<T>::min()),
                                                   std::numeric_limits<T>::max())));
  }
  return out;
}

// (M, s) for S_in / S_out = real; MEAN folds 1/n in as TFLM does: up by
// k = min(floor(log2 n), 32, 31 + s) bits, divided by n (truncating), shift lowered by k.
mf::ReduceRequantizeParams requantize_params(const Case& c, double real, int32_t z_in, int32_t z_out, bool mean) {
  auto p = geometry<mf::ReduceRequantizeParams>(c.shape, c.reduced);
  const int32_t n = count_of(c.shape, c.reduced);
  int32_t m = 0, s = 0;
  ref::quantize_multiplier(real, &m, &s);
  if (mean) {
    int k = 0;
    while ((int64_t{2} << k) <= n) ++k;
    k = std::min(std::min(k, 32), 31 + s);
    m = static_cast<int32_t>((static_cast<int64_t>(m) << k) / n);
    s -= k;
  }
  p.sum_offset = -z_in * n;
  p.multiplier = m;
  p.shift = s;
  p.output_zero_point = z_out;
  return p;
}

TEST(ReduceF32, SumMeanMaxMinMatchTflmOrder) {
  ref::Random rng(900);
  for (int iter = 0; iter < 300; ++iter) {
    const Case c = random_case(rng);
    const auto x = rng.f32(elements(c.shape), -100.f, 100.f);
    const auto p = geometry<mf::ReduceParams>(c.shape, c.reduced);
    const auto sum = reference_reduce(x, c.shape, c.reduced, 0.f, [](float a, float v) { return a + v; });
    std::vector<float> out(sum.size());
    mf::reduce_sum_f32(p, x.data(), out.data());
    ASSERT_EQ(out, sum) << "iter " << iter;

    auto mp = geometry<mf::ReduceMeanParams>(c.shape, c.reduced);
    mp.count = count_of(c.shape, c.reduced);
    mf::reduce_mean_f32(mp, x.data(), out.data());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], sum[i] / static_cast<float>(mp.count)) << iter;

    mf::reduce_max_f32(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, -mf::kFloatMax,
                                    [](float a, float v) { return v > a ? v : a; }));
    mf::reduce_min_f32(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, mf::kFloatMax,
                                    [](float a, float v) { return v < a ? v : a; }));
  }
}

TEST(ReduceF32, MaxIgnoresNaNAndKeepsTheFirstOfEqualZeros) {
  // [2, 3] over axis 1: NaN never replaces the running max; -0 first stays against +0.
  const float nan = std::nanf("");
  const std::vector<float> x = {nan, 1.f, nan, -0.f, 0.f, -5.f};
  const auto p = geometry<mf::ReduceParams>({2, 3}, {false, true});
  std::vector<float> out(2);
  mf::reduce_max_f32(p, x.data(), out.data());
  EXPECT_EQ(out[0], 1.f);
  EXPECT_EQ(out[1], 0.f);
  EXPECT_TRUE(std::signbit(out[1]));
}

TEST(ReduceS8, MaxMinMatchReference) {
  ref::Random rng(901);
  for (int iter = 0; iter < 300; ++iter) {
    const Case c = random_case(rng);
    const auto x = rng.s8(elements(c.shape));
    const auto p = geometry<mf::ReduceParams>(c.shape, c.reduced);
    std::vector<int8_t> out(outputs_of(c));
    mf::reduce_max_s8(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, int8_t{-128},
                                    [](int8_t a, int8_t v) { return std::max(a, v); }));
    mf::reduce_min_s8(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, int8_t{127},
                                    [](int8_t a, int8_t v) { return std::min(a, v); }));
  }
}

TEST(ReduceS32, SumMaxMin) {
  ref::Random rng(902);
  for (int iter = 0; iter < 100; ++iter) {
    const Case c = random_case(rng);
    const auto x = rng.s32(elements(c.shape), -1000000, 1000000);
    const auto p = geometry<mf::ReduceParams>(c.shape, c.reduced);
    std::vector<int32_t> out(outputs_of(c));
    mf::reduce_sum_s32(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, 0, [](int32_t a, int32_t v) { return a + v; }));
    mf::reduce_max_s32(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, ref::kMin, [](int32_t a, int32_t v) { return std::max(a, v); }));
    mf::reduce_min_s32(p, x.data(), out.data());
    ASSERT_EQ(out, reference_reduce(x, c.shape, c.reduced, ref::kMax, [](int32_t a, int32_t v) { return std::min(a, v); }));
  }
}

TEST(ReduceRequantize, Int8SumAndMeanMatchQuantizedMeanOrSum) {
  ref::Random rng(903);
  for (int iter = 0; iter < 400; ++iter) {
    const Case c = random_case(rng);
    const auto x = rng.s8(elements(c.shape));
    const bool mean = iter % 2 == 0;
    const int32_t z_in = rng.uniform(-128, 127), z_out = rng.uniform(-128, 127);
    const double real = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-8, 2));
    const auto p = requantize_params(c, real, z_in, z_out, mean);
    std::vector<int8_t> out(outputs_of(c));
    mf::reduce_sum_requantize_s8(p, x.data(), out.data());
    ASSERT_EQ(out, reference_quantized(x, c, p, z_in)) << "iter " << iter;
  }
}

TEST(ReduceRequantize, Int16MeanMatchesQuantizedMeanOrSum) {
  ref::Random rng(904);
  for (int iter = 0; iter < 200; ++iter) {
    const Case c = random_case(rng);
    std::vector<int16_t> x(elements(c.shape));
    for (auto& v : x) v = static_cast<int16_t>(rng.uniform(-32768, 32767));
    const bool mean = iter % 2 == 0;
    const double real = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-12, 1));
    const auto p = requantize_params(c, real, 0, 0, mean);
    std::vector<int16_t> out(outputs_of(c));
    mf::reduce_sum_requantize_s16(p, x.data(), out.data());
    ASSERT_EQ(out, reference_quantized(x, c, p, 0)) << "iter " << iter;
  }
}

TEST(ReduceRequantize, MeanWithTheInputQuantizationRoundsToNearest) {
  // [1, 4] int8 MEAN over axis 1, output quantized as the input (M, s) = QM(1) = (2^30, 1):
  // n = 4 folds to (2^30, -1), so the mean of raw q rounds half away from zero (no
  // truncating division): (-1 - 2 + 0 + 0) / 4 = -0.75 -> -1, (1 + 1 + 0 + 0) / 4 = 0.5 -> 1.
  const Case c = {{2, 4}, {false, true}};
  const auto p = requantize_params(c, 1.0, 0, 0, true);
  EXPECT_EQ(p.multiplier, 1 << 30);
  EXPECT_EQ(p.shift, -1);
  const std::vector<int8_t> x = {-1, -2, 0, 0, 1, 1, 0, 0};
  std::vector<int8_t> out(2);
  mf::reduce_sum_requantize_s8(p, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-1, 1}));
}

}  // namespace
