#include <algorithm>
#include <gtest/gtest.h>

#include <vector>

#include "microflow/kernels/conv_2d.h"
#include "reference.h"

namespace {

constexpr int32_t kIdentity = 1 << 30;  // with shift 1: multiply by 1.0

struct ConvCase {
  int32_t batches, ih, iw, ic, oh, ow, oc, kh, kw, kd, sh, sw, dh, dw, pad_top, pad_left;
  int32_t z_in, z_out, act_min, act_max;
};

// SAME or VALID geometry with TFLM's output size and padding formulas.
ConvCase make_case(int32_t batches, int32_t ih, int32_t iw, int32_t ic, int32_t oc, int32_t kh,
                   int32_t kw, int32_t groups, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                   bool same) {
  ConvCase c = {};
  c.batches = batches;
  c.ih = ih, c.iw = iw, c.ic = ic, c.oc = oc, c.kh = kh, c.kw = kw, c.kd = ic / groups;
  c.sh = sh, c.sw = sw, c.dh = dh, c.dw = dw;
  c.oh = same ? ref::same_out(ih, sh) : ref::valid_out(ih, sh, kh, dh);
  c.ow = same ? ref::same_out(iw, sw) : ref::valid_out(iw, sw, kw, dw);
  c.pad_top = same ? ref::same_pad(ih, c.oh, sh, kh, dh) : 0;
  c.pad_left = same ? ref::same_pad(iw, c.ow, sw, kw, dw) : 0;
  c.act_min = -128;
  c.act_max = 127;
  return c;
}

// TFLM ConvPerChannel: acc = bias + sum over in-image taps of w * (x - Z_in).
std::vector<int8_t> reference_conv(const ConvCase& c, const std::vector<int8_t>& x,
                                   const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                                   const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  std::vector<int8_t> out;
  const int32_t groups = c.ic / c.kd, per_group = c.oc / groups;
  for (int32_t b = 0; b < c.batches; ++b)
    for (int32_t oy = 0; oy < c.oh; ++oy)
      for (int32_t ox = 0; ox < c.ow; ++ox)
        for (int32_t co = 0; co < c.oc; ++co) {
          const int32_t g = co / per_group;
          int32_t acc = 0;
          for (int32_t ky = 0; ky < c.kh; ++ky)
            for (int32_t kx = 0; kx < c.kw; ++kx) {
              const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh;
              const int32_t ix = ox * c.sw - c.pad_left + kx * c.dw;
              if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
              for (int32_t ci = 0; ci < c.kd; ++ci) {
                const int32_t xv = x[((b * c.ih + iy) * c.iw + ix) * c.ic + g * c.kd + ci];
                const int32_t wv = w[((co * c.kh + ky) * c.kw + kx) * c.kd + ci];
                acc += wv * (xv - c.z_in);
              }
            }
          acc += bias[co];
          out.push_back(ref::clamp8(ref::mbqm(acc, m[co], s[co]) + c.z_out, c.act_min, c.act_max));
        }
  return out;
}

std::vector<int8_t> run_conv(const ConvCase& c, const std::vector<int8_t>& x,
                             const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                             const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  const int32_t filter_size = c.kh * c.kw * c.kd;
  std::vector<int32_t> folded(c.oc);
  for (int32_t co = 0; co < c.oc; ++co) {
    int32_t wsum = 0;
    for (int32_t i = 0; i < filter_size; ++i) wsum += w[co * filter_size + i];
    folded[co] = bias[co] - c.z_in * wsum;
  }
  const mf::Conv2DS8Params p = {c.batches, c.ih,     c.iw,      c.ic,       c.oh,   c.ow,
                                c.oc,      c.kh,     c.kw,      c.kd,       c.sh,   c.sw,
                                c.dh,      c.dw,     c.pad_top, c.pad_left, c.z_in, c.z_out,
                                m.data(),  s.data(), c.act_min, c.act_max, c.oc, nullptr};
  std::vector<int8_t> out(c.batches * c.oh * c.ow * c.oc);
  mf::conv_2d_s8(p, x.data(), w.data(), folded.data(), out.data());
  if (c.kd == c.ic) {
    // Without groups, output channels split into calls of up to three (the emitter's weight
    // paging) give the same bytes.
    std::vector<int8_t> split(out.size(), 0);
    for (int32_t c0 = 0; c0 < c.oc; c0 += 3) {
      mf::Conv2DS8Params group = p;
      group.output_depth = std::min(3, c.oc - c0);
      group.channel_multiplier = m.data() + c0;
      group.channel_shift = s.data() + c0;
      mf::conv_2d_s8(group, x.data(), w.data() + c0 * filter_size, folded.data() + c0, split.data() + c0);
    }
    EXPECT_EQ(split, out) << "channel groups";
  }
  return out;
}

// Random data and realistic per-channel multipliers; compares with the reference.
void check_random(const ConvCase& c, uint32_t seed) {
  ref::Random rng(seed);
  const auto x = rng.s8(c.batches * c.ih * c.iw * c.ic);
  const auto w = rng.s8(c.oc * c.kh * c.kw * c.kd, -127, 127);
  const auto bias = rng.s32(c.oc, -5000, 5000);
  std::vector<int32_t> m(c.oc), s(c.oc);
  for (int32_t co = 0; co < c.oc; ++co) {
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-13, -7)), &m[co],
                             &s[co]);
  }
  const auto got = run_conv(c, x, w, bias, m, s);
  ASSERT_EQ(got, reference_conv(c, x, w, bias, m, s)) << "seed " << seed;
  for (int8_t v : got) {
    ASSERT_GE(v, c.act_min);
    ASSERT_LE(v, c.act_max);
  }
}

