// SignalFilterBankSpectralSubtraction (runtime kernels/signal_filter_bank.h): TFLM keeps
// the noise estimate in the kernel (Init allocates, Prepare/Reset zero it); here it is
// kernel state (OpDef::kernel_state): a uint32 variable tensor in the state region.
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalSpectralSubtractionParams : ParamsBase {
  int64_t channels = 0, smoothing = 0, one_minus_smoothing = 0, alternate_smoothing = 0,
          alternate_one_minus_smoothing = 0, smoothing_bits = 0, spectral_subtraction_bits = 0,
          min_signal_remaining = 0, clamping = 0;
  MF_PARAMS(SignalSpectralSubtractionParams, channels, smoothing, one_minus_smoothing, alternate_smoothing,
            alternate_one_minus_smoothing, smoothing_bits, spectral_subtraction_bits, min_signal_remaining, clamping)
};
const KernelDef kSignalSpectralSubtraction{.function = "signal_filter_bank_spectral_subtraction",
                                           .header = "microflow/kernels/signal_filter_bank.h",
                                           .in_place = InPlaceKind::Elementwise,
                                           .sample_params = sample_of<SignalSpectralSubtractionParams>};

struct SpectralSubtractionOptions : OpOptions {
  SignalSpectralSubtractionParams p;
};

std::shared_ptr<const OpOptions> read_spectral_subtraction_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<SpectralSubtractionOptions>();
  SignalSpectralSubtractionParams& p = o->p;
  p.channels = c.int32("num_channels");
  // TFLM reads these into uint32 fields.
  p.smoothing = static_cast<uint32_t>(c.int32("smoothing"));
  p.one_minus_smoothing = static_cast<uint32_t>(c.int32("one_minus_smoothing"));
  p.alternate_smoothing = static_cast<uint32_t>(c.int32("alternate_smoothing"));
  p.alternate_one_minus_smoothing = static_cast<uint32_t>(c.int32("alternate_one_minus_smoothing"));
  p.smoothing_bits = static_cast<uint32_t>(c.int32("smoothing_bits"));
  p.spectral_subtraction_bits = static_cast<uint32_t>(c.int32("spectral_subtraction_bits"));
  p.min_signal_remaining = static_cast<uint32_t>(c.int32("min_signal_remaining"));
  p.clamping = c.boolean("clamping");
  if (p.channels <= 0) throw CompileError(where + ": num_channels " + std::to_string(p.channels) + " is not positive");
  return o;
}

KernelState noise_estimate_state(const Graph&, const Operator& op) {
  return {DType::UInt32, {static_cast<int32_t>(op.opts<SpectralSubtractionOptions>().p.channels)}};
}

KernelCall lower_spectral_subtraction(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 2);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& state = op_input(g, op, 1, "noise estimate state");
  const Tensor& out = op_output(g, op, 0);
  const Tensor& noise = op_output(g, op, 1);
  const SignalSpectralSubtractionParams& p = op.opts<SpectralSubtractionOptions>().p;
  const int32_t channels = static_cast<int32_t>(p.channels);
  expect_signal_tensor(g, op, in, "input", DType::UInt32, 1);
  if (in.elements() < channels)
    fail(g, op, describe(g, in.id, "input") + ": fewer than num_channels = " + std::to_string(channels) + " elements");
  expect_output(g, op, out, DType::UInt32, {channels});
  expect_output(g, op, noise, DType::UInt32, {channels});
  if (p.smoothing_bits > 31 || p.spectral_subtraction_bits > 63)
    fail(g, op, "smoothing_bits " + std::to_string(p.smoothing_bits) + " / spectral_subtraction_bits " +
                    std::to_string(p.spectral_subtraction_bits) + " exceed the 32 / 64-bit shifts");
  KernelCall k = make_call(op, kSignalSpectralSubtraction, p);
  add_input_arg(k, in);
  add_output_arg(k, state);
  add_output_arg(k, noise);
  add_output_arg(k, out);  // last: the call's output, which may be written over the input
  return k;
}

}  // namespace

extern const OpDef kSignalFilterBankSpectralSubtractionOp{.code = kCustomCode,
                                                          .name = "SignalFilterBankSpectralSubtraction",
                                                          .read_options = read_spectral_subtraction_options,
                                                          .lower = lower_spectral_subtraction,
                                                          .num_outputs = 2,
                                                          .kernel_state = noise_estimate_state,
                                                          .kernels = {&kSignalSpectralSubtraction}};

}  // namespace microflow
