// PAD, PADV2 (constant padding) and MIRROR_PAD (REFLECT / SYMMETRIC): the input goes into
// the interior of the output; the border is filled, or mirrored from the interior.
#include <cstring>

#include "ops/copy_boxes.h"
#include "ops/options.h"

namespace microflow {
namespace {

struct MirrorPadOptions : OpOptions {
  bool reflect = true;  // REFLECT excludes the edge element from the mirror, SYMMETRIC repeats it
};

std::shared_ptr<const OpOptions> read_mirror_pad_options(const tfl::Operator& op, const std::string& where) {
  const auto* o = options_as<tfl::MirrorPadOptions>(op, where);
  auto m = std::make_shared<MirrorPadOptions>();
  if (o->mode() != tfl::MirrorPadMode::REFLECT && o->mode() != tfl::MirrorPadMode::SYMMETRIC)
    throw CompileError(where + ": mirror pad mode " + std::to_string(static_cast<int>(o->mode())) +
                       " is neither REFLECT (0) nor SYMMETRIC (1)");
  m->reflect = o->mode() == tfl::MirrorPadMode::REFLECT;
  return m;
}

struct Paddings {
  std::vector<int64_t> before, after;
};

// The [rank, 2] paddings operand, checked against the input and output shapes.
Paddings read_paddings(const Graph& g, const Operator& op, const Tensor& in, const Tensor& out, bool int64_too) {
  const Tensor& t = op_input(g, op, 1, "paddings");
  const std::vector<int64_t> v = constant_ints(g, op, t, "paddings", int64_too);
  if (t.shape.size() != 2 || t.shape[0] != static_cast<int32_t>(in.shape.size()) || t.shape[1] != 2)
    fail(g, op, describe(g, t.id, "paddings") + ": shape " + t.shape_string() + ", expected [" +
                    std::to_string(in.shape.size()) + ", 2] for the input " + in.shape_string());
  if (out.shape.size() != in.shape.size())
    fail(g, op, describe(g, out.id, "output") + ": " + std::to_string(out.shape.size()) + " dimensions, the input has " +
                    std::to_string(in.shape.size()));
  Paddings p;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    p.before.push_back(v[2 * d]);
    p.after.push_back(v[2 * d + 1]);
    if (p.before[d] < 0 || p.after[d] < 0)
      fail(g, op, describe(g, t.id, "paddings") + ": negative padding " + std::to_string(std::min(p.before[d], p.after[d])) +
                      " on dimension " + std::to_string(d) + " is not supported");
    // Each padding is at most the output dimension (an int32) before the sum, which then fits.
    if (p.before[d] > out.shape[d] || p.after[d] > out.shape[d] ||
        out.shape[d] != in.shape[d] + p.before[d] + p.after[d])
      fail(g, op, describe(g, out.id, "output") + ": shape " + out.shape_string() + " is not the input " +
                      in.shape_string() + " padded by " + std::to_string(p.before[d]) + " + " +
                      std::to_string(p.after[d]) + " on dimension " + std::to_string(d));
  }
  return p;
}

// The output region with dimensions before d in the interior, d over [start, start + count)
// and the rest whole, as a box into `target` (source strides left to the caller).
CopyBox border_box(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& out_shape, const Paddings& p,
                   size_t d, int64_t start, int64_t count, int target) {
  const std::vector<int64_t> out_strides = row_major_strides(out_shape);
  CopyBox b;
  b.target = target;
  for (size_t k = 0; k < out_shape.size(); ++k) {
    const int64_t first = k < d ? p.before[k] : k == d ? start : 0;
    const int64_t n = k < d ? in_shape[k] : k == d ? count : out_shape[k];
    b.target_offset += first * out_strides[k];
    b.dims.push_back({n, 0, out_strides[k]});
  }
  return b;
}

// The interior: the input at (before[0], before[1], ...) of the output.
CopyBox interior_box(const Tensor& in, const Tensor& out, const Paddings& p) {
  const std::vector<int64_t> in_strides = row_major_strides(in.shape), out_strides = row_major_strides(out.shape);
  CopyBox b;
  b.source = 0;
  b.target = 1;
  for (size_t k = 0; k < in.shape.size(); ++k) {
    b.target_offset += p.before[k] * out_strides[k];
    b.dims.push_back({in.shape[k], in_strides[k], out_strides[k]});
  }
  return b;
}

KernelCall lower_pad(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = expect_data_type(g, op, {&in, &out}, {DType::Float32, DType::Int8, DType::Int16, DType::Int32});
  if (in.shape.size() > 5)
    fail(g, op, describe(g, in.id, "input") + ": " + std::to_string(in.shape.size()) +
                    " dimensions, TFLM pads at most 5");
  // TFLM reads the paddings as int32 whatever their type.
  const Paddings paddings = read_paddings(g, op, in, out, false);

  PadParams params;
  params.element_bytes = dtype_size(type);
  params.pad_before = paddings.before;
  params.pad_after = paddings.after;
  if (const Tensor* value = optional_input(g, op, 2)) {
    if (value->type != type)
      fail(g, op, describe(g, value->id, "constant value") + ": type " + value->type_name + ", expected " +
                      dtype_name(type));
    if (value->elements() != 1)
      fail(g, op, describe(g, value->id, "constant value") + ": " + std::to_string(value->elements()) +
                      " elements, expected a scalar");
    if (!value->is_constant)
      fail(g, op, describe(g, value->id, "constant value") + ": must be a constant (computed pad values are not supported)");
    if (type == DType::Int8 && (value->quant.zero_point() != out.quant.zero_point() ||
                                static_cast<double>(value->quant.scale()) != static_cast<double>(out.quant.scale())))
      fail(g, op, describe(g, value->id, "constant value") +
                      ": int8 PADV2 needs the output's scale and zero point for its constant (TFLM)");
    switch (type) {
      case DType::Int8: params.fill = value->data_as<int8_t>()[0]; break;
      case DType::Int16: params.fill = value->data_as<int16_t>()[0]; break;
      default: {  // int32, or float32 as its bit pattern
        int32_t bits = 0;
        std::memcpy(&bits, value->data.data(), 4);
        params.fill = bits;
      }
    }
  } else if (type == DType::Int8) {
    params.fill = out.quant.zero_point();  // real 0; other types pad with 0 (float 0.0f is all zero bits)
  }

  std::vector<CopyBox> boxes;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    if (paddings.before[d] > 0) boxes.push_back(border_box(in.shape, out.shape, paddings, d, 0, paddings.before[d], 1));
    if (paddings.after[d] > 0)
      boxes.push_back(border_box(in.shape, out.shape, paddings, d, paddings.before[d] + in.shape[d], paddings.after[d], 1));
  }
  boxes.push_back(interior_box(in, out, paddings));
  return copy_call(g, op, {&in}, {&out}, params, std::move(boxes));
}

