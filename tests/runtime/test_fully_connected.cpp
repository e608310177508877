#include <algorithm>
#include <gtest/gtest.h>

#include <vector>

#include "microflow/variants/conv_2d_1x1_wide.h"
#include "microflow/kernels/fully_connected.h"
#include "microflow/variants/fully_connected_lanes.h"
#include "microflow/variants/fully_connected_wide.h"
#include "reference.h"

namespace {

constexpr int32_t kHalfMultiplier = 1 << 30;  // with shift 0: x * 0.5

struct FcCase {
  int32_t batches, k, n;
  int32_t z_in, z_w, z_out;
  bool per_channel;
  int32_t act_min, act_max;
};

// TFLM: acc = bias + sum (w - Z_w)(x - Z_in).
std::vector<int8_t> reference_fc(const FcCase& c, const std::vector<int8_t>& x,
                                 const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                                 const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  std::vector<int8_t> out;
  for (int32_t b = 0; b < c.batches; ++b) {
    for (int32_t o = 0; o < c.n; ++o) {
      int32_t acc = bias[o];
      for (int32_t d = 0; d < c.k; ++d) acc += (w[o * c.k + d] - c.z_w) * (x[b * c.k + d] - c.z_in);
      const size_t q = c.per_channel ? o : 0;
      out.push_back(ref::clamp8(ref::mbqm(acc, m[q], s[q]) + c.z_out, c.act_min, c.act_max));
    }
  }
  return out;
}

std::vector<int32_t> fold_bias(const FcCase& c, const std::vector<int8_t>& w,
                               const std::vector<int32_t>& bias) {
  std::vector<int32_t> folded(c.n);
  for (int32_t o = 0; o < c.n; ++o) {
    int32_t wsum = 0;
    for (int32_t d = 0; d < c.k; ++d) wsum += w[o * c.k + d];
    folded[o] = bias[o] - c.z_in * wsum + c.k * c.z_in * c.z_w;
  }
  return folded;
}

std::vector<int8_t> run_fc(const FcCase& c, const std::vector<int8_t>& x,
                           const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                           const std::vector<int32_t>& m, const std::vector<int32_t>& s) {
  const std::vector<int32_t> folded = fold_bias(c, w, bias);
  const mf::FullyConnectedS8Params p = {c.batches,
                                        c.k,
                                        c.n,
                                        c.z_w,
                                        c.z_out,
                                        m[0],
                                        s[0],
                                        c.per_channel ? m.data() : nullptr,
                                        c.per_channel ? s.data() : nullptr,
                                        c.act_min,
                                        c.act_max,
                                        c.n,
                                        nullptr};
  std::vector<int8_t> out(c.batches * c.n);
  mf::fully_connected_s8(p, x.data(), w.data(), folded.data(), out.data());
  // Outputs split into calls of up to five units (the emitter's weight paging: one group's
  // rows, biases and multipliers each) give the same bytes.
  std::vector<int8_t> split(out.size(), 0);
  for (int32_t o0 = 0; o0 < c.n; o0 += 5) {
    mf::FullyConnectedS8Params group = p;
    group.output_depth = std::min(5, c.n - o0);
    if (c.per_channel) group.channel_multiplier = m.data() + o0, group.channel_shift = s.data() + o0;
    mf::fully_connected_s8(group, x.data(), w.data() + o0 * c.k, folded.data() + o0, split.data() + o0);
  }
  EXPECT_EQ(split, out) << "output groups";
  return out;
}

TEST(FullyConnectedS8, HandComputedSymmetricWeights) {
  // acc0 = 10 + 1*2 + 2*(-2) + 3*(-3) = -1 -> -0.5 -> 0 (SRDHM tie up) -> -3
  // acc1 = -5 - 4*2 + 5*(-2) - 6*(-3) = -5 -> -2.5 -> -2 -> -5
  const FcCase c = {1, 3, 2, 2, 0, -3, false, -128, 127};
  const std::vector<int8_t> out =
      run_fc(c, {4, 0, -1}, {1, 2, 3, -4, 5, -6}, {10, -5}, {kHalfMultiplier}, {0});
  EXPECT_EQ(out, (std::vector<int8_t>{-3, -5}));
}

TEST(FullyConnectedS8, HandComputedAsymmetricWeights) {
  // Z_w = 1: acc0 = 10 + 0*2 + 1*(-2) + 2*(-3) = 2 -> 1 -> -2
  //          acc1 = -5 - 5*2 + 4*(-2) - 7*(-3) = -2 -> -1 -> -4
  const FcCase c = {1, 3, 2, 2, 1, -3, false, -128, 127};
  const std::vector<int8_t> out =
      run_fc(c, {4, 0, -1}, {1, 2, 3, -4, 5, -6}, {10, -5}, {kHalfMultiplier}, {0});
  EXPECT_EQ(out, (std::vector<int8_t>{-2, -4}));
}

TEST(FullyConnectedS8, ReluClampsAtOutputZeroPoint) {
  // Identity requantization (2^30, 1); RELU range [Z_out, 127].
  const FcCase c = {1, 2, 3, 0, 0, 5, false, 5, 127};
  const std::vector<int8_t> out =
      run_fc(c, {10, 20}, {1, 1, -1, -1, 5, 5}, {0, 0, 0}, {kHalfMultiplier}, {1});
  EXPECT_EQ(out, (std::vector<int8_t>{35, 5, 127}));
}

TEST(FullyConnectedS8, PerChannelMultipliers) {
  // Channel 0 doubles (2^30, 2), channel 1 halves (2^30, 0).
  const FcCase c = {1, 1, 2, 0, 0, 0, true, -128, 127};
  const std::vector<int8_t> out =
      run_fc(c, {7}, {3, 3}, {0, 0}, {kHalfMultiplier, kHalfMultiplier}, {2, 0});
  EXPECT_EQ(out, (std::vector<int8_t>{42, 11}));
}

TEST(FullyConnectedS8, RandomMatchesReference) {
  ref::Random rng(10);
  for (int iter = 0; iter < 300; ++iter) {
    FcCase c;
    c.batches = rng.uniform(1, 3);
    c.k = rng.uniform(1, 40);
    c.n = rng.uniform(1, 12);
    c.z_in = rng.uniform(-128, 127);
    c.z_w = iter % 3 == 0 ? rng.uniform(-20, 20) : 0;
    c.z_out = rng.uniform(-128, 127);
    c.per_channel = iter % 2 == 1;
    c.act_min = iter % 4 == 0 ? c.z_out : -128;
    c.act_max = iter % 5 == 0 ? rng.uniform(c.act_min, 127) : 127;
    const auto x = rng.s8(c.batches * c.k);
    const auto w = rng.s8(c.k * c.n, -127, 127);
    const auto bias = rng.s32(c.n, -20000, 20000);
    std::vector<int32_t> m, s;
    for (int32_t o = 0; o < (c.per_channel ? c.n : 1); ++o) {
      int32_t mo, so;
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-12, -4)), &mo,
                               &so);
      m.push_back(mo);
      s.push_back(so);
    }
    ASSERT_EQ(run_fc(c, x, w, bias, m, s), reference_fc(c, x, w, bias, m, s)) << "iter " << iter;
  }
}

