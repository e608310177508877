// Independent formulations of TFLM's Signal-library operators for the tests (runtime
// test_signal.cpp, compiler end-to-end models): kissfft's tables as its alloc functions
// define them, and the buffering operators as functions of the whole signal since
// reset() instead of circular buffers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace signal_reference {

// kissfft's factorization and twiddles for a real transform of 2 · half (conjugated for
// the inverse), element type T: floor(0.5 + SAMP_MAX · cos / sin) in fixed point.
template <typename T>
struct FftTables {
  std::vector<int32_t> factors;
  std::vector<T> twiddles, super_twiddles;
  static T cexp_part(double v) {
    if constexpr (std::is_floating_point_v<T>) return static_cast<T>(v);
    const double samp_max = sizeof(T) == 2 ? 32767.0 : 2147483647.0;
    return static_cast<T>(std::floor(.5 + samp_max * v));
  }
  FftTables(int half, bool inverse) {
    for (int n = half, p = 4; n > 1;) {
      while (n % p) p = p == 4 ? 2 : p == 2 ? 3 : p + 2;
      n /= p;
      factors.push_back(p);
      factors.push_back(n);
    }
    const double pi = 3.14159265358979323846, sign = inverse ? -1 : 1;
    for (int i = 0; i < half; ++i) {
      twiddles.push_back(cexp_part(std::cos(sign * -2 * pi * i / half)));
      twiddles.push_back(cexp_part(std::sin(sign * -2 * pi * i / half)));
    }
    for (int i = 0; i < half / 2; ++i) {
      const double phase = sign * -pi * ((double)(i + 1) / half + .5);
      super_twiddles.push_back(cexp_part(std::cos(phase)));
      super_twiddles.push_back(cexp_part(std::sin(phase)));
    }
  }
};

// Bin k of the DFT of x zero-padded to n, in double, times `scale`.
inline void dft_bin(const double* x, int length, int n, int k, double scale, double& re, double& im) {
  re = im = 0;
  for (int j = 0; j < length; ++j) {
    re += x[j] * std::cos(-2 * M_PI * j * k / n) * scale;
    im += x[j] * std::sin(-2 * M_PI * j * k / n) * scale;
  }
}

// Sample t of the real signal whose half spectrum (bins 0..n/2 as re, im) is `bins`, in
// double, times `scale` (the imaginary parts of bins 0 and n/2 do not enter).
inline double inverse_dft_sample(const double* bins, int n, int t, double scale) {
  double s = bins[0] + (t % 2 ? -1 : 1) * bins[n];
  for (int k = 1; k < n / 2; ++k)
    s += 2 * (bins[2 * k] * std::cos(2 * M_PI * k * t / n) - bins[2 * k + 1] * std::sin(2 * M_PI * k * t / n));
  return s * scale;
}

// One row of SignalFramer: the j-th frame is samples [j·step, j·step + size) of the row's
// signal since reset() (prefill: size - step zeros first), emitted once they exist.
struct Framer {
  int size, step;
  std::vector<int16_t> signal;
  size_t next = 0;
  Framer(int frame_size, int frame_step, bool prefill)
      : size(frame_size), step(frame_step), signal(prefill ? frame_size - frame_step : 0, 0) {}
  // Appends one step; the frame (or zeros) and whether it was complete.
  bool push(const int16_t* samples, int16_t* frame) {
    signal.insert(signal.end(), samples, samples + step);
    if (signal.size() < next * step + size) {
      std::fill(frame, frame + size, 0);
      return false;
    }
    std::copy_n(signal.begin() + static_cast<std::ptrdiff_t>(next * step), size, frame);
    ++next;
    return true;
  }
};

// SignalStacker: the frames since reset(), the first one left_context more times in front;
// output j is frames [j·step, j·step + left + right + 1) once they exist.
struct Stacker {
  int channels, left, frames, step;
  std::vector<std::vector<int16_t>> signal;
  size_t next = 0;
  bool push(const int16_t* frame, int16_t* out) {
    const std::vector<int16_t> f(frame, frame + channels);
    if (signal.empty()) signal.assign(static_cast<size_t>(left), f);
    signal.push_back(f);
    if (signal.size() < next * step + frames) {
      std::fill(out, out + frames * channels, 0);
      return false;
    }
    for (int i = 0; i < frames; ++i) std::copy(signal[next * step + i].begin(), signal[next * step + i].end(), out + i * channels);
    ++next;
    return true;
  }
};

// One row of SignalDelay: its signal since reset() after `delay` zeros, a frame at a time.
struct Delay {
  std::vector<int16_t> signal;
  size_t read = 0;
  explicit Delay(int delay) : signal(static_cast<size_t>(delay), 0) {}
  void push(const int16_t* in, int size, int16_t* out) {
    signal.insert(signal.end(), in, in + size);
    std::copy_n(signal.begin() + static_cast<std::ptrdiff_t>(read), size, out);
    read += static_cast<size_t>(size);
  }
};

// One row of SignalOverlapAdd: output sample t sums, in arrival order, sample t - g·step of
// every frame g since reset() that covers it (int16: saturating after each addition).
template <typename T>
struct OverlapAdd {
  int size, step;
  std::vector<std::vector<T>> frames;
  static T add(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      return a + b;
    } else {
      return static_cast<T>(std::clamp<int32_t>(int32_t{a} + b, -32768, 32767));
    }
  }
  void push(const T* frame, T* out) {
    frames.emplace_back(frame, frame + size);
    const size_t g = frames.size() - 1;
    for (int s = 0; s < step; ++s) {
      const size_t t = g * step + static_cast<size_t>(s);
      T acc = 0;
      for (size_t h = 0; h <= g; ++h)
        if (t >= h * step && t < h * step + static_cast<size_t>(size)) acc = add(acc, frames[h][t - h * step]);
      out[s] = acc;
    }
  }
};

}  // namespace signal_reference
