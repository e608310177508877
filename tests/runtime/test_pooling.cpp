#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "microflow/kernels/l2_pool_2d.h"
#include "microflow/kernels/pooling.h"
#include "reference.h"

namespace {

constexpr float kLowest = -3.40282347e+38f;
constexpr float kHighest = 3.40282347e+38f;

mf::Pool2DS8Params s8_params(int32_t batches, int32_t ih, int32_t iw, int32_t depth, int32_t kh,
                             int32_t kw, int32_t sh, int32_t sw, bool same, int32_t act_min = -128,
                             int32_t act_max = 127) {
  const int32_t oh = same ? ref::same_out(ih, sh) : ref::valid_out(ih, sh, kh, 1);
  const int32_t ow = same ? ref::same_out(iw, sw) : ref::valid_out(iw, sw, kw, 1);
  return {batches,
          ih,
          iw,
          depth,
          oh,
          ow,
          kh,
          kw,
          sh,
          sw,
          same ? ref::same_pad(ih, oh, sh, kh, 1) : 0,
          same ? ref::same_pad(iw, ow, sw, kw, 1) : 0,
          act_min,
          act_max,
          nullptr};
}

mf::Pool2DF32Params f32_params(const mf::Pool2DS8Params& q, float lo, float hi) {
  return {q.batches,
          q.input_height,
          q.input_width,
          q.depth,
          q.output_height,
          q.output_width,
          q.filter_height,
          q.filter_width,
          q.stride_height,
          q.stride_width,
          q.pad_top,
          q.pad_left,
          lo,
          hi};
}

// TFLM reference pooling: visit in-image cells in (fy, fx) order; `reduce` sees them all.
template <typename T, typename Reduce>
std::vector<T> reference_pool(const mf::Pool2DS8Params& p, const std::vector<T>& x, Reduce reduce) {
  std::vector<T> out;
  for (int32_t b = 0; b < p.batches; ++b)
    for (int32_t oy = 0; oy < p.output_height; ++oy)
      for (int32_t ox = 0; ox < p.output_width; ++ox)
        for (int32_t c = 0; c < p.depth; ++c) {
          std::vector<T> cells;
          const int32_t y0 = oy * p.stride_height - p.pad_top;
          const int32_t x0 = ox * p.stride_width - p.pad_left;
          for (int32_t fy = std::max(0, -y0); fy < std::min(p.filter_height, p.input_height - y0);
               ++fy)
            for (int32_t fx = std::max(0, -x0); fx < std::min(p.filter_width, p.input_width - x0);
                 ++fx)
              cells.push_back(
                  x[((b * p.input_height + y0 + fy) * p.input_width + x0 + fx) * p.depth + c]);
          out.push_back(reduce(cells));
        }
  return out;
}

std::vector<int8_t> run_avg(const mf::Pool2DS8Params& p, const std::vector<int8_t>& x) {
  std::vector<int8_t> out(p.batches * p.output_height * p.output_width * p.depth);
  mf::average_pool_2d_s8(p, x.data(), out.data());
  return out;
}

TEST(AveragePool2DS8, RoundsHalfAwayFromZeroIncludingNegativeSums) {
  // Windows of two: (-1,-2) = -1.5 -> -2, (-1,0) = -0.5 -> -1, (1,2) = 1.5 -> 2,
  // (0,1) = 0.5 -> 1, (-3,3) = 0 -> 0.
  const auto p = s8_params(1, 1, 10, 1, 1, 2, 1, 2, false);
  EXPECT_EQ(run_avg(p, {-1, -2, -1, 0, 1, 2, 0, 1, -3, 3}), (std::vector<int8_t>{-2, -1, 2, 1, 0}));
}

TEST(AveragePool2DS8, QuarterSums) {
  // 2x2 windows: -5/4 = -1.25 -> -1, -6/4 = -1.5 -> -2, 7/4 = 1.75 -> 2.
  const auto p = s8_params(1, 2, 6, 1, 2, 2, 2, 2, false);
  EXPECT_EQ(run_avg(p, {-1, -1, -1, -2, 1, 2, -1, -2, -1, -2, 2, 2}),
            (std::vector<int8_t>{-1, -2, 2}));
}

TEST(AveragePool2DS8, SamePaddingCountsOnlyInImageCells) {
  // Constant image: every average is the constant, whatever the window's clipping.
  const auto p = s8_params(1, 3, 3, 2, 3, 3, 1, 1, true);
  std::vector<int8_t> x;
  for (int i = 0; i < 9; ++i) x.insert(x.end(), {10, -7});
  std::vector<int8_t> expected;
  for (int i = 0; i < 9; ++i) expected.insert(expected.end(), {10, -7});
  EXPECT_EQ(run_avg(p, x), expected);
}

TEST(AveragePool2DS8, ActivationClamp) {
  const auto p = s8_params(1, 1, 4, 1, 1, 2, 1, 2, false, -10, 20);
  EXPECT_EQ(run_avg(p, {-100, -100, 100, 100}), (std::vector<int8_t>{-10, 20}));
}

TEST(AveragePool2DS8, RandomMatchesReference) {
  ref::Random rng(400);
  for (int iter = 0; iter < 200; ++iter) {
    const auto p = s8_params(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9),
                             rng.uniform(1, 5), rng.uniform(1, 4), rng.uniform(1, 4),
                             rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 1) == 1);
    if (p.output_height <= 0 || p.output_width <= 0) continue;
    const auto x = rng.s8(p.batches * p.input_height * p.input_width * p.depth);
    const auto expected = reference_pool(p, x, [](const std::vector<int8_t>& cells) {
      int32_t sum = 0;
      for (int8_t v : cells) sum += v;
      const int32_t n = static_cast<int32_t>(cells.size());
      const double average = static_cast<double>(sum) / n;  // exact half-away rounding
      return static_cast<int8_t>(average < 0 ? -std::floor(-average + 0.5)
                                             : std::floor(average + 0.5));
    });
    ASSERT_EQ(run_avg(p, x), expected) << "iter " << iter;
  }
}

