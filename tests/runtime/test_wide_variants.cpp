// The Cortex-M DSP variants of passes/specialize.cpp on their compiler layouts, here through
// their plain C paths (the SXTB16/SMLAD ones run in the cortex-m golden tests):
// conv_2d_s8_wide against conv_2d_packed_s8, add_s8_table_fixed against TFLM's ADD.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "microflow/kernels/binary.h"
#include "microflow/kernels/conv_2d_packed.h"
#include "microflow/variants/add_s8_table.h"
#include "microflow/variants/conv_2d_wide.h"
#include "reference.h"

namespace {

struct ConvCase {
  int32_t batches, ih, iw, ic, oc, kh, kw, sh, sw, dh;
  bool same;
  int32_t z_in, z_out, act_min, act_max;
};

// Random weights in [-127, 127] (the pair layout's range), per-channel shifts in [-16, -7].
void check_conv(const ConvCase& c, uint32_t seed) {
  ref::Random rng(seed);
  const int32_t oh = c.same ? ref::same_out(c.ih, c.sh) : ref::valid_out(c.ih, c.sh, c.kh, c.dh);
  const int32_t ow = c.same ? ref::same_out(c.iw, c.sw) : ref::valid_out(c.iw, c.sw, c.kw, 1);
  const int32_t pad_top = c.same ? ref::same_pad(c.ih, oh, c.sh, c.kh, c.dh) : 0;
  const int32_t pad_left = c.same ? ref::same_pad(c.iw, ow, c.sw, c.kw, 1) : 0;
  const int32_t taps = c.kh * c.kw * c.ic;
  const auto x = rng.s8(c.batches * c.ih * c.iw * c.ic);
  const auto w = rng.s8(c.oc * taps, -127, 127);
  const auto bias = rng.s32(c.oc, -5000, 5000);
  std::vector<int32_t> m(c.oc), s(c.oc), folded(c.oc);
  for (int32_t co = 0; co < c.oc; ++co) {
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-16, -7)), &m[co], &s[co]);
    int32_t sum = 0;
    for (int32_t i = 0; i < taps; ++i) sum += w[co * taps + i];
    folded[co] = bias[co] - c.z_in * sum;
  }
  const mf::Conv2DS8Params p = {c.batches, c.ih,    c.iw,     c.ic,     oh,       ow,        c.oc,     c.kh,
                                c.kw,      c.ic,    c.sh,     c.sw,     c.dh,     1,         pad_top,  pad_left,
                                c.z_in,    c.z_out, m.data(), s.data(), c.act_min, c.act_max, c.oc,     nullptr};
  const size_t size = static_cast<size_t>(c.batches * oh * ow * c.oc);
  std::vector<int8_t> packed(size), wide(size);
  mf::conv_2d_packed_s8(p, x.data(), ref::pack_filter_blocks(w, c.oc, c.kh, c.kw * c.ic).data(), folded.data(),
                        packed.data());
  // The kernel's tap order (conv_2d_wide.h): each filter row's whole words, then the rows' last
  // row_length % 4 taps.
  const int32_t row = c.kw * c.ic, whole = row / 4 * 4;
  std::vector<int32_t> order;
  for (int32_t r = 0; r < c.kh; ++r)
    for (int32_t k = 0; k < whole; ++k) order.push_back(r * row + k);
  for (int32_t r = 0; r < c.kh; ++r)
    for (int32_t k = whole; k < row; ++k) order.push_back(r * row + k);
  // The compiler's shift codes (n = -shift - 1); every other pair stored swapped and flagged.
  std::vector<int8_t> stored(w.size());
  for (int32_t co = 0; co < c.oc; ++co)
    for (int32_t t = 0; t < taps; ++t) stored[co * taps + t] = w[co * taps + order[t]];
  std::vector<int32_t> codes(c.oc);
  for (int32_t co = 0; co < c.oc; ++co) codes[co] = -s[co] - 1;
  for (int32_t a = 2; a < c.oc; a += 4) {
    std::swap_ranges(stored.begin() + a * taps, stored.begin() + (a + 1) * taps, stored.begin() + (a + 1) * taps);
    codes[a] |= mf::kConvWideSwapped, codes[a + 1] |= mf::kConvWideSwapped;
  }
  mf::Conv2DS8Params coded = p;
  coded.channel_shift = codes.data();
  mf::conv_2d_s8_wide(coded, x.data(), ref::wide_weight_words(stored, c.oc, taps).data(), folded.data(), wide.data());
  ASSERT_EQ(wide, packed) << "seed " << seed;
}

