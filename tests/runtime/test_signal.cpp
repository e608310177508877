// TFLM Signal-library kernels (signal_*.h) against TFLM's formulation: integer helpers on
// hand-checked values, the kissfft RFFT / IRFFT (int16, int32, float) against a DFT in
// double (the fixed-point stages scale by 1/N), the stateful operators over several invokes
// and after reset() against signal_reference.h.
// Bit-exactness of the whole front end is checked by the golden tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "microflow/kernels/signal_energy.h"
#include "microflow/kernels/signal_fft.h"
#include "microflow/kernels/signal_filter_bank.h"
#include "microflow/kernels/signal_framing.h"
#include "microflow/kernels/signal_pcan.h"
#include "microflow/kernels/signal_window.h"
#include "signal_reference.h"

namespace {

using signal_reference::FftTables;

TEST(SignalMath, MsbSqrt) {
  EXPECT_EQ(mf::signal::msb32(0), 32u);  // TFLM's __builtin_clz path
  EXPECT_EQ(mf::signal::msb32(1), 1u);
  EXPECT_EQ(mf::signal::msb32(0x80000000u), 32u);
  EXPECT_EQ(mf::signal::msb64(0), 64u);
  EXPECT_EQ(mf::signal::msb64(uint64_t{1} << 40), 41u);
  EXPECT_EQ(mf::signal::sqrt32(0), 0);
  EXPECT_EQ(mf::signal::sqrt32(16), 4);
  EXPECT_EQ(mf::signal::sqrt32(20), 4);  // remainder 4 is not above the root
  EXPECT_EQ(mf::signal::sqrt32(21), 5);  // remainder 5 is: rounded up
  EXPECT_EQ(mf::signal::sqrt32(0xFFFFFFFFu), 0xFFFF);  // no rounding past 16 bits
  EXPECT_EQ(mf::signal::sqrt64(uint64_t{1} << 40), 1u << 20);
  EXPECT_EQ(mf::signal::sqrt64((uint64_t{1} << 40) + (uint64_t{1} << 20) + 1), (1u << 20) + 1);
}

// TFLM's log table (the compiler's copy is the one the generated code uses).
const int16_t kLut[] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944,
    3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791,
    4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578,
    5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498,
    5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697,
    4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286,
    3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353,
    1224, 1094, 963,  830,  695,  559,  421,  282,  142,  0,    0};

TEST(SignalMath, LogIsScaledNaturalLog) {
  for (uint32_t x : {2u, 3u, 10u, 1000u, 65536u, 123457u, 0x7FFFFFFFu, 0xFFFFFFFFu})
    EXPECT_NEAR(static_cast<double>(mf::signal::log32(x, 1000, kLut)), 1000 * std::log(static_cast<double>(x)), 2.0)
        << x;
}

TEST(SignalFilterBankLog, SaturatesAndZeroesSmallInputs) {
  const mf::SignalFilterBankLogParams p = {4, 1u << 14, 2};
  const uint32_t in[4] = {0, 1, 1000, 0x3FFFFFFF};
  int16_t out[4];
  mf::signal_filter_bank_log(p, in, kLut, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], static_cast<int16_t>(mf::signal::log32(4, 1u << 14, kLut)));  // 1 << 2 > 1
  EXPECT_EQ(out[2], static_cast<int16_t>(mf::signal::log32(4000, 1u << 14, kLut)));
  EXPECT_EQ(out[3], 32767);
}

TEST(SignalWindow, ShiftsAndSaturatesPerRow) {
  const mf::SignalWindowParams p = {4, 2, 1};
  const int16_t window[2] = {32767, -2};
  const int16_t in[4] = {32767, 3, -32768, -32768};
  int16_t out[4];
  mf::signal_window_s16(p, in, window, out);
  EXPECT_EQ(out[0], 32767);
  EXPECT_EQ(out[1], -3);
  EXPECT_EQ(out[2], -32768);
  EXPECT_EQ(out[3], 32767);  // -32768 · -2 >> 1 saturates
}