// An activation folded into the pooling (output_table): every stored value goes through it,
// in the whole-tensor kernels and the sink that folds one input row at a time.
TEST(Pool2DS8, OutputTableAfterTheClamp) {
  ref::Random rng(404);
  const auto table = rng.s8(256);
  for (int iter = 0; iter < 50; ++iter) {
    auto p = s8_params(1, rng.uniform(1, 7), rng.uniform(1, 7), rng.uniform(1, 4), rng.uniform(1, 3),
                       rng.uniform(1, 3), 1, rng.uniform(1, 2), rng.uniform(0, 1) == 1, -100, 110);
    if (p.output_height <= 0 || p.output_width <= 0) continue;
    const auto x = rng.s8(p.input_height * p.input_width * p.depth);
    for (bool average : {true, false}) {
      std::vector<int8_t> plain(static_cast<size_t>(p.output_height * p.output_width * p.depth));
      std::vector<int8_t> through(plain.size()), expected(plain.size());
      auto run = average ? mf::average_pool_2d_s8 : mf::max_pool_2d_s8;
      run(p, x.data(), plain.data());
      for (size_t i = 0; i < plain.size(); ++i) expected[i] = table[static_cast<uint8_t>(plain[i])];
      mf::Pool2DS8Params activated = p;
      activated.output_table = table.data();
      run(activated, x.data(), through.data());
      ASSERT_EQ(through, expected) << "iter " << iter;
      // The sink (band_stream.h) over a global window: one output row from every input row.
      mf::Pool2DS8Params global = activated;
      global.filter_height = global.input_height;
      global.pad_top = 0;
      global.output_height = 1;
      mf::Pool2DS8Params global_plain = global;
      global_plain.output_table = nullptr;
      std::vector<int8_t> whole(static_cast<size_t>(p.output_width * p.depth)), sunk(whole.size());
      run(global_plain, x.data(), whole.data());
      std::vector<int32_t> acc(whole.size(), average ? 0 : -128);
      const int32_t row = p.input_width * p.depth;
      for (int32_t y = 0; y < p.input_height; ++y) {
        int8_t* out = y + 1 == p.input_height ? sunk.data() : nullptr;
        if (average) mf::pool_2d_sums_row_s8<true>(global, x.data() + y * row, acc.data(), p.input_height, out);
        else mf::pool_2d_sums_row_s8<false>(global, x.data() + y * row, acc.data(), p.input_height, out);
      }
      for (int8_t& v : whole) v = table[static_cast<uint8_t>(v)];
      ASSERT_EQ(sunk, whole) << "sink, iter " << iter;
    }
  }
}

TEST(AveragePool2DS8, GlobalPool) {
  // 6x6 VALID global pool: count 36; sums -18 -> -0.5 -> -1 and 18 -> 1.
  const auto p = s8_params(1, 6, 6, 2, 6, 6, 1, 1, false);
  std::vector<int8_t> x(72, 0);
  for (int i = 0; i < 18; ++i) {
    x[2 * i] = -1;
    x[2 * i + 1] = 1;
  }
  EXPECT_EQ(run_avg(p, x), (std::vector<int8_t>{-1, 1}));
}

