// Expected outputs for the end-to-end tests, written from
// shared/docs/tflm-arithmetic.md in TFLM's own formulation (explicit zero
// points, double rounding), independently of the compiler and the runtime.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace tflm_ref {

// §1.1
inline int32_t srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t p = static_cast<int64_t>(a) * b;
  const int64_t nudge = p >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((p + nudge) / (int64_t{1} << 31));
}

// §1.2, written exactly as gemmlowp does (mask / threshold).
inline int32_t rdbpot(int32_t x, int e) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << e) - 1);
  const int32_t r = x & mask;
  const int32_t t = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (r > t ? 1 : 0);
}

// §1.3 (the left shift wraps like TFLM's int32 multiply).
inline int32_t mbqm(int32_t x, int32_t m, int s) {
  const int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rdbpot(srdhm(shifted, m), right);
}

// §1.4: the int64 form of the 16x8 kernels (15-bit multiplier, one rounding, truncated).
inline int32_t mbqm64(int64_t x, int32_t m, int s) {
  const int32_t reduced = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - s;
  return static_cast<int32_t>((x * reduced + (int64_t{1} << (total - 1))) >> total);
}

struct QM {
  int32_t m = 0;
  int s = 0;
};

// §2
inline QM quantize_multiplier(double d) {
  if (d == 0) return {};
  int s = 0;
  const double f = std::frexp(d, &s);
  auto q = static_cast<int64_t>(std::round(f * 2147483648.0));
  if (q == (int64_t{1} << 31)) {
    q = int64_t{1} << 30;
    ++s;
  }
  if (s < -31) return {};
  return {static_cast<int32_t>(q), s};
}

struct QParams {
  float scale;
  int32_t zero_point;
};

enum class Act { None, Relu, Relu6, ReluN1To1 };

// §3.1
inline std::pair<int32_t, int32_t> act_range(Act a, QParams out) {
  auto Q = [&](float f) { return out.zero_point + static_cast<int32_t>(std::round(f / out.scale)); };
  int32_t lo = -128, hi = 127;
  switch (a) {
    case Act::None: break;
    case Act::Relu: lo = std::max(lo, Q(0.f)); break;
    case Act::Relu6: lo = std::max(lo, Q(0.f)); hi = std::min(hi, Q(6.f)); break;
    case Act::ReluN1To1: lo = std::max(lo, Q(-1.f)); hi = std::min(hi, Q(1.f)); break;
  }
  return {lo, hi};
}

inline int8_t clamp8(int32_t v, std::pair<int32_t, int32_t> r) {
  return static_cast<int8_t>(std::min(std::max(v, r.first), r.second));
}

// §10: element-wise int8 ADD of equally shaped tensors.
inline std::vector<int8_t> add(const std::vector<int8_t>& x1, QParams p1, const std::vector<int8_t>& x2, QParams p2,
                               QParams po, Act act) {
  const double tw = 2 * std::max(static_cast<double>(p1.scale), static_cast<double>(p2.scale));
  const QM q1 = quantize_multiplier(static_cast<double>(p1.scale) / tw);
  const QM q2 = quantize_multiplier(static_cast<double>(p2.scale) / tw);
  const QM qo = quantize_multiplier(tw / ((1 << 20) * static_cast<double>(po.scale)));
  const auto range = act_range(act, po);
  std::vector<int8_t> y(x1.size());
  for (size_t i = 0; i < x1.size(); ++i) {
    const int32_t a = (x1[i] - p1.zero_point) * (1 << 20);
    const int32_t b = (x2[i] - p2.zero_point) * (1 << 20);
    const int32_t a2 = rdbpot(srdhm(a, q1.m), -q1.s);
    const int32_t b2 = rdbpot(srdhm(b, q2.m), -q2.s);
    const int32_t o = rdbpot(srdhm(a2 + b2, qo.m), -qo.s) + po.zero_point;
    y[i] = clamp8(o, range);
  }
  return y;
}

