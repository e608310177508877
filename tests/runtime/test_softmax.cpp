#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "microflow/kernels/softmax.h"
#include "reference.h"

namespace {

// PreprocessSoftmaxScaling for beta = 1, S_in = 0.05 (the ops/softmax_int8 model):
// QuantizeMultiplier(S_in * 2^26) = (1717986944, 22); diff_min = -floor(31 * 2^26 / 2^22).
constexpr mf::SoftmaxS8Params kScale005 = {1, 10, 1717986944, 22, -496};
// kws_ref_model_int8 (doc §9.1): S_in = 0.14469251 -> (1242899200, 24), diff_min = -124.
constexpr int32_t kKwsMultiplier = 1242899200, kKwsShift = 24, kKwsDiffMin = -124;

std::vector<int8_t> run(mf::SoftmaxS8Params p, const std::vector<int8_t>& in) {
  std::vector<int8_t> out(in.size());
  mf::softmax_s8(p, in.data(), out.data());
  return out;
}

TEST(SoftmaxS8, MatchesTflmGoldenVectors) {
  // Inputs and TFLM reference outputs of shared/models/ops/softmax_int8 (rand_000..015).
  const int8_t kIn[16][10] = {{24, -125, -82, 50, 101, 104, -84, 75, 39, -110},
                              {-114, 83, 110, -21, -94, -96, 102, 84, 28, -12},
                              {77, 24, 64, -95, 51, 18, 2, 89, 34, 80},
                              {90, 13, -124, 101, 41, 38, -17, -86, 74, 21},
                              {-58, 25, 64, -109, 46, -74, 15, -112, 68, 50},
                              {110, -26, 4, 8, -111, -93, -102, -43, -62, 75},
                              {-14, -61, -35, -11, -97, 111, -100, 122, 83, 76},
                              {46, 62, 77, -58, 31, -108, -109, -18, 85, 125},
                              {-100, 17, 2, 59, 73, -12, 41, -105, 79, 1},
                              {51, 110, 68, 97, -110, 35, -103, -12, -15, 98},
                              {96, 69, -118, 54, 47, 119, -120, 69, 25, -17},
                              {-82, 117, -120, 102, -65, -14, 49, -119, -61, -67},
                              {-98, -73, 84, -102, -69, -32, 84, 25, -78, 30},
                              {-18, -122, 96, -33, -28, 118, -44, 9, 51, -75},
                              {7, 103, -108, 75, -32, -29, -8, 110, -6, 61},
                              {-43, 36, 40, -72, 99, 37, -48, 45, -75, -72}};
  const int8_t kOut[16][10] = {{-126, -128, -128, -120, -29, -13, -128, -101, -124, -128},
                               {-128, -98, -13, -128, -128, -128, -51, -97, -126, -128},
                               {-77, -124, -101, -128, -114, -125, -127, -35, -122, -69},
                               {-53, -126, -128, 2, -122, -122, -128, -128, -94, -126},
                               {-128, -117, -52, -128, -97, -128, -121, -128, -35, -90},
                               {88, -128, -127, -127, -128, -128, -128, -128, -128, -91},
                               {-128, -128, -128, -128, -128, -47, -128, 12, -108, -114},
                               {-124, -120, -110, -128, -126, -128, -128, -128, -101, 69},
                               {-128, -123, -126, -88, -47, -127, -112, -128, -19, -126},
                               {-122, -15, -114, -69, -128, -125, -128, -128, -128, -66},
                               {-76, -115, -128, -122, -124, 36, -128, -115, -127, -128},
                               {-128, 42, -128, -48, -128, -128, -122, -128, -128, -128},
                               {-128, -128, -7, -128, -128, -128, -7, -122, -128, -120},
                               {-128, -128, -66, -128, -128, 58, -128, -127, -121, -128},
                               {-127, -37, -128, -106, -128, -128, -128, 1, -128, -117},
                               {-128, -119, -117, -128, 84, -118, -128, -114, -128, -128}};
  // All 16 rows in one call (rows = 16) and row by row.
  mf::SoftmaxS8Params p = kScale005;
  p.rows = 16;
  int8_t out[16][10];
  mf::softmax_s8(p, &kIn[0][0], &out[0][0]);
  for (int r = 0; r < 16; ++r) {
    for (int c = 0; c < 10; ++c) EXPECT_EQ(out[r][c], kOut[r][c]) << "row " << r << " col " << c;
  }
}

TEST(SoftmaxS8, EqualElementsSplitEvenly) {
  // Two equal: 1/2 -> 128/256 - 128 = 0. Four: 64 - 128 = -64. 256: 1 - 128 = -127.
  EXPECT_EQ(run({1, 2, 1717986944, 22, -496}, {5, 5}), (std::vector<int8_t>{0, 0}));
  EXPECT_EQ(run({1, 4, 1717986944, 22, -496}, {-7, -7, -7, -7}),
            (std::vector<int8_t>{-64, -64, -64, -64}));
  EXPECT_EQ(run({1, 256, 1717986944, 22, -496}, std::vector<int8_t>(256, 3)),
            std::vector<int8_t>(256, -127));
}

TEST(SoftmaxS8, SingleMaxSaturatesTo127) {
  // Probability 1 -> 256 - 128 = 128, clamped to 127.
  EXPECT_EQ(run({1, 1, 1717986944, 22, -496}, {-128}), (std::vector<int8_t>{127}));
  EXPECT_EQ(run({1, 3, kKwsMultiplier, kKwsShift, kKwsDiffMin}, {120, -100, -128}),
            (std::vector<int8_t>{127, -128, -128}));
}

TEST(SoftmaxS8, ElementsBelowDiffMinAreExcluded) {
  // With kws scaling, diff = -200 < -124 would overflow diff * 2^24 if it were evaluated;
  // it must give -128 and add nothing to the sum. diff = -124 is still included.
  const mf::SoftmaxS8Params p = {2, 4, kKwsMultiplier, kKwsShift, kKwsDiffMin};
  const auto out = run(p, {100, -100, 100, -24, /* row 2 */ 0, 0, -128, -125});
  EXPECT_EQ(out, (std::vector<int8_t>{0, -128, 0, -128, 0, 0, -128, -128}));
}

TEST(SoftmaxS8, InPlace) {
  std::vector<int8_t> row = {24, -125, -82, 50, 101, 104, -84, 75, 39, -110};
  mf::softmax_s8(kScale005, row.data(), row.data());
  EXPECT_EQ(row, (std::vector<int8_t>{-126, -128, -128, -120, -29, -13, -128, -101, -124, -128}));
}

TEST(SoftmaxS8, CloseToRealSoftmax) {
  ref::Random rng(500);
  for (int iter = 0; iter < 200; ++iter) {
    const int32_t depth = rng.uniform(1, 60);
    const float scale = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-7, -2));
    // PreprocessSoftmaxScaling, beta = 1.
    int32_t m, s;
    ref::quantize_multiplier(std::min(static_cast<double>(scale) * (1 << 26), 2147483647.0), &m,
                             &s);
    const int32_t diff_min =
        -static_cast<int32_t>(std::floor(31.0 * (1 << 26) / std::ldexp(1.0, s)));
    const auto in = rng.s8(depth);
    const auto out = run({1, depth, m, s, diff_min}, in);
    const int8_t mx = *std::max_element(in.begin(), in.end());
    double sum = 0;
    for (int8_t v : in) sum += std::exp((v - mx) * static_cast<double>(scale));
    for (int32_t c = 0; c < depth; ++c) {
      const double expected = std::exp((in[c] - mx) * static_cast<double>(scale)) / sum * 256 - 128;
      ASSERT_NEAR(out[c], std::min(expected, 127.0), 1.01) << "iter " << iter << " c " << c;
    }
  }
}