TEST(SignalFftAutoScale, ScalesToHeadroomAndKeepsTflmsInt16Maximum) {
  const mf::SignalFftAutoScaleParams p = {3};
  int16_t out[3];
  int32_t bits = -1;
  const int16_t small[3] = {3, -100, 7};  // |max| 100: 7 bits, 8 of headroom
  mf::signal_fft_auto_scale_s16(p, small, &bits, out);
  EXPECT_EQ(bits, 8);
  EXPECT_EQ(out[1], -100 * 256);
  // TFLM's MaxAbs16 turns -(-32768) back into -32768; its msb is then 32: no scaling.
  const int16_t edge[3] = {5, 1, -32768};
  mf::signal_fft_auto_scale_s16(p, edge, &bits, out);
  EXPECT_EQ(bits, 0);
  EXPECT_EQ(out[2], -32768);
  // ... and any later value above -32768 becomes the maximum again.
  const int16_t after[3] = {-32768, 5, 1};
  mf::signal_fft_auto_scale_s16(p, after, &bits, out);
  EXPECT_EQ(bits, 12);
  EXPECT_EQ(out[1], 5 << 12);
  EXPECT_EQ(out[0], 0);  // -32768 · 4096 truncated to int16
}

class SignalRfft : public ::testing::TestWithParam<int> {};

// Radices 4 (8, 512), 2 and 3 (12), 2 and 5 (20), 3 (18), zero padding (input shorter).
TEST_P(SignalRfft, MatchesTheScaledDft) {
  const int n = GetParam(), half = n / 2, length = n - n / 8;
  const FftTables<int16_t> t(half, false);
  std::mt19937 rng(n);
  std::uniform_int_distribution<int> sample(-20000, 20000);
  const int rows = 2;
  std::vector<int16_t> in(static_cast<size_t>(rows * length));
  for (int16_t& v : in) v = static_cast<int16_t>(sample(rng));
  std::vector<int16_t> out(static_cast<size_t>(rows * 2 * (half + 1)));
  const mf::SignalFftS16Params p = {rows, length, half, t.factors.data(), t.twiddles.data(), t.super_twiddles.data()};
  mf::signal_rfft_s16(p, in.data(), out.data());
  const int stages = static_cast<int>(t.factors.size() / 2) + 1;
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k <= half; ++k) {
      double re = 0, im = 0;
      for (int j = 0; j < length; ++j) {
        re += in[static_cast<size_t>(r * length + j)] * std::cos(-2 * M_PI * j * k / n) / n;
        im += in[static_cast<size_t>(r * length + j)] * std::sin(-2 * M_PI * j * k / n) / n;
      }
      EXPECT_NEAR(out[static_cast<size_t>(r * 2 * (half + 1) + 2 * k)], re, 2.0 * stages) << n << " bin " << k;
      EXPECT_NEAR(out[static_cast<size_t>(r * 2 * (half + 1) + 2 * k + 1)], im, 2.0 * stages) << n << " bin " << k;
    }
}

INSTANTIATE_TEST_SUITE_P(Lengths, SignalRfft, ::testing::Values(8, 12, 18, 20, 512));

TEST(SignalEnergy, SquaresTheRangeOnly) {
  const mf::SignalEnergyParams p = {1, 3};
  const int16_t spectrum[8] = {9, 9, -32768, -32768, 3, -4, 9, 9};
  uint32_t out[4] = {7, 7, 7, 7};
  mf::signal_energy_s16(p, spectrum, out);
  EXPECT_EQ(out[0], 7u);
  EXPECT_EQ(out[1], 0x80000000u);  // TFLM's int32 sum wraps into the uint32 result
  EXPECT_EQ(out[2], 25u);
  EXPECT_EQ(out[3], 7u);
}

