// Straightforward reference implementations for the runtime tests, written in TFLM's
// own formulation (explicit zero-point subtraction, skipped out-of-image taps, gemmlowp's
// sign-dependent nudge) rather than the runtime's folded/optimised one.
#ifndef MICROFLOW_TESTS_RUNTIME_REFERENCE_H_
#define MICROFLOW_TESTS_RUNTIME_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace ref {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

// gemmlowp: trunc((a*b + nudge) / 2^31) with a sign-dependent nudge.
inline int32_t srdhm(int32_t a, int32_t b) {
  if (a == kMin && b == kMin) return kMax;
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// Round half away from zero of x / 2^e, on the magnitude.
inline int32_t rdbpot(int32_t x, int e) {
  if (e == 0) return x;
  const int64_t magnitude = x < 0 ? -static_cast<int64_t>(x) : x;
  const int64_t rounded = (magnitude + (int64_t{1} << (e - 1))) >> e;
  return static_cast<int32_t>(x < 0 ? -rounded : rounded);
}

inline int32_t mbqm(int32_t x, int32_t m, int s) {
  const int left = s > 0 ? s : 0;
  const int right = s > 0 ? 0 : -s;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) * (uint32_t{1} << left));
  return rdbpot(srdhm(shifted, m), right);
}

// TFLM QuantizeMultiplier (docs §2).
inline void quantize_multiplier(double d, int32_t* m, int32_t* s) {
  if (d == 0) {
    *m = 0;
    *s = 0;
    return;
  }
  int exponent = 0;
  const double fraction = std::frexp(d, &exponent);
  int64_t q = static_cast<int64_t>(std::round(fraction * (int64_t{1} << 31)));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++exponent;
  }
  if (exponent < -31) {
    *m = 0;
    *s = 0;
    return;
  }
  *m = static_cast<int32_t>(q);
  *s = exponent;
}

// TFLM's gen_lut<float, int16_t, int16_t> (513 entries) and LUTLookup(int16_t, lut).
inline std::vector<int16_t> gen_lut_s16(float (*func)(float), float input_min, float input_max, float output_min,
                                        float output_max) {
  const int nb_steps = 512;
  const float step = (input_max - input_min) / nb_steps;
  const float half_step = step / 2;
  const float output_scaling_inv = static_cast<float>(32767 - (-32768) + 1) / (output_max - output_min);
  std::vector<int16_t> lut(nb_steps + 1);
  for (int i = 0; i < nb_steps; i++) {
    const float val = func(input_min + i * step);
    const float val_midpoint = func(input_min + i * step + half_step);
    const float val_next = func(input_min + (i + 1) * step);
    const float sample_val = std::round(val * output_scaling_inv);
    const float midpoint_interp_val = std::round((val_next * output_scaling_inv + std::round(val * output_scaling_inv)) / 2);
    const float midpoint_val = std::round(val_midpoint * output_scaling_inv);
    const float midpoint_err = midpoint_interp_val - midpoint_val;
    const float bias = std::round(midpoint_err / 2);
    lut[i] = static_cast<int16_t>(std::min<float>(std::max<float>(sample_val - bias, -32768.f), 32767.f));
  }
  lut[nb_steps] = static_cast<int16_t>(
      std::min<float>(std::max<float>(std::round(func(input_max) * output_scaling_inv), -32768.f), 32767.f));
  return lut;
}

inline int16_t lut_lookup(int16_t value, const int16_t* lut) {
  const uint16_t index = static_cast<uint16_t>(256 + (value >> 7));
  const int16_t offset = value & 0x7f;
  const int16_t base = lut[index];
  const int16_t slope = lut[index + 1] - lut[index];
  const int delta = (slope * offset + 64) >> 7;
  return static_cast<int16_t>(base + delta);
}

inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<int8_t>(std::min(std::max(v, lo), hi));
}

inline int16_t clamp16(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<int16_t>(std::min(std::max(v, lo), hi));
}