TEST(SoftmaxS8, ExpOnNegativeValuesAccuracy) {
  // gemmlowp's exp is a degree-4 polynomial on [-1/4, 0) times exact-bit constants: its
  // relative error stays below 1e-6 over the whole Q5.26 range.
  EXPECT_EQ(mf::detail::exp_on_negative_values(0), ref::kMax);
  for (int32_t a = -(1 << 26) * 31; a < 0; a += 999983) {
    const double expected = std::exp(a / 67108864.0) * 2147483648.0;
    ASSERT_NEAR(mf::detail::exp_on_negative_values(a), expected, 2 + expected * 1e-6) << a;
  }
}

TEST(SoftmaxS8, OneOverOnePlusX) {
  for (int64_t a = 0; a < (int64_t{1} << 31); a += 12345679) {
    const double expected = 2147483648.0 / (1.0 + a / 2147483648.0);
    ASSERT_NEAR(mf::detail::one_over_one_plus_x_for_x_in_0_1(static_cast<int32_t>(a)),
                std::min(expected, 2147483647.0), 8)
        << a;
  }
}

// PreprocessSoftmaxScaling(beta, S_in, 5 integer bits) and the radius, as TFLM's Prepare.
mf::SoftmaxS8Params s8_scaling(double beta, double scale, int32_t rows, int32_t depth) {
  int32_t m, s;
  ref::quantize_multiplier(std::min(beta * scale * (1 << 26), 2147483647.0), &m, &s);
  return {rows, depth, m, s, -static_cast<int32_t>(std::floor(31.0 * (1 << 26) / std::ldexp(1.0, s)))};
}