// Rows of 640 (ad01) in blocks of four outputs, and a per-tensor pair outside the q31 range
// (shift >= 0) on the general requantization path.
TEST(FullyConnectedS8, LongRowsBlocksOfFourAndGeneralRequantization) {
  ref::Random rng(11);
  for (int32_t shift : {-9, 0, 1}) {
    FcCase c = {2, 640, 10, -3, 0, 7, false, -128, 127};
    const auto x = rng.s8(c.batches * c.k);
    const auto w = rng.s8(c.k * c.n, -127, 127);
    const auto bias = rng.s32(c.n, -20000, 20000);
    const std::vector<int32_t> m = {1518500250}, s = {shift};
    ASSERT_EQ(run_fc(c, x, w, bias, m, s), reference_fc(c, x, w, bias, m, s)) << "shift " << shift;
  }
}

// Depths around whole 16-value chunks and output counts around groups of eight (the AVX2
// path's last chunks read from the matrix end, and partial row groups).
TEST(FullyConnectedS8, DepthsAroundChunksAndRowGroups) {
  ref::Random rng(12);
  for (int32_t k : {1, 2, 8, 15, 16, 17, 31, 32, 33, 100})
    for (int32_t n : {1, 7, 8, 9, 16, 17, 25}) {
      FcCase c = {2, k, n, -7, 0, 3, false, -100, 120};
      const auto x = rng.s8(c.batches * c.k);
      const auto w = rng.s8(c.k * c.n, -127, 127);
      const auto bias = rng.s32(c.n, -20000, 20000);
      int32_t m0, s0;
      ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), -8), &m0, &s0);
      const std::vector<int32_t> m = {m0}, s = {s0};
      ASSERT_EQ(run_fc(c, x, w, bias, m, s), reference_fc(c, x, w, bias, m, s)) << "k " << k << " n " << n;
    }
}

