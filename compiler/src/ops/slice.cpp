// SLICE and STRIDED_SLICE: one box of the input, with the slice's start as offset and its
// steps as strides (negative for a backward STRIDED_SLICE).
#include <algorithm>

#include "ops/copy_boxes.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct StridedSliceOptions : OpOptions {
  int begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;
};

std::shared_ptr<const OpOptions> read_strided_slice_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::StridedSliceOptions>(op, where);
  auto s = std::make_shared<StridedSliceOptions>();
  s->begin_mask = o->begin_mask();
  s->end_mask = o->end_mask();
  s->ellipsis_mask = o->ellipsis_mask();
  s->new_axis_mask = o->new_axis_mask();
  s->shrink_axis_mask = o->shrink_axis_mask();
  s->offset = o->offset();
  return s;
}

// A 1-D constant index operand with one value per input dimension.
std::vector<int64_t> per_dimension(const Graph& g, const Operator& op, size_t input, const char* role, size_t rank,
                                   bool int64_too) {
  const Tensor& t = op_input(g, op, input, role);
  std::vector<int64_t> v = constant_ints(g, op, t, role, int64_too);
  if (t.shape.size() != 1 || v.size() != rank)
    fail(g, op, describe(g, t.id, role) + ": shape " + t.shape_string() + ", expected [" + std::to_string(rank) +
                    "] (one value per input dimension)");
  return v;
}

// One box: per input dimension the first element, the number taken and the step.
KernelCall slice_call(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out,
                      const std::vector<int64_t>& start, const std::vector<int64_t>& count,
                      const std::vector<int64_t>& step, std::initializer_list<DType> types) {
  const DType type = expect_data_type(g, op, {&in, &out}, types);
  const std::vector<int64_t> in_strides = row_major_strides(in.shape);
  CopyBox box;
  box.source = 0;
  box.target = 1;
  int64_t target_stride = 1;
  for (size_t d = in.shape.size(); d-- > 0;) {
    box.source_offset += start[d] * in_strides[d];
    box.dims.insert(box.dims.begin(), {count[d], step[d] * in_strides[d], target_stride});
    target_stride *= count[d];
  }
  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);
  return copy_call(g, op, {&in}, {&out}, params, {box});
}

KernelCall lower_slice(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const size_t rank = in.shape.size();
  const Tensor& begin_tensor = op_input(g, op, 1, "begin");
  const Tensor& size_tensor = op_input(g, op, 2, "size");
  if (begin_tensor.type != size_tensor.type)
    fail(g, op, describe(g, size_tensor.id, "size") + ": type " + size_tensor.type_name + " differs from begin's " +
                    begin_tensor.type_name);
  const std::vector<int64_t> begin = per_dimension(g, op, 1, "begin", rank, true);
  std::vector<int64_t> size = per_dimension(g, op, 2, "size", rank, true);
  int64_t elements = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (begin[d] < 0 || begin[d] > in.shape[d])
      fail(g, op, describe(g, begin_tensor.id, "begin") + ": " + std::to_string(begin[d]) + " on dimension " +
                      std::to_string(d) + " is outside [0, " + std::to_string(in.shape[d]) + "]");
    const int64_t rest = in.shape[d] - begin[d];
    if (size[d] == -1) size[d] = rest;
    if (size[d] < 0 || size[d] > rest)
      fail(g, op, describe(g, size_tensor.id, "size") + ": " + std::to_string(size[d]) + " on dimension " +
                      std::to_string(d) + " is outside [0, " + std::to_string(rest) + "] from begin " +
                      std::to_string(begin[d]));
    elements *= size[d];
  }
  // TFLM checks only the element count: the slice is written in order whatever the output shape.
  if (elements != out.elements())
    fail(g, op, describe(g, out.id, "output") + ": " + std::to_string(out.elements()) + " elements, the slice has " +
                    std::to_string(elements));
  return slice_call(g, op, in, out, begin, size, std::vector<int64_t>(rank, 1),
                    {DType::Float32, DType::Int8, DType::Int16, DType::Int32, DType::Bool});
}

// TFLM's StridedSlice (strided_slice_logic.h, StridedSliceStartForAxis / EndForAxis) with
// the index clamping of its reference kernel. TFLM builds its parameters with
// ellipsis_mask, new_axis_mask and offset all 0, so they do not take part here either; the
// output shape check (Prepare's CheckOutputSize) then rejects models that relied on them.
KernelCall lower_strided_slice(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const size_t rank = in.shape.size();
  if (rank > 5)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(rank) +
                    " dimensions, at most 5 are supported (TFLM's reference StridedSlice works in 5-D)");
  const auto& o = op.opts<StridedSliceOptions>();
  const std::vector<int64_t> begin = per_dimension(g, op, 1, "begin", rank, false);
  const std::vector<int64_t> end = per_dimension(g, op, 2, "end", rank, false);
  const std::vector<int64_t> strides = per_dimension(g, op, 3, "strides", rank, false);
  std::vector<int64_t> start(rank), count(rank);
  std::vector<int32_t> expected;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t size = in.shape[d], stride = strides[d];
    const bool shrink = (o.shrink_axis_mask >> d) & 1;
    if (stride == 0) fail(g, op, "stride on dimension " + std::to_string(d) + " is 0");
    auto clamp = [&](int64_t i) {
      if (i < 0) i += size;
      return stride > 0 ? std::clamp<int64_t>(i, 0, size) : std::clamp<int64_t>(i, -1, size - 1);
    };
    start[d] = (o.begin_mask >> d) & 1 ? (stride > 0 ? 0 : size - 1) : clamp(begin[d]);
    int64_t stop = (o.end_mask >> d) & 1 ? (stride > 0 ? size : -1) : clamp(end[d]);
    if (shrink) {
      // TFLM's kernel takes one element from start forward; from outside the dimension, or
      // with a negative stride, its loop takes none and leaves the output unwritten.
      if (start[d] < 0 || start[d] >= size || stride < 0)
        fail(g, op, "shrink_axis_mask on dimension " + std::to_string(d) + " with begin " + std::to_string(begin[d]) +
                        " and stride " + std::to_string(stride) +
                        " selects no element in TFLM (the begin must be inside the dimension, the stride positive)");
      stop = start[d] + 1;
    }
    const int64_t span = stride > 0 ? stop - start[d] : start[d] - stop, step = stride > 0 ? stride : -stride;
    count[d] = span > 0 ? (span + step - 1) / step : 0;
    if (!shrink) expected.push_back(static_cast<int32_t>(count[d]));
  }
  if (out.shape != expected) {
    std::string ignored;
    if (o.ellipsis_mask) ignored += " ellipsis_mask " + std::to_string(o.ellipsis_mask);
    if (o.new_axis_mask) ignored += " new_axis_mask " + std::to_string(o.new_axis_mask);
    if (o.offset) ignored += " offset";
    expect_shape(g, op, out, "output", expected,
                 ignored.empty() ? "begin, end, strides and masks"
                                 : "TFLM ignores" + ignored + ", so the model's shape does not fit");
  }
  return slice_call(g, op, in, out, start, count, strides,
                    {DType::Float32, DType::Int8, DType::Int16, DType::Int32, DType::Bool});
}

}  // namespace

extern const OpDef kSliceOp{.code = 65, .name = "SLICE", .lower = lower_slice, .kernels = {&kCopyBoxes}};
extern const OpDef kStridedSliceOp{.code = 45,
                                   .name = "STRIDED_SLICE",
                                   .read_options = read_strided_slice_options,
                                   .lower = lower_strided_slice,
                                   .kernels = {&kCopyBoxes}};

}  // namespace microflow