TEST(SoftmaxS8S16, MatchesTflmGoldenVectors) {
  // operators/SOFTMAX/int8_to_int16 rand_000, first row: S_in = 0.1, beta 1.
  const std::vector<int8_t> in = {83, 85, -91, 74, 61, 35, -92, -128, -126, 93, 24, 62, 29, 39, -104, 108};
  const std::vector<int16_t> expected = {-29084, -28268, -32768, -31270, -32360, -32738, -32768, -32768,
                                         -32768, -22754, -32758, -32317, -32751, -32723, -32768, 12111};
  std::vector<int16_t> out(16);
  mf::softmax_s8_s16(s8_scaling(1.0, static_cast<double>(0.1f), 1, 16), in.data(), out.data());
  EXPECT_EQ(out, expected);
}

TEST(SoftmaxS8S16, TwoHundredFiftySixTimesFinerThanInt8) {
  // The same fixed-point probabilities rounded to 16 instead of 8 bits: the int8 output
  // (+128) is the int16 one (+32768) / 256 to within rounding (int8 saturates at 255).
  ref::Random rng(7);
  for (int iter = 0; iter < 100; ++iter) {
    const int32_t depth = rng.uniform(1, 40);
    const auto p = s8_scaling(1.0, std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-7, -2)), 1, depth);
    const auto in = rng.s8(depth);
    std::vector<int8_t> narrow(depth);
    std::vector<int16_t> wide(depth);
    mf::softmax_s8(p, in.data(), narrow.data());
    mf::softmax_s8_s16(p, in.data(), wide.data());
    for (int32_t c = 0; c < depth; ++c)
      ASSERT_NEAR(std::min((wide[c] + 32768) / 256.0, 255.0), narrow[c] + 128, 0.51) << iter << " " << c;
  }
}

// TFLM's SoftmaxInt16 as written (int64 products, int16 lookups).
std::vector<int16_t> softmax_s16_reference(const std::vector<int16_t>& in, int32_t depth, int32_t m, int32_t s,
                                           const std::vector<int16_t>& exp_lut,
                                           const std::vector<int16_t>& recip_lut) {
  std::vector<int16_t> out(in.size());
  for (size_t r = 0; r < in.size() / depth; ++r) {
    const int16_t* x = &in[r * depth];
    int16_t* y = &out[r * depth];
    int16_t max = -32768;
    for (int32_t c = 0; c < depth; ++c) max = std::max(max, x[c]);
    int32_t sum = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t sym = ref::mbqm(x[c] - max, m, s) + 32767;
      y[c] = ref::lut_lookup(static_cast<int16_t>(std::min(std::max(sym, -32768), 32767)), exp_lut.data());
      sum += y[c];
    }
    const int h = __builtin_clz(static_cast<uint32_t>(sum));
    const int32_t shifted = static_cast<int32_t>(((static_cast<int64_t>(sum) << (h - 1)) + (1 << 13)) >> 14);
    const int32_t sym = shifted - ((1 << 15) + (1 << 16));
    const int16_t recip =
        ref::lut_lookup(static_cast<int16_t>(std::min(std::max(sym, -32768), 32767)), recip_lut.data());
    for (int32_t c = 0; c < depth; ++c) {
      const int right = 31 - h;
      const int32_t v = static_cast<int32_t>((static_cast<int64_t>(y[c]) * recip + (int64_t{1} << (right - 1))) >> right);
      y[c] = static_cast<int16_t>(std::min(std::max(v, 0), 32767));
    }
  }
  return out;
}

struct Int16Tables {
  std::vector<int16_t> exp_lut = ref::gen_lut_s16([](float v) { return std::exp(v); }, -10.f, 0.f, -1.f, 1.f);
  std::vector<int16_t> recip_lut = ref::gen_lut_s16([](float v) { return 1.f / (1.f + v); }, 0.f, 1.f, -1.f, 1.f);
};

TEST(SoftmaxS16, MatchesTflmGoldenVectors) {
  // operators/SOFTMAX/int16 rand_000, first row: S_in = 2^-12, beta 1.
  const std::vector<int16_t> in = {24158, -31202, -16418, 14911, -27969, 2347,  -26371, -25330,
                                   -23322, -1790, 30571,  13064, -25140, -17451, 3416,  29261};
  const std::vector<int16_t> expected = {3468, 1, 1, 363, 1, 17, 1, 1, 1, 6, 16597, 231, 1, 1, 22, 12054};
  const Int16Tables t;
  int32_t m, s;
  ref::quantize_multiplier(std::ldexp(1.0, -12) / (10.0 / 65535.0), &m, &s);
  std::vector<int16_t> out(16);
  mf::softmax_s16({1, 16, m, s}, in.data(), t.exp_lut.data(), t.recip_lut.data(), out.data());
  EXPECT_EQ(out, expected);
}