TEST(Conv2DS8, SamePaddingTreatsBorderAsInputZeroPoint) {
  // 3x3 image 1..9, all-ones 3x3 filter, Z_in = 5, identity requantization. Out-of-image
  // taps are skipped, i.e. contribute x - Z_in = 0, not 0 - Z_in.
  ConvCase c = make_case(1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 1, 1, true);
  c.z_in = 5;
  const std::vector<int8_t> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<int8_t> w(9, 1);
  const auto out = run_conv(c, x, w, {0}, {kIdentity}, {1});
  EXPECT_EQ(out, (std::vector<int8_t>{-8, -9, -4, -3, 0, 3, 4, 9, 8}));
}

TEST(Conv2DS8, HandComputedValidTwoChannels) {
  // 2x2x2 image, 2x2 filter per output channel, VALID -> a single pixel.
  ConvCase c = make_case(1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, false);
  c.z_in = -1;
  c.z_out = 3;
  const std::vector<int8_t> x = {0, 1, 2, 3, 4, 5, 6, 7};      // x - Z_in = 1..8
  const std::vector<int8_t> w = {1,  0,  0,  0,  0, 0, 0, 1,   // 1 + 8 = 9
                                 -1, -1, -1, -1, 1, 1, 1, 1};  // -10 + 26 = 16
  const auto out = run_conv(c, x, w, {100, -20}, {kIdentity, kIdentity}, {1, 0});
  // (9 + 100) * 1 + 3 = 112; (16 - 20) * 0.5 = -2 + 3 = 1
  EXPECT_EQ(out, (std::vector<int8_t>{112, 1}));
}

TEST(Conv2DS8, GroupsUseTheirOwnInputChannels) {
  // 1x1 image with channels (3, 7); two groups of one channel: out = (2*3, -1*7).
  ConvCase c = make_case(1, 1, 1, 2, 2, 1, 1, 2, 1, 1, 1, 1, false);
  const auto out = run_conv(c, {3, 7}, {2, -1}, {0, 0}, {kIdentity, kIdentity}, {1, 1});
  EXPECT_EQ(out, (std::vector<int8_t>{6, -7}));
}

