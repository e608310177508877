// SignalFilterBank (runtime kernels/signal_filter_bank.h): TFLM's Prepare rules; the five
// int16 tables are the model's constants, bounds-checked here so the kernel stays in range.
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalFilterBankParams : ParamsBase {
  int64_t channels = 0;
  ArrayRef weights, unweights, frequency_starts, weight_starts, widths;
  MF_PARAMS(SignalFilterBankParams, channels, weights, unweights, frequency_starts, weight_starts, widths)
};
const KernelDef kSignalFilterBank{.function = "signal_filter_bank",
                                  .header = "microflow/kernels/signal_filter_bank.h",
                                  .sample_params = sample_of<SignalFilterBankParams>};

struct FilterBankOptions : OpOptions {
  int32_t channels = 0;
};

std::shared_ptr<const OpOptions> read_filter_bank_options(const tfl::Operator& op, const std::string& where) {
  auto o = std::make_shared<FilterBankOptions>();
  o->channels = CustomOptions(op, where).int32("num_channels");
  return o;
}

KernelCall lower_filter_bank(const Graph& g, const Operator& op) {
  expect_arity(g, op, 6, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_signal_tensor(g, op, in, "input", DType::UInt32, 1);
  const int32_t channels = op.opts<FilterBankOptions>().channels;
  if (channels <= 0) fail(g, op, "num_channels " + std::to_string(channels) + " is not positive");
  expect_output(g, op, out, DType::UInt64, {channels});
  const Tensor& weights = op_input(g, op, 1, "weights");
  const Tensor& unweights = op_input(g, op, 2, "unweights");
  const Tensor& starts = op_input(g, op, 3, "channel frequency starts");
  const Tensor& weight_starts = op_input(g, op, 4, "channel weight starts");
  const Tensor& widths = op_input(g, op, 5, "channel widths");
  ConstArray w = int16_table(g, op, weights, "weights", 0, "Weights");
  ConstArray u = int16_table(g, op, unweights, "unweights", weights.elements(), "Unweights");
  ConstArray s = int16_table(g, op, starts, "channel frequency starts", channels + 1, "FrequencyStarts");
  ConstArray ws = int16_table(g, op, weight_starts, "channel weight starts", channels + 1, "WeightStarts");
  ConstArray wd = int16_table(g, op, widths, "channel widths", channels + 1, "Widths");
  int64_t macs = 0;
  for (int32_t c = 0; c <= channels; ++c) {
    const int64_t f = s.ints[c], ww = ws.ints[c], n = wd.ints[c];
    if (f < 0 || ww < 0 || n < 0 || f + n > in.elements() || ww + n > weights.elements())
      fail(g, op, "channel " + std::to_string(c) + " (frequency start " + std::to_string(f) + ", weight start " +
                      std::to_string(ww) + ", width " + std::to_string(n) + ") reads past the " +
                      std::to_string(in.elements()) + " inputs or " + std::to_string(weights.elements()) + " weights");
    macs += 2 * n;
  }
  SignalFilterBankParams p;
  p.channels = channels;
  p.weights = {"Weights"}, p.unweights = {"Unweights"}, p.frequency_starts = {"FrequencyStarts"};
  p.weight_starts = {"WeightStarts"}, p.widths = {"Widths"};
  KernelCall k = make_call(op, kSignalFilterBank, p);
  k.macs = macs;
  add_input_arg(k, in);
  add_output_arg(k, out);
  for (ConstArray* a : {&w, &u, &s, &ws, &wd}) k.arrays.push_back(std::move(*a));
  return k;
}

}  // namespace

extern const OpDef kSignalFilterBankOp{.code = kCustomCode,
                                       .name = "SignalFilterBank",
                                       .read_options = read_filter_bank_options,
                                       .lower = lower_filter_bank,
                                       .kernels = {&kSignalFilterBank}};

}  // namespace microflow