TEST(SignalFilterBank, WeightsAndUnweightsFeedNeighbouringChannels) {
  // Channel 0 (dropped) covers bin 0; channel 1 bins 1-2; channel 2 bins 2-3.
  const int16_t weights[5] = {1, 2, 3, -1, 5}, unweights[5] = {10, 20, 30, 40, 50};
  const int16_t starts[3] = {0, 1, 2}, weight_starts[3] = {0, 1, 3}, widths[3] = {1, 2, 2};
  const mf::SignalFilterBankParams p = {2, weights, unweights, starts, weight_starts, widths};
  const uint32_t in[4] = {100, 1000, 10000, 7};
  uint64_t out[2];
  mf::signal_filter_bank(p, in, out);
  EXPECT_EQ(out[0], 10u * 100 + 2 * 1000 + 3 * 10000);
  EXPECT_EQ(out[1], 20u * 1000 + 30 * 10000 + (uint64_t{0} - 10000) + 5 * 7);  // weight -1 as uint64
}

TEST(SignalSpectralSubtraction, NoiseEstimateCarriesAcrossInvokes) {
  const mf::SignalSpectralSubtractionParams p = {3, 655, 15729, 700, 15684, 10, 14, 819, 1};
  std::vector<uint32_t> noise(3, 0), ref_noise(3, 0), out(3), noise_out(3);
  std::mt19937 rng(5);
  for (int step = 0; step < 6; ++step) {
    std::vector<uint32_t> in(3);
    for (uint32_t& v : in) v = rng() % 5000;
    if (step == 4) in[1] = 0;  // below the estimate: clamped
    mf::signal_filter_bank_spectral_subtraction(p, in.data(), noise.data(), noise_out.data(), out.data());
    for (int c = 0; c < 3; ++c) {  // TFLM's FilterbankSpectralSubtraction
      const uint64_t s = c & 1 ? p.alternate_smoothing : p.smoothing;
      const uint64_t m = c & 1 ? p.alternate_one_minus_smoothing : p.one_minus_smoothing;
      const uint32_t up = in[static_cast<size_t>(c)] << p.smoothing_bits;
      uint32_t& e = ref_noise[static_cast<size_t>(c)];
      e = static_cast<uint32_t>((up * s + e * m) >> p.spectral_subtraction_bits);
      const uint32_t est = e > up ? up : e;
      if (p.clamping) e = est;
      const uint32_t floor =
          static_cast<uint32_t>((uint64_t{in[static_cast<size_t>(c)]} * p.min_signal_remaining) >> 14);
      const uint32_t sub = (up - est) >> p.smoothing_bits;
      EXPECT_EQ(out[static_cast<size_t>(c)], sub > floor ? sub : floor) << step << " " << c;
    }
    EXPECT_EQ(noise, ref_noise);
    EXPECT_EQ(noise_out, noise);
  }
}

TEST(SignalPcan, GainTableAndShrink) {
  std::vector<int16_t> lut(125);
  for (size_t i = 0; i < lut.size(); ++i) lut[i] = static_cast<int16_t>(100 + 7 * i);
  const mf::SignalPcanParams p = {3, 6};
  const uint32_t noise[3] = {0, 2, 1000};
  const uint32_t in[3] = {10, 1000, 100000};
  uint32_t out[3];
  mf::signal_pcan(p, in, noise, lut.data(), out);
  auto shrink = [](uint32_t x) { return x < (2u << 12) ? (x * x) >> 20 : (x >> 6) - 64; };
  EXPECT_EQ(out[0], shrink((10u * 100) >> 6));   // noise <= 2: lut[noise]
  EXPECT_EQ(out[1], shrink((1000u * 114) >> 6));
  // noise 1000: msb 10, segment 34; frac = (1000 << 1) & 0x3FF.
  const int32_t frac = (1000 << 1) & 0x3FF;
  int32_t g = (lut[36] * frac) >> 5;
  g = ((g + lut[35] * 32) * frac + (1 << 14)) >> 15;
  g += lut[34];
  EXPECT_EQ(out[2], shrink(static_cast<uint32_t>((uint64_t{100000} * static_cast<uint32_t>(g)) >> 6)));
}