// The compiler's layout for fully_connected_s8_lanes_fixed (specialize.cpp): int16 (w - Z_w),
// blocks of eight outputs, per input pair each output's two weights; zeros pad.
std::vector<int16_t> lanes_weights(const std::vector<int8_t>& w, int32_t n, int32_t k, int32_t z_w) {
  std::vector<int16_t> out;
  for (int32_t b = 0; b < (n + 7) / 8; ++b)
    for (int32_t p = 0; p < (k + 1) / 2; ++p)
      for (int32_t j = 0; j < 8; ++j)
        for (int32_t d = 2 * p; d < 2 * p + 2; ++d) {
          const int32_t o = 8 * b + j;
          out.push_back(static_cast<int16_t>(o < n && d < k ? w[static_cast<size_t>(o * k + d)] - z_w : 0));
        }
  return out;
}

// One instance of the lanes kernel (C: FullyConnectedS8WideConstants) against the generic
// kernel and the reference on random weights, inputs, biases and input/weight zero points.
template <typename C>
void check_lanes_fc(uint32_t seed) {
  ref::Random rng(seed);
  for (int iter = 0; iter < 20; ++iter) {
    FcCase c = {C::batches, C::input_depth, C::output_depth, rng.uniform(-128, 127), iter % 2 ? rng.uniform(-20, 20) : 0,
                C::output_zero_point, false, C::act_min, C::act_max};
    const auto x = rng.s8(c.batches * c.k);
    const auto w = rng.s8(c.k * c.n, -127, 127);
    const auto bias = rng.s32(c.n, -20000, 20000);
    const std::vector<int32_t> m = {C::multiplier}, s = {C::shift};
    std::vector<int32_t> folded = fold_bias(c, w, bias);
    folded.resize(static_cast<size_t>((c.n + 7) / 8 * 8), 0);
    const std::vector<int16_t> lanes = lanes_weights(w, c.n, c.k, c.z_w);
    std::vector<int8_t> out(static_cast<size_t>(c.batches * c.n));
    mf::fully_connected_s8_lanes_fixed<C>(x.data(), lanes.data(), folded.data(), out.data());
    const std::vector<int8_t> generic = run_fc(c, x, w, bias, m, s);
    ASSERT_EQ(out, generic) << "iter " << iter;
    ASSERT_EQ(out, reference_fc(c, x, w, bias, m, s)) << "iter " << iter;
  }
}

template <int32_t B, int32_t K, int32_t N, int32_t M, int32_t S, int32_t Z, int32_t Lo, int32_t Hi>
using Lanes = mf::FullyConnectedS8WideConstants<B, K, N, M, S, Z, Lo, Hi>;

// The sine model's shapes: one input, one output, 16 x 16.
TEST(FullyConnectedS8Lanes, SineShapesMatchGeneric) {
  check_lanes_fc<Lanes<1, 1, 16, 2039655759, -7, -128, -128, 127>>(20);
  check_lanes_fc<Lanes<1, 16, 16, 1561796740, -6, -128, -128, 127>>(21);
  check_lanes_fc<Lanes<1, 16, 1, 1518500250, -9, 5, -128, 127>>(22);
}

// Odd depths and part chunks (the input is read exactly), part blocks of outputs, groups
// of four blocks plus a remainder, several batches, clamps and shifts from -1 to -31.
TEST(FullyConnectedS8Lanes, ShapesAroundPairsChunksAndBlocksMatchGeneric) {
  check_lanes_fc<Lanes<3, 17, 9, 1518500250, -8, 3, -100, 120>>(23);
  check_lanes_fc<Lanes<1, 3, 7, 1073741824, -1, -7, -7, 127>>(24);
  check_lanes_fc<Lanes<2, 40, 33, 2147483647, -12, 0, -128, 127>>(25);
  check_lanes_fc<Lanes<1, 64, 32, 1240000000, -10, -20, -128, 100>>(26);
  check_lanes_fc<Lanes<2, 100, 70, 1900000000, -11, 10, 10, 127>>(27);
  check_lanes_fc<Lanes<1, 33, 8, 1500000000, -31, 0, -128, 127>>(28);
  check_lanes_fc<Lanes<2, 2, 40, 1300000000, -3, 1, -128, 127>>(29);
}

