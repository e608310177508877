#include "ops/signal_kissfft.h"

#include <cmath>

#include "ops/custom_options.h"

namespace microflow {
namespace {

// kissfft's kf_factor: powers of 4, then 2, then odd factors; (radix, remaining) pairs.
std::vector<int64_t> kiss_factors(int n) {
  std::vector<int64_t> f;
  int p = 4;
  const double floor_sqrt = std::floor(std::sqrt(static_cast<double>(n)));
  do {
    while (n % p) {
      p = p == 4 ? 2 : p == 2 ? 3 : p + 2;
      if (p > floor_sqrt) p = n;
    }
    n /= p;
    f.push_back(p);
    f.push_back(n);
  } while (n > 1);
  return f;
}

// kissfft's kf_cexp(phase) appended to a table of `type`: floor(0.5 + SAMP_MAX · cos / sin)
// in fixed point, (float) cos / sin in float.
void push_cexp(ConstArray& a, double phase) {
  if (a.type == DType::Float32) {
    a.floats.push_back(static_cast<float>(std::cos(phase)));
    a.floats.push_back(static_cast<float>(std::sin(phase)));
    return;
  }
  const double samp_max = a.type == DType::Int16 ? 32767.0 : 2147483647.0;
  a.ints.push_back(static_cast<int64_t>(std::floor(.5 + samp_max * std::cos(phase))));
  a.ints.push_back(static_cast<int64_t>(std::floor(.5 + samp_max * std::sin(phase))));
}

const char* type_word(DType t) { return t == DType::Int16 ? "int16" : t == DType::Int32 ? "int32" : "float32"; }

}  // namespace

std::shared_ptr<const OpOptions> read_fft_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<FftOptions>();
  o->type = c.int32("T");
  o->fft_length = c.int32("fft_length");
  return o;
}

DType fft_element_type(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out) {
  const auto& o = op.opts<FftOptions>();
  DType type = DType::Unsupported;
  switch (static_cast<tfl::TensorType>(o.type)) {
    case tfl::TensorType::INT16: type = DType::Int16; break;
    case tfl::TensorType::INT32: type = DType::Int32; break;
    case tfl::TensorType::FLOAT32: type = DType::Float32; break;
    default:
      fail(g, op, "T = " + std::to_string(o.type) + " is not a type TFLM registers " + op.name +
                      " for (int16, int32, float32)");
  }
  const std::string why = std::string("T is ") + type_word(type);
  expect_type(g, op, in, "input", {type}, why);
  expect_type(g, op, out, "output", {type}, why);
  if (in.shape.empty() || in.shape.size() != out.shape.size())
    fail(g, op, describe(g, out.id, "output") + ": rank " + std::to_string(out.shape.size()) + ", the input's is " +
                    std::to_string(in.shape.size()) + " (at least 1)");
  const int32_t n = o.fft_length;
  if (n < 4 || n % 2 != 0) fail(g, op, "fft_length " + std::to_string(n) + " must be even and at least 4");
  const std::vector<int64_t> factors = kiss_factors(n / 2);
  for (size_t i = 0; i < factors.size(); i += 2)
    if (factors[i] < 2 || factors[i] > 5)
      fail(g, op, "fft_length " + std::to_string(n) + ": kissfft radix " + std::to_string(factors[i]) +
                      " is not supported (radices 2, 3, 4, 5)");
  return type;
}

KernelCall make_fft_call(const Operator& op, DType type, const KernelDef* const kernels[3], int64_t rows,
                         int64_t input_length, bool inverse) {
  const int half = op.opts<FftOptions>().fft_length / 2;
  // As kissfft's kiss_fft_alloc and kiss_fftr_alloc, in double with their constants; an
  // inverse transform negates every phase.
  const double sign = inverse ? -1 : 1;
  ConstArray twiddles, super_twiddles;
  twiddles.suffix = "Twiddles", super_twiddles.suffix = "SuperTwiddles";
  twiddles.type = super_twiddles.type = type;
  const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
  for (int i = 0; i < half; ++i) push_cexp(twiddles, sign * (-2 * pi * i / half));
  for (int i = 0; i < half / 2; ++i)
    push_cexp(super_twiddles, sign * (-3.14159265358979323846264338327 * ((double)(i + 1) / half + .5)));
  const std::vector<int64_t> factors = kiss_factors(half);

  auto fill = [&](SignalFftParamsFields& p) {
    p.rows = rows, p.input_length = input_length, p.half_length = half;
    p.factors = {"Factors"}, p.twiddles = {"Twiddles"}, p.super_twiddles = {"SuperTwiddles"};
  };
  Params params;
  const KernelDef* kernel = kernels[type == DType::Int16 ? 0 : type == DType::Int32 ? 1 : 2];
  if (type == DType::Int16) {
    SignalFftS16Params p;
    fill(p);
    params = p;
  } else if (type == DType::Int32) {
    SignalFftS32Params p;
    fill(p);
    params = p;
  } else {
    SignalFftF32Params p;
    fill(p);
    params = p;
  }
  KernelCall k = make_call(op, *kernel, std::move(params));
  k.macs = rows * half * static_cast<int64_t>(factors.size() / 2) * 4;
  k.arrays.push_back(int_array("Factors", DType::Int32, factors));
  k.arrays.push_back(std::move(twiddles));
  k.arrays.push_back(std::move(super_twiddles));
  return k;
}

}  // namespace microflow
