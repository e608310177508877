#include "ops/copy_boxes.h"

#include <algorithm>
#include <limits>

#include "microflow/kernels/copy_boxes.h"

namespace microflow {

static_assert(kFillSource == mf::kFillSource && kMaxBoxRank == mf::kMaxBoxRank);

std::vector<int64_t> row_major_strides(const std::vector<int32_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

int64_t shape_product(const std::vector<int32_t>& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= shape[i];
  return n;
}

void expect_shape(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                  const std::vector<int32_t>& expected, const std::string& how) {
  if (t.shape == expected) return;
  Tensor want;
  want.shape = expected;
  fail(g, op, describe(g, t.id, role) + ": shape " + t.shape_string() + ", expected " + want.shape_string() + " (" +
                  how + ")");
}

DType expect_data_type(const Graph& g, const Operator& op, const std::vector<const Tensor*>& tensors,
                       std::initializer_list<DType> supported) {
  const Tensor& first = *tensors.front();
  if (std::find(supported.begin(), supported.end(), first.type) == supported.end()) {
    std::string list;
    for (DType t : supported) list += std::string(list.empty() ? "" : ", ") + dtype_name(t);
    fail(g, op, describe(g, first.id, "input") + ": type " + first.type_name + " is not supported by " + op.name +
                    " (TFLM's kernel takes " + list + ")");
  }
  for (const Tensor* t : tensors)
    if (t->type != first.type)
      fail(g, op, describe(g, t->id, "data") + ": type " + t->type_name + " differs from the input's " + first.type_name);
  return first.type;
}

std::vector<int64_t> constant_ints(const Graph& g, const Operator& op, const Tensor& t, const char* role,
                                   bool int64_too) {
  if (!t.is_constant) fail(g, op, describe(g, t.id, role) + ": must be a constant (TFLM sizes the output from it)");
  std::vector<int64_t> v;
  if (t.type == DType::Int32) {
    const int32_t* p = t.data_as<int32_t>();
    v.assign(p, p + t.elements());
  } else if (t.type == DType::Int64 && int64_too) {
    const int64_t* p = t.data_as<int64_t>();
    v.assign(p, p + t.elements());
  } else {
    fail(g, op, describe(g, t.id, role) + ": type " + t.type_name + " is not supported (TFLM reads " +
                    (int64_too ? "int32 or int64" : "int32") + ")");
  }
  return v;
}

int normalize_axis(const Graph& g, const Operator& op, int64_t axis, size_t rank, const std::string& what) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    fail(g, op, what + " " + std::to_string(axis) + " is out of range for " + std::to_string(rank) + " dimensions");
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

CopyBox whole_box(int source, int target, const std::vector<int32_t>& shape, const std::vector<int64_t>& source_strides) {
  const std::vector<int64_t> target_strides = row_major_strides(shape);
  CopyBox b;
  b.source = source;
  b.target = target;
  for (size_t i = 0; i < shape.size(); ++i) b.dims.push_back({shape[i], source_strides[i], target_strides[i]});
  return b;
}

namespace {

std::vector<BoxDim> merged(const std::vector<BoxDim>& dims) {
  std::vector<BoxDim> out;  // innermost first while merging
  for (auto it = dims.rbegin(); it != dims.rend(); ++it) {
    if (it->count == 1) continue;
    if (!out.empty()) {
      BoxDim& inner = out.back();
      if (it->source_stride == inner.source_stride * inner.count &&
          it->target_stride == inner.target_stride * inner.count) {
        inner.count *= it->count;
        continue;
      }
    }
    out.push_back(*it);
  }
  if (out.empty()) out.push_back({1, 1, 1});
  std::reverse(out.begin(), out.end());
  return out;
}

int32_t word(const Graph& g, const Operator& op, int64_t v) {
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    fail(g, op, "an offset or stride of " + std::to_string(v) + " elements does not fit the kernel's int32 fields");
  return static_cast<int32_t>(v);
}

}  // namespace

void set_copy_boxes(const Graph& g, KernelCall& k, std::vector<CopyBox> boxes) {
  std::vector<int64_t> words;
  for (CopyBox& b : boxes) {
    b.dims = merged(b.dims);
    if (b.dims.size() > static_cast<size_t>(kMaxBoxRank))
      fail(g, *k.op, "the copy needs " + std::to_string(b.dims.size()) + " dimensions after merging, at most " +
                         std::to_string(kMaxBoxRank) + " are supported");
    for (int64_t v : {int64_t{b.source}, int64_t{b.target}, b.source_offset, b.target_offset,
                      static_cast<int64_t>(b.dims.size())})
      words.push_back(word(g, *k.op, v));
    for (const BoxDim& d : b.dims)
      for (int64_t v : {d.count, d.source_stride, d.target_stride}) words.push_back(word(g, *k.op, v));
  }
  auto& p = k.params.as<CopyBoxesParams>();
  p.box_count = static_cast<int64_t>(boxes.size());
  p.box_list = std::move(boxes);
  p.boxes = {"Boxes"};
  std::erase_if(k.arrays, [](const ConstArray& a) { return a.suffix == "Boxes"; });
  k.arrays.push_back(int_array("Boxes", DType::Int32, std::move(words)));
}

KernelCall copy_call(const Graph& g, const Operator& op, const std::vector<const Tensor*>& inputs,
                     const std::vector<const Tensor*>& outputs, Params params, std::vector<CopyBox> boxes) {
  // The runtime reads inputs from the arena; all-constant calls are left to constant folding.
  const auto constant = [](const Tensor* t) { return t->is_constant; };
  if (std::any_of(inputs.begin(), inputs.end(), constant) && !std::all_of(inputs.begin(), inputs.end(), constant)) {
    const Tensor* c = *std::find_if(inputs.begin(), inputs.end(), constant);
    fail(g, op, describe(g, c->id, "input") +
                    ": a constant beside computed inputs is not supported (constant inputs only when all are, for "
                    "constant folding)");
  }
  KernelCall k = make_call(op, kCopyBoxes, std::move(params));
  for (const Tensor* t : inputs) add_input_arg(k, *t);
  for (const Tensor* t : outputs) add_output_arg(k, *t);
  set_copy_boxes(g, k, std::move(boxes));
  return k;
}

void evaluate_copy_boxes(const KernelCall& call, const std::vector<uint8_t*>& tensors) {
  const auto& p = call.params.as<CopyBoxesParams>();
  const auto array = std::find_if(call.arrays.begin(), call.arrays.end(),
                                  [&](const ConstArray& a) { return a.suffix == p.boxes.suffix; });
  if (array == call.arrays.end()) throw CompileError("internal: copy call without its boxes array");
  const std::vector<int32_t> words(array->ints.begin(), array->ints.end());
  const mf::CopyBoxesParams runtime{static_cast<int32_t>(p.element_bytes), static_cast<int32_t>(p.box_count),
                                    words.data(), static_cast<int32_t>(p.fill)};
  std::vector<mf::TensorSlot> slots;
  size_t t = 0;
  for (const KernelArg& a : call.args) {
    if (a.kind != KernelArg::Input && a.kind != KernelArg::Output) continue;
    uint8_t* buffer = tensors.at(t++);
    slots.push_back({buffer, a.kind == KernelArg::Output ? buffer : nullptr});
  }
  mf::copy_boxes_slots(runtime, slots.data());
}

}  // namespace microflow