TEST(Conv2DS8Wide, MatchesPackedKernel) {
  // Interior windows as words (3x3x3, 10x4x1: through the listed offsets), row remainders
  // (3x3x3: the tail; 3x3x2 and 5x3x3: remainders that fill groups), border columns; an odd
  // number of output pixels; strides, dilation, batches, clamps.
  check_conv({1, 8, 8, 16, 16, 3, 3, 1, 1, 1, true, -128, 5, -128, 127}, 700);
  check_conv({1, 9, 7, 3, 8, 3, 3, 2, 2, 1, true, -128, -3, -128, 127}, 701);
  check_conv({2, 7, 6, 8, 12, 3, 2, 1, 2, 2, false, 17, -20, -20, 100}, 702);
  check_conv({1, 10, 4, 1, 4, 10, 4, 2, 1, 1, true, 83, -128, -128, 127}, 703);
  check_conv({1, 6, 6, 32, 4, 1, 1, 2, 2, 1, false, -7, 0, -128, 127}, 704);
  check_conv({1, 5, 5, 64, 8, 3, 3, 1, 1, 1, true, -1, 2, -128, 127}, 705);
  check_conv({1, 9, 8, 2, 8, 3, 3, 2, 1, 1, true, 40, 7, -128, 127}, 707);
  check_conv({2, 7, 7, 3, 4, 5, 3, 1, 2, 1, true, -9, -128, -128, 60}, 708);
  // 3x11x3: interior windows of more groups than the listed copy takes, row by row.
  check_conv({1, 6, 16, 3, 8, 3, 11, 1, 2, 1, true, 5, 3, -128, 127}, 709);
}

TEST(Conv2DS8Wide, WindowsAboveTheSmallBuffer) {
  // 3x3x72 = 648 taps: the kConvWideMaxTaps buffer, borders tap by tap.
  check_conv({1, 5, 4, 72, 8, 3, 3, 1, 1, 1, true, 9, -5, -128, 127}, 706);
}

TEST(AddS8TableFixed, AllInputPairsMatchGenericAdd) {
  // ic_pretrainedResnet_quant_int8's first ADD (test_binary.cpp), with a ReLU bound.
  mf::BinaryQuantizedParams p = {};
  for (int i = 0; i < 5; ++i) p.dims[i] = 1, p.input1_strides[i] = p.input2_strides[i] = 0;
  p.dims[4] = 256 * 256, p.input1_strides[4] = p.input2_strides[4] = 1;
  p.input1_offset = 128, p.input2_offset = -4, p.left_shift = 20;
  p.input1_multiplier = 1623821475, p.input1_shift = -2, p.input2_multiplier = 1073741824, p.input2_shift = 0;
  p.output_multiplier = 1098017566, p.output_shift = -17, p.output_offset = -128, p.act_min = -100, p.act_max = 127;
  std::vector<int8_t> a(256 * 256), b(256 * 256), generic(256 * 256), table(256 * 256);
  for (int i = 0; i < 256 * 256; ++i) a[i] = static_cast<int8_t>(i / 256 - 128), b[i] = static_cast<int8_t>(i % 256 - 128);
  std::vector<int32_t> t1(256), t2(256);
  for (int u = 0; u < 256; ++u) {
    t1[u] = mf::detail::rescale_input1(p, static_cast<int8_t>(u));
    t2[u] = mf::detail::rescale_input2(p, static_cast<int8_t>(u));
  }
  mf::binary_quantized<mf::OpAdd>(p, a.data(), b.data(), generic.data());
  mf::add_s8_table_fixed<mf::AddS8TableConstants<256 * 256, 1098017566, 16, -128, -100, 127>>(
      a.data(), b.data(), t1.data(), t2.data(), table.data());
  EXPECT_EQ(table, generic);
}

}  // namespace
