// conv_2d_1x1_s8 / conv_2d_packed_s8 against TFLM's ConvPerChannel, on filters packed the
// way the compiler packs them (lower_util.cpp, layout in dot_s8.h).
#include <algorithm>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "microflow/variants/conv_2d_1x1_lanes.h"
#include "microflow/kernels/conv_2d_packed.h"
#include "reference.h"

namespace {

struct Case {
  int32_t batches, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, pad_top, pad_left;
  int32_t z_in, z_out, act_min, act_max;
};

Case make_case(int32_t batches, int32_t ih, int32_t iw, int32_t ic, int32_t oc, int32_t kh, int32_t kw, int32_t sh,
               int32_t sw, int32_t dh, bool same) {
  Case c = {};
  c.batches = batches, c.ih = ih, c.iw = iw, c.ic = ic, c.oc = oc, c.kh = kh, c.kw = kw;
  c.sh = sh, c.sw = sw, c.dh = dh;
  c.oh = same ? ref::same_out(ih, sh) : ref::valid_out(ih, sh, kh, dh);
  c.ow = same ? ref::same_out(iw, sw) : ref::valid_out(iw, sw, kw, 1);
  c.pad_top = same ? ref::same_pad(ih, c.oh, sh, kh, dh) : 0;
  c.pad_left = same ? ref::same_pad(iw, c.ow, sw, kw, 1) : 0;
  c.act_min = -128, c.act_max = 127;
  return c;
}


std::vector<int8_t> reference(const Case& c, const std::vector<int8_t>& x, const std::vector<int8_t>& w,
                              const std::vector<int32_t>& bias, const std::vector<int32_t>& m,
                              const std::vector<int32_t>& s) {
  std::vector<int8_t> out;
  for (int32_t b = 0; b < c.batches; ++b)
    for (int32_t oy = 0; oy < c.oh; ++oy)
      for (int32_t ox = 0; ox < c.ow; ++ox)
        for (int32_t co = 0; co < c.oc; ++co) {
          int32_t acc = 0;
          for (int32_t ky = 0; ky < c.kh; ++ky)
            for (int32_t kx = 0; kx < c.kw; ++kx) {
              const int32_t iy = oy * c.sh - c.pad_top + ky * c.dh, ix = ox * c.sw - c.pad_left + kx;
              if (iy < 0 || iy >= c.ih || ix < 0 || ix >= c.iw) continue;
              for (int32_t ci = 0; ci < c.ic; ++ci)
                acc += w[((co * c.kh + ky) * c.kw + kx) * c.ic + ci] *
                       (x[((b * c.ih + iy) * c.iw + ix) * c.ic + ci] - c.z_in);
            }
          out.push_back(ref::clamp8(ref::mbqm(acc + bias[co], m[co], s[co]) + c.z_out, c.act_min, c.act_max));
        }
  return out;
}

// scale_exponents: the range of the requantization scales' exponents (>= 0: shift >= 1,
// the general path).
void check(const Case& c, uint32_t seed, bool pointwise, int32_t min_exponent = -13, int32_t max_exponent = -7) {
  ref::Random rng(seed);
  const auto x = rng.s8(c.batches * c.ih * c.iw * c.ic);
  const auto w = rng.s8(c.oc * c.kh * c.kw * c.ic, -127, 127);
  const auto bias = rng.s32(c.oc, -5000, 5000);
  std::vector<int32_t> m(c.oc), s(c.oc), folded(c.oc);
  for (int32_t co = 0; co < c.oc; ++co) {
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(min_exponent, max_exponent)), &m[co],
                             &s[co]);
    int32_t sum = 0;
    for (int32_t i = 0; i < c.kh * c.kw * c.ic; ++i) sum += w[co * c.kh * c.kw * c.ic + i];
    folded[co] = bias[co] - c.z_in * sum;
  }
  const auto packed = ref::pack_filter_blocks(w, c.oc, c.kh, c.kw * c.ic);
  const mf::Conv2DS8Params p = {c.batches, c.ih,       c.iw,     c.ic,     c.oh,      c.ow,     c.oc, c.kh,
                                c.kw,      c.ic,       c.sh,     c.sw,     c.dh,      1,        c.pad_top,
                                c.pad_left, c.z_in,    c.z_out,  m.data(), s.data(),  c.act_min, c.act_max,
                                c.oc,      nullptr};
  auto run = [&](const mf::Conv2DS8Params& params, const int32_t* filter, const int32_t* bias_part, int8_t* out) {
    if (pointwise) {
      mf::conv_2d_1x1_s8(params, x.data(), filter, bias_part, out);
    } else {
      mf::conv_2d_packed_s8(params, x.data(), filter, bias_part, out);
    }
  };
  std::vector<int8_t> out(c.batches * c.oh * c.ow * c.oc);
  run(p, packed.data(), folded.data(), out.data());
  ASSERT_EQ(out, reference(c, x, w, bias, m, s)) << "seed " << seed;
  // Split into output-channel groups of four (one packed block each; the weight paging of
  // the emitter), each call writing its channels of every pixel: the same bytes.
  std::vector<int8_t> split(out.size(), 0);
  const int32_t block_words = c.kh * c.kw * c.ic;  // 4 channels x kh rows of kw * ic bytes
  for (int32_t c0 = 0; c0 < c.oc; c0 += 4) {
    mf::Conv2DS8Params group = p;
    group.output_depth = std::min(4, c.oc - c0);
    group.channel_multiplier = m.data() + c0;
    group.channel_shift = s.data() + c0;
    run(group, packed.data() + c0 / 4 * block_words, folded.data() + c0, split.data() + c0);
  }
  ASSERT_EQ(split, out) << "channel groups, seed " << seed;
  // An activation folded into the layer (output_table): every stored value goes through it.
  const auto table = rng.s8(256);
  mf::Conv2DS8Params activated = p;
  activated.output_table = table.data();
  std::vector<int8_t> through(out.size()), expected(out.size());
  run(activated, packed.data(), folded.data(), through.data());
  for (size_t i = 0; i < out.size(); ++i) expected[i] = table[static_cast<uint8_t>(out[i])];
  ASSERT_EQ(through, expected) << "output table, seed " << seed;
}

