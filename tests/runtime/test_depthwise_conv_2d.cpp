#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "microflow/kernels/depthwise_conv_2d.h"
#include "reference.h"

namespace {

constexpr int32_t kIdentity = 1 << 30;  // with shift 1: multiply by 1.0

struct DwCase {
  int32_t batches, ih, iw, ic, oh, ow, oc, kh, kw, dm, sh, sw, dh, dw, pad_top, pad_left;
  int32_t z_in, z_out, act_min, act_max;
};

DwCase make_case(int32_t batches, int32_t ih, int32_t iw, int32_t ic, int32_t dm, int32_t kh,
                 int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, bool same) {
  DwCase c = {};
  c.batches = batches;
  c.ih = ih, c.iw = iw, c.ic = ic, c.dm = dm, c.oc = ic * dm, c.kh = kh, c.kw = kw;
  c.sh = sh, c.sw = sw, c.dh = dh, c.dw = dw;
  c.oh = same ? ref::same_out(ih, sh) : ref::valid_out(ih, sh, kh, dh);
  c.ow = same ? ref::same_out(iw, sw) : ref::valid_out(iw, sw, kw, dw);
  c.pad_top = same ? ref::same_pad(ih, c.oh, sh, kh, dh) : 0;
  c.pad_left = same ? ref::same_pad(iw, c.ow, sw, kw, dw) : 0;
  c.act_min = -128;
  c.act_max = 127;
  return c;
}

// TFLM DepthwiseConvPerChannel: oc = ic * dm + m; in-image taps only, w * (x - Z_in).
std::vector<int8_t> reference_dw(const DwCase& c, const std::vector<int8_t>& x,
                                 const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                                 const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  std::vector<int8_t> out(c.batches * c.oh * c.ow * c.oc);
  for (int32_t b = 0; b < c.batches; ++b)
    for (int32_t oy = 0; oy < c.oh; ++oy)
      for (int32_t ox = 0; ox < c.ow; ++ox)
        for (int32_t ic = 0; ic < c.ic; ++ic)
          for (int32_t mm = 0; mm < c.dm; ++mm) {
            const int32_t oc = ic * c.dm + mm;
            int32_t acc = 0;
            for (int32_t ky = 0; ky < c.kh; ++ky)
              for (int32_t kx = 0; kx < c.kw; ++kx) {
                const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh;
                const int32_t ix = ox * c.sw - c.pad_left + kx * c.dw;
                if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
                acc += w[(ky * c.kw + kx) * c.oc + oc] *
                       (x[((b * c.ih + iy) * c.iw + ix) * c.ic + ic] - c.z_in);
              }
            acc += bias[oc];
            out[((b * c.oh + oy) * c.ow + ox) * c.oc + oc] =
                ref::clamp8(ref::mbqm(acc, m[oc], s[oc]) + c.z_out, c.act_min, c.act_max);
          }
  return out;
}

// The compiler's folded bias: bias - Z_in * sum of the channel's taps.
std::vector<int32_t> folded_bias(const DwCase& c, const std::vector<int8_t>& w, const std::vector<int32_t>& bias) {
  std::vector<int32_t> folded(c.oc);
  for (int32_t oc = 0; oc < c.oc; ++oc) {
    int32_t wsum = 0;
    for (int32_t t = 0; t < c.kh * c.kw; ++t) wsum += w[t * c.oc + oc];
    folded[oc] = bias[oc] - c.z_in * wsum;
  }
  return folded;
}

mf::DepthwiseConv2DS8Params dw_params(const DwCase& c, const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  return {c.batches, c.ih,    c.iw,     c.ic,     c.oh,      c.ow,     c.oc,      c.kh,
          c.kw,      c.dm,    c.sh,     c.sw,     c.dh,      c.dw,     c.pad_top, c.pad_left,
          c.z_in,    c.z_out, m.data(), s.data(), c.act_min, c.act_max, nullptr};
}

std::vector<int8_t> run_dw(const DwCase& c, const std::vector<int8_t>& x,
                           const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                           const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  const std::vector<int32_t> folded = folded_bias(c, w, bias);
  const mf::DepthwiseConv2DS8Params p = dw_params(c, m, s);
  std::vector<int8_t> out(c.batches * c.oh * c.ow * c.oc);
  mf::depthwise_conv_2d_s8(p, x.data(), w.data(), folded.data(), out.data());
  return out;
}

void check_random(const DwCase& c, uint32_t seed) {
  ref::Random rng(seed);
  const auto x = rng.s8(c.batches * c.ih * c.iw * c.ic);
  const auto w = rng.s8(c.kh * c.kw * c.oc, -127, 127);
  const auto bias = rng.s32(c.oc, -5000, 5000);
  std::vector<int32_t> m(c.oc), s(c.oc);
  for (int32_t oc = 0; oc < c.oc; ++oc) {
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-11, -5)), &m[oc],
                             &s[oc]);
  }
  const std::vector<int8_t> out = run_dw(c, x, w, bias, m, s);
  ASSERT_EQ(out, reference_dw(c, x, w, bias, m, s)) << "seed " << seed;
  // An activation folded into the layer (output_table): every stored value goes through it
  // (the AVX2 / four-channel block paths and the per-channel loop alike), in both forms.
  const auto table = rng.s8(256);
  mf::DepthwiseConv2DS8Params activated = dw_params(c, m, s);
  activated.output_table = table.data();
  const std::vector<int32_t> folded = folded_bias(c, w, bias);
  std::vector<int8_t> through(out.size()), expected(out.size());
  for (size_t i = 0; i < out.size(); ++i) expected[i] = table[static_cast<uint8_t>(out[i])];
  mf::depthwise_conv_2d_s8(activated, x.data(), w.data(), folded.data(), through.data());
  ASSERT_EQ(through, expected) << "output table, seed " << seed;
  if (c.batches == 1) {
    mf::depthwise_conv_2d_by_rows_s8(activated, x.data(), w.data(), folded.data(), through.data());
    ASSERT_EQ(through, expected) << "output table by rows, seed " << seed;
  }
}

