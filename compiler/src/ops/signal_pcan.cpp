// SignalPCAN (runtime kernels/signal_pcan.h): TFLM's PcanPrepare rules. No state: the
// noise estimate is an input (SignalFilterBankSpectralSubtraction's second output).
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

// The gain table's last entry read for the largest noise estimate (msb 32): 4 · 32 − 6 + 2.
constexpr int64_t kGainLutEntries = 125;

struct SignalPcanParams : ParamsBase {
  int64_t channels = 0, snr_shift = 0;
  MF_PARAMS(SignalPcanParams, channels, snr_shift)
};
const KernelDef kSignalPcan{.function = "signal_pcan",
                            .header = "microflow/kernels/signal_pcan.h",
                            .in_place = InPlaceKind::Elementwise,
                            .sample_params = sample_of<SignalPcanParams>};

struct PcanOptions : OpOptions {
  int32_t snr_shift = 0;
};

std::shared_ptr<const OpOptions> read_pcan_options(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<PcanOptions>();
  o->snr_shift = CustomOptions(op, where).int32("snr_shift");
  return o;
}

KernelCall lower_pcan(const Graph& g, const Operator& op) {
  expect_arity(g, op, 3, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& noise = op_input(g, op, 1, "noise estimate");
  const Tensor& out = op_output(g, op);
  expect_signal_tensor(g, op, in, "input", DType::UInt32, 1);
  expect_signal_tensor(g, op, noise, "noise estimate", DType::UInt32, 1);
  if (noise.elements() != in.elements())
    fail(g, op, describe(g, noise.id, "noise estimate") + ": " + std::to_string(noise.elements()) +
                    " elements, the input has " + std::to_string(in.elements()));
  expect_output(g, op, out, DType::UInt32, in.shape);
  ConstArray lut = int16_table(g, op, op_input(g, op, 2, "gain lut"), "gain lut", kGainLutEntries, "GainLut");
  const int32_t shift = op.opts<PcanOptions>().snr_shift;
  if (shift < 0 || shift > 63) fail(g, op, "snr_shift " + std::to_string(shift) + " is outside [0, 63]");
  SignalPcanParams p;
  p.channels = in.elements(), p.snr_shift = shift;
  KernelCall k = make_call(op, kSignalPcan, p);
  add_input_arg(k, in);
  add_input_arg(k, noise);
  add_array_arg(k, std::move(lut));
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalPcanOp{.code = kCustomCode,
                                 .name = "SignalPCAN",
                                 .read_options = read_pcan_options,
                                 .lower = lower_pcan,
                                 .kernels = {&kSignalPcan}};

}  // namespace microflow
