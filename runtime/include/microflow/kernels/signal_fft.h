// SignalFftAutoScale (TFLM signal/src/fft_auto_scale.cc) and SignalRfft (TFLM's kissfft
// v130 in 16-bit fixed point: kiss_fftr over a complex FFT of half the length).
//
// The compiler makes the twiddles (floor(0.5 + 32767·cos/sin) of kissfft's phases, host
// libm as TFLM's Init) and kissfft's radix factorization; both are flash constants. The
// complex FFT writes the output row itself (kissfft's tmpbuf): the real-FFT split then
// reads bins k and N-k and writes the same two, so it runs in place. Input beyond the row
// length reads as zero (TFLM copies the row to a zero-padded scratch buffer).
// Arithmetic as kissfft's FIXED_POINT=16 macros: int32 products, rounding shift by 15,
// sums truncated to int16 on every store.
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

struct SignalRfftS16Params {
  int32_t rows;
  int32_t input_length;  // real samples per row (the rest of the FFT length reads zero)
  int32_t half_length;   // complex FFT length: fft_length / 2
  const int32_t* factors;         // kissfft's (radix, remaining length) pairs, in flash
  const int16_t* twiddles;        // [half_length] complex (re, im), in flash
  const int16_t* super_twiddles;  // [half_length / 2] complex, in flash
};

namespace detail {

struct Cpx16 {
  int16_t r, i;
};

// Sums of int16 parts in int32 as on a 32-bit int (AVR's int has 16 bits), then
// truncated to int16 where kissfft stores them.
inline int32_t wide(int16_t x) { return x; }

// kissfft's sround(smul(a, b)): the product's rounding shift by 15, truncated to int16
// (returned as int32 for the sums it enters).
inline int32_t kiss_mul(int32_t a, int32_t b) { return static_cast<int16_t>((a * b + (1 << 14)) >> 15); }
inline Cpx16 kiss_cmul(Cpx16 a, Cpx16 b) {
  Cpx16 m;
  m.r = static_cast<int16_t>((static_cast<int32_t>(a.r) * b.r - static_cast<int32_t>(a.i) * b.i + (1 << 14)) >> 15);
  m.i = static_cast<int16_t>((static_cast<int32_t>(a.r) * b.i + static_cast<int32_t>(a.i) * b.r + (1 << 14)) >> 15);
  return m;
}
// C_FIXDIV(c, k): each part times 32767 / k, rounded.
inline Cpx16 kiss_div(Cpx16 c, int32_t k) {
  const int32_t f = 32767 / k;
  Cpx16 d;
  d.r = static_cast<int16_t>(kiss_mul(c.r, f));
  d.i = static_cast<int16_t>(kiss_mul(c.i, f));
  return d;
}
inline Cpx16 kiss_add(Cpx16 a, Cpx16 b) {
  Cpx16 s;
  s.r = static_cast<int16_t>(wide(a.r) + wide(b.r));
  s.i = static_cast<int16_t>(wide(a.i) + wide(b.i));
  return s;
}
inline Cpx16 kiss_sub(Cpx16 a, Cpx16 b) {
  Cpx16 s;
  s.r = static_cast<int16_t>(wide(a.r) - wide(b.r));
  s.i = static_cast<int16_t>(wide(a.i) - wide(b.i));
  return s;
}

struct KissFft16 {
  const int16_t* twiddles;
  const int16_t* input;
  int32_t input_length;

  Cpx16 twiddle(int32_t k) const {
    Cpx16 t;
    t.r = flash_read(twiddles + 2 * k);
    t.i = flash_read(twiddles + 2 * k + 1);
    return t;
  }
  // Complex input element k: real samples 2k and 2k + 1, zero past the row.
  Cpx16 sample(int32_t k) const {
    Cpx16 c;
    c.r = 2 * k < input_length ? input[2 * k] : 0;
    c.i = 2 * k + 1 < input_length ? input[2 * k + 1] : 0;
    return c;
  }

  void bfly2(Cpx16* out, int32_t fstride, int32_t m) const {
    for (int32_t k = 0; k < m; ++k) {
      const Cpx16 a = kiss_div(out[k], 2);
      const Cpx16 t = kiss_cmul(kiss_div(out[k + m], 2), twiddle(k * fstride));
      out[k + m] = kiss_sub(a, t);
      out[k] = kiss_add(a, t);
    }
  }