TEST(Conv2D1x1S8, DepthsAcrossChunkSizesAndChannelTails) {
  // Input depths exercise 8-chunks, the 4-chunk and the byte tail; output depths the padded block.
  uint32_t seed = 500;
  for (int32_t ic : {1, 3, 4, 5, 8, 12, 13, 16, 29, 64})
    for (int32_t oc : {1, 2, 4, 6, 9, 16}) {
      Case c = make_case(1, 3, 5, ic, oc, 1, 1, 1, 1, 1, false);
      c.z_in = -128, c.z_out = 5;
      check(c, seed++, true);
    }
}

TEST(Conv2D1x1S8, StridesBatchesAndRelu) {
  Case c = make_case(2, 7, 6, 16, 8, 1, 1, 2, 3, 1, true);
  c.z_in = 17, c.z_out = -20, c.act_min = -20;
  check(c, 520, true);
}

TEST(Conv2D1x1S8, GeneralRequantizationAndSaturation) {
  // Scales from 2^-20 to 2^1: shifts >= 0 take the general path, large sums saturate.
  Case c = make_case(1, 3, 3, 40, 12, 1, 1, 1, 1, 1, false);
  c.z_in = -128, c.z_out = -1, c.act_min = -100, c.act_max = 100;
  check(c, 521, true, -20, 1);
}

TEST(Conv2D1x1S8, DepthAboveTheFourPixelLimit) {
  Case c = make_case(1, 2, 3, 1030, 5, 1, 1, 1, 1, 1, false);
  c.z_in = 3;
  check(c, 522, true, -18, -14);
}

TEST(Conv2D1x1S8, DepthAboveTheAvx2WindowLimit) {
  // 3000 values: more than the AVX2 path's window copy holds (and than the SSE2 path's).
  Case c = make_case(1, 2, 3, 3000, 6, 1, 1, 1, 1, 1, false);
  c.z_in = -5;
  check(c, 523, true, -20, -16);
}