TEST(MaxPool2DS8, HandComputedSameStride2) {
  // 3x3 image, 3x3 window, stride 2, SAME (pad 1): 2x2 output of clipped windows.
  const auto p = s8_params(1, 3, 3, 1, 3, 3, 2, 2, true);
  EXPECT_EQ(p.output_height, 2);
  EXPECT_EQ(p.pad_top, 1);
  const std::vector<int8_t> x = {-128, -5, 3, -9, -128, 1, 7, -2, -128};
  std::vector<int8_t> out(4);
  mf::max_pool_2d_s8(p, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-5, 3, 7, 1}));
}

TEST(MaxPool2DS8, RandomMatchesReferenceWithClamp) {
  ref::Random rng(401);
  for (int iter = 0; iter < 200; ++iter) {
    const int32_t lo = rng.uniform(-128, 0), hi = rng.uniform(0, 127);
    const auto p = s8_params(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9),
                             rng.uniform(1, 5), rng.uniform(1, 4), rng.uniform(1, 4),
                             rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 1) == 1, lo, hi);
    if (p.output_height <= 0 || p.output_width <= 0) continue;
    const auto x = rng.s8(p.batches * p.input_height * p.input_width * p.depth);
    const auto expected = reference_pool(p, x, [&](const std::vector<int8_t>& cells) {
      return ref::clamp8(*std::max_element(cells.begin(), cells.end()), lo, hi);
    });
    std::vector<int8_t> out(expected.size());
    mf::max_pool_2d_s8(p, x.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

// Both int8 poolings over their own input (batch 1): the output `gap` bytes in front of the
// input in one buffer, gap = max over output rows of (end of output row oy) - (first input
// row of its window), the planner's bound; results equal the reference on a separate input.
TEST(MaxPool2DS8, WritesOverItsInputWithTheRowGap) {
  ref::Random rng(402);
  int32_t overlapping = 0;
  for (int iter = 0; iter < 200; ++iter) {
    const auto p = s8_params(1, rng.uniform(1, 12), rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 4),
                             rng.uniform(1, 4), rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 1) == 1);
    if (p.output_height <= 0 || p.output_width <= 0) continue;
    const int32_t row = p.input_width * p.depth, out_row = p.output_width * p.depth;
    const int32_t out_bytes = p.output_height * out_row;
    int32_t gap = 0;
    for (int32_t oy = 0; oy < p.output_height; ++oy)
      gap = std::max(gap, (oy + 1) * out_row -
                              std::min(std::max(oy * p.stride_height - p.pad_top, 0), p.input_height) * row);
    const auto x = rng.s8(p.input_height * row);
    for (bool average : {false, true}) {
      const auto expected = reference_pool(p, x, [&](const std::vector<int8_t>& cells) {
        int32_t v = average ? 0 : -128;
        for (int8_t c : cells) v = average ? v + c : std::max<int32_t>(v, c);
        const int32_t n = static_cast<int32_t>(cells.size());
        return static_cast<int8_t>(!average ? v : v > 0 ? (v + n / 2) / n : (v - n / 2) / n);
      });
      std::vector<int8_t> arena(static_cast<size_t>(std::max(gap + p.input_height * row, out_bytes)));
      std::copy(x.begin(), x.end(), arena.begin() + gap);
      if (average) mf::average_pool_2d_s8(p, arena.data() + gap, arena.data());
      else mf::max_pool_2d_s8(p, arena.data() + gap, arena.data());
      ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + out_bytes), expected)
          << "iter " << iter << (average ? " average" : " max") << " gap " << gap;
    }
    overlapping += gap < out_bytes;
  }
  EXPECT_GT(overlapping, 50);
}

