// TFLM Signal-library kernels (signal_*.h) against TFLM's formulation: integer helpers on
// hand-checked values, the kissfft RFFT against a float DFT (its fixed-point stages scale
// by 1/N), the stateful spectral subtraction over several invokes against TFLM's loop.
// Bit-exactness of the whole front end is checked by the golden tests.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "microflow/kernels/signal_energy.h"
#include "microflow/kernels/signal_fft.h"
#include "microflow/kernels/signal_filter_bank.h"
#include "microflow/kernels/signal_pcan.h"
#include "microflow/kernels/signal_window.h"

namespace {

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

// kissfft's factorization and fixed-point twiddles, as the compiler makes them.
struct RfftTables {
  std::vector<int32_t> factors;
  std::vector<int16_t> twiddles, super_twiddles;
  explicit RfftTables(int half) {
    for (int n = half, p = 4; n > 1;) {
      while (n % p) p = p == 4 ? 2 : p == 2 ? 3 : p + 2;
      n /= p;
      factors.push_back(p);
      factors.push_back(n);
    }
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < half; ++i) {
      twiddles.push_back(static_cast<int16_t>(std::floor(.5 + 32767 * std::cos(-2 * pi * i / half))));
      twiddles.push_back(static_cast<int16_t>(std::floor(.5 + 32767 * std::sin(-2 * pi * i / half))));
    }
    for (int i = 0; i < half / 2; ++i) {
      const double phase = -pi * ((double)(i + 1) / half + .5);
      super_twiddles.push_back(static_cast<int16_t>(std::floor(.5 + 32767 * std::cos(phase))));
      super_twiddles.push_back(static_cast<int16_t>(std::floor(.5 + 32767 * std::sin(phase))));
    }
  }
};

class SignalRfft : public ::testing::TestWithParam<int> {};

// Radices 4 (8, 512), 2 and 3 (12), 2 and 5 (20), 3 (18), zero padding (input shorter).
TEST_P(SignalRfft, MatchesTheScaledDft) {
  const int n = GetParam(), half = n / 2, length = n - n / 8;
  const RfftTables t(half);
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

}  // namespace
