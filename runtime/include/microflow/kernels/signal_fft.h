// SignalFftAutoScale (TFLM signal/src/fft_auto_scale.cc), SignalRfft and SignalIrfft (TFLM's
// kissfft v130: kiss_fftr / kiss_fftri over a complex FFT of half the length) for int16
// (FIXED_POINT=16), int32 (FIXED_POINT=32) and float, as TFLM registers them.
//
// The compiler makes the twiddles (kissfft's kf_cexp of its phases with host libm, as TFLM's
// Init: floor(0.5 + SAMP_MAX·cos/sin) in fixed point, (float)cos/sin in float) and kissfft's
// radix factorization; both are flash constants. Neither transform needs scratch memory.
// Fixed-point arithmetic as kissfft's macros: products in the next wider type, rounding
// shift by 15 / 31, sums stored back to the scalar on every store.
#ifndef MICROFLOW_SIGNAL_FFT_H_
#define MICROFLOW_SIGNAL_FFT_H_

#include <stdint.h>

#include "microflow/exec/flash.h"
#include "microflow/kernels/signal_math.h"

namespace mf {

struct SignalFftAutoScaleParams {
  int32_t size;
};

// Shifts the input left by the headroom of its largest magnitude; writes the shift.
// The output may be the input itself: every element is read before it is written.
inline void signal_fft_auto_scale_s16(const SignalFftAutoScaleParams& params, const int16_t* input,
                                      int32_t* scale_bits, int16_t* output) {
  const SignalFftAutoScaleParams p = flash_load(params);
  // TFLM's MaxAbs16 keeps the maximum in an int16: -(-32768) wraps back to -32768.
  int16_t max = 0;
  for (int32_t i = 0; i < p.size; ++i) {
    const int16_t v = input[i];
    if (v > max) {
      max = v;
    } else if (-static_cast<int32_t>(v) > max) {
      max = static_cast<int16_t>(-static_cast<int32_t>(v));
    }
  }
  int32_t bits = 16 - static_cast<int32_t>(signal::msb32(static_cast<uint32_t>(static_cast<int32_t>(max)))) - 1;
  if (bits < 0) bits = 0;
  for (int32_t i = 0; i < p.size; ++i) output[i] = static_cast<int16_t>(input[i] * (static_cast<int32_t>(1) << bits));
  *scale_bits = bits;
}

// SignalRfft / SignalIrfft parameters, one struct per element type T (int16, int32, float).
template <typename T>
struct SignalFftParams {
  int32_t rows;
  // Rfft: real samples per input row (the rest of the FFT length reads as zero).
  // Irfft: complex bins per input row (the row stride; bins 0..half_length are read).
  int32_t input_length;
  int32_t half_length;           // complex FFT length: fft_length / 2
  const int32_t* factors;        // kissfft's (radix, remaining length) pairs, in flash
  const T* twiddles;             // [half_length] complex (re, im), in flash; conjugated for Irfft
  const T* super_twiddles;       // [half_length / 2] complex, in flash; conjugated for Irfft
};
typedef SignalFftParams<int16_t> SignalFftS16Params;
typedef SignalFftParams<int32_t> SignalFftS32Params;
typedef SignalFftParams<float> SignalFftF32Params;

namespace detail {

template <typename T>
struct Cpx {
  T r, i;
};

// kissfft's arithmetic macros for one kiss_fft_scalar. `Sum` is the type C computes a sum
// of two scalars in: a 32-bit int for int16 (spelled out: AVR's int has 16 bits), int32
// wrapping (computed unsigned, no overflow UB) for int32, float for float. narrow() is the
// store back to the scalar; mul() is S_MUL (sround(smul)); div(x, k) is C_FIXDIV's
// x · (SAMP_MAX / k), rounded; half() is HALF_OF.
template <typename T>
struct KissArith;

template <>
struct KissArith<int16_t> {
  typedef int32_t Sum;
  static Sum add(Sum a, Sum b) { return a + b; }
  static Sum sub(Sum a, Sum b) { return a - b; }
  static Sum neg(Sum a) { return -a; }
  static Sum half(Sum a) { return a >> 1; }
  static int16_t narrow(Sum a) { return static_cast<int16_t>(a); }
  static int16_t round(int32_t product) { return static_cast<int16_t>((product + (1 << 14)) >> 15); }
  static int16_t mul(int16_t a, int16_t b) { return round(static_cast<int32_t>(a) * b); }
  static Cpx<int16_t> cmul(Cpx<int16_t> a, Cpx<int16_t> b) {
    Cpx<int16_t> m;
    m.r = round(static_cast<int32_t>(a.r) * b.r - static_cast<int32_t>(a.i) * b.i);
    m.i = round(static_cast<int32_t>(a.r) * b.i + static_cast<int32_t>(a.i) * b.r);
    return m;
  }
  static int16_t div(int16_t a, int32_t k) { return mul(a, static_cast<int16_t>(32767 / k)); }
};

template <>
struct KissArith<int32_t> {
  typedef int32_t Sum;
  static Sum add(Sum a, Sum b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
  static Sum sub(Sum a, Sum b) { return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); }
  static Sum neg(Sum a) { return sub(0, a); }
  static Sum half(Sum a) { return a >> 1; }
  static int32_t narrow(Sum a) { return a; }
  static int32_t round(int64_t product) { return static_cast<int32_t>((product + (static_cast<int64_t>(1) << 30)) >> 31); }
  static int32_t mul(int32_t a, int32_t b) { return round(static_cast<int64_t>(a) * b); }
  static Cpx<int32_t> cmul(Cpx<int32_t> a, Cpx<int32_t> b) {
    Cpx<int32_t> m;
    m.r = round(static_cast<int64_t>(a.r) * b.r - static_cast<int64_t>(a.i) * b.i);
    m.i = round(static_cast<int64_t>(a.r) * b.i + static_cast<int64_t>(a.i) * b.r);
    return m;
  }
  static int32_t div(int32_t a, int32_t k) { return mul(a, 2147483647 / k); }
};

template <>
struct KissArith<float> {
  typedef float Sum;
  static Sum add(Sum a, Sum b) { return a + b; }
  static Sum sub(Sum a, Sum b) { return a - b; }
  static Sum neg(Sum a) { return -a; }
  static Sum half(Sum a) { return a * 0.5f; }  // HALF_OF's (x) * .5 in double: the same float
  static float narrow(Sum a) { return a; }
  static float mul(float a, float b) { return a * b; }
  static Cpx<float> cmul(Cpx<float> a, Cpx<float> b) {
    Cpx<float> m;
    m.r = a.r * b.r - a.i * b.i;
    m.i = a.r * b.i + a.i * b.r;
    return m;
  }
  static float div(float a, int32_t) { return a; }  // no scaling in floating point
};

template <typename T>
struct KissOps : KissArith<T> {
  typedef KissArith<T> A;
  typedef Cpx<T> C;
  static C fixdiv(C c, int32_t k) {
    C d;
    d.r = A::div(c.r, k);
    d.i = A::div(c.i, k);
    return d;
  }
  static C cadd(C a, C b) {
    C s;
    s.r = A::narrow(A::add(a.r, b.r));
    s.i = A::narrow(A::add(a.i, b.i));
    return s;
  }
  static C csub(C a, C b) {
    C s;
    s.r = A::narrow(A::sub(a.r, b.r));
    s.i = A::narrow(A::sub(a.i, b.i));
    return s;
  }
  static C twiddle(const T* table, int32_t k) {
    C t;
    t.r = flash_read(table + 2 * k);
    t.i = flash_read(table + 2 * k + 1);
    return t;
  }
};

// kissfft's complex FFT (kf_work and the radix 2/3/4/5 butterflies) over the elements
// Source::sample(k) of a virtual input, written to `out`; Inverse only changes bfly4 (the
// twiddles of an inverse FFT are conjugated by the compiler).
template <typename T, typename Source, bool Inverse>
struct KissFft {
  typedef KissOps<T> K;
  typedef Cpx<T> C;
  const T* twiddles;
  Source source;