// TFLM's fft_test cases in kind: an impulse of 16384 has the flat spectrum 16384 / 64 = 256
// in fixed point (16384 in float), and the flat spectrum 256 the impulse 256 back.
template <typename T>
void expect_impulse_pair(T scaled) {
  const FftTables<T> fwd(32, false), inv(32, true);
  std::vector<T> impulse(64, T(0)), spectrum(66);
  impulse[0] = T(16384);
  const mf::SignalFftParams<T> pf = {1, 64, 32, fwd.factors.data(), fwd.twiddles.data(), fwd.super_twiddles.data()};
  mf::detail::signal_rfft(pf, impulse.data(), spectrum.data());
  for (int k = 0; k < 33; ++k) {
    EXPECT_EQ(spectrum[static_cast<size_t>(2 * k)], scaled) << k;
    EXPECT_EQ(spectrum[static_cast<size_t>(2 * k + 1)], T(0)) << k;
  }
  std::vector<T> flat(66, T(0)), back(64);
  for (int k = 0; k < 33; ++k) flat[static_cast<size_t>(2 * k)] = T(256);
  const mf::SignalFftParams<T> pi = {1, 33, 32, inv.factors.data(), inv.twiddles.data(), inv.super_twiddles.data()};
  mf::detail::signal_irfft(pi, flat.data(), back.data());
  if constexpr (std::is_floating_point_v<T>) {
    for (float& v : back) v /= 64;  // signal_irfft_f32's scaling, outside the shared kernel
  }
  for (int t = 0; t < 64; ++t) EXPECT_EQ(back[static_cast<size_t>(t)], T(t == 0 ? 256 : 0)) << t;
}

TEST(SignalRfft, ImpulseAndFlatSpectrumAreExact) {
  expect_impulse_pair<int16_t>(256);
  expect_impulse_pair<int32_t>(256);
  expect_impulse_pair<float>(16384);
}

class SignalFftTypes : public ::testing::TestWithParam<int> {};

// int32 against the DFT scaled by 1/N (a few LSB per stage, on 2^30-scale inputs) and float
// against the unscaled DFT within 1e-5 of the spectrum's largest bin; both over two rows,
// zero-padded input.
TEST_P(SignalFftTypes, Int32AndFloatRfftMatchTheDft) {
  const int n = GetParam(), half = n / 2, length = n - n / 8, rows = 2;
  std::mt19937 rng(n);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> x(static_cast<size_t>(rows * length));
  for (double& v : x) v = u(rng);
  std::vector<int32_t> in32(x.size()), out32(static_cast<size_t>(rows * 2 * (half + 1)));
  std::vector<float> inf(x.size()), outf(out32.size());
  for (size_t i = 0; i < x.size(); ++i) {
    in32[i] = static_cast<int32_t>(x[i] * (1 << 30));
    inf[i] = static_cast<float>(x[i]);
  }
  const FftTables<int32_t> t32(half, false);
  const FftTables<float> tf(half, false);
  mf::signal_rfft_s32({rows, length, half, t32.factors.data(), t32.twiddles.data(), t32.super_twiddles.data()}, in32.data(),
                      out32.data());
  mf::signal_rfft_f32({rows, length, half, tf.factors.data(), tf.twiddles.data(), tf.super_twiddles.data()}, inf.data(),
                      outf.data());
  const int stages = static_cast<int>(t32.factors.size() / 2) + 1;
  for (int r = 0; r < rows; ++r) {
    std::vector<double> xi(static_cast<size_t>(length)), xf(static_cast<size_t>(length));
    for (int j = 0; j < length; ++j) {
      xi[static_cast<size_t>(j)] = in32[static_cast<size_t>(r * length + j)];
      xf[static_cast<size_t>(j)] = inf[static_cast<size_t>(r * length + j)];
    }
    std::vector<double> want(static_cast<size_t>(2 * (half + 1)));
    double largest = 0;
    for (int k = 0; k <= half; ++k) {
      signal_reference::dft_bin(xf.data(), length, n, k, 1.0, want[static_cast<size_t>(2 * k)], want[static_cast<size_t>(2 * k + 1)]);
      largest = std::max({largest, std::abs(want[static_cast<size_t>(2 * k)]), std::abs(want[static_cast<size_t>(2 * k + 1)])});
    }
    for (int k = 0; k <= half; ++k) {
      double re, im;
      signal_reference::dft_bin(xi.data(), length, n, k, 1.0 / n, re, im);
      const size_t at = static_cast<size_t>(r * 2 * (half + 1) + 2 * k);
      EXPECT_NEAR(out32[at], re, 2.0 * stages) << n << " bin " << k;
      EXPECT_NEAR(out32[at + 1], im, 2.0 * stages) << n << " bin " << k;
      EXPECT_LE(std::abs(outf[at] - want[static_cast<size_t>(2 * k)]), 1e-5 * largest) << n << " bin " << k;
      EXPECT_LE(std::abs(outf[at + 1] - want[static_cast<size_t>(2 * k + 1)]), 1e-5 * largest) << n << " bin " << k;
    }
  }
}