TEST(SoftmaxS16, MatchesTflmFormulation) {
  const Int16Tables t;
  ref::Random rng(16);
  for (int iter = 0; iter < 300; ++iter) {
    const int32_t depth = rng.uniform(1, 70), rows = rng.uniform(1, 3);
    const double real = std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-16, -8)) * rng.uniform_f(0.25f, 3.f) /
                        (10.0 / 65535.0);
    int32_t m, s;
    ref::quantize_multiplier(real, &m, &s);
    const auto in = rng.s16(static_cast<size_t>(rows * depth), iter % 2 ? -32768 : -300, iter % 2 ? 32767 : 300);
    std::vector<int16_t> out(in.size());
    mf::softmax_s16({rows, depth, m, s}, in.data(), t.exp_lut.data(), t.recip_lut.data(), out.data());
    ASSERT_EQ(out, softmax_s16_reference(in, depth, m, s, t.exp_lut, t.recip_lut)) << "iter " << iter;
    // In place, as TFLM's own use of the output row allows.
    std::vector<int16_t> same = in;
    mf::softmax_s16({rows, depth, m, s}, same.data(), t.exp_lut.data(), t.recip_lut.data(), same.data());
    ASSERT_EQ(same, out) << "iter " << iter;
  }
}

TEST(SoftmaxS16, LutLookupInterpolates) {
  // A linear table interpolates to within the rounding: lut[i] = 64 * i - 16384 is value / 2.
  std::vector<int16_t> lut(513);
  for (int i = 0; i < 513; ++i) lut[i] = static_cast<int16_t>(std::min(64 * i - 16384, 32767));
  for (int32_t v = -32768; v < 32767; v += 61) {
    EXPECT_EQ(mf::lut_lookup_s16(lut.data(), v), ref::lut_lookup(static_cast<int16_t>(v), lut.data())) << v;
    EXPECT_NEAR(mf::lut_lookup_s16(lut.data(), v), v / 2.0, 0.5) << v;
  }
}

TEST(SoftmaxF32, MatchesTflmGoldenVectors) {
  // shared/models/ops/softmax_float rand_000 and rand_001 (beta = 1) as IEEE-754 bit
  // patterns; bit-exact with the host's glibc expf, as the goldens were made with it.
  const uint32_t kInBits[20] = {0xbff17162u, 0x407473a4u, 0xbe843ec0u, 0xc0515601u, 0x40b0c591u,
                                0xbe8c4371u, 0xbfd01238u, 0x40b69e31u, 0xbf8bbc4cu, 0x409aba11u,
                                0xbfb885edu, 0x3f9863ddu, 0x401cc75au, 0x404f7df8u, 0xc0909c87u,
                                0x3f330ea4u, 0x3f921e65u, 0xbee44023u, 0xc071b64eu, 0xc06bf389u};
  const uint32_t kExpectedBits[20] = {
      0x395b3a7bu, 0x3d80b7b4u, 0x3a8b9512u, 0x385b9992u, 0x3eb0f404u, 0x3a8969d3u, 0x398e4391u,
      0x3ed46c3eu, 0x39f2a26fu, 0x3e31b4a7u, 0x3ba68d88u, 0x3d90ba74u, 0x3e7ee3c8u, 0x3f0cbe1du,
      0x39758e8au, 0x3d312205u, 0x3d89ceebu, 0x3c616aaeu, 0x3a00f8a2u, 0x3a0d1e6cu};
  float in[20], out[20];
  std::memcpy(in, kInBits, sizeof in);
  mf::softmax_f32({2, 10, 1.f}, in, out);
  for (int i = 0; i < 20; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &out[i], sizeof bits);
    EXPECT_EQ(bits, kExpectedBits[i]) << i;
  }
}

TEST(SoftmaxF32, UniformRowAndBeta) {
  float out[4];
  const float in[4] = {2.f, 2.f, 2.f, 2.f};
  mf::softmax_f32({1, 4, 1.f}, in, out);
  for (float v : out) EXPECT_EQ(v, 0.25f);
  // beta scales the logits: softmax(beta * [0, ln 3]) with beta = 1 gives (1/4, 3/4).
  const float logits[2] = {0.f, std::log(3.f)};
  mf::softmax_f32({1, 2, 1.f}, logits, out);
  EXPECT_NEAR(out[0], 0.25f, 1e-6f);
  mf::softmax_f32({1, 2, 0.f}, logits, out);
  EXPECT_EQ(out[0], 0.5f);
}

}  // namespace