  void bfly3(Cpx16* out, int32_t fstride, int32_t m) const {
    const int16_t epi3 = twiddle(fstride * m).i;
    for (int32_t k = 0; k < m; ++k) {
      Cpx16* f = out + k;
      f[0] = kiss_div(f[0], 3);
      const Cpx16 s1 = kiss_cmul(kiss_div(f[m], 3), twiddle(k * fstride));
      const Cpx16 s2 = kiss_cmul(kiss_div(f[2 * m], 3), twiddle(2 * k * fstride));
      const Cpx16 s3 = kiss_add(s1, s2);
      Cpx16 s0 = kiss_sub(s1, s2);
      f[m].r = static_cast<int16_t>(wide(f[0].r) - (wide(s3.r) >> 1));
      f[m].i = static_cast<int16_t>(wide(f[0].i) - (wide(s3.i) >> 1));
      s0.r = static_cast<int16_t>(kiss_mul(s0.r, epi3));
      s0.i = static_cast<int16_t>(kiss_mul(s0.i, epi3));
      f[0] = kiss_add(f[0], s3);
      f[2 * m].r = static_cast<int16_t>(wide(f[m].r) + wide(s0.i));
      f[2 * m].i = static_cast<int16_t>(wide(f[m].i) - wide(s0.r));
      f[m].r = static_cast<int16_t>(wide(f[m].r) - wide(s0.i));
      f[m].i = static_cast<int16_t>(wide(f[m].i) + wide(s0.r));
    }
  }

  void bfly4(Cpx16* out, int32_t fstride, int32_t m) const {
    for (int32_t k = 0; k < m; ++k) {
      Cpx16* f = out + k;
      const Cpx16 f0 = kiss_div(f[0], 4);
      const Cpx16 s0 = kiss_cmul(kiss_div(f[m], 4), twiddle(k * fstride));
      const Cpx16 s1 = kiss_cmul(kiss_div(f[2 * m], 4), twiddle(2 * k * fstride));
      const Cpx16 s2 = kiss_cmul(kiss_div(f[3 * m], 4), twiddle(3 * k * fstride));
      const Cpx16 s5 = kiss_sub(f0, s1);
      const Cpx16 a = kiss_add(f0, s1);
      const Cpx16 s3 = kiss_add(s0, s2);
      const Cpx16 s4 = kiss_sub(s0, s2);
      f[2 * m] = kiss_sub(a, s3);
      f[0] = kiss_add(a, s3);
      f[m].r = static_cast<int16_t>(wide(s5.r) + wide(s4.i));
      f[m].i = static_cast<int16_t>(wide(s5.i) - wide(s4.r));
      f[3 * m].r = static_cast<int16_t>(wide(s5.r) - wide(s4.i));
      f[3 * m].i = static_cast<int16_t>(wide(s5.i) + wide(s4.r));
    }
  }

