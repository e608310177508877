#include "planner/planner.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>

#include "diagnostics.h"
#include "kernels/window.h"

namespace microflow {
namespace {

int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

bool lifetimes_overlap(const Buffer& a, const Buffer& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

// Union-find over tensor ids for storage aliases.
struct Aliases {
  std::vector<int> parent;
  explicit Aliases(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int root(int t) { return parent[static_cast<size_t>(t)] == t ? t : parent[static_cast<size_t>(t)] = root(parent[static_cast<size_t>(t)]); }
  void join(int a, int b) { parent[static_cast<size_t>(root(a))] = root(b); }
};

// Element-wise kernels that read element i before writing element i (and
// write no more bytes than they read up to i) may write over their input.
std::vector<size_t> in_place_inputs(const Graph& g, const KernelCall& k) {
  if (!k.emits_code() || !k.fused.empty() || k.op->outputs.empty()) return {};
  std::vector<size_t> candidates;
  if (!k.kernel || k.kernel->in_place != InPlaceKind::Elementwise) return candidates;
  // The call's output, not op's: an activation folded into the call writes the activation's.
  const Tensor& out = g.tensor(k.output_tensor());
  for (size_t i = 0; i < k.op->inputs.size(); ++i) {
    if (k.op->inputs[i] < 0) continue;
    const Tensor& in = g.tensor(k.op->inputs[i]);
    if (in.is_constant || in.is_variable || in.shape != out.shape) continue;
    if (dtype_size(out.type) <= dtype_size(in.type)) candidates.push_back(i);
  }
  return candidates;
}

// The gap of a row-window call (aligned), -1 when it cannot run in place: more than one
// batch, fused, or the input not in the arena (a streamed first call has another kernel).
// Row-window kernels produce output rows in increasing order and read for row y only input
// rows from y * stride - pad_top on (depthwise: in its by-rows form, which
// use_in_place_kernels substitutes; pooling.h: always).
int64_t call_gap(const KernelCall& k, int64_t alignment) {
  if (!k.emits_code() || !k.fused.empty() || !k.stages.empty() || !k.kernel ||
      k.kernel->in_place != InPlaceKind::RowWindow)
    return -1;
  const RowWindow w = k.params.as<WindowedParams>().window();
  if (w.batches != 1) return -1;
  const int64_t gap = row_window_gap(w.input_height, w.input_row_bytes(), w.output_height, w.output_row_bytes(),
                                     w.stride, w.pad_top);
  return align_up(gap, alignment);
}

struct Lifetime {
  int first = 0, last = 0;
  bool touched = false;
  void extend(int step) {
    first = touched ? std::min(first, step) : step;
    last = touched ? std::max(last, step) : step;
    touched = true;
  }
};

// `refused`: op indices whose row-window pair is not to be taken.
std::vector<Buffer> collect_buffers(const Graph& g, const std::vector<KernelCall>& calls, MemoryPlan& plan,
                                    const StreamingInput& streaming, const std::set<int>& refused) {
  Aliases aliases(g.tensors.size());
  // Offset of each tensor from its group's origin (aliases: 0; views: their block's
  // offset; in-place outputs: the input's - gap).
  std::vector<int64_t> shift(g.tensors.size(), 0);
  // Stores `part`'s group inside `whole`'s, `offset` bytes after `whole`.
  auto place_inside = [&](int part, int whole, int64_t offset) {
    const int from = aliases.root(part);
    const int64_t move = shift[static_cast<size_t>(whole)] + offset - shift[static_cast<size_t>(part)];
    for (const Tensor& t : g.tensors)
      if (aliases.root(t.id) == from) shift[static_cast<size_t>(t.id)] += move;
    aliases.join(part, whole);
  };
  for (const KernelCall& k : calls) {
    if (k.is_alias) {
      const Tensor& in = g.tensor(k.args[0].tensor);
      if (in.is_constant) fail(g, *k.op, describe(g, in.id, "input") + ": RESHAPE of a constant is not supported");
      if (in.is_variable) fail(g, *k.op, describe(g, in.id, "input") + ": RESHAPE of a variable tensor is not supported");
      place_inside(k.args[1].tensor, k.args[0].tensor, 0);
    }
    if (k.views)
      for (const Block& b : k.blocks) place_inside(b.part, b.whole, b.offset);
  }

  // Lifetimes per alias group: the step that writes it to the last that reads it.
  const int end = static_cast<int>(calls.size());
  std::vector<Lifetime> life(g.tensors.size());
  auto touch = [&](int t, int step) {
    if (!g.tensor(t).is_constant && !g.tensor(t).is_variable) life[static_cast<size_t>(aliases.root(t))].extend(step);
  };
  if (!streaming.enabled)
    for (int t : g.inputs) touch(t, 0);
  for (int step = 0; step < end; ++step)
    for (const KernelArg& a : calls[static_cast<size_t>(step)].args)
      if (a.kind == KernelArg::Input || a.kind == KernelArg::Output) touch(a.tensor, step);
  for (int t : g.outputs) touch(t, end);
  // The row state carries over from one input to the next. (The ring may be reused once
  // the last row is in: the outputs are documented to last until the next row is written.)
  if (streaming.enabled) touch(streaming.state, end);

  // In place: the output's group joins the input's when the input dies here and the
  // output is first written here.
  auto join = [&](const KernelCall& k, int step, int input, int64_t gap) {
    const int in = aliases.root(input), out = aliases.root(k.output_tensor());
    Lifetime& li = life[static_cast<size_t>(in)];
    const Lifetime lo = life[static_cast<size_t>(out)];
    if (in == out || !li.touched || !lo.touched || li.last != step || lo.first != step) return false;
    const int64_t move = shift[static_cast<size_t>(input)] - gap - shift[static_cast<size_t>(k.output_tensor())];
    for (const Tensor& t : g.tensors)
      if (aliases.root(t.id) == out) shift[static_cast<size_t>(t.id)] += move;
    aliases.join(out, in);
    li.last = lo.last;
    return true;
  };
  for (int step = 0; step < end; ++step) {
    const KernelCall& k = calls[static_cast<size_t>(step)];
    bool done = false;
    for (size_t i : in_place_inputs(g, k)) {
      if (!join(k, step, k.op->inputs[i], 0)) continue;
      const Tensor &in = g.tensor(k.op->inputs[i]), &out = g.tensor(k.output_tensor());
      plan.in_place.push_back({k.op->index, in.id, out.id, false, 0, in.bytes() + out.bytes() - std::max(in.bytes(), out.bytes())});
      done = true;
      break;
    }
    if (done || refused.count(k.op->index)) continue;
    const int64_t gap = call_gap(k, plan.alignment);
    if (gap < 0) continue;
    const int input = k.input_tensor();
    const Tensor &in = g.tensor(input), &out = g.tensor(k.output_tensor());
    const int64_t saved = in.bytes() + out.bytes() - std::max(gap + in.bytes(), out.bytes());
    if (saved > 0 && join(k, step, input, gap)) plan.in_place.push_back({k.op->index, in.id, out.id, true, gap, saved});
  }

  std::vector<int> root_buffer(g.tensors.size(), -1);
  std::vector<int64_t> origin(g.tensors.size(), 0);  // per root: the smallest member shift
  for (const Tensor& t : g.tensors)
    if (!t.is_constant && !t.is_variable) {
      const size_t r = static_cast<size_t>(aliases.root(t.id));
      origin[r] = std::min(origin[r], shift[static_cast<size_t>(t.id)]);
    }
  std::vector<Buffer> buffers;
  for (const Tensor& t : g.tensors) {
    if (t.is_constant || t.is_variable) continue;
    const int r = aliases.root(t.id);
    const Lifetime& l = life[static_cast<size_t>(r)];
    if (!l.touched) continue;
    int& b = root_buffer[static_cast<size_t>(r)];
    if (b < 0) {
      b = static_cast<int>(buffers.size());
      buffers.push_back(Buffer{{}, 0, l.first, l.last, -1});
    }
    const int64_t at = shift[static_cast<size_t>(t.id)] - origin[static_cast<size_t>(r)];
    plan.buffer_of[static_cast<size_t>(t.id)] = b;
    plan.offset_in_buffer[static_cast<size_t>(t.id)] = at;
    buffers[static_cast<size_t>(b)].tensors.push_back(t.id);
    buffers[static_cast<size_t>(b)].size = std::max(buffers[static_cast<size_t>(b)].size, at + t.bytes());
  }
  return buffers;
}

// Places buffers in the given order, each at the lowest aligned offset that
// does not overlap a placed buffer whose lifetime overlaps its own.
int64_t place(std::vector<Buffer>& buffers, const std::vector<size_t>& order, int64_t alignment) {
  std::vector<size_t> placed;
  int64_t arena = 0;
  for (size_t i : order) {
    Buffer& b = buffers[i];
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed)
      if (lifetimes_overlap(b, buffers[j])) busy.emplace_back(buffers[j].offset, buffers[j].offset + buffers[j].size);
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [lo, hi] : busy) {
      if (offset + b.size <= lo) break;
      offset = std::max(offset, align_up(hi, alignment));
    }
    b.offset = offset;
    arena = std::max(arena, offset + b.size);
    placed.push_back(i);
  }
  return arena;
}

}  // namespace

std::vector<int64_t> live_bytes_per_step(const MemoryPlan& plan, size_t steps) {
  std::vector<int64_t> live(steps + 1, 0);
  for (const Buffer& b : plan.buffers)
    for (int s = b.first_step; s <= b.last_step && s <= static_cast<int>(steps); ++s)
      live[static_cast<size_t>(s)] += b.size;
  return live;
}

namespace {

// The state region: every variable tensor at its own aligned offset, for the model's whole
// life, then the run-once flag when there are run-once operators.
void place_state(const Graph& g, const std::vector<KernelCall>& calls, MemoryPlan& plan) {
  plan.state_offset.assign(g.tensors.size(), -1);
  int64_t end = 0;
  for (const Tensor& t : g.tensors) {
    if (!t.is_variable) continue;
    plan.state_offset[static_cast<size_t>(t.id)] = end;
    end = align_up(end + t.bytes(), plan.alignment);
  }
  if (std::any_of(calls.begin(), calls.end(), [](const KernelCall& k) { return k.op->once; })) {
    plan.once_flag_offset = end;
    end = align_up(end + 1, plan.alignment);
  }
  plan.state_bytes = end;
}

MemoryPlan plan_with(const Graph& g, const std::vector<KernelCall>& calls, int64_t alignment,
                     const StreamingInput& streaming, const std::set<int>& refused) {
  MemoryPlan plan;
  plan.alignment = alignment;
  plan.buffer_of.assign(g.tensors.size(), -1);
  plan.offset_in_buffer.assign(g.tensors.size(), 0);
  plan.buffers = collect_buffers(g, calls, plan, streaming, refused);
  const auto live = live_bytes_per_step(plan, calls.size());
  plan.lower_bound = live.empty() ? 0 : *std::max_element(live.begin(), live.end());

  using Less = std::function<bool(const Buffer&, const Buffer&)>;
  const std::vector<std::pair<std::string, Less>> strategies = {
      {"largest first", [](const Buffer& a, const Buffer& b) { return a.size > b.size; }},
      {"longest-lived first",
       [](const Buffer& a, const Buffer& b) {
         return std::pair(a.last_step - a.first_step, a.size) > std::pair(b.last_step - b.first_step, b.size);
       }},
      {"largest area first",
       [](const Buffer& a, const Buffer& b) {
         return a.size * (a.last_step - a.first_step + 1) > b.size * (b.last_step - b.first_step + 1);
       }},
      {"execution order", [](const Buffer& a, const Buffer& b) { return a.first_step < b.first_step; }},
  };
  int64_t best = -1;
  std::vector<Buffer> best_buffers;
  for (const auto& strategy : strategies) {
    // Not a structured binding: clang < 16 cannot capture one in the lambda below.
    const std::string& name = strategy.first;
    const Less& less = strategy.second;
    std::vector<size_t> order(plan.buffers.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return less(plan.buffers[a], plan.buffers[b]); });
    std::vector<Buffer> trial = plan.buffers;
    int64_t arena = place(trial, order, alignment);
    if (best < 0 || arena < best) {
      best = arena;
      best_buffers = std::move(trial);
      plan.strategy = name;
    }
  }
  plan.buffers = std::move(best_buffers);
  plan.arena_bytes = best;
  place_state(g, calls, plan);
  return plan;
}

}  // namespace