  C tw(int32_t k) const { return K::twiddle(twiddles, k); }

  void bfly2(C* out, int32_t fstride, int32_t m) const {
    for (int32_t k = 0; k < m; ++k) {
      const C a = K::fixdiv(out[k], 2);
      const C t = K::cmul(K::fixdiv(out[k + m], 2), tw(k * fstride));
      out[k + m] = K::csub(a, t);
      out[k] = K::cadd(a, t);
    }
  }

  void bfly3(C* out, int32_t fstride, int32_t m) const {
    const T epi3 = tw(fstride * m).i;
    for (int32_t k = 0; k < m; ++k) {
      C* f = out + k;
      f[0] = K::fixdiv(f[0], 3);
      const C s1 = K::cmul(K::fixdiv(f[m], 3), tw(k * fstride));
      const C s2 = K::cmul(K::fixdiv(f[2 * m], 3), tw(2 * k * fstride));
      const C s3 = K::cadd(s1, s2);
      C s0 = K::csub(s1, s2);
      f[m].r = K::narrow(K::sub(f[0].r, K::half(s3.r)));
      f[m].i = K::narrow(K::sub(f[0].i, K::half(s3.i)));
      s0.r = K::mul(s0.r, epi3);
      s0.i = K::mul(s0.i, epi3);
      f[0] = K::cadd(f[0], s3);
      f[2 * m].r = K::narrow(K::add(f[m].r, s0.i));
      f[2 * m].i = K::narrow(K::sub(f[m].i, s0.r));
      f[m].r = K::narrow(K::sub(f[m].r, s0.i));
      f[m].i = K::narrow(K::add(f[m].i, s0.r));
    }
  }