// The interior first, then dimension by dimension from the innermost: the border of
// dimension d (earlier dimensions interior, later ones whole, already padded) mirrors
// the output's own interior along d, with a negative stride.
KernelCall lower_mirror_pad(const Graph& g, const Operator& op) {
  const Tensor& in = op_input(g, op, 0, "input");
  const Tensor& out = op_output(g, op);
  const DType type = expect_data_type(g, op, {&in, &out}, {DType::Float32, DType::Int8});
  if (in.shape.size() > static_cast<size_t>(kMaxBoxRank))
    fail(g, op, describe(g, in.id, "input") + ": at most " + std::to_string(kMaxBoxRank) + " dimensions are supported");
  const Paddings paddings = read_paddings(g, op, in, out, true);
  const bool reflect = op.opts<MirrorPadOptions>().reflect;
  const int64_t edge = reflect ? 1 : 0;  // REFLECT skips the edge element
  for (size_t d = 0; d < in.shape.size(); ++d)
    for (int64_t pad : {paddings.before[d], paddings.after[d]})
      if (pad > in.shape[d] - edge)
        fail(g, op, describe(g, op.inputs[1], "paddings") + ": padding " + std::to_string(pad) + " on dimension " +
                        std::to_string(d) + " exceeds " + (reflect ? "the size - 1 (" : "the size (") +
                        std::to_string(in.shape[d] - edge) + ") that " + (reflect ? "REFLECT" : "SYMMETRIC") +
                        " can mirror");

  CopyBoxesParams params;
  params.element_bytes = dtype_size(type);
  std::vector<CopyBox> boxes{interior_box(in, out, paddings)};
  const std::vector<int64_t> out_strides = row_major_strides(out.shape);
  for (size_t d = in.shape.size(); d-- > 0;) {
    const int64_t before = paddings.before[d], size = in.shape[d], after = paddings.after[d];
    // Output position i < before mirrors interior position 2 * before + edge - 1 - i;
    // before + size + j mirrors before + size - 1 - edge - j.
    for (const auto& [start, count, mirror_start] :
         {std::tuple{int64_t{0}, before, 2 * before + edge - 1}, std::tuple{before + size, after, before + size - 1 - edge}}) {
      if (count == 0) continue;
      CopyBox b = border_box(in.shape, out.shape, paddings, d, start, count, 1);
      b.source = 1;
      b.source_offset = b.target_offset + (mirror_start - start) * out_strides[d];
      for (size_t k = 0; k < b.dims.size(); ++k) b.dims[k].source_stride = k == d ? -out_strides[k] : out_strides[k];
      boxes.push_back(std::move(b));
    }
  }
  return copy_call(g, op, {&in}, {&out}, params, std::move(boxes));
}

}  // namespace

extern const OpDef kPadOp{.code = 34, .name = "PAD", .lower = lower_pad, .kernels = {&kCopyBoxes}};
extern const OpDef kPadV2Op{.code = 60, .name = "PADV2", .lower = lower_pad, .kernels = {&kCopyBoxes}};
extern const OpDef kMirrorPadOp{.code = 100,
                                .name = "MIRROR_PAD",
                                .read_options = read_mirror_pad_options,
                                .lower = lower_mirror_pad,
                                .kernels = {&kCopyBoxes}};

}  // namespace microflow
