#include "passes/weight_pages.h"

#include <algorithm>
#include <cstring>

#include "diagnostics.h"
#include "passes/activation_fold.h"

namespace microflow {
namespace {

int64_t align4(int64_t n) { return (n + 3) & ~int64_t{3}; }

bool is_weights(const ConstArray& a) { return a.suffix == "Filter" || a.suffix == "Weights"; }

// Output channels per record unit (4: packed convolution filter blocks, dot_s8.h); 0 when
// the call does not split by output channel.
int channel_group_unit(const KernelCall& k) {
  if (k.is_alias || k.arrays.empty() || !k.kernel || !k.kernel->channel_split) return 0;
  return k.kernel->channel_split->unit(k.params);
}

void append_le(std::vector<uint8_t>& out, int64_t v, int64_t bytes) {
  const auto u = static_cast<uint64_t>(v);
  for (int64_t i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

void append_array(std::vector<uint8_t>& out, const ConstArray& a) {
  if (a.type == DType::Float32) {
    for (float f : a.floats) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      append_le(out, bits, 4);
    }
    return;
  }
  for (int64_t v : a.ints) append_le(out, v, dtype_size(a.type));
}

struct Layout {
  const ConstArray* weights = nullptr;
  std::vector<const ConstArray*> per_channel;
  std::vector<const ConstArray*> shared;  // read whole by every group: a folded activation's table
  int64_t channels = 0;
  int64_t unit = 1;             // channels per weight slice unit
  int64_t unit_bytes = 0;       // weight bytes per unit

  int64_t weight_bytes(int64_t n) const { return (n + unit - 1) / unit * unit_bytes; }
  PageGroup group(int64_t n) const {
    PageGroup g;
    g.channels = n;
    g.offsets.push_back({weights->suffix, 0});
    int64_t at = align4(weight_bytes(n));
    for (const ConstArray* a : per_channel) {
      g.offsets.push_back({a->suffix, at});
      at += n * dtype_size(a->type);
    }
    for (const ConstArray* a : shared) {
      at = align4(at);
      g.offsets.push_back({a->suffix, at});
      at += a->bytes();
    }
    g.record_bytes = align4(at);
    return g;
  }
  // The record of channels [c0, c0 + n).
  void write(std::vector<uint8_t>& image, int64_t c0, int64_t n) const {
    const size_t start = image.size();
    const int64_t size = dtype_size(weights->type);
    const int64_t first = c0 / unit * unit_bytes / size, count = weight_bytes(n) / size;
    for (int64_t i = 0; i < count; ++i) append_le(image, weights->ints[static_cast<size_t>(first + i)], size);
    while ((image.size() - start) % 4) image.push_back(0);
    for (const ConstArray* a : per_channel)
      for (int64_t c = c0; c < c0 + n; ++c) append_le(image, a->ints[static_cast<size_t>(c)], dtype_size(a->type));
    for (const ConstArray* a : shared) {
      while ((image.size() - start) % 4) image.push_back(0);
      append_array(image, *a);
    }
    while ((image.size() - start) % 4) image.push_back(0);
  }
};


// Any other call: all its arrays in one record, each 4-byte aligned.
PageGroup whole_record(const KernelCall& k) {
  PageGroup g;
  int64_t at = 0;
  for (const ConstArray& a : k.arrays) {
    g.offsets.push_back({a.suffix, at});
    at = align4(at + a.bytes());
  }
  g.record_bytes = at;
  return g;
}

Layout layout_of(const KernelCall& k) {
  Layout l;
  l.channels = k.kernel->channel_split->channels(k.params);
  for (const ConstArray& a : k.arrays) {
    if (is_weights(a)) l.weights = &a;
    else if (a.suffix == kOutputTableSuffix) l.shared.push_back(&a);
    else l.per_channel.push_back(&a);
  }
  l.unit = channel_group_unit(k);
  l.unit_bytes = l.weights->bytes() / ((l.channels + l.unit - 1) / l.unit);
  return l;
}

}  // namespace

int64_t PageGroup::offset_of(const std::string& suffix) const {
  for (const auto& [name, offset] : offsets)
    if (name == suffix) return offset;
  throw CompileError("internal: no paged array " + suffix);
}

bool is_pageable(const KernelCall& k) { return channel_group_unit(k) > 0; }

namespace {
// A paged params struct points into the int32 page (emit_paged_params): a call whose params
// point at another array (the Signal FFT's int16 / float twiddles) keeps its constants in
// internal flash.
bool params_point_at_int32_only(const KernelCall& k) {
  for (const ParamField& f : k.params.fields())
    if (f.value[0] == '@')
      for (const ConstArray& a : k.arrays)
        if (a.suffix == f.value.substr(1) && a.type != DType::Int32) return false;
  return true;
}
}  // namespace

WeightPages plan_weight_pages(const std::vector<KernelCall>& calls, int64_t page_bytes, const std::string& source) {
  if (page_bytes < 4 || page_bytes % 4 != 0)
    fail(source, "--page-bytes " + std::to_string(page_bytes) + ": the page must be a positive multiple of 4 bytes");
  WeightPages w;
  w.page_bytes = page_bytes;
  for (const KernelCall& k : calls) {
    PagedCall pc;
    if (!k.is_alias && !k.arrays.empty() && !is_pageable(k) && params_point_at_int32_only(k)) {
      // Read whole when it fits the page (no output-channel split for these kernels).
      const PageGroup whole = whole_record(k);
      if (whole.record_bytes <= page_bytes) {
        pc.paged = true;
        pc.image_offset = static_cast<int64_t>(w.image.size());
        pc.full_groups = 1;
        pc.full = whole;
        for (const ConstArray& a : k.arrays) {
          append_array(w.image, a);
          while (w.image.size() % 4) w.image.push_back(0);
        }
        w.calls.push_back(pc);
        continue;
      }
    }
    if (!is_pageable(k)) {
      w.internal_constant_bytes += k.constant_bytes();
      w.calls.push_back(pc);
      continue;
    }
    const Layout l = layout_of(k);
    // The most channels per group that fit: multiples of four (whole packed blocks, and the
    // kernels' four-channel paths) when four fit, else (FC, general conv) fewer.
    int64_t n = std::min<int64_t>(l.channels, std::max<int64_t>(l.unit, 4));
    if (l.group(n).record_bytes > page_bytes) n = l.unit;
    while (n > l.unit && l.group(n).record_bytes > page_bytes) --n;
    if (l.group(n).record_bytes > page_bytes)
      fail(source, "op " + std::to_string(k.op->index) + " (" + k.op_names() + "): one group of " + std::to_string(n) +
                       " output channel(s) needs " + std::to_string(l.group(n).record_bytes) +
                       " B of weights and per-channel constants, more than the " + std::to_string(page_bytes) +
                       " B page (raise --page-bytes)");
    const int64_t step = n >= 4 ? 4 : 1;
    while (n + step <= l.channels && l.group(n + step).record_bytes <= page_bytes) n += step;
    if (l.channels - n < step && l.group(l.channels).record_bytes <= page_bytes) n = l.channels;
    pc.paged = true;
    pc.image_offset = static_cast<int64_t>(w.image.size());
    pc.layer_channels = l.channels;
    pc.full_groups = l.channels / n;
    pc.full = l.group(n);
    if (const int64_t rest = l.channels % n) pc.last = l.group(rest);
    for (int64_t g = 0; g < pc.full_groups; ++g) l.write(w.image, g * n, n);
    if (pc.last.channels) l.write(w.image, pc.full_groups * n, pc.last.channels);
    w.calls.push_back(pc);
  }
  return w;
}

}  // namespace microflow
