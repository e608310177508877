// RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (runtime kernels/resize.h). TFLM computes
// per call, from shapes and options only, the source row / column of every output row /
// column and (bilinear) the interpolation weights; that arithmetic runs here, in TFLM's
// own types (float for nearest and float bilinear, Q10 int32 for int8 bilinear), and the
// results become the kernels' tables.
#include <algorithm>
#include <cmath>

#include "kernels/index.h"
#include "ops/index_util.h"
#include "tflite_subset_generated.h"

namespace microflow {
namespace {

struct ResizeOptions : OpOptions {
  bool align_corners = false, half_pixel_centers = false;
};

template <typename T>
std::shared_ptr<const OpOptions> read_resize_options(const tfl::Operator& op, const std::string&) {
  auto o = std::make_shared<ResizeOptions>();
  if (const auto* r = op.builtin_options_as<T>()) {
    o->align_corners = r->align_corners();
    o->half_pixel_centers = r->half_pixel_centers();
  }
  return o;
}

struct ResizeShape {
  int32_t batches = 0, input_height = 0, input_width = 0, depth = 0, output_height = 0, output_width = 0;
};

// TFLM's Prepare and Eval checks: NHWC input, a constant int32 size [2] equal to the
// output's height and width.
ResizeShape resize_shape(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& size = op_input(g, op, 1, "size");
  const Tensor& out = op_output(g, op);
  expect_rank(g, op, in, "input", 4);
  expect_rank(g, op, size, "size", 1);
  if (size.shape[0] != 2) fail(g, op, describe(g, size.id, "size") + ": must hold 2 values (height, width)");
  const std::vector<int64_t> hw = constant_ints(g, op, size, "size");
  if (hw[0] < 1 || hw[1] < 1)
    fail(g, op, describe(g, size.id, "size") + ": " + std::to_string(hw[0]) + "x" + std::to_string(hw[1]) +
                    " is not a positive size");
  ResizeShape s{in.shape[0], in.shape[1], in.shape[2], in.shape[3], static_cast<int32_t>(hw[0]),
                static_cast<int32_t>(hw[1])};
  expect_output(g, op, out, in.type, {s.batches, s.output_height, s.output_width, s.depth});
  if (s.input_height < 1 || s.input_width < 1)
    fail(g, op, describe(g, in.id, "input") + ": shape " + in.shape_string() + " has no pixels");
  return s;
}

// TFLM's GetNearestNeighbor, in float as there.
int32_t nearest_source(int32_t value, int32_t input_size, int32_t output_size, const ResizeOptions& o) {
  const float scale = o.align_corners && output_size > 1 ? (input_size - 1) / static_cast<float>(output_size - 1)
                                                         : input_size / static_cast<float>(output_size);
  const float offset = o.half_pixel_centers ? 0.5f : 0.0f;
  const float position = (value + offset) * scale;
  int32_t source = std::min(o.align_corners ? static_cast<int32_t>(std::round(position))
                                            : static_cast<int32_t>(std::floor(position)),
                            input_size - 1);
  if (o.half_pixel_centers) source = std::max(0, source);
  return source;
}

KernelCall lower_resize_nearest_neighbor(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, in, "input", {DType::Float32, DType::Int8, DType::Int16},
              "TFLM's RESIZE_NEAREST_NEIGHBOR takes float32, int8 and int16");
  const ResizeShape s = resize_shape(g, op);
  const auto& o = op.opts<ResizeOptions>();
  const int64_t pixel = int64_t{s.depth} * dtype_size(in.type);
  std::vector<int64_t> rows, columns;
  for (int32_t y = 0; y < s.output_height; ++y)
    rows.push_back(nearest_source(y, s.input_height, s.output_height, o) * s.input_width * pixel);
  for (int32_t x = 0; x < s.output_width; ++x)
    columns.push_back(nearest_source(x, s.input_width, s.output_width, o) * pixel);
  ResizeNearestNeighborParams p;
  p.batches = s.batches;
  p.output_height = s.output_height;
  p.output_width = s.output_width;
  p.pixel_bytes = pixel;
  p.input_batch_bytes = int64_t{s.input_height} * s.input_width * pixel;
  KernelCall k = make_call(op, kResizeNearestNeighbor, ResizeNearestNeighborParams{});
  p.input_in_flash = add_operand_arg(k, in, "Input");
  add_array_arg(k, int_array("Rows", DType::Int32, std::move(rows)));
  add_array_arg(k, int_array("Columns", DType::Int32, std::move(columns)));
  add_output_arg(k, out);
  k.params = p;
  return k;
}

// One output row's (or column's) two source rows and their weights.
struct Tap {
  int32_t lower = 0, upper = 0;
  int64_t weight_upper = 0;               // int8 path: Q10
  float float_lower = 0, float_upper = 0;  // float path
};

void check_tap(const Graph& g, const Operator& op, const Tap& t, int32_t input_size, const char* axis) {
  if (t.lower < 0 || t.lower >= input_size || t.upper < 0 || t.upper >= input_size)
    fail(g, op, std::string("source ") + axis + " " + std::to_string(t.lower) + ".." + std::to_string(t.upper) +
                    " falls outside the input's " + std::to_string(input_size) + " (TFLM would read outside it)");
}

// TFLM's float ComputeInterpolationValues and the weights 1 - (in - lower), in - lower.
Tap float_tap(int32_t value, int32_t input_size, int32_t output_size, const ResizeOptions& o) {
  float scale = static_cast<float>(input_size) / output_size;
  if (o.align_corners && output_size > 1) scale = static_cast<float>(input_size - 1) / (output_size - 1);
  const float v = static_cast<float>(value);
  const float scaled = o.half_pixel_centers ? (v + 0.5f) * scale - 0.5f : v * scale;
  Tap t;
  t.lower = std::max(static_cast<int32_t>(std::floor(scaled)), 0);
  t.upper = std::min(static_cast<int32_t>(std::ceil(scaled)), input_size - 1);
  const float fraction = scaled - static_cast<float>(t.lower);
  t.float_lower = 1 - fraction;
  t.float_upper = fraction;
  return t;
}

// TFLM's ComputeInterpolationValuesInteger (Q10 positions, C division toward zero).
Tap integer_tap(const Graph& g, const Operator& op, int32_t value, int32_t input_size, int32_t output_size,
                const ResizeOptions& o) {
  constexpr int64_t kOne = 1 << 10;
  int64_t scale = (kOne * input_size + output_size / 2) / output_size;
  if (o.align_corners && output_size > 1) scale = (kOne * (input_size - 1) + (output_size - 1) / 2) / (output_size - 1);
  const int64_t scaled = o.half_pixel_centers ? value * scale + scale / 2 - kOne / 2 : value * scale;
  if (kOne * input_size > INT32_MAX || scaled + kOne > INT32_MAX)
    fail(g, op, "positions overflow TFLM's int32 Q10 arithmetic (input size " + std::to_string(input_size) + ")");
  Tap t;
  t.lower = static_cast<int32_t>(std::max<int64_t>(scaled / kOne, 0));
  t.upper = static_cast<int32_t>(std::min<int64_t>((scaled + kOne - 1) / kOne, input_size - 1));
  t.weight_upper = scaled - kOne * t.lower;
  return t;
}

KernelCall lower_resize_bilinear(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  expect_type(g, op, in, "input", {DType::Float32, DType::Int8}, "TFLM's RESIZE_BILINEAR takes float32 and int8");
  const ResizeShape s = resize_shape(g, op);
  const auto& o = op.opts<ResizeOptions>();
  if (o.align_corners && o.half_pixel_centers)
    fail(g, op, "align_corners and half_pixel_centers together are rejected by TFLM");
  const bool is_int8 = in.type == DType::Int8;
  auto taps = [&](int32_t input_size, int32_t output_size, const char* axis) {
    std::vector<Tap> v;
    for (int32_t i = 0; i < output_size; ++i) {
      v.push_back(is_int8 ? integer_tap(g, op, i, input_size, output_size, o) : float_tap(i, input_size, output_size, o));
      check_tap(g, op, v.back(), input_size, axis);
    }
    return v;
  };
  const std::vector<Tap> ys = taps(s.input_height, s.output_height, "row");
  const std::vector<Tap> xs = taps(s.input_width, s.output_width, "column");
  const int64_t row_elements = int64_t{s.input_width} * s.depth;

  ResizeBilinearParams p;
  p.batches = s.batches;
  p.output_height = s.output_height;
  p.output_width = s.output_width;
  p.depth = s.depth;
  p.input_batch_elements = int64_t{s.input_height} * row_elements;
  KernelCall k = make_call(op, is_int8 ? kResizeBilinearS8 : kResizeBilinearF32, ResizeBilinearParams{});
  p.input_in_flash = add_operand_arg(k, in, "Input");
  if (is_int8) {
    // The kernel sums the four products in int32: bound them by the largest weights.
    auto weight_sum = [](const std::vector<Tap>& taps) {
      int64_t m = 0;
      for (const Tap& t : taps) m = std::max(m, std::abs(t.weight_upper) + std::abs(1024 - t.weight_upper));
      return m;
    };
    if (128 * weight_sum(ys) * weight_sum(xs) + (1 << 19) > INT32_MAX)
      fail(g, op, "interpolation weights too large for the int32 sum of the int8 kernel");
    std::vector<int64_t> rows, columns;
    for (const Tap& t : ys) rows.insert(rows.end(), {t.lower * row_elements, t.upper * row_elements, t.weight_upper});
    for (const Tap& t : xs) columns.insert(columns.end(), {int64_t{t.lower} * s.depth, int64_t{t.upper} * s.depth, t.weight_upper});
    add_array_arg(k, int_array("Rows", DType::Int32, std::move(rows)));
    add_array_arg(k, int_array("Columns", DType::Int32, std::move(columns)));
  } else {
    auto tables = [&](const std::vector<Tap>& taps, int64_t stride, const std::string& name) {
      std::vector<int64_t> offsets;
      ConstArray weights;
      weights.suffix = name + "Weights";
      weights.type = DType::Float32;
      for (const Tap& t : taps) {
        offsets.insert(offsets.end(), {t.lower * stride, t.upper * stride});
        weights.floats.insert(weights.floats.end(), {t.float_lower, t.float_upper});
      }
      add_array_arg(k, int_array(name + "s", DType::Int32, std::move(offsets)));
      add_array_arg(k, std::move(weights));
    };
    tables(ys, row_elements, "Row");
    tables(xs, s.depth, "Column");
  }
  add_output_arg(k, out);
  k.params = p;
  return k;
}

}  // namespace

extern const OpDef kResizeNearestNeighborOp{.code = 97,
                                            .name = "RESIZE_NEAREST_NEIGHBOR",
                                            .read_options = read_resize_options<tfl::ResizeNearestNeighborOptions>,
                                            .lower = lower_resize_nearest_neighbor,
                                            .kernels = {&kResizeNearestNeighbor}};

extern const OpDef kResizeBilinearOp{.code = 23,
                                     .name = "RESIZE_BILINEAR",
                                     .read_options = read_resize_options<tfl::ResizeBilinearOptions>,
                                     .lower = lower_resize_bilinear,
                                     .kernels = {&kResizeBilinearS8, &kResizeBilinearF32}};

}  // namespace microflow