int64_t row_window_gap(int64_t input_height, int64_t input_row_bytes, int64_t output_height,
                       int64_t output_row_bytes, int64_t stride, int64_t pad_top) {
  int64_t gap = 0;
  for (int64_t y = 0; y < output_height; ++y) {
    const int64_t first = std::clamp<int64_t>(y * stride - pad_top, 0, input_height);
    gap = std::max(gap, (y + 1) * output_row_bytes - first * input_row_bytes);
  }
  return gap;
}

MemoryPlan plan_memory(const Graph& g, const std::vector<KernelCall>& calls, int64_t alignment,
                       const StreamingInput& streaming) {
  // 8-byte elements (int64 / uint64 tensors, e.g. the Signal filter bank's sums) need 8-byte
  // offsets: a uint64 store to a 4-aligned address is undefined behaviour (UBSan) and
  // Cortex-M's STRD faults on it. (The default 4 covers the other types; tests plan with 1
  // to see the placement alone.)
  for (const Tensor& t : g.tensors)
    if (!t.is_constant && dtype_size(t.type) == 8) alignment = std::max<int64_t>(alignment, 8);
  // Every legal row-window pair, then each dropped again when the arena does not grow
  // without it (ties keep the whole-image kernel and the plan without the pair); the
  // plan without any pair wins ties too, so the arena never exceeds it (placement is a
  // heuristic: dropping pairs one at a time need not reach it).
  std::set<int> refused;
  MemoryPlan plan = plan_with(g, calls, alignment, streaming, refused);
  std::vector<int> taken;
  for (const InPlace& p : plan.in_place)
    if (p.row_window) taken.push_back(p.op_index);
  plan.arena_without_row_windows = plan.arena_bytes;
  if (taken.empty()) return plan;
  for (int op : taken) {
    refused.insert(op);
    MemoryPlan trial = plan_with(g, calls, alignment, streaming, refused);
    if (trial.arena_bytes <= plan.arena_bytes) plan = std::move(trial);
    else refused.erase(op);
  }
  MemoryPlan none = plan_with(g, calls, alignment, streaming, std::set<int>(taken.begin(), taken.end()));
  const int64_t without = none.arena_bytes;
  if (without <= plan.arena_bytes) plan = std::move(none);
  plan.arena_without_row_windows = without;
  return plan;
}

void use_in_place_kernels(std::vector<KernelCall>& calls, const MemoryPlan& plan) {
  for (const InPlace& p : plan.in_place)
    for (KernelCall& k : calls)
      if (p.row_window && k.op->index == p.op_index && k.kernel && k.kernel->in_place_form)
        k.kernel = k.kernel->in_place_form;
}

}  // namespace microflow