  void bfly4(C* out, int32_t fstride, int32_t m) const {
    for (int32_t k = 0; k < m; ++k) {
      C* f = out + k;
      const C f0 = K::fixdiv(f[0], 4);
      const C s0 = K::cmul(K::fixdiv(f[m], 4), tw(k * fstride));
      const C s1 = K::cmul(K::fixdiv(f[2 * m], 4), tw(2 * k * fstride));
      const C s2 = K::cmul(K::fixdiv(f[3 * m], 4), tw(3 * k * fstride));
      const C s5 = K::csub(f0, s1);
      const C a = K::cadd(f0, s1);
      const C s3 = K::cadd(s0, s2);
      const C s4 = K::csub(s0, s2);
      f[2 * m] = K::csub(a, s3);
      f[0] = K::cadd(a, s3);
      // Forward: s5 ∓ i·s4 into m / 3m; inverse: the other way round.
      const C plus = {K::narrow(K::sub(s5.r, s4.i)), K::narrow(K::add(s5.i, s4.r))};
      const C minus = {K::narrow(K::add(s5.r, s4.i)), K::narrow(K::sub(s5.i, s4.r))};
      f[m] = Inverse ? plus : minus;
      f[3 * m] = Inverse ? minus : plus;
    }
  }

  void bfly5(C* out, int32_t fstride, int32_t m) const {
    const C ya = tw(fstride * m), yb = tw(fstride * 2 * m);
    for (int32_t u = 0; u < m; ++u) {
      C* f = out + u;
      for (int32_t j = 0; j < 5; ++j) f[j * m] = K::fixdiv(f[j * m], 5);
      const C s0 = f[0];
      const C s1 = K::cmul(f[m], tw(u * fstride));
      const C s2 = K::cmul(f[2 * m], tw(2 * u * fstride));
      const C s3 = K::cmul(f[3 * m], tw(3 * u * fstride));
      const C s4 = K::cmul(f[4 * m], tw(4 * u * fstride));
      const C s7 = K::cadd(s1, s4), s10 = K::csub(s1, s4), s8 = K::cadd(s2, s3), s9 = K::csub(s2, s3);
      // `Fout0->r += s7.r + s8.r`: the pair is summed first (it matters in float).
      f[0].r = K::narrow(K::add(f[0].r, K::add(s7.r, s8.r)));
      f[0].i = K::narrow(K::add(f[0].i, K::add(s7.i, s8.i)));
      C s5, s6, s11, s12;
      s5.r = K::narrow(K::add(K::add(s0.r, K::mul(s7.r, ya.r)), K::mul(s8.r, yb.r)));
      s5.i = K::narrow(K::add(K::add(s0.i, K::mul(s7.i, ya.r)), K::mul(s8.i, yb.r)));
      s6.r = K::narrow(K::add(K::mul(s10.i, ya.i), K::mul(s9.i, yb.i)));
      s6.i = K::narrow(K::sub(K::neg(K::mul(s10.r, ya.i)), K::mul(s9.r, yb.i)));
      f[m] = K::csub(s5, s6);
      f[4 * m] = K::cadd(s5, s6);
      s11.r = K::narrow(K::add(K::add(s0.r, K::mul(s7.r, yb.r)), K::mul(s8.r, ya.r)));
      s11.i = K::narrow(K::add(K::add(s0.i, K::mul(s7.i, yb.r)), K::mul(s8.i, ya.r)));
      s12.r = K::narrow(K::add(K::neg(K::mul(s10.i, yb.i)), K::mul(s9.i, ya.i)));
      s12.i = K::narrow(K::sub(K::mul(s10.r, yb.i), K::mul(s9.r, ya.i)));
      f[2 * m] = K::cadd(s11, s12);
      f[3 * m] = K::csub(s11, s12);
    }
  }