TEST(AveragePool2DF32, RandomMatchesReferenceBitExact) {
  ref::Random rng(402);
  for (int iter = 0; iter < 200; ++iter) {
    const auto q = s8_params(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9),
                             rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(1, 4),
                             rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 1) == 1);
    if (q.output_height <= 0 || q.output_width <= 0) continue;
    const auto p = f32_params(q, iter % 2 ? 0.f : kLowest, iter % 2 ? 6.f : kHighest);
    const auto x = rng.f32(q.batches * q.input_height * q.input_width * q.depth);
    const auto expected = reference_pool(q, x, [&](const std::vector<float>& cells) {
      float total = 0.f, count = 0.f;
      for (float v : cells) {
        total += v;
        count += 1.f;
      }
      return ref::clampf(total / count, p.act_min, p.act_max);
    });
    std::vector<float> out(expected.size());
    mf::average_pool_2d_f32(p, x.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

TEST(MaxPool2DF32, HandComputedWithNaNAndRelu) {
  const auto p = f32_params(s8_params(1, 1, 6, 1, 1, 2, 1, 2, false), 0.f, kHighest);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float x[] = {nan, 1.5f, 2.5f, nan, -3.f, -4.f};
  float out[3];
  mf::max_pool_2d_f32(p, x, out);
  EXPECT_EQ(out[0], 1.5f);  // NaN is never selected
  EXPECT_EQ(out[1], 2.5f);
  EXPECT_EQ(out[2], 0.f);  // RELU
}

TEST(MaxPool2DF32, RandomMatchesReference) {
  ref::Random rng(403);
  for (int iter = 0; iter < 100; ++iter) {
    const auto q =
        s8_params(1, rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 4), rng.uniform(1, 4),
                  rng.uniform(1, 4), rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 1) == 1);
    if (q.output_height <= 0 || q.output_width <= 0) continue;
    const auto p = f32_params(q, -1.f, 1.f);
    const auto x = rng.f32(q.input_height * q.input_width * q.depth);
    const auto expected = reference_pool(q, x, [](const std::vector<float>& cells) {
      return ref::clampf(*std::max_element(cells.begin(), cells.end()), -1.f, 1.f);
    });
    std::vector<float> out(expected.size());
    mf::max_pool_2d_f32(p, x.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

// TFLM's L2Pool: sqrt(sum of squares in (fy, fx) order / in-image count), then the clamp.
TEST(L2Pool2DF32, RandomMatchesReference) {
  ref::Random rng(404);
  for (int iter = 0; iter < 100; ++iter) {
    const auto q =
        s8_params(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 4), rng.uniform(1, 4),
                  rng.uniform(1, 4), rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 1) == 1);
    if (q.output_height <= 0 || q.output_width <= 0) continue;
    const auto p = f32_params(q, 0.f, 6.f);
    const auto x = rng.f32(q.batches * q.input_height * q.input_width * q.depth, -10.f, 10.f);
    const auto expected = reference_pool(q, x, [](const std::vector<float>& cells) {
      float squares = 0.f;
      for (float v : cells) squares += v * v;
      return ref::clampf(std::sqrt(squares / static_cast<int>(cells.size())), 0.f, 6.f);
    });
    std::vector<float> out(expected.size());
    mf::l2_pool_2d_f32(p, x.data(), out.data());
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

// int16: TFLM's int16 reference poolings, the int8 arithmetic on int16 values (int32 sums,
// max from -32768), with RELU-style clamps.
TEST(Pool2DS16, RandomMatchesReference) {
  ref::Random rng(403);
  for (int iter = 0; iter < 200; ++iter) {
    const int32_t lo = iter % 2 == 0 ? 0 : -32768, hi = iter % 3 == 0 ? 20000 : 32767;
    const mf::Pool2DS16Params p = s8_params(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 5),
                                            rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(1, 3), rng.uniform(1, 3),
                                            rng.uniform(0, 1) == 1, lo, hi);
    if (p.output_height <= 0 || p.output_width <= 0) continue;
    const auto x = rng.s16(p.batches * p.input_height * p.input_width * p.depth);
    const auto average = reference_pool(p, x, [&](const std::vector<int16_t>& cells) {
      int32_t sum = 0;
      for (int16_t v : cells) sum += v;
      const int32_t n = static_cast<int32_t>(cells.size());
      return ref::clamp16(sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n, lo, hi);
    });
    const auto max = reference_pool(p, x, [&](const std::vector<int16_t>& cells) {
      return ref::clamp16(*std::max_element(cells.begin(), cells.end()), lo, hi);
    });
    std::vector<int16_t> out(average.size());
    mf::average_pool_2d_s16(p, x.data(), out.data());
    ASSERT_EQ(out, average) << "iter " << iter;
    mf::max_pool_2d_s16(p, x.data(), out.data());
    ASSERT_EQ(out, max) << "iter " << iter;
  }
}

TEST(Pool2DS16, HandComputed) {
  // 1x4 image, 1x2 windows stride 2: averages (-32768 - 32767) / 2 = -0.5 -> -1 and
  // (301 + 302) / 2 = 301.5 -> 302; maxima the larger of each pair.
  const auto p = s8_params(1, 1, 4, 1, 1, 2, 1, 2, false, -32768, 32767);
  const std::vector<int16_t> x = {-32768, 32767, 301, 302};
  std::vector<int16_t> out(2);
  mf::average_pool_2d_s16(p, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{-1, 302}));
  mf::max_pool_2d_s16(p, x.data(), out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{32767, 302}));
}

}  // namespace