// §7: per-tensor int8 FULLY_CONNECTED, one batch; w is [units, depth].
inline std::vector<int8_t> fully_connected(const std::vector<int8_t>& x, QParams pin, const std::vector<int8_t>& w,
                                           QParams pw, const std::vector<int32_t>& bias, QParams pout, Act act) {
  const size_t units = bias.size(), depth = x.size();
  // §2.1: the scale product is float32, then widened.
  const float product = pin.scale * pw.scale;
  const QM qm = quantize_multiplier(static_cast<double>(product) / static_cast<double>(pout.scale));
  const auto range = act_range(act, pout);
  std::vector<int8_t> y(units);
  for (size_t o = 0; o < units; ++o) {
    int32_t acc = 0;
    for (size_t d = 0; d < depth; ++d) acc += (w[o * depth + d] - pw.zero_point) * (x[d] - pin.zero_point);
    acc += bias[o];
    y[o] = clamp8(mbqm(acc, qm.m, qm.s) + pout.zero_point, range);
  }
  return y;
}

// §6: int8 DEPTHWISE_CONV_2D, one batch, NHWC, per-channel symmetric filter [1][KH][KW][OC],
// dilation 1; out-of-image taps are skipped. Output channel oc reads input channel oc / dm.
struct DepthwiseShape {
  int32_t height, width, depth, depth_multiplier, filter_height, filter_width, stride_h, stride_w;
  bool same;
  int32_t out_height() const { return same ? (height + stride_h - 1) / stride_h : (height - filter_height) / stride_h + 1; }
  int32_t out_width() const { return same ? (width + stride_w - 1) / stride_w : (width - filter_width) / stride_w + 1; }
};

inline std::vector<int8_t> depthwise_conv_2d(const std::vector<int8_t>& x, QParams pin, const DepthwiseShape& d,
                                             const std::vector<int8_t>& w, const std::vector<float>& w_scales,
                                             const std::vector<int32_t>& bias, QParams pout, Act act) {
  const int32_t oh = d.out_height(), ow = d.out_width(), oc = d.depth * d.depth_multiplier;
  const int32_t pad_top = d.same ? std::max((oh - 1) * d.stride_h + d.filter_height - d.height, 0) / 2 : 0;
  const int32_t pad_left = d.same ? std::max((ow - 1) * d.stride_w + d.filter_width - d.width, 0) / 2 : 0;
  const auto range = act_range(act, pout);
  std::vector<int8_t> y;
  for (int32_t oy = 0; oy < oh; ++oy)
    for (int32_t ox = 0; ox < ow; ++ox)
      for (int32_t c = 0; c < oc; ++c) {
        int32_t acc = 0;
        for (int32_t ky = 0; ky < d.filter_height; ++ky)
          for (int32_t kx = 0; kx < d.filter_width; ++kx) {
            const int32_t iy = oy * d.stride_h - pad_top + ky, ix = ox * d.stride_w - pad_left + kx;
            if (iy < 0 || iy >= d.height || ix < 0 || ix >= d.width) continue;
            acc += w[static_cast<size_t>((ky * d.filter_width + kx) * oc + c)] *
                   (x[static_cast<size_t>((iy * d.width + ix) * d.depth + c / d.depth_multiplier)] - pin.zero_point);
          }
        acc += bias[static_cast<size_t>(c)];
        // §2.1: convolution multipliers are computed in double.
        const QM qm = quantize_multiplier(static_cast<double>(pin.scale) *
                                          static_cast<double>(w_scales[static_cast<size_t>(c)]) /
                                          static_cast<double>(pout.scale));
        y.push_back(clamp8(mbqm(acc, qm.m, qm.s) + pout.zero_point, range));
      }
  return y;
}

// §5: int8 CONV_2D, one batch, NHWC, per-channel symmetric filter [OC][KH][KW][IC], no groups,
// dilation 1; out-of-image taps are skipped (they would add (Z_in - Z_in) * w = 0).
struct ConvShape {
  int32_t height, width, depth, out_depth, filter_height, filter_width, stride_h, stride_w;
  bool same;
  int32_t out_height() const { return same ? (height + stride_h - 1) / stride_h : (height - filter_height) / stride_h + 1; }
  int32_t out_width() const { return same ? (width + stride_w - 1) / stride_w : (width - filter_width) / stride_w + 1; }
};

