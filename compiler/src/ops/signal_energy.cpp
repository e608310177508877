// SignalEnergy (runtime kernels/signal_energy.h): TFLM's EnergyPrepare rules.
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

struct SignalEnergyParams : ParamsBase {
  int64_t start = 0, end = 0;
  MF_PARAMS(SignalEnergyParams, start, end)
};
const KernelDef kSignalEnergyS16{.function = "signal_energy_s16",
                                 .header = "microflow/kernels/signal_energy.h",
                                 .sample_params = sample_of<SignalEnergyParams>};

struct EnergyOptions : OpOptions {
  int32_t start = 0, end = 0;
};

std::shared_ptr<const OpOptions> read_energy_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<EnergyOptions>();
  o->start = c.int32("start_index");
  o->end = c.int32("end_index");
  return o;
}

KernelCall lower_energy(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_signal_tensor(g, op, in, "input", DType::Int16, 1);
  expect_signal_tensor(g, op, out, "output", DType::UInt32, 1);
  const auto& o = op.opts<EnergyOptions>();
  const int64_t bins = std::min<int64_t>(in.elements() / 2, out.elements());
  if (o.start < 0 || o.start > o.end || o.end > bins)
    fail(g, op, "bins [" + std::to_string(o.start) + ", " + std::to_string(o.end) + ") are not within the " +
                    std::to_string(bins) + " complex bins of input and output");
  SignalEnergyParams p;
  p.start = o.start, p.end = o.end;
  KernelCall k = make_call(op, kSignalEnergyS16, p);
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalEnergyOp{.code = kCustomCode,
                                   .name = "SignalEnergy",
                                   .read_options = read_energy_options,
                                   .lower = lower_energy,
                                   .kernels = {&kSignalEnergyS16}};

}  // namespace microflow