// Irfft of a random half spectrum against the inverse DFT (int16 / int32 scaled by 1/N, float
// exact), input rows wider than the bins read; and Irfft(Rfft(x)) = x in float.
TEST_P(SignalFftTypes, IrfftMatchesTheInverseDftAndUndoesRfft) {
  const int n = GetParam(), half = n / 2, bins = half + 3, rows = 2;
  std::mt19937 rng(n + 1);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> spectrum(static_cast<size_t>(rows * 2 * bins));
  for (double& v : spectrum) v = u(rng);
  std::vector<int16_t> in16(spectrum.size()), out16(static_cast<size_t>(rows * n));
  std::vector<int32_t> in32(spectrum.size()), out32(out16.size());
  std::vector<float> inf(spectrum.size()), outf(out16.size());
  for (size_t i = 0; i < spectrum.size(); ++i) {
    in16[i] = static_cast<int16_t>(spectrum[i] * 16000);
    in32[i] = static_cast<int32_t>(spectrum[i] * (1 << 30));
    inf[i] = static_cast<float>(spectrum[i]);
  }
  const FftTables<int16_t> t16(half, true);
  const FftTables<int32_t> t32(half, true);
  const FftTables<float> tf(half, true);
  mf::signal_irfft_s16({rows, bins, half, t16.factors.data(), t16.twiddles.data(), t16.super_twiddles.data()}, in16.data(),
                       out16.data());
  mf::signal_irfft_s32({rows, bins, half, t32.factors.data(), t32.twiddles.data(), t32.super_twiddles.data()}, in32.data(),
                       out32.data());
  mf::signal_irfft_f32({rows, bins, half, tf.factors.data(), tf.twiddles.data(), tf.super_twiddles.data()}, inf.data(),
                       outf.data());
  const int stages = static_cast<int>(t16.factors.size() / 2) + 1;
  for (int r = 0; r < rows; ++r) {
    std::vector<double> b16(static_cast<size_t>(n + 2)), b32(b16.size()), bf(b16.size());
    for (int i = 0; i < n + 2; ++i) {
      const size_t at = static_cast<size_t>(r * 2 * bins + i);
      b16[static_cast<size_t>(i)] = in16[at], b32[static_cast<size_t>(i)] = in32[at], bf[static_cast<size_t>(i)] = inf[at];
    }
    double largest = 0;
    for (int t = 0; t < n; ++t) largest = std::max(largest, std::abs(signal_reference::inverse_dft_sample(bf.data(), n, t, 1.0 / n)));
    for (int t = 0; t < n; ++t) {
      const size_t at = static_cast<size_t>(r * n + t);
      EXPECT_NEAR(out16[at], signal_reference::inverse_dft_sample(b16.data(), n, t, 1.0 / n), 2.0 * stages) << n << " t " << t;
      EXPECT_NEAR(out32[at], signal_reference::inverse_dft_sample(b32.data(), n, t, 1.0 / n), 2.0 * stages) << n << " t " << t;
      EXPECT_LE(std::abs(outf[at] - signal_reference::inverse_dft_sample(bf.data(), n, t, 1.0 / n)), 1e-5 * largest)
          << n << " t " << t;
    }
  }
  // Round trip in float: the spectrum of outf, transformed back.
  const FftTables<float> fwd(half, false);
  std::vector<float> again(static_cast<size_t>(rows * (n + 2))), back(outf.size());
  mf::signal_rfft_f32({rows, n, half, fwd.factors.data(), fwd.twiddles.data(), fwd.super_twiddles.data()}, outf.data(),
                      again.data());
  mf::signal_irfft_f32({rows, half + 1, half, tf.factors.data(), tf.twiddles.data(), tf.super_twiddles.data()}, again.data(),
                       back.data());
  float largest = 0;
  for (float v : outf) largest = std::max(largest, std::abs(v));
  for (size_t i = 0; i < back.size(); ++i) EXPECT_LE(std::abs(back[i] - outf[i]), 1e-5f * largest) << n << " " << i;
}