inline std::vector<int8_t> conv_2d(const std::vector<int8_t>& x, QParams pin, const ConvShape& d,
                                   const std::vector<int8_t>& w, const std::vector<float>& w_scales,
                                   const std::vector<int32_t>& bias, QParams pout, Act act) {
  const int32_t oh = d.out_height(), ow = d.out_width();
  const int32_t pad_top = d.same ? std::max((oh - 1) * d.stride_h + d.filter_height - d.height, 0) / 2 : 0;
  const int32_t pad_left = d.same ? std::max((ow - 1) * d.stride_w + d.filter_width - d.width, 0) / 2 : 0;
  const auto range = act_range(act, pout);
  std::vector<int8_t> y;
  for (int32_t oy = 0; oy < oh; ++oy)
    for (int32_t ox = 0; ox < ow; ++ox)
      for (int32_t c = 0; c < d.out_depth; ++c) {
        int32_t acc = 0;
        for (int32_t ky = 0; ky < d.filter_height; ++ky)
          for (int32_t kx = 0; kx < d.filter_width; ++kx) {
            const int32_t iy = oy * d.stride_h - pad_top + ky, ix = ox * d.stride_w - pad_left + kx;
            if (iy < 0 || iy >= d.height || ix < 0 || ix >= d.width) continue;
            for (int32_t ci = 0; ci < d.depth; ++ci)
              acc += w[static_cast<size_t>(((c * d.filter_height + ky) * d.filter_width + kx) * d.depth + ci)] *
                     (x[static_cast<size_t>((iy * d.width + ix) * d.depth + ci)] - pin.zero_point);
          }
        acc += bias[static_cast<size_t>(c)];
        const QM qm = quantize_multiplier(static_cast<double>(pin.scale) *
                                          static_cast<double>(w_scales[static_cast<size_t>(c)]) /
                                          static_cast<double>(pout.scale));
        y.push_back(clamp8(mbqm(acc, qm.m, qm.s) + pout.zero_point, range));
      }
  return y;
}

// §4: SAME padding before the image (the extra row/column goes after it).
inline int same_pad_before(int in, int out, int stride, int k) {
  return std::max(0, (out - 1) * stride + k - in) / 2;
}

struct Window {
  int kh, kw, stride_h, stride_w, pad_top, pad_left;
};

// §8: int8 average / max pooling, one batch, over the in-image cells of each window.
inline std::vector<int8_t> pool_2d(bool average, const std::vector<int8_t>& x, int h, int wd, int c, const Window& win,
                                   int oh, int ow) {
  std::vector<int8_t> y(static_cast<size_t>(oh * ow * c));
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int ch = 0; ch < c; ++ch) {
        int32_t acc = average ? 0 : -128, n = 0;
        for (int ky = 0; ky < win.kh; ++ky)
          for (int kx = 0; kx < win.kw; ++kx) {
            const int iy = oy * win.stride_h - win.pad_top + ky, ix = ox * win.stride_w - win.pad_left + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            const int32_t v = x[static_cast<size_t>((iy * wd + ix) * c + ch)];
            acc = average ? acc + v : std::max(acc, v);
            ++n;
          }
        if (average) acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
        y[static_cast<size_t>((oy * ow + ox) * c + ch)] = clamp8(acc, {-128, 127});
      }
  return y;
}

// §11 int8 -> int8
inline std::vector<int8_t> requantize(const std::vector<int8_t>& x, QParams pin, QParams pout) {
  const QM qm = quantize_multiplier(static_cast<double>(pin.scale) / static_cast<double>(pout.scale));
  std::vector<int8_t> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = clamp8(mbqm(x[i] - pin.zero_point, qm.m, qm.s) + pout.zero_point, {-128, 127});
  return y;
}

// §11 int8 -> float
inline std::vector<float> dequantize(const std::vector<int8_t>& x, QParams p) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = static_cast<float>(static_cast<double>(p.scale) * static_cast<int32_t>(x[i] - p.zero_point));
  return y;
}

// §11 float -> int8
inline std::vector<int8_t> quantize(const std::vector<float>& x, QParams p) {
  std::vector<int8_t> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = clamp8(static_cast<int32_t>(std::round(x[i] / p.scale)) + p.zero_point, {-128, 127});
  return y;
}

}  // namespace tflm_ref