  // kissfft's kf_work: p sub-FFTs of length m over the decimated input, then one stage.
  void work(C* out, int32_t in, int32_t fstride, const int32_t* factors) const {
    const int32_t p = flash_read(factors), m = flash_read(factors + 1);
    if (m == 1) {
      for (int32_t j = 0; j < p; ++j) out[j] = source.sample(in + j * fstride);
    } else {
      for (int32_t j = 0; j < p; ++j) work(out + j * m, in + j * fstride, fstride * p, factors + 2);
    }
    switch (p) {
      case 2: bfly2(out, fstride, m); break;
      case 3: bfly3(out, fstride, m); break;
      case 4: bfly4(out, fstride, m); break;
      default: bfly5(out, fstride, m); break;  // the compiler admits radices 2, 3, 4, 5
    }
  }
};

// kiss_fftr's input: real samples 2k and 2k + 1 as complex element k, zero past the row
// (TFLM copies the row into a zero-padded scratch buffer).
template <typename T>
struct RealPairs {
  const T* input;
  int32_t length;
  Cpx<T> sample(int32_t k) const {
    Cpx<T> c;
    c.r = 2 * k < length ? input[2 * k] : T(0);
    c.i = 2 * k + 1 < length ? input[2 * k + 1] : T(0);
    return c;
  }
};

// kiss_fftri's tmpbuf, element j computed when the FFT reads it (so no scratch): bins k and
// n - k of the half spectrum make tmpbuf[k] (sum) and tmpbuf[n - k] (difference, imaginary
// part negated); for k = n / 2 both are one element and the difference is written last.
template <typename T>
struct HalfSpectrum {
  typedef KissOps<T> K;
  const Cpx<T>* bins;  // n + 1 bins
  int32_t n;
  const T* super_twiddles;
  Cpx<T> sample(int32_t j) const {
    if (j == 0) {
      Cpx<T> dc;
      dc.r = K::narrow(K::add(bins[0].r, bins[n].r));
      dc.i = K::narrow(K::sub(bins[0].r, bins[n].r));
      return K::fixdiv(dc, 2);
    }
    const bool difference = j >= n - j;
    const int32_t k = difference ? n - j : j;
    const Cpx<T> fk = K::fixdiv(bins[k], 2);
    Cpx<T> fnkc = bins[n - k];
    fnkc.i = K::narrow(K::neg(fnkc.i));
    fnkc = K::fixdiv(fnkc, 2);
    const Cpx<T> fek = K::cadd(fk, fnkc);
    const Cpx<T> fok = K::cmul(K::csub(fk, fnkc), K::twiddle(super_twiddles, k - 1));
    if (!difference) return K::cadd(fek, fok);
    Cpx<T> d = K::csub(fek, fok);
    d.i = K::narrow(K::neg(d.i));
    return d;
  }
};

// kiss_fftr per row: fft_length / 2 + 1 complex bins (re, im) of the zero-padded real input.
// The complex FFT writes the output row itself (kissfft's tmpbuf); the split then reads bins
// k and n - k and writes the same two, so it runs in place.
template <typename T>
inline void signal_rfft(const SignalFftParams<T>& params, const T* input, T* output) {
  typedef KissOps<T> K;
  const SignalFftParams<T> p = flash_load(params);
  const int32_t n = p.half_length;
  for (int32_t row = 0; row < p.rows; ++row) {
    const RealPairs<T> source = {input + row * p.input_length, p.input_length};
    const KissFft<T, RealPairs<T>, false> fft = {p.twiddles, source};
    Cpx<T>* freq = reinterpret_cast<Cpx<T>*>(output) + row * (n + 1);
    fft.work(freq, 0, 1, p.factors);
    const Cpx<T> dc = K::fixdiv(freq[0], 2);
    freq[0].r = K::narrow(K::add(dc.r, dc.i));
    freq[n].r = K::narrow(K::sub(dc.r, dc.i));
    freq[0].i = freq[n].i = T(0);
    for (int32_t k = 1; k <= n / 2; ++k) {
      const Cpx<T> fpk = K::fixdiv(freq[k], 2);
      Cpx<T> fpnk = freq[n - k];
      fpnk.i = K::narrow(K::neg(fpnk.i));
      fpnk = K::fixdiv(fpnk, 2);
      const Cpx<T> f1k = K::cadd(fpk, fpnk);
      const Cpx<T> tw = K::cmul(K::csub(fpk, fpnk), K::twiddle(p.super_twiddles, k - 1));
      freq[k].r = K::narrow(K::half(K::add(f1k.r, tw.r)));
      freq[k].i = K::narrow(K::half(K::add(f1k.i, tw.i)));
      freq[n - k].r = K::narrow(K::half(K::sub(f1k.r, tw.r)));
      freq[n - k].i = K::narrow(K::half(K::sub(tw.i, f1k.i)));
    }
  }
}

// kiss_fftri per row: fft_length real samples from bins 0..fft_length / 2 of the input row
// (the imaginary parts of bins 0 and fft_length / 2 are not read).
template <typename T>
inline void signal_irfft(const SignalFftParams<T>& params, const T* input, T* output) {
  const SignalFftParams<T> p = flash_load(params);
  const int32_t n = p.half_length;
  for (int32_t row = 0; row < p.rows; ++row) {
    const HalfSpectrum<T> source = {reinterpret_cast<const Cpx<T>*>(input) + row * p.input_length, n,
                                    p.super_twiddles};
    const KissFft<T, HalfSpectrum<T>, true> fft = {p.twiddles, source};
    fft.work(reinterpret_cast<Cpx<T>*>(output + row * 2 * n), 0, 1, p.factors);
  }
}

}  // namespace detail

inline void signal_rfft_s16(const SignalFftS16Params& params, const int16_t* input, int16_t* output) {
  detail::signal_rfft(params, input, output);
}
inline void signal_rfft_s32(const SignalFftS32Params& params, const int32_t* input, int32_t* output) {
  detail::signal_rfft(params, input, output);
}
inline void signal_rfft_f32(const SignalFftF32Params& params, const float* input, float* output) {
  detail::signal_rfft(params, input, output);
}

// The fixed-point inverse scales by 1 / fft_length through its stages, as TFLM's; the float
// one is unscaled in kissfft and TFLM divides each sample by fft_length.
inline void signal_irfft_s16(const SignalFftS16Params& params, const int16_t* input, int16_t* output) {
  detail::signal_irfft(params, input, output);
}
inline void signal_irfft_s32(const SignalFftS32Params& params, const int32_t* input, int32_t* output) {
  detail::signal_irfft(params, input, output);
}
inline void signal_irfft_f32(const SignalFftF32Params& params, const float* input, float* output) {
  detail::signal_irfft(params, input, output);
  const SignalFftF32Params p = flash_load(params);
  const int32_t fft_length = 2 * p.half_length;
  const float divisor = static_cast<float>(fft_length);
  for (int32_t i = 0; i < p.rows * fft_length; ++i) output[i] /= divisor;
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_FFT_H_