// fully_connected_s8_rows_fixed (the Helium variant: int8 rows, constants as template
// arguments) against TFLM's formulation: depths around 16-value vector steps, blocks of four
// rows plus single rows, symmetric and asymmetric weights.
template <int32_t B, int32_t K, int32_t N, int32_t Zw>
void check_rows_fixed(uint32_t seed) {
  constexpr int32_t kMultiplier = 1518500250, kShift = -9;
  ref::Random rng(seed);
  const FcCase c = {B, K, N, -7, Zw, 3, false, -100, 120};
  const auto x = rng.s8(c.batches * c.k);
  const auto w = rng.s8(c.k * c.n, -127, 127);
  const auto bias = rng.s32(c.n, -20000, 20000);
  const std::vector<int32_t> m = {kMultiplier}, s = {kShift};
  const std::vector<int32_t> folded = fold_bias(c, w, bias);
  std::vector<int8_t> out(static_cast<size_t>(B * N));
  mf::fully_connected_s8_rows_fixed<mf::FullyConnectedS8Constants<B, K, N, Zw, kMultiplier, kShift, 3, -100, 120>>(
      x.data(), w.data(), folded.data(), out.data());
  EXPECT_EQ(out, reference_fc(c, x, w, bias, m, s)) << "k " << K << " n " << N << " z_w " << Zw;
}

TEST(FullyConnectedS8RowsFixed, DepthsAroundVectorStepsAndRowBlocks) {
  check_rows_fixed<1, 1, 1, 0>(21);
  check_rows_fixed<2, 15, 5, 0>(22);
  check_rows_fixed<2, 16, 8, 0>(23);
  check_rows_fixed<1, 37, 6, 4>(24);
  check_rows_fixed<3, 100, 7, -5>(25);
}

// conv_2d_1x1_s8_rows_fixed (int8 rows) and conv_2d_1x1_s8_wide_fixed (Wide: int16 SMLAD
// layout): each pixel is one FC row with per-channel (multiplier, -shift - 1).
// Stride > N: every pixel's N outputs land Stride apart, the channels between untouched.
template <int32_t Pixels, int32_t K, int32_t N, int32_t Stride = N, bool Wide = false>
void check_conv_1x1_fixed(uint32_t seed) {
  ref::Random rng(seed);
  const FcCase c = {Pixels, K, N, 5, 0, -4, true, -128, 127};
  const auto x = rng.s8(c.batches * c.k);
  const auto w = rng.s8(c.k * c.n, -127, 127);
  const auto bias = rng.s32(c.n, -20000, 20000);
  std::vector<int32_t> m, s, requant;
  for (int32_t o = 0; o < N; ++o) {
    int32_t m0, s0;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), -7 - o % 5), &m0, &s0);
    m.push_back(m0), s.push_back(s0), requant.push_back(m0), requant.push_back(-s0 - 1);
  }
  const std::vector<int32_t> folded = fold_bias(c, w, bias);
  std::vector<int8_t> strided(static_cast<size_t>(Pixels * Stride), 0x55), out;
  using C = mf::Conv2D1x1S8WideConstants<Pixels, K, N, Stride, -4, -128, 127>;
  if (Wide)
    mf::conv_2d_1x1_s8_wide_fixed<C>(x.data(), ref::wide_weight_words(w, N, K).data(), folded.data(), requant.data(),
                                     strided.data());
  else
    mf::conv_2d_1x1_s8_rows_fixed<C>(x.data(), w.data(), folded.data(), requant.data(), strided.data());
  for (int32_t px = 0; px < Pixels; ++px)
    for (int32_t ch = 0; ch < Stride; ++ch) {
      const int8_t v = strided[static_cast<size_t>(px * Stride + ch)];
      if (ch < N) out.push_back(v);
      else EXPECT_EQ(v, 0x55) << "pixel " << px << " channel " << ch << " is not this call's";
    }
  EXPECT_EQ(out, reference_fc(c, x, w, bias, m, s)) << "k " << K << " n " << N;
}

TEST(Conv2D1x1S8RowsFixed, DepthsAroundVectorStepsAndChannelBlocks) {
  check_conv_1x1_fixed<3, 8, 16>(31);
  check_conv_1x1_fixed<2, 17, 6>(32);
  check_conv_1x1_fixed<4, 48, 9>(33);
}

TEST(Conv2D1x1S8Fixed, WritesAChannelSliceOfAWiderOutput) {
  check_conv_1x1_fixed<3, 17, 6, 10>(34);
  check_conv_1x1_fixed<3, 17, 6, 10, true>(35);
  check_conv_1x1_fixed<2, 8, 9, 20, true>(36);
}