TEST(DepthwiseConv2DS8, DepthMultiplier2ChannelOrder) {
  // 1x1 image, channels (3, -2), dm 2: oc = ic * 2 + m reads filter column oc.
  DwCase c = make_case(1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, false);
  const std::vector<int32_t> id(4, kIdentity), one(4, 1);
  const auto out = run_dw(c, {3, -2}, {1, 2, 3, 4}, {0, 0, 0, 0}, id, one);
  EXPECT_EQ(out, (std::vector<int8_t>{3, 6, -6, -8}));
}

TEST(DepthwiseConv2DS8, SamePaddingTreatsBorderAsInputZeroPoint) {
  // 3x3 single channel 1..9, all-ones 3x3 filter, Z_in = 5, bias 1, Z_out = -1.
  DwCase c = make_case(1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 1, true);
  c.z_in = 5;
  c.z_out = -1;
  const auto out =
      run_dw(c, {1, 2, 3, 4, 5, 6, 7, 8, 9}, std::vector<int8_t>(9, 1), {1}, {kIdentity}, {1});
  EXPECT_EQ(out, (std::vector<int8_t>{-8, -9, -4, -3, 0, 3, 4, 9, 8}));
}

TEST(DepthwiseConv2DS8, Stride2SameOddSizes) {
  DwCase c = make_case(1, 7, 5, 3, 1, 3, 3, 2, 2, 1, 1, true);
  c.z_in = -128;
  c.z_out = 2;
  check_random(c, 300);
}

TEST(DepthwiseConv2DS8, DepthMultiplier2Relu6Valid) {
  DwCase c = make_case(2, 6, 6, 3, 2, 3, 3, 1, 1, 1, 1, false);
  c.z_in = -3;
  c.z_out = -128;
  c.act_min = -128;
  c.act_max = -128 + 40;
  check_random(c, 301);
}

TEST(DepthwiseConv2DS8, DepthMultiplier8SingleInputChannel) {
  // micro_speech's layer shape, smaller: Cin = 1 -> 8 channels, 10x8 filter, stride 2.
  DwCase c = make_case(1, 20, 16, 1, 8, 10, 8, 2, 2, 1, 1, true);
  c.z_in = 83;
  check_random(c, 302);
}

TEST(DepthwiseConv2DS8, Dilation) {
  DwCase c = make_case(1, 8, 9, 4, 1, 3, 3, 1, 1, 2, 3, true);
  c.z_in = 11;
  check_random(c, 303);
}

TEST(DepthwiseConv2DS8, RandomGeometriesMatchReference) {
  ref::Random rng(304);
  for (uint32_t iter = 0; iter < 200; ++iter) {
    DwCase c =
        make_case(rng.uniform(1, 2), rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(1, 5),
                  rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(1, 3),
                  rng.uniform(1, 3), rng.uniform(1, 2), rng.uniform(1, 2), rng.uniform(0, 1) == 1);
    if (c.oh <= 0 || c.ow <= 0) continue;
    c.z_in = rng.uniform(-128, 127);
    c.z_out = rng.uniform(-128, 127);
    if (iter % 3 == 0) c.act_min = c.z_out;
    check_random(c, 2000 + iter);
  }
}

