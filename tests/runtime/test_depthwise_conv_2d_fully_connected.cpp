// The fused DEPTHWISE_CONV_2D -> FULLY_CONNECTED kernel must equal the two
// layers run one after the other in TFLM's formulation, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microflow/kernels/depthwise_conv_2d_fully_connected.h"
#include "reference.h"

namespace {

struct Layers {
  // depthwise
  int32_t ih, iw, ic, dm, kh, kw, sh, sw, oh, ow, oc, pad_top, pad_left, z_in, z_mid;
  std::vector<int8_t> dw_w;
  std::vector<int32_t> dw_bias, dw_m, dw_s;
  // fully connected on the flattened depthwise output
  int32_t units, z_w, z_out, fc_m, fc_s;
  bool per_channel;
  std::vector<int8_t> fc_w;
  std::vector<int32_t> fc_bias, fc_cm, fc_cs;
};

Layers random_layers(ref::Random& rng, bool same, bool per_channel, int32_t z_w) {
  Layers l = {};
  l.ih = rng.uniform(3, 9), l.iw = rng.uniform(3, 9), l.ic = rng.uniform(1, 3), l.dm = rng.uniform(1, 3);
  l.kh = rng.uniform(1, 3), l.kw = rng.uniform(1, 3), l.sh = rng.uniform(1, 2), l.sw = rng.uniform(1, 2);
  l.oc = l.ic * l.dm;
  l.oh = same ? ref::same_out(l.ih, l.sh) : ref::valid_out(l.ih, l.sh, l.kh, 1);
  l.ow = same ? ref::same_out(l.iw, l.sw) : ref::valid_out(l.iw, l.sw, l.kw, 1);
  l.pad_top = same ? ref::same_pad(l.ih, l.oh, l.sh, l.kh, 1) : 0;
  l.pad_left = same ? ref::same_pad(l.iw, l.ow, l.sw, l.kw, 1) : 0;
  l.z_in = rng.uniform(-128, 127), l.z_mid = rng.uniform(-128, 127);
  l.dw_w = rng.s8(l.kh * l.kw * l.oc, -127, 127);
  l.dw_bias = rng.s32(l.oc, -3000, 3000);
  l.dw_m.resize(static_cast<size_t>(l.oc));
  l.dw_s.resize(static_cast<size_t>(l.oc));
  for (int32_t c = 0; c < l.oc; ++c)
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-9, -5)), &l.dw_m[static_cast<size_t>(c)],
                             &l.dw_s[static_cast<size_t>(c)]);
  const int32_t depth = l.oh * l.ow * l.oc;
  l.units = rng.uniform(1, 6), l.z_w = z_w, l.z_out = rng.uniform(-128, 127), l.per_channel = per_channel;
  l.fc_w = rng.s8(l.units * depth, -127, 127);
  l.fc_bias = rng.s32(l.units, -5000, 5000);
  ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), -10), &l.fc_m, &l.fc_s);
  l.fc_cm.resize(static_cast<size_t>(l.units));
  l.fc_cs.resize(static_cast<size_t>(l.units));
  for (int32_t o = 0; o < l.units; ++o)
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-12, -8)), &l.fc_cm[static_cast<size_t>(o)],
                             &l.fc_cs[static_cast<size_t>(o)]);
  return l;
}