TEST(FullyConnectedF32, HandComputedWithBiasAndRelu6) {
  const mf::FullyConnectedF32Params p = {2, 2, 2, 0.f, 6.f};
  const float x[] = {1.f, 2.f, -1.f, 0.5f};
  const float w[] = {1.f, 1.f, -2.f, 0.25f};
  const float bias[] = {0.5f, 1.f};
  float out[4];
  mf::fully_connected_f32(p, x, w, bias, out);
  EXPECT_EQ(out[0], 3.5f);    // 1 + 2 + 0.5
  EXPECT_EQ(out[1], 0.f);     // -2 + 0.5 + 1 = -0.5, RELU6
  EXPECT_EQ(out[2], 0.f);     // -1 + 0.5 + 0.5 = 0
  EXPECT_EQ(out[3], 3.125f);  // 2 + 0.125 + 1
}

TEST(FullyConnectedF32, AccumulatesInIndexOrderWithoutBias) {
  // (1e8 + 1) rounds back to 1e8, then -1e8 gives 0; any other order would keep the 1.
  const float lowest = -3.40282347e+38f, highest = 3.40282347e+38f;
  const mf::FullyConnectedF32Params p = {1, 3, 1, lowest, highest};
  const float x[] = {1e8f, 1.f, -1e8f};
  const float w[] = {1.f, 1.f, 1.f};
  float out = -1.f;
  mf::fully_connected_f32(p, x, w, nullptr, &out);
  EXPECT_EQ(out, 0.f);
}

TEST(FullyConnectedF32, RandomMatchesReferenceBitExact) {
  ref::Random rng(11);
  for (int iter = 0; iter < 100; ++iter) {
    const int32_t b = rng.uniform(1, 3), k = rng.uniform(1, 50), n = rng.uniform(1, 10);
    const auto x = rng.f32(b * k), w = rng.f32(k * n, -1.f, 1.f), bias = rng.f32(n);
    const bool with_bias = iter % 2 == 0;
    const mf::FullyConnectedF32Params p = {b, k, n, -3.f, 4.f};
    std::vector<float> out(b * n);
    mf::fully_connected_f32(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, out.data());
    for (int32_t i = 0; i < b; ++i) {
      for (int32_t o = 0; o < n; ++o) {
        float total = 0.f;
        for (int32_t d = 0; d < k; ++d) total += x[i * k + d] * w[o * k + d];
        const float expected = ref::clampf(total + (with_bias ? bias[o] : 0.f), -3.f, 4.f);
        ASSERT_EQ(out[i * n + o], expected);
      }
    }
  }
}

// 16x8: TFLM's FullyConnected for int16 (per tensor, zero points of x and y 0): int64
// acc = bias + sum (w - Z_w) * x, the int64 MultiplyByQuantizedMultiplier.
TEST(FullyConnectedS16, RandomMatchesReference) {
  ref::Random rng(500);
  for (uint32_t iter = 0; iter < 200; ++iter) {
    const int32_t batches = rng.uniform(1, 3), k = rng.uniform(1, 700), n = rng.uniform(1, 9);
    const int32_t z_w = iter % 3 == 0 ? rng.uniform(-5, 5) : 0;
    const int32_t act_min = iter % 2 == 0 ? 0 : -32768;
    const auto x = rng.s16(batches * k);
    const auto w = rng.s8(n * k, -127, 127);
    const auto bias = rng.s64(n, -(int64_t{1} << 36), int64_t{1} << 36);
    const bool with_bias = iter % 4 != 1;
    int32_t m, s;
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-24, -8)), &m, &s);
    const mf::FullyConnectedS16Params p = {batches, k, n, z_w, ref::reduce_multiplier_to_q15(m), s, act_min, 32767};
    std::vector<int16_t> out(batches * n);
    mf::fully_connected_s16(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, out.data());
    std::vector<int16_t> expected;
    for (int32_t b = 0; b < batches; ++b)
      for (int32_t o = 0; o < n; ++o) {
        int64_t acc = 0;
        for (int32_t d = 0; d < k; ++d) acc += (w[o * k + d] - z_w) * x[b * k + d];
        if (with_bias) acc += bias[o];
        expected.push_back(ref::clamp16(ref::mbqm64(acc, m, s), act_min, 32767));
      }
    ASSERT_EQ(out, expected) << "iter " << iter;
  }
}

}  // namespace