// conv_2d_1x1_s8_lanes_fixed (the host's 1x1 instance, C: Conv2D1x1S8WideConstants) against
// the generic conv_2d_1x1_s8 and the reference, on random weights, inputs, biases, input zero
// points and per-channel shifts from -1 to -31. Stride > N: the output is a channel slice of
// a wider tensor (a CONCATENATION view); the other channels must stay untouched.
template <int32_t Pixels, int32_t K, int32_t N, int32_t Zout, int32_t Lo, int32_t Hi, int32_t Stride = N>
void check_lanes(uint32_t seed) {
  ref::Random rng(seed);
  for (int iter = 0; iter < 10; ++iter) {
    Case c = make_case(1, Pixels, 1, K, N, 1, 1, 1, 1, 1, false);
    c.z_in = rng.uniform(-128, 127), c.z_out = Zout, c.act_min = Lo, c.act_max = Hi;
    const auto x = rng.s8(Pixels * K);
    const auto w = rng.s8(N * K, -127, 127);
    const auto bias = rng.s32(N, -20000, 20000);
    std::vector<int32_t> m(N), s(N), folded(N);
    for (int32_t co = 0; co < N; ++co) {
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-31, -1)), &m[co], &s[co]);
      int32_t sum = 0;
      for (int32_t i = 0; i < K; ++i) sum += w[co * K + i];
      folded[co] = bias[co] - c.z_in * sum;
    }
    const mf::Conv2DS8Params p = {1,  Pixels, 1,      K,        Pixels,   1, N, 1, 1, K, 1, 1, 1, 1, 0, 0,
                                  c.z_in, Zout, m.data(), s.data(), Lo,       Hi, N, nullptr};
    std::vector<int8_t> generic(static_cast<size_t>(Pixels * N)), strided(static_cast<size_t>(Pixels * Stride), 0x55);
    mf::conv_2d_1x1_s8(p, x.data(), ref::pack_filter_blocks(w, N, 1, K).data(), folded.data(), generic.data());
    folded.resize(static_cast<size_t>((N + 7) / 8 * 8), 0);
    mf::conv_2d_1x1_s8_lanes_fixed<mf::Conv2D1x1S8WideConstants<Pixels, K, N, Stride, Zout, Lo, Hi>>(
        x.data(), ref::lanes_weight_words(w, N, K).data(), folded.data(), ref::lanes_requant(m, s).data(),
        strided.data());
    std::vector<int8_t> out;
    for (int32_t px = 0; px < Pixels; ++px)
      for (int32_t ch = 0; ch < Stride; ++ch) {
        const int8_t v = strided[static_cast<size_t>(px * Stride + ch)];
        if (ch < N) out.push_back(v);
        else ASSERT_EQ(v, 0x55) << "pixel " << px << " channel " << ch << " is not this call's";
      }
    ASSERT_EQ(out, generic) << "iter " << iter;
    ASSERT_EQ(out, reference(c, x, w, bias, m, s)) << "iter " << iter;
  }
}

// Odd depths (a zero-padded last pair), part chunks of 16 input values (read exactly), part
// blocks of eight channels, one to four blocks per pass plus a remainder, clamps.
TEST(Conv2D1x1S8LanesFixed, OddDepthsAndChannelBlocksMatchGeneric) {
  check_lanes<1, 1, 1, 0, -128, 127>(560);
  check_lanes<3, 7, 5, -4, -128, 127>(561);
  check_lanes<2, 17, 9, 3, -100, 120>(562);
  check_lanes<5, 33, 41, -128, -128, 127>(563);
  check_lanes<1, 40, 128, 10, 10, 127>(564);
  check_lanes<2, 128, 36, -7, -128, 100>(565);
}

TEST(Conv2D1x1S8LanesFixed, WritesAChannelSliceOfAWiderOutput) {
  check_lanes<3, 7, 5, -4, -128, 127, 12>(566);
  check_lanes<2, 33, 16, 3, -100, 120, 40>(567);
}

TEST(Conv2DPackedS8, SamePaddingStridesAndRowLengths) {
  uint32_t seed = 540;
  for (int32_t ic : {1, 2, 3, 4, 8, 16})
    for (int32_t k : {1, 2, 3, 5})
      for (int32_t stride : {1, 2}) {
        Case c = make_case(1, 7, 6, ic, 6, k, k + 1, stride, stride, 1, true);
        c.z_in = -128, c.z_out = 3;
        check(c, seed++, false);
      }
}

TEST(Conv2DPackedS8, ValidDilatedRowsAndBatches) {
  Case c = make_case(2, 9, 7, 5, 7, 3, 2, 1, 2, 2, false);
  c.z_in = 40, c.z_out = -7, c.act_min = -7, c.act_max = 90;
  check(c, 560, false);
}

TEST(Conv2DPackedS8, KeywordSpottingFirstLayerShape) {
  // kws_ref_model op 0: 49x10x1 input, 10x4 filter, stride 2, SAME (wide border on both sides).
  Case c = make_case(1, 49, 10, 1, 12, 10, 4, 2, 2, 1, true);
  c.z_in = -100;
  check(c, 561, false);
}

TEST(Conv2DPackedS8, RowsLongerThanTheBorderSegment) {
  // 3 x 100 = 300 values per filter row: border rows go through the buffer in two segments.
  Case c = make_case(1, 4, 4, 100, 5, 3, 3, 1, 1, 1, true);
  c.z_in = 9;
  check(c, 562, false);
}

TEST(Conv2DPackedS8, KernelLargerThanImage) {
  Case c = make_case(1, 2, 3, 4, 3, 5, 5, 1, 1, 1, true);
  c.z_in = 100;
  check(c, 563, false);
}

}  // namespace