TEST(Conv2DS8, Relu6ClampsBothEnds) {
  // Output scale 0.25, Z_out = -10: RELU6 range [-10, -10 + 24].
  ConvCase c = make_case(1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false);
  c.z_out = -10;
  c.act_min = -10;
  c.act_max = 14;
  const auto out = run_conv(c, {-50, 5, 60}, {1}, {0}, {kIdentity}, {1});
  EXPECT_EQ(out, (std::vector<int8_t>{-10, -5, 14}));
}

TEST(Conv2DS8, SamePaddingStride2OddSizes) {
  ConvCase c = make_case(1, 5, 7, 3, 4, 3, 3, 1, 2, 2, 1, 1, true);
  EXPECT_EQ(c.oh, 3);
  EXPECT_EQ(c.ow, 4);
  EXPECT_EQ(c.pad_top, 1);
  EXPECT_EQ(c.pad_left, 1);
  c.z_in = -128;
  c.z_out = 7;
  check_random(c, 100);
}

TEST(Conv2DS8, SamePaddingStride2ExtraPadAtBottomRight) {
  // 4x6, 3x3, stride 2: total padding 1 -> pad_top/left 0, the extra row/col after.
  ConvCase c = make_case(2, 4, 6, 2, 3, 3, 3, 1, 2, 2, 1, 1, true);
  EXPECT_EQ(c.pad_top, 0);
  EXPECT_EQ(c.pad_left, 0);
  c.z_in = 83;
  check_random(c, 101);
}

TEST(Conv2DS8, Dilation) {
  ConvCase c = make_case(1, 7, 8, 3, 5, 3, 3, 1, 1, 1, 2, 3, true);
  c.z_in = -3;
  check_random(c, 102);
  ConvCase v = make_case(1, 9, 9, 2, 2, 2, 3, 1, 2, 1, 3, 2, false);
  v.z_in = 11;
  check_random(v, 103);
}

TEST(Conv2DS8, GroupedWithPaddingAndStride) {
  ConvCase c = make_case(1, 6, 5, 6, 9, 3, 3, 3, 2, 1, 1, 1, true);
  c.z_in = -128;
  check_random(c, 104);
}

TEST(Conv2DS8, Pointwise1x1IsMatrixProduct) {
  ConvCase c = make_case(2, 4, 5, 16, 8, 1, 1, 1, 1, 1, 1, 1, false);
  c.z_in = -128;
  c.z_out = -5;
  c.act_min = -5;  // RELU
  check_random(c, 105);
}

TEST(Conv2DS8, KernelLargerThanImage) {
  // Every window touches padding; SAME 5x5 on a 2x3 image.
  ConvCase c = make_case(1, 2, 3, 2, 3, 5, 5, 1, 1, 1, 1, 1, true);
  c.z_in = 100;
  check_random(c, 106);
}

TEST(Conv2DS8, RandomGeometriesMatchReference) {
  ref::Random rng(107);
  for (uint32_t iter = 0; iter < 200; ++iter) {
    const int32_t groups = rng.uniform(1, 3);
    const int32_t kd = rng.uniform(1, 4);
    ConvCase c = make_case(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9), kd * groups,
                           groups * rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(1, 4), groups,
                           rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(1, 2),
                           rng.uniform(1, 2), rng.uniform(0, 1) == 1);
    if (c.oh <= 0 || c.ow <= 0) continue;
    c.z_in = rng.uniform(-128, 127);
    c.z_out = rng.uniform(-128, 127);
    if (iter % 3 == 0) c.act_min = c.z_out;
    check_random(c, 1000 + iter);
  }
}

struct ConvF32 {
  ConvCase c;
  std::vector<float> x, w, bias;
  bool with_bias;
};