INSTANTIATE_TEST_SUITE_P(Lengths, SignalFftTypes, ::testing::Values(8, 12, 18, 20, 64, 512));

// Invokes of a stateful kernel against its reference, then reset() (the state zeroed) and
// the same invokes again: every output must match both times.
template <typename Run>
void twice_with_reset(std::vector<int16_t>& state, Run run) {
  for (int pass = 0; pass < 2; ++pass) {
    std::fill(state.begin(), state.end(), int16_t{0});
    run(pass);
  }
}

TEST(SignalFramer, FramesOfTheSignalSinceReset) {
  for (const bool prefill : {false, true})
    for (const auto& [size, step, frames] : std::vector<std::array<int, 3>>{{5, 2, 2}, {6, 3, 1}, {3, 4, 2}, {4, 4, 3}}) {
      if (prefill && step > size) continue;  // rejected by the compiler
      const int rows = 2, capacity = (size + step - 1) / step * step;
      const mf::SignalFramerParams p = {rows, frames, size, step, capacity, prefill ? size - step : 0};
      std::vector<int16_t> state(static_cast<size_t>(1 + rows * capacity));
      std::mt19937 rng(static_cast<unsigned>(size * 100 + step));
      twice_with_reset(state, [&](int pass) {
        std::vector<signal_reference::Framer> ref(rows, signal_reference::Framer(size, step, prefill));
        std::mt19937 inputs(7);
        for (int invoke = 0; invoke < 6; ++invoke) {
          std::vector<int16_t> in(static_cast<size_t>(rows * frames * step)), out(static_cast<size_t>(rows * frames * size), 99),
              want(out.size());
          for (int16_t& v : in) v = static_cast<int16_t>(inputs() % 2001 - 1000);
          bool valid = false, want_valid = true;
          mf::signal_framer_s16(p, in.data(), state.data(), &valid, out.data());
          for (int r = 0; r < rows; ++r)
            for (int f = 0; f < frames; ++f) {
              const size_t at = static_cast<size_t>(r * frames + f);
              want_valid &= ref[static_cast<size_t>(r)].push(&in[at * step], &want[at * size]);
            }
          EXPECT_EQ(out, want) << size << "/" << step << " prefill " << prefill << " invoke " << invoke << " pass " << pass;
          EXPECT_EQ(valid, want_valid) << size << "/" << step << " invoke " << invoke;
        }
      });
    }
}