// Four-channel blocks: depth multiplier 1 with channel counts around multiples of four
// (the leftover channels take the per-channel loop), on windows inside and across the
// border, strided and dilated.
TEST(DepthwiseConv2DS8, BlocksOfFourChannelsMultiplier1) {
  uint32_t seed = 3000;
  for (int32_t ic : {4, 6, 8, 13, 16})
    for (int32_t k : {1, 2, 3, 5})
      for (int32_t stride : {1, 2}) {
        DwCase c = make_case(1, 7, 8, ic, 1, k, k == 5 ? 3 : k, stride, stride, 1, k == 3 ? 2 : 1, true);
        c.z_in = -128, c.z_out = 11, c.act_min = 11;
        check_random(c, seed++);
      }
}

TEST(DepthwiseConv2DS8, BlocksBroadcastOneInputChannel) {
  // depth_multiplier 4 and 8 over one or two input channels (person_detect's first layer).
  uint32_t seed = 3100;
  for (int32_t ic : {1, 2})
    for (int32_t dm : {4, 8})
      for (bool same : {false, true}) {
        DwCase c = make_case(2, 9, 10, ic, dm, 3, 3, 2, 2, 1, 1, same);
        c.z_in = 5, c.z_out = -3;
        check_random(c, seed++);
      }
}

TEST(DepthwiseConv2DS8, BlocksWithGeneralRequantization) {
  // A channel with a left shift (scale >= 1) takes the general path inside a block.
  DwCase c = make_case(1, 5, 5, 4, 1, 3, 3, 1, 1, 1, 1, true);
  c.z_in = 2, c.z_out = 1;
  ref::Random rng(3200);
  const auto x = rng.s8(c.ih * c.iw * c.ic, -20, 20);
  const auto w = rng.s8(9 * c.oc, -3, 3);
  const std::vector<int32_t> bias = {10, -20, 30, 0}, m = {kIdentity, kIdentity, 1518500250, kIdentity},
                             s = {1, -2, 0, 2};
  EXPECT_EQ(run_dw(c, x, w, bias, m, s), reference_dw(c, x, w, bias, m, s));
}

TEST(DepthwiseConv2DS8, BlocksOfEightWithOneChannelOutsideQ31) {
  // 24 channels (three blocks of eight on the AVX2 path, which checks each block's
  // requantization while preparing it): one channel in the second block breaks one bound of
  // requantize_q31 (multiplier < 2^30, shift 0, shift > 0), so the whole layer takes the
  // general path; the bounds themselves (multiplier 2^30, shift -1 and -31) stay q31.
  DwCase c = make_case(1, 6, 3, 24, 1, 3, 3, 1, 1, 1, 1, true);
  c.z_in = -3, c.z_out = 4;
  ref::Random rng(3300);
  const auto x = rng.s8(c.ih * c.iw * c.ic);
  const auto w = rng.s8(9 * c.oc, -127, 127);
  const auto bias = rng.s32(c.oc, -5000, 5000);
  const std::pair<int32_t, int32_t> odd[] = {{(1 << 30) - 1, -8}, {1 << 30, 0}, {1 << 30, 1},
                                             {1 << 30, -1},       {1 << 30, -31}};
  for (const auto& [odd_m, odd_s] : odd) {
    std::vector<int32_t> m(c.oc), s(c.oc);
    for (int32_t oc = 0; oc < c.oc; ++oc)
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-11, -5)), &m[oc], &s[oc]);
    m[11] = odd_m, s[11] = odd_s;
    EXPECT_EQ(run_dw(c, x, w, bias, m, s), reference_dw(c, x, w, bias, m, s)) << odd_m << " " << odd_s;
  }
}

TEST(DepthwiseConv2DS8, BlocksBroadcastMultiplier16AndManyChannels) {
  // depth_multiplier 16 (blocks of eight read one input channel); 1040 channels (more than
  // the AVX2 path's 128 blocks of eight take the other paths).
  DwCase c = make_case(1, 6, 7, 3, 16, 3, 3, 1, 2, 1, 1, true);
  c.z_in = -9, c.z_out = 4;
  check_random(c, 3150);
  DwCase wide = make_case(1, 3, 3, 1040, 1, 3, 3, 1, 1, 1, 1, true);
  wide.z_in = 6;
  check_random(wide, 3151);
}