// TFLM float Conv: total = 0.f; total += x * w in (ky, kx, ci) order, skipping
// out-of-image taps; then clamp(total + bias).
std::vector<float> reference_conv_f32(const ConvF32& t, float lo, float hi) {
  const ConvCase& c = t.c;
  std::vector<float> out;
  const int32_t groups = c.ic / c.kd, per_group = c.oc / groups;
  for (int32_t b = 0; b < c.batches; ++b)
    for (int32_t oy = 0; oy < c.oh; ++oy)
      for (int32_t ox = 0; ox < c.ow; ++ox)
        for (int32_t co = 0; co < c.oc; ++co) {
          const int32_t g = co / per_group;
          float total = 0.f;
          for (int32_t ky = 0; ky < c.kh; ++ky)
            for (int32_t kx = 0; kx < c.kw; ++kx) {
              const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh;
              const int32_t ix = ox * c.sw - c.pad_left + kx * c.dw;
              if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
              for (int32_t ci = 0; ci < c.kd; ++ci) {
                total += t.x[((b * c.ih + iy) * c.iw + ix) * c.ic + g * c.kd + ci] *
                         t.w[((co * c.kh + ky) * c.kw + kx) * c.kd + ci];
              }
            }
          out.push_back(ref::clampf(total + (t.with_bias ? t.bias[co] : 0.f), lo, hi));
        }
  return out;
}

TEST(Conv2DF32, HandComputedSamePadding) {
  // 2x2 image, all-ones 2x2 filter, SAME: pad 0 top/left, window clipped at bottom/right.
  const mf::Conv2DF32Params p = {1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1, 0, 0, -100.f, 100.f};
  const float x[] = {1.f, 2.f, 3.f, 4.f}, w[] = {1.f, 1.f, 1.f, 1.f}, bias[] = {0.5f};
  float out[4];
  mf::conv_2d_f32(p, x, w, bias, out);
  EXPECT_EQ(out[0], 10.5f);
  EXPECT_EQ(out[1], 6.5f);
  EXPECT_EQ(out[2], 7.5f);
  EXPECT_EQ(out[3], 4.5f);
}

TEST(Conv2DF32, RandomGeometriesMatchReferenceBitExact) {
  ref::Random rng(200);
  for (uint32_t iter = 0; iter < 200; ++iter) {
    const int32_t groups = rng.uniform(1, 2);
    ConvF32 t;
    t.c = make_case(rng.uniform(1, 2), rng.uniform(1, 8), rng.uniform(1, 8),
                    groups * rng.uniform(1, 4), groups * rng.uniform(1, 3), rng.uniform(1, 3),
                    rng.uniform(1, 3), groups, rng.uniform(1, 2), rng.uniform(1, 2),
                    rng.uniform(1, 2), rng.uniform(1, 2), rng.uniform(0, 1) == 1);
    const ConvCase& c = t.c;
    if (c.oh <= 0 || c.ow <= 0) continue;
    t.x = rng.f32(c.batches * c.ih * c.iw * c.ic);
    t.w = rng.f32(c.oc * c.kh * c.kw * c.kd, -1.f, 1.f);
    t.bias = rng.f32(c.oc);
    t.with_bias = iter % 2 == 0;
    const float lo = iter % 3 == 0 ? 0.f : -3.40282347e+38f;
    const float hi = iter % 3 == 0 ? 6.f : 3.40282347e+38f;
    const mf::Conv2DF32Params p = {c.batches, c.ih, c.iw,      c.ic,       c.oh, c.ow,
                                   c.oc,      c.kh, c.kw,      c.kd,       c.sh, c.sw,
                                   c.dh,      c.dw, c.pad_top, c.pad_left, lo,   hi};
    std::vector<float> out(c.batches * c.oh * c.ow * c.oc);
    mf::conv_2d_f32(p, t.x.data(), t.w.data(), t.with_bias ? t.bias.data() : nullptr, out.data());
    ASSERT_EQ(out, reference_conv_f32(t, lo, hi)) << "iter " << iter;
  }
}