TEST(SignalStacker, ContextFramesWithTheFirstRepeated) {
  for (const auto& [left, right, step] : std::vector<std::array<int, 3>>{{2, 1, 1}, {0, 2, 2}, {1, 0, 2}, {3, 3, 7}}) {
    const int channels = 3, frames = left + right + 1;
    const mf::SignalStackerParams p = {channels, frames, left, step};
    std::vector<int16_t> state(static_cast<size_t>(1 + frames * channels));
    twice_with_reset(state, [&](int pass) {
      signal_reference::Stacker ref{channels, left, frames, step, {}, 0};
      std::mt19937 inputs(3);
      for (int invoke = 0; invoke < 9; ++invoke) {
        std::vector<int16_t> in(channels), out(static_cast<size_t>(frames * channels), 99), want(out.size());
        for (int16_t& v : in) v = static_cast<int16_t>(inputs() % 60000 - 30000);
        bool valid = false;
        mf::signal_stacker_s16(p, in.data(), state.data(), &valid, out.data());
        EXPECT_EQ(valid, ref.push(in.data(), want.data())) << left << right << step << " invoke " << invoke;
        EXPECT_EQ(out, want) << left << right << step << " invoke " << invoke << " pass " << pass;
      }
    });
  }
}

TEST(SignalDelay, RowsDelayedAcrossInvokes) {
  for (const int delay : {0, 2, 5, 11}) {
    const int rows = 3, size = 5;
    const mf::SignalDelayParams p = {rows, size, delay};
    std::vector<int16_t> state(static_cast<size_t>(std::max(1, rows * delay)));
    twice_with_reset(state, [&](int pass) {
      std::vector<signal_reference::Delay> ref(rows, signal_reference::Delay(delay));
      std::mt19937 inputs(11);
      for (int invoke = 0; invoke < 5; ++invoke) {
        std::vector<int16_t> in(static_cast<size_t>(rows * size)), out(in.size()), want(in.size());
        for (int16_t& v : in) v = static_cast<int16_t>(inputs() % 60000 - 30000);
        mf::signal_delay_s16(p, in.data(), state.data(), out.data());
        for (int r = 0; r < rows; ++r) ref[static_cast<size_t>(r)].push(&in[static_cast<size_t>(r * size)], size, &want[static_cast<size_t>(r * size)]);
        EXPECT_EQ(out, want) << "delay " << delay << " invoke " << invoke << " pass " << pass;
      }
    });
  }
}

template <typename T>
void check_overlap_add(T amplitude) {
  for (const auto& [size, step, frames] : std::vector<std::array<int, 3>>{{4, 2, 2}, {6, 1, 3}, {3, 3, 1}, {5, 2, 1}}) {
    const int rows = 2;
    const mf::SignalOverlapAddParams p = {rows, frames, size, step};
    std::vector<T> state(static_cast<size_t>(rows * size));
    for (int pass = 0; pass < 2; ++pass) {
      std::fill(state.begin(), state.end(), T(0));
      std::vector<signal_reference::OverlapAdd<T>> ref(rows, signal_reference::OverlapAdd<T>{size, step, {}});
      std::mt19937 inputs(5);
      for (int invoke = 0; invoke < 5; ++invoke) {
        std::vector<T> in(static_cast<size_t>(rows * frames * size)), out(static_cast<size_t>(rows * frames * step)), want(out.size());
        for (T& v : in) v = static_cast<T>(amplitude * (static_cast<double>(inputs() % 2001) / 1000 - 1));
        mf::detail::signal_overlap_add(p, in.data(), state.data(), out.data());
        for (int r = 0; r < rows; ++r)
          for (int f = 0; f < frames; ++f) {
            const size_t at = static_cast<size_t>(r * frames + f);
            ref[static_cast<size_t>(r)].push(&in[at * size], &want[at * step]);
          }
        EXPECT_EQ(out, want) << size << "/" << step << " invoke " << invoke << " pass " << pass;
      }
    }
  }
}

// int16 near full scale, so sums saturate; float sums in arrival order (exact equality).
TEST(SignalOverlapAdd, SumsOverlappingFramesAcrossInvokes) {
  check_overlap_add<int16_t>(30000);
  check_overlap_add<float>(1.5f);
}

}  // namespace