TEST(DepthwiseConv2DS8, WindowTooLargeForBlocks) {
  // 10 x 9 = 90 taps (over the block limit of 81): the per-channel loop.
  DwCase c = make_case(1, 12, 11, 4, 1, 10, 9, 1, 1, 1, 1, true);
  c.z_in = -7;
  check_random(c, 3300);
}

// By rows over its own input: the output starts `gap` bytes before the input in one buffer,
// gap = max over output rows of (end of output row oy) - (first input row of its window),
// rounded up to 4 like the planner's; the result must equal the reference on a separate
// input. Depth multipliers 1, 2, 4, 8 reach every path (blocks, broadcast blocks, the
// per-channel loop, AVX2 in the -mavx2 build); the whole-image depthwise_conv_2d_s8 fails
// here (its block passes read rows again after writing all output rows).
TEST(DepthwiseConv2DS8, ByRowsWritesOverItsInput) {
  ref::Random rng(3400);
  int32_t tested = 0;
  for (uint32_t iter = 0; iter < 300; ++iter) {
    const int32_t dm = 1 << rng.uniform(0, 3);
    DwCase c = make_case(1, rng.uniform(1, 12), rng.uniform(1, 9), rng.uniform(1, dm > 2 ? 3 : 12), dm,
                         rng.uniform(1, 5), rng.uniform(1, 4), rng.uniform(1, 3), rng.uniform(1, 2),
                         rng.uniform(1, 2), 1, rng.uniform(0, 1) == 1);
    if (c.oh <= 0 || c.ow <= 0) continue;
    c.z_in = rng.uniform(-128, 127);
    c.z_out = rng.uniform(-128, 127);
    const int32_t in_row = c.iw * c.ic, out_row = c.ow * c.oc;
    int32_t gap = 0;
    for (int32_t oy = 0; oy < c.oh; ++oy) {
      const int32_t first = std::min(std::max(oy * c.sh - c.pad_top, 0), c.ih);
      gap = std::max(gap, (oy + 1) * out_row - first * in_row);
    }
    gap = (gap + 3) / 4 * 4;
    const auto x = rng.s8(c.ih * in_row);
    const auto w = rng.s8(c.kh * c.kw * c.oc, -127, 127);
    const auto bias = rng.s32(c.oc, -5000, 5000);
    std::vector<int32_t> m(c.oc), s(c.oc);
    for (int32_t oc = 0; oc < c.oc; ++oc)
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-11, -5)), &m[oc], &s[oc]);
    const std::vector<int32_t> folded = folded_bias(c, w, bias);
    const mf::DepthwiseConv2DS8Params p = dw_params(c, m, s);
    const int32_t out_bytes = c.oh * out_row;
    std::vector<int8_t> arena(static_cast<size_t>(std::max(gap + c.ih * in_row, out_bytes)));
    std::copy(x.begin(), x.end(), arena.begin() + gap);
    mf::depthwise_conv_2d_by_rows_s8(p, arena.data() + gap, w.data(), folded.data(), arena.data());
    const std::vector<int8_t> out(arena.begin(), arena.begin() + out_bytes);
    ASSERT_EQ(out, reference_dw(c, x, w, bias, m, s)) << "iter " << iter << " gap " << gap;
    tested += gap < out_bytes;  // the output really overlaps its input
  }
  EXPECT_GT(tested, 150);
}

