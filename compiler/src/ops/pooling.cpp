// AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D.
#include "kernels/pooling.h"
#include "ops/lower_util.h"
#include "ops/options.h"
#include "ops/quantization.h"

namespace microflow {
namespace {

// TFLM's L2_POOL_2D has no quantized form (runtime kernels/l2_pool_2d.h).
constexpr KernelDef kL2Pool2DF32{.function = "l2_pool_2d_f32",
                                 .header = "microflow/kernels/l2_pool_2d.h",
                                 .sample_params = sample_of<Pool2DF32Params>};

enum class Pool { Average, Max, L2 };

template <typename P>
P quantized_pool_params(const PoolGeometryFields& geo, IntRange act) {
  P s;
  static_cast<PoolGeometryFields&>(s) = geo;
  s.act_min = act.min;
  s.act_max = act.max;
  return s;
}

template <Pool Kind>
KernelCall lower_pool_2d(const Graph& g, const Operator& op) {
  const Precision p = op_precision(g, op, {Precision::Int8, Precision::Int16, Precision::Float32});
  if (Kind == Pool::L2 && p != Precision::Float32)
    fail(g, op, describe(g, op.inputs[0], "input") + ": L2_POOL_2D is float32 only (TFLM has no quantized L2 pooling)");
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_activation(g, op, in, "input");
  expect_rank(g, op, in, "input", 4);
  expect_rank(g, op, out, "output", 4);
  const auto& o = op.opts<PoolOptions>();
  for (int v : {o.stride_h, o.stride_w, o.filter_h, o.filter_w})
    if (v < 1 || v > kMaxWindowParameter)
      fail(g, op, "filter size and strides must be in [1, " + std::to_string(kMaxWindowParameter) + "], got " + std::to_string(v));
  if (p != Precision::Float32 &&
      (std::abs(in.quant.scale() - out.quant.scale()) > 1e-6f || in.quant.zero_point() != out.quant.zero_point()))
    fail(g, op, describe(g, out.id, "output") + ": quantized pooling needs the same scale and zero point as the input");
  const PaddedSize ph = compute_padding(o.padding, in.shape[1], o.filter_h, o.stride_h, 1);
  const PaddedSize pw = compute_padding(o.padding, in.shape[2], o.filter_w, o.stride_w, 1);
  if (out.shape[0] != in.shape[0] || out.shape[1] != ph.output || out.shape[2] != pw.output ||
      out.shape[3] != in.shape[3])
    fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " does not match input " +
                    in.shape_string() + " with this window, stride and padding");

  PoolGeometryFields geo;
  geo.batches = in.shape[0];
  geo.input_height = in.shape[1];
  geo.input_width = in.shape[2];
  geo.depth = in.shape[3];
  geo.output_height = out.shape[1];
  geo.output_width = out.shape[2];
  geo.filter_height = o.filter_h;
  geo.filter_width = o.filter_w;
  geo.stride_height = o.stride_h;
  geo.stride_width = o.stride_w;
  geo.pad_top = ph.pad_before;
  geo.pad_left = pw.pad_before;
  KernelCall k;
  if (p == Precision::Int8) {
    k = make_call(op, Kind == Pool::Average ? kAveragePool2DS8 : kMaxPool2DS8,
                  quantized_pool_params<Pool2DS8Params>(geo, activation_quantized(o.activation, out)));
  } else if (p == Precision::Int16) {
    k = make_call(op, Kind == Pool::Average ? kAveragePool2DS16 : kMaxPool2DS16,
                  quantized_pool_params<Pool2DS16Params>(geo, activation_quantized(o.activation, out)));
  } else {
    Pool2DF32Params f;
    static_cast<PoolGeometryFields&>(f) = geo;
    const FloatRange r = activation_f32(o.activation);
    f.act_min = r.min;
    f.act_max = r.max;
    k = make_call(op, Kind == Pool::Average ? kAveragePool2DF32 : Kind == Pool::Max ? kMaxPool2DF32 : kL2Pool2DF32, f);
  }
  add_input_arg(k, in);
  add_output_arg(k, out);
  return k;
}

}  // namespace

extern const OpDef kAveragePool2DOp{.code = 1,
                                    .name = "AVERAGE_POOL_2D",
                                    .read_options = read_pool_options,
                                    .lower = lower_pool_2d<Pool::Average>,
                                    .kernels = {&kAveragePool2DS8, &kAveragePool2DF32, &kAveragePool2DS16}};

extern const OpDef kMaxPool2DOp{.code = 17,
                                .name = "MAX_POOL_2D",
                                .read_options = read_pool_options,
                                .lower = lower_pool_2d<Pool::Max>,
                                .kernels = {&kMaxPool2DS8, &kMaxPool2DF32, &kMaxPool2DS16}};

extern const OpDef kL2Pool2DOp{.code = 12,
                               .name = "L2_POOL_2D",
                               .read_options = read_pool_options,
                               .lower = lower_pool_2d<Pool::L2>,
                               .kernels = {&kL2Pool2DF32}};

}  // namespace microflow