  void bfly5(Cpx16* out, int32_t fstride, int32_t m) const {
    const Cpx16 ya = twiddle(fstride * m), yb = twiddle(fstride * 2 * m);
    for (int32_t u = 0; u < m; ++u) {
      Cpx16* f = out + u;
      for (int32_t j = 0; j < 5; ++j) f[j * m] = kiss_div(f[j * m], 5);
      const Cpx16 s0 = f[0];
      const Cpx16 s1 = kiss_cmul(f[m], twiddle(u * fstride));
      const Cpx16 s2 = kiss_cmul(f[2 * m], twiddle(2 * u * fstride));
      const Cpx16 s3 = kiss_cmul(f[3 * m], twiddle(3 * u * fstride));
      const Cpx16 s4 = kiss_cmul(f[4 * m], twiddle(4 * u * fstride));
      const Cpx16 s7 = kiss_add(s1, s4), s10 = kiss_sub(s1, s4), s8 = kiss_add(s2, s3), s9 = kiss_sub(s2, s3);
      f[0].r = static_cast<int16_t>(wide(f[0].r) + wide(s7.r) + wide(s8.r));
      f[0].i = static_cast<int16_t>(wide(f[0].i) + wide(s7.i) + wide(s8.i));
      Cpx16 s5, s6, s11, s12;
      s5.r = static_cast<int16_t>(wide(s0.r) + kiss_mul(s7.r, ya.r) + kiss_mul(s8.r, yb.r));
      s5.i = static_cast<int16_t>(wide(s0.i) + kiss_mul(s7.i, ya.r) + kiss_mul(s8.i, yb.r));
      s6.r = static_cast<int16_t>(kiss_mul(s10.i, ya.i) + kiss_mul(s9.i, yb.i));
      s6.i = static_cast<int16_t>(-kiss_mul(s10.r, ya.i) - kiss_mul(s9.r, yb.i));
      f[m] = kiss_sub(s5, s6);
      f[4 * m] = kiss_add(s5, s6);
      s11.r = static_cast<int16_t>(wide(s0.r) + kiss_mul(s7.r, yb.r) + kiss_mul(s8.r, ya.r));
      s11.i = static_cast<int16_t>(wide(s0.i) + kiss_mul(s7.i, yb.r) + kiss_mul(s8.i, ya.r));
      s12.r = static_cast<int16_t>(-kiss_mul(s10.i, yb.i) + kiss_mul(s9.i, ya.i));
      s12.i = static_cast<int16_t>(kiss_mul(s10.r, yb.i) - kiss_mul(s9.r, ya.i));
      f[2 * m] = kiss_add(s11, s12);
      f[3 * m] = kiss_sub(s11, s12);
    }
  }

  // kissfft's kf_work: p sub-FFTs of length m over the decimated input, then one stage.
  void work(Cpx16* out, int32_t in, int32_t fstride, const int32_t* factors) const {
    const int32_t p = flash_read(factors), m = flash_read(factors + 1);
    if (m == 1) {
      for (int32_t j = 0; j < p; ++j) out[j] = sample(in + j * fstride);
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

}  // namespace detail

// Per row: fft_length / 2 + 1 complex bins (re, im) of the zero-padded real input.
inline void signal_rfft_s16(const SignalRfftS16Params& params, const int16_t* input, int16_t* output) {
  const SignalRfftS16Params p = flash_load(params);
  const int32_t n = p.half_length;
  for (int32_t row = 0; row < p.rows; ++row) {
    detail::KissFft16 fft = {p.twiddles, input + row * p.input_length, p.input_length};
    detail::Cpx16* freq = reinterpret_cast<detail::Cpx16*>(output) + row * (n + 1);
    fft.work(freq, 0, 1, p.factors);
    const detail::Cpx16 dc = detail::kiss_div(freq[0], 2);
    freq[0].r = static_cast<int16_t>(detail::wide(dc.r) + detail::wide(dc.i));
    freq[n].r = static_cast<int16_t>(detail::wide(dc.r) - detail::wide(dc.i));
    freq[0].i = freq[n].i = 0;
    for (int32_t k = 1; k <= n / 2; ++k) {
      const detail::Cpx16 fpk = detail::kiss_div(freq[k], 2);
      detail::Cpx16 fpnk = freq[n - k];
      fpnk.i = static_cast<int16_t>(-detail::wide(fpnk.i));
      fpnk = detail::kiss_div(fpnk, 2);
      const detail::Cpx16 f1k = detail::kiss_add(fpk, fpnk);
      const detail::Cpx16 f2k = detail::kiss_sub(fpk, fpnk);
      detail::Cpx16 st;
      st.r = flash_read(p.super_twiddles + 2 * (k - 1));
      st.i = flash_read(p.super_twiddles + 2 * (k - 1) + 1);
      const detail::Cpx16 tw = detail::kiss_cmul(f2k, st);
      freq[k].r = static_cast<int16_t>((detail::wide(f1k.r) + detail::wide(tw.r)) >> 1);
      freq[k].i = static_cast<int16_t>((detail::wide(f1k.i) + detail::wide(tw.i)) >> 1);
      freq[n - k].r = static_cast<int16_t>((detail::wide(f1k.r) - detail::wide(tw.r)) >> 1);
      freq[n - k].i = static_cast<int16_t>((detail::wide(tw.i) - detail::wide(f1k.i)) >> 1);
    }
  }
}

}  // namespace mf

#endif  // MICROFLOW_SIGNAL_FFT_H_