TEST(DepthwiseConv2DF32, RandomGeometriesMatchReferenceBitExact) {
  ref::Random rng(305);
  for (uint32_t iter = 0; iter < 200; ++iter) {
    const DwCase c =
        make_case(rng.uniform(1, 2), rng.uniform(1, 8), rng.uniform(1, 8), rng.uniform(1, 4),
                  rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(1, 2),
                  rng.uniform(1, 2), rng.uniform(1, 2), rng.uniform(1, 2), rng.uniform(0, 1) == 1);
    if (c.oh <= 0 || c.ow <= 0) continue;
    const auto x = rng.f32(c.batches * c.ih * c.iw * c.ic);
    const auto w = rng.f32(c.kh * c.kw * c.oc, -1.f, 1.f);
    const auto bias = rng.f32(c.oc);
    const bool with_bias = iter % 2 == 1;
    const float lo = iter % 3 == 0 ? 0.f : -3.40282347e+38f;
    const float hi = iter % 3 == 0 ? 6.f : 3.40282347e+38f;
    const mf::DepthwiseConv2DF32Params p = {c.batches, c.ih, c.iw,      c.ic,       c.oh, c.ow,
                                            c.oc,      c.kh, c.kw,      c.dm,       c.sh, c.sw,
                                            c.dh,      c.dw, c.pad_top, c.pad_left, lo,   hi};
    std::vector<float> out(c.batches * c.oh * c.ow * c.oc);
    mf::depthwise_conv_2d_f32(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, out.data());
    // TFLM: total = 0.f; += x * w in (ky, kx) order over in-image taps; clamp(total + bias).
    std::vector<float> expected;
    for (int32_t b = 0; b < c.batches; ++b)
      for (int32_t oy = 0; oy < c.oh; ++oy)
        for (int32_t ox = 0; ox < c.ow; ++ox)
          for (int32_t oc = 0; oc < c.oc; ++oc) {
            const int32_t ic = oc / c.dm;
            float total = 0.f;
            for (int32_t ky = 0; ky < c.kh; ++ky)
              for (int32_t kx = 0; kx < c.kw; ++kx) {
                const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh;
                const int32_t ix = ox * c.sw - c.pad_left + kx * c.dw;
                if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
                total +=
                    x[((b * c.ih + iy) * c.iw + ix) * c.ic + ic] * w[(ky * c.kw + kx) * c.oc + oc];
              }
            expected.push_back(ref::clampf(total + (with_bias ? bias[oc] : 0.f), lo, hi));
          }
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

// 16x8: TFLM's DepthwiseConvPerChannel for int16 (zero points 0): int64 sums over in-image
// taps, an optional int64 bias, the int64 MultiplyByQuantizedMultiplier.
TEST(DepthwiseConv2DS16, RandomGeometriesMatchReference) {
  ref::Random rng(400);
  for (uint32_t iter = 0; iter < 300; ++iter) {
    DwCase c = make_case(rng.uniform(1, 2), rng.uniform(1, 8), rng.uniform(1, 8), rng.uniform(1, 5),
                         rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(1, 2), rng.uniform(1, 2),
                         rng.uniform(1, 2), rng.uniform(1, 2), rng.uniform(0, 1) == 1);
    if (c.oh <= 0 || c.ow <= 0) continue;
    c.act_min = iter % 3 == 0 ? 0 : -32768;
    c.act_max = 32767;
    const auto x = rng.s16(c.batches * c.ih * c.iw * c.ic);
    const auto w = rng.s8(c.kh * c.kw * c.oc, -127, 127);
    const auto bias = rng.s64(c.oc, -(int64_t{1} << 34), int64_t{1} << 34);
    const bool with_bias = iter % 4 != 0;
    std::vector<int32_t> m(c.oc), s(c.oc), reduced(c.oc);
    for (int32_t oc = 0; oc < c.oc; ++oc) {
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-20, -4)), &m[oc], &s[oc]);
      reduced[oc] = ref::reduce_multiplier_to_q15(m[oc]);
    }
    const mf::DepthwiseConv2DS16Params p = {c.batches, c.ih, c.iw,      c.ic,       c.oh,           c.ow,
                                            c.oc,      c.kh, c.kw,      c.dm,       c.sh,           c.sw,
                                            c.dh,      c.dw, c.pad_top, c.pad_left, reduced.data(), s.data(),
                                            c.act_min, c.act_max};
    std::vector<int16_t> out(c.batches * c.oh * c.ow * c.oc);
    mf::depthwise_conv_2d_s16(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, out.data());
    std::vector<int16_t> expected;
    for (int32_t b = 0; b < c.batches; ++b)
      for (int32_t oy = 0; oy < c.oh; ++oy)
        for (int32_t ox = 0; ox < c.ow; ++ox)
          for (int32_t oc = 0; oc < c.oc; ++oc) {
            int64_t acc = 0;
            for (int32_t ky = 0; ky < c.kh; ++ky)
              for (int32_t kx = 0; kx < c.kw; ++kx) {
                const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh;
                const int32_t ix = ox * c.sw - c.pad_left + kx * c.dw;
                if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
                acc += int64_t{w[(ky * c.kw + kx) * c.oc + oc]} * x[((b * c.ih + iy) * c.iw + ix) * c.ic + oc / c.dm];
              }
            if (with_bias) acc += bias[oc];
            expected.push_back(ref::clamp16(ref::mbqm64(acc, m[oc], s[oc]), c.act_min, c.act_max));
          }
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

}  // namespace