// The 15-bit multiplier of TFLM's int64 MultiplyByQuantizedMultiplier (common.cc).
inline int32_t reduce_multiplier_to_q15(int32_t m) { return m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF; }

// TFLM's MultiplyByQuantizedMultiplier(int64_t x, M, s) of the double-rounding build:
// (x * M15 + 2^(14 - s)) >> (15 - s), truncated to int32.
inline int32_t mbqm64(int64_t x, int32_t m, int s) {
  const int total_shift = 15 - s;
  x = x * reduce_multiplier_to_q15(m) + (int64_t{1} << (total_shift - 1));
  return static_cast<int32_t>(x >> total_shift);
}

inline float clampf(float v, float lo, float hi) { return std::min(std::max(v, lo), hi); }

// TFLM padding_values: (total padding) / 2 for SAME, 0 for VALID.
inline int32_t same_pad(int32_t in, int32_t out, int32_t stride, int32_t taps, int32_t dilation) {
  const int32_t eff = (taps - 1) * dilation + 1;
  return std::max(0, (out - 1) * stride + eff - in) / 2;
}
inline int32_t same_out(int32_t in, int32_t stride) { return (in + stride - 1) / stride; }
inline int32_t valid_out(int32_t in, int32_t stride, int32_t taps, int32_t dilation) {
  return (in + stride - ((taps - 1) * dilation + 1)) / stride;
}

struct Random {
  std::mt19937 gen;
  explicit Random(uint32_t seed) : gen(seed) {}
  int32_t uniform(int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(gen);
  }
  float uniform_f(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(gen); }
  std::vector<int8_t> s8(size_t n, int32_t lo = -128, int32_t hi = 127) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(uniform(lo, hi));
    return v;
  }
  std::vector<float> f32(size_t n, float lo = -6.f, float hi = 6.f) {
    std::vector<float> v(n);
    for (auto& x : v) x = uniform_f(lo, hi);
    return v;
  }
  std::vector<int16_t> s16(size_t n, int32_t lo = -32768, int32_t hi = 32767) {
    std::vector<int16_t> v(n);
    for (auto& x : v) x = static_cast<int16_t>(uniform(lo, hi));
    return v;
  }
  std::vector<int64_t> s64(size_t n, int64_t lo, int64_t hi) {
    std::vector<int64_t> v(n);
    for (auto& x : v) x = std::uniform_int_distribution<int64_t>(lo, hi)(gen);
    return v;
  }
  std::vector<int32_t> s32(size_t n, int32_t lo, int32_t hi) {
    std::vector<int32_t> v(n);
    for (auto& x : v) x = uniform(lo, hi);
    return v;
  }
};

// The compiler's filter packing for conv_2d_packed_s8 (lower_util.cpp): blocks of 4 output
// channels, each filter row as [4][8] chunks, then [4][4], then [4][L%4]; missing channels 0.
inline std::vector<int32_t> pack_filter_blocks(const std::vector<int8_t>& w, int32_t channels, int32_t rows,
                                               int32_t length) {
  std::vector<int8_t> bytes;
  auto chunk = [&](int32_t block, int32_t r, int32_t begin, int32_t size) {
    for (int32_t j = 0; j < 4; ++j)
      for (int32_t i = 0; i < size; ++i) {
        const int32_t c = 4 * block + j;
        bytes.push_back(c < channels ? w[static_cast<size_t>((c * rows + r) * length + begin + i)] : 0);
      }
  };
  for (int32_t block = 0; block < (channels + 3) / 4; ++block)
    for (int32_t r = 0; r < rows; ++r) {
      int32_t l = 0;
      for (; l + 8 <= length; l += 8) chunk(block, r, l, 8);
      if (l + 4 <= length) chunk(block, r, l, 4), l += 4;
      chunk(block, r, l, length - l);
    }
  std::vector<int32_t> words((bytes.size() + 3) / 4);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  return words;
}

