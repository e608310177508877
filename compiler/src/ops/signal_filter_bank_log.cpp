// SignalFilterBankLog (runtime kernels/signal_filter_bank.h): TFLM's Prepare rules; the
// log correction table of TFLM's signal/src/log.cc becomes a flash constant of the call.
#include "ops/custom_options.h"
#include "ops/signal_common.h"

namespace microflow {
namespace {

// log2(1 + f) − f over 128 segments of f in [0, 1), scale 2^16, plus a padding entry
// (TFLM's kLogLut).
const std::vector<int64_t> kLogLut = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944,
    3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791,
    4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578,
    5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498,
    5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697,
    4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286,
    3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353,
    1224, 1094, 963,  830,  695,  559,  421,  282,  142,  0,    0};

struct SignalFilterBankLogParams : ParamsBase {
  int64_t channels = 0, output_scale = 0, correction_bits = 0;
  MF_PARAMS(SignalFilterBankLogParams, channels, output_scale, correction_bits)
};
const KernelDef kSignalFilterBankLog{.function = "signal_filter_bank_log",
                                     .header = "microflow/kernels/signal_filter_bank.h",
                                     .in_place = InPlaceKind::Elementwise,
                                     .sample_params = sample_of<SignalFilterBankLogParams>};

struct FilterBankLogOptions : OpOptions {
  int32_t output_scale = 0, correction_bits = 0;
};

std::shared_ptr<const OpOptions> read_log_options(const tfl::Operator& op, const std::string& where) {
  const CustomOptions c(op, where);
  auto o = std::make_shared<FilterBankLogOptions>();
  o->correction_bits = c.int32("input_correction_bits");
  o->output_scale = c.int32("output_scale");
  return o;
}

KernelCall lower_log(const Graph& g, const Operator& op) {
  expect_arity(g, op, 1, 1);
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_signal_tensor(g, op, in, "input", DType::UInt32, 1);
  expect_output(g, op, out, DType::Int16, in.shape);
  const auto& o = op.opts<FilterBankLogOptions>();
  if (o.correction_bits < 0 || o.correction_bits > 31)
    fail(g, op, "input_correction_bits " + std::to_string(o.correction_bits) + " is outside [0, 31]");
  SignalFilterBankLogParams p;
  p.channels = in.elements();
  p.output_scale = static_cast<uint32_t>(o.output_scale);  // TFLM multiplies it as uint32
  p.correction_bits = o.correction_bits;
  KernelCall k = make_call(op, kSignalFilterBankLog, p);
  add_input_arg(k, in);
  add_array_arg(k, int_array("LogLut", DType::Int16, kLogLut));
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kSignalFilterBankLogOp{.code = kCustomCode,
                                          .name = "SignalFilterBankLog",
                                          .read_options = read_log_options,
                                          .lower = lower_log,
                                          .kernels = {&kSignalFilterBankLog}};

}  // namespace microflow
