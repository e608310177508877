// SignalRfft (runtime kernels/signal_fft.h): TFLM's RfftPrepare rules; kissfft's tables
// (twiddles, real-FFT super twiddles, radix factorization) made here as TFLM's Init does.
#include <cmath>

#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalRfftS16Params : ParamsBase {
  int64_t rows = 0, input_length = 0, half_length = 0;
  ArrayRef factors, twiddles, super_twiddles;
  MF_PARAMS(SignalRfftS16Params, rows, input_length, half_length, factors, twiddles, super_twiddles)
};
const KernelDef kSignalRfftS16{.function = "signal_rfft_s16",
                               .header = "microflow/kernels/signal_fft.h",
                               .sample_params = sample_of<SignalRfftS16Params>};

struct RfftOptions : OpOptions {
  int32_t type = 0;  // TFLite TensorType of input and output
  int32_t fft_length = 0;
};

std::shared_ptr<const OpOptions> read_rfft_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<RfftOptions>();
  o->type = c.int32("T");
  o->fft_length = c.int32("fft_length");
  return o;
}

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

// kissfft's fixed-point kf_cexp: floor(0.5 + 32767 · cos / sin of the phase).
void push_cexp(std::vector<int64_t>& v, double phase) {
  v.push_back(static_cast<int16_t>(std::floor(.5 + 32767 * std::cos(phase))));
  v.push_back(static_cast<int16_t>(std::floor(.5 + 32767 * std::sin(phase))));
}

KernelCall lower_rfft(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const auto& o = op.opts<RfftOptions>();
  if (o.type != static_cast<int32_t>(tfl::TensorType::INT16))
    fail(g, op, "T = " + std::string(tfl::EnumNameTensorType(static_cast<tfl::TensorType>(o.type))) +
                    " is not supported: microflow's SignalRfft is int16 (TFLM's kissfft FIXED_POINT=16)");
  expect_type(g, op, in, "input", {DType::Int16}, "T is int16");
  expect_type(g, op, out, "output", {DType::Int16}, "T is int16");
  if (in.shape.empty() || in.shape.size() != out.shape.size())
    fail(g, op, describe(g, out.id, "output") + ": rank " + std::to_string(out.shape.size()) + ", the input's is " +
                    std::to_string(in.shape.size()) + " (at least 1)");
  const int32_t n = o.fft_length;
  const int32_t input_length = in.shape.back();
  if (n < 4 || n % 2 != 0 || n < input_length)
    fail(g, op, "fft_length " + std::to_string(n) + " must be even, at least 4 and at least the input length " +
                    std::to_string(input_length));
  const int32_t half = n / 2;
  const int64_t rows = in.elements() / input_length;
  if (out.shape.back() != 2 * (half + 1) || out.elements() / out.shape.back() != rows)
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + ", expected " +
                    std::to_string(rows) + " rows of " + std::to_string(2 * (half + 1)) + " (fft_length / 2 + 1 complex bins)");
  const std::vector<int64_t> factors = kiss_factors(half);
  for (size_t i = 0; i < factors.size(); i += 2)
    if (factors[i] < 2 || factors[i] > 5)
      fail(g, op, "fft_length " + std::to_string(n) + ": kissfft radix " + std::to_string(factors[i]) +
                      " is not supported (radices 2, 3, 4, 5)");
  // As kissfft's kiss_fft_alloc and kiss_fftr_alloc, in double with their constants.
  std::vector<int64_t> twiddles, super_twiddles;
  const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
  for (int i = 0; i < half; ++i) push_cexp(twiddles, -2 * pi * i / half);
  for (int i = 0; i < half / 2; ++i) push_cexp(super_twiddles, -3.14159265358979323846264338327 * ((double)(i + 1) / half + .5));

  SignalRfftS16Params p;
  p.rows = rows, p.input_length = input_length, p.half_length = half;
  p.factors = {"Factors"}, p.twiddles = {"Twiddles"}, p.super_twiddles = {"SuperTwiddles"};
  KernelCall k = make_call(op, kSignalRfftS16, p);
  k.macs = rows * half * static_cast<int64_t>(factors.size() / 2) * 4;
  add_input_arg(k, in);
  add_output_arg(k, out);
  k.arrays.push_back(int_array("Factors", DType::Int32, factors));
  k.arrays.push_back(int_array("Twiddles", DType::Int16, std::move(twiddles)));
  k.arrays.push_back(int_array("SuperTwiddles", DType::Int16, std::move(super_twiddles)));
  return k;
}

}  // namespace

extern const OpDef kSignalRfftOp{.code = kCustomCode,
                                 .name = "SignalRfft",
                                 .read_options = read_rfft_options,
                                 .lower = lower_rfft,
                                 .kernels = {&kSignalRfftS16}};

}  // namespace microflow