// The channel-pair layout of fully_connected_wide.h, written from its description there: rows
// in pairs (A, B), halfword (A[k], B[k] - (A[k] < 0)) (weights in [-127, 127]); per block of
// four rows and group of four inputs the words (4g, 4g+2), (4g+1, 4g+3) of pair 0, then of
// pair 1; a last pair's groups alone; an odd last row's int8; every pair's last depth % 4
// halfwords; zero bytes to a word.
inline std::vector<int32_t> wide_weight_words(const std::vector<int8_t>& w, int32_t rows, int32_t depth) {
  std::vector<uint8_t> bytes;
  auto half = [&](int32_t a, int32_t k) {
    const int8_t low = w[static_cast<size_t>(a * depth + k)];
    bytes.push_back(static_cast<uint8_t>(low));
    bytes.push_back(static_cast<uint8_t>(w[static_cast<size_t>((a + 1) * depth + k)] - (low < 0 ? 1 : 0)));
  };
  const int32_t groups = depth / 4;
  for (int32_t b = 0; b < rows / 4; ++b)
    for (int32_t g = 0; g < groups; ++g)
      for (int32_t a : {4 * b, 4 * b + 2}) half(a, 4 * g), half(a, 4 * g + 2), half(a, 4 * g + 1), half(a, 4 * g + 3);
  if (rows % 4 >= 2)
    for (int32_t g = 0; g < groups; ++g) {
      const int32_t a = rows / 4 * 4;
      half(a, 4 * g), half(a, 4 * g + 2), half(a, 4 * g + 1), half(a, 4 * g + 3);
    }
  if (rows % 2 != 0)
    for (int32_t k = 0; k < depth; ++k) bytes.push_back(static_cast<uint8_t>(w[static_cast<size_t>((rows - 1) * depth + k)]));
  for (int32_t a = 0; a + 1 < rows; a += 2)
    for (int32_t k = 4 * groups; k < depth; ++k) half(a, k);
  while (bytes.size() % 4 != 0) bytes.push_back(0);
  std::vector<int32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  return words;
}

// The layouts of conv_2d_1x1_lanes.h, written from its description there: int32 words
// [ceil(rows / 8)][ceil(depth / 2)][8], word (b, p, j) = w[8b + j][2p] (low half),
// w[8b + j][2p + 1] (high half), zeros past rows / depth; and per block of eight channels the
// eight multipliers, then the eight n = -shift - 1 (padded lanes 2^30 and 0).
inline std::vector<int32_t> lanes_weight_words(const std::vector<int8_t>& w, int32_t rows, int32_t depth) {
  std::vector<int32_t> words;
  auto at = [&](int32_t r, int32_t k) {
    return r < rows && k < depth ? static_cast<int32_t>(w[static_cast<size_t>(r * depth + k)]) : 0;
  };
  for (int32_t b = 0; b < (rows + 7) / 8; ++b)
    for (int32_t p = 0; p < (depth + 1) / 2; ++p)
      for (int32_t j = 0; j < 8; ++j)
        words.push_back(static_cast<int32_t>((static_cast<uint32_t>(at(8 * b + j, 2 * p)) & 0xFFFFu) |
                                             (static_cast<uint32_t>(at(8 * b + j, 2 * p + 1)) << 16)));
  return words;
}

inline std::vector<int32_t> lanes_requant(const std::vector<int32_t>& multiplier, const std::vector<int32_t>& shift) {
  const int32_t channels = static_cast<int32_t>(multiplier.size());
  std::vector<int32_t> out;
  for (int32_t b = 0; b < (channels + 7) / 8; ++b) {
    for (int32_t c = 8 * b; c < 8 * b + 8; ++c) out.push_back(c < channels ? multiplier[static_cast<size_t>(c)] : 1 << 30);
    for (int32_t c = 8 * b; c < 8 * b + 8; ++c) out.push_back(c < channels ? -shift[static_cast<size_t>(c)] - 1 : 0);
  }
  return out;
}

}  // namespace ref

#endif  // MICROFLOW_TESTS_RUNTIME_REFERENCE_H_