// The two layers separately, in TFLM's formulation (skipped taps, explicit zero points).
std::vector<int8_t> reference(const Layers& l, const std::vector<int8_t>& x) {
  std::vector<int8_t> mid;
  for (int32_t oy = 0; oy < l.oh; ++oy)
    for (int32_t ox = 0; ox < l.ow; ++ox)
      for (int32_t oc = 0; oc < l.oc; ++oc) {
        const int32_t ic = oc / l.dm;
        int32_t acc = 0;
        for (int32_t ky = 0; ky < l.kh; ++ky)
          for (int32_t kx = 0; kx < l.kw; ++kx) {
            const int32_t iy = oy * l.sh - l.pad_top + ky, ix = ox * l.sw - l.pad_left + kx;
            if (iy < 0 || iy >= l.ih || ix < 0 || ix >= l.iw) continue;
            acc += l.dw_w[static_cast<size_t>((ky * l.kw + kx) * l.oc + oc)] *
                   (x[static_cast<size_t>((iy * l.iw + ix) * l.ic + ic)] - l.z_in);
          }
        acc += l.dw_bias[static_cast<size_t>(oc)];
        mid.push_back(ref::clamp8(ref::mbqm(acc, l.dw_m[static_cast<size_t>(oc)], l.dw_s[static_cast<size_t>(oc)]) + l.z_mid,
                                  -128, 127));
      }
  const int32_t depth = static_cast<int32_t>(mid.size());
  std::vector<int8_t> out;
  for (int32_t o = 0; o < l.units; ++o) {
    const int32_t z_w = l.per_channel ? 0 : l.z_w;
    int32_t acc = l.fc_bias[static_cast<size_t>(o)];
    for (int32_t d = 0; d < depth; ++d)
      acc += (l.fc_w[static_cast<size_t>(o * depth + d)] - z_w) * (mid[static_cast<size_t>(d)] - l.z_mid);
    const int32_t m = l.per_channel ? l.fc_cm[static_cast<size_t>(o)] : l.fc_m;
    const int32_t s = l.per_channel ? l.fc_cs[static_cast<size_t>(o)] : l.fc_s;
    out.push_back(ref::clamp8(ref::mbqm(acc, m, s) + l.z_out, -128, 127));
  }
  return out;
}

// The fused kernel with the compiler's folded biases.
std::vector<int8_t> fused(const Layers& l, const std::vector<int8_t>& x) {
  std::vector<int32_t> dw_folded(static_cast<size_t>(l.oc));
  for (int32_t oc = 0; oc < l.oc; ++oc) {
    int32_t sum = 0;
    for (int32_t t = 0; t < l.kh * l.kw; ++t) sum += l.dw_w[static_cast<size_t>(t * l.oc + oc)];
    dw_folded[static_cast<size_t>(oc)] = l.dw_bias[static_cast<size_t>(oc)] - l.z_in * sum;
  }
  const int32_t depth = l.oh * l.ow * l.oc;
  const int32_t z_w = l.per_channel ? 0 : l.z_w;
  std::vector<int32_t> fc_folded(static_cast<size_t>(l.units));
  for (int32_t o = 0; o < l.units; ++o) {
    int32_t sum = 0;
    for (int32_t d = 0; d < depth; ++d) sum += l.fc_w[static_cast<size_t>(o * depth + d)];
    fc_folded[static_cast<size_t>(o)] = l.fc_bias[static_cast<size_t>(o)] - l.z_mid * sum + depth * l.z_mid * z_w;
  }
  const mf::DepthwiseConv2DFullyConnectedS8Params p = {
      {1, l.ih, l.iw, l.ic, l.oh, l.ow, l.oc, l.kh, l.kw, l.dm, l.sh, l.sw, 1, 1, l.pad_top, l.pad_left, l.z_in, l.z_mid,
       l.dw_m.data(), l.dw_s.data(), -128, 127, nullptr},
      {1, depth, l.units, z_w, l.z_out, l.fc_m, l.fc_s, l.per_channel ? l.fc_cm.data() : nullptr,
       l.per_channel ? l.fc_cs.data() : nullptr, -128, 127, l.units, nullptr}};
  std::vector<int32_t> accumulators(static_cast<size_t>(l.units));
  std::vector<int8_t> out(static_cast<size_t>(l.units));
  mf::depthwise_conv_2d_fully_connected_s8(p, x.data(), l.dw_w.data(), dw_folded.data(), l.fc_w.data(), fc_folded.data(),
                                           accumulators.data(), out.data());
  return out;
}

void check(bool same, bool per_channel, int32_t z_w, uint32_t seed) {
  ref::Random rng(seed);
  for (int i = 0; i < 60; ++i) {
    const Layers l = random_layers(rng, same, per_channel, z_w);
    const auto x = rng.s8(l.ih * l.iw * l.ic);
    ASSERT_EQ(fused(l, x), reference(l, x)) << "seed " << seed << " case " << i;
  }
}

TEST(DepthwiseConv2DFullyConnectedS8, SamePaddingPerTensorWeights) { check(true, false, 0, 11); }
TEST(DepthwiseConv2DFullyConnectedS8, ValidPaddingPerChannelWeights) { check(false, true, 0, 12); }
TEST(DepthwiseConv2DFullyConnectedS8, AsymmetricFullyConnectedWeights) { check(true, false, 7, 13); }

}  // namespace