// 16x8: int16 input and output (zero points 0), int8 filter. TFLM's ConvPerChannel<Acc> with
// Acc = int64 (int64 bias: the int64 MultiplyByQuantizedMultiplier) or int32 (int32 bias or
// none: the sum wraps, then the int32 one). `bias` null: no bias.
template <typename Acc, typename Bias>
std::vector<int16_t> reference_conv_s16(const ConvCase& c, const std::vector<int16_t>& x, const std::vector<int8_t>& w,
                                        const Bias* bias, const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  std::vector<int16_t> out;
  const int32_t groups = c.ic / c.kd, per_group = c.oc / groups;
  for (int32_t b = 0; b < c.batches; ++b)
    for (int32_t oy = 0; oy < c.oh; ++oy)
      for (int32_t ox = 0; ox < c.ow; ++ox)
        for (int32_t co = 0; co < c.oc; ++co) {
          const int32_t g = co / per_group;
          Acc acc = 0;
          for (int32_t ky = 0; ky < c.kh; ++ky)
            for (int32_t kx = 0; kx < c.kw; ++kx) {
              const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh;
              const int32_t ix = ox * c.sw - c.pad_left + kx * c.dw;
              if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
              for (int32_t ci = 0; ci < c.kd; ++ci) {
                const int32_t xv = x[((b * c.ih + iy) * c.iw + ix) * c.ic + g * c.kd + ci];
                const int32_t wv = w[((co * c.kh + ky) * c.kw + kx) * c.kd + ci];
                // int32 accumulation wraps (unsigned arithmetic here avoids the UB).
                acc = static_cast<Acc>(static_cast<uint64_t>(acc) + static_cast<uint64_t>(int64_t{wv * xv}));
              }
            }
          if (bias) acc = static_cast<Acc>(static_cast<uint64_t>(acc) + static_cast<uint64_t>(int64_t{bias[co]}));
          const int32_t scaled = sizeof(Acc) == 8 ? ref::mbqm64(acc, m[co], s[co])
                                                  : ref::mbqm(static_cast<int32_t>(acc), m[co], s[co]);
          out.push_back(ref::clamp16(scaled, c.act_min, c.act_max));
        }
  return out;
}

mf::Conv2DS16Params s16_params(const ConvCase& c, const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  return {c.batches, c.ih, c.iw, c.ic, c.oh, c.ow, c.oc, c.kh, c.kw, c.kd, c.sh, c.sw, c.dh, c.dw,
          c.pad_top, c.pad_left, m.data(), s.data(), c.act_min, c.act_max};
}

// conv_2d_s16 takes the compiler's 15-bit multipliers; conv_2d_s16_acc32 QuantizeMultiplier's.
std::vector<int16_t> run_conv_s16(const ConvCase& c, const std::vector<int16_t>& x, const std::vector<int8_t>& w,
                                  const int64_t* bias, const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  std::vector<int32_t> reduced(m.size());
  std::transform(m.begin(), m.end(), reduced.begin(), ref::reduce_multiplier_to_q15);
  std::vector<int16_t> out(c.batches * c.oh * c.ow * c.oc);
  mf::conv_2d_s16(s16_params(c, reduced, s), x.data(), w.data(), bias, out.data());
  return out;
}

std::vector<int16_t> run_conv_s16(const ConvCase& c, const std::vector<int16_t>& x, const std::vector<int8_t>& w,
                                  const int32_t* bias, const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  std::vector<int16_t> out(c.batches * c.oh * c.ow * c.oc);
  mf::conv_2d_s16_acc32(s16_params(c, m, s), x.data(), w.data(), bias, out.data());
  return out;
}

ConvCase s16_case(ConvCase c) {
  c.act_min = -32768;
  c.act_max = 32767;
  return c;
}

TEST(Conv2DS16, HandComputedBorderTapsAreSkipped) {
  // 3x3 image 1..9 (x1000), all-ones 3x3 filter, SAME, identity requantization (2^30, 1):
  // each output is its window's in-image sum, e.g. 12000 at the corner.
  const ConvCase c = s16_case(make_case(1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 1, 1, true));
  const std::vector<int16_t> x = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000};
  const std::vector<int8_t> w(9, 1);
  const std::vector<int16_t> expected = {12000, 21000, 16000, 27000, 32767, 32767, 24000, 32767, 28000};
  const int64_t bias64[] = {0};
  const int32_t bias32[] = {0};
  EXPECT_EQ(run_conv_s16(c, x, w, bias64, {kIdentity}, {1}), expected);
  EXPECT_EQ(run_conv_s16(c, x, w, bias32, {kIdentity}, {1}), expected);
}

TEST(Conv2DS16, Int32AccumulatorWrapsWhereInt64DoesNot) {
  // 1x1 conv over 600 channels of 32767 with weights 127: the sum 2,496,845,400 exceeds
  // int32. TFLM's int32 accumulator (int32 bias) wraps to a negative value; the int64 one
  // keeps it. Multiplier 2^-17 (2^30, -16).
  const ConvCase c = s16_case(make_case(1, 1, 1, 600, 1, 1, 1, 1, 1, 1, 1, 1, false));
  const std::vector<int16_t> x(600, 32767);
  const std::vector<int8_t> w(600, 127);
  const int64_t bias64[] = {0};
  const int32_t bias32[] = {0};
  const int64_t sum = int64_t{600} * 32767 * 127;
  EXPECT_EQ(run_conv_s16(c, x, w, bias64, {kIdentity}, {-16})[0], ref::mbqm64(sum, kIdentity, -16));
  EXPECT_EQ(run_conv_s16(c, x, w, bias32, {kIdentity}, {-16})[0],
            ref::mbqm(static_cast<int32_t>(static_cast<uint32_t>(sum)), kIdentity, -16));
  EXPECT_GT(ref::mbqm64(sum, kIdentity, -16), 0);
  EXPECT_LT(ref::mbqm(static_cast<int32_t>(static_cast<uint32_t>(sum)), kIdentity, -16), 0);
}

TEST(Conv2DS16, RandomGeometriesMatchReference) {
  ref::Random rng(300);
  for (uint32_t iter = 0; iter < 300; ++iter) {
    const int32_t groups = rng.uniform(1, 3);
    ConvCase c = s16_case(make_case(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 4) * groups,
                                    groups * rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(1, 4), groups,
                                    rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(1, 2), rng.uniform(1, 2),
                                    rng.uniform(0, 1) == 1));
    if (c.oh <= 0 || c.ow <= 0) continue;
    if (iter % 3 == 0) c.act_min = 0;  // RELU
    const auto x = rng.s16(c.batches * c.ih * c.iw * c.ic);
    const auto w = rng.s8(c.oc * c.kh * c.kw * c.kd, -127, 127);
    std::vector<int32_t> m(c.oc), s(c.oc);
    for (int32_t co = 0; co < c.oc; ++co)
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-22, -8)), &m[co], &s[co]);
    const auto bias64 = rng.s64(c.oc, -(int64_t{1} << 36), int64_t{1} << 36);
    const auto bias32 = rng.s32(c.oc, -(1 << 28), 1 << 28);
    const bool with_bias = iter % 4 != 0;
    const int64_t* b64 = with_bias ? bias64.data() : nullptr;
    const int32_t* b32 = with_bias ? bias32.data() : nullptr;
    ASSERT_EQ(run_conv_s16(c, x, w, b64, m, s), (reference_conv_s16<int64_t>(c, x, w, b64, m, s))) << iter;
    ASSERT_EQ(run_conv_s16(c, x, w, b32, m, s), (reference_conv_s16<int32_t>(c, x, w, b32, m, s))) << iter;
  }
}

}  // namespace
