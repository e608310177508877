// Invariants of a memory plan, recomputed independently of the planner:
// shared by the planner tests and the reference-model tests.
#pragma once

#include <algorithm>
#include <set>
#include <functional>
#include <numeric>

#include "test_util.h"

namespace mftest {

using microflow::KernelArg;
using microflow::MemoryPlan;

struct Lifetime {
  int first = INT32_MAX, last = -1;
  int64_t bytes = 0, offset = 0;  // the group's extent in the arena
  std::vector<int> tensors;
};

inline int64_t row_window_param(const microflow::KernelCall& k, const std::string& name) {
  for (const auto& f : k.params.fields())
    if (f.name == name) return std::stoll(f.value);
  ADD_FAILURE() << k.function() << " has no parameter " << name;
  return 0;
}

// Storage groups (RESHAPE aliases joined) and their lifetimes, from the
// kernel calls alone.
inline std::vector<Lifetime> independent_lifetimes(const Compiled& c, std::vector<int>& group_of) {
  const auto& g = c.graph;
  std::vector<int> parent(g.tensors.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> root = [&](int t) { return parent[static_cast<size_t>(t)] == t ? t : root(parent[static_cast<size_t>(t)]); };
  for (const auto& k : c.calls) {
    if (k.is_alias) parent[static_cast<size_t>(root(k.args[1].tensor))] = root(k.args[0].tensor);
    if (k.views)  // zero-copy parts are stored inside their whole
      for (const auto& b : k.blocks)
        if (root(b.part) != root(b.whole)) parent[static_cast<size_t>(root(b.part))] = root(b.whole);
  }

  std::vector<Lifetime> groups;
  std::vector<int> group_of_root(g.tensors.size(), -1);
  group_of.assign(g.tensors.size(), -1);
  auto use = [&](int t, int step) {
    if (g.tensor(t).is_constant || g.tensor(t).is_variable) return;  // flash / the state region
    int& gi = group_of_root[static_cast<size_t>(root(t))];
    if (gi < 0) {
      gi = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    Lifetime& l = groups[static_cast<size_t>(gi)];
    if (group_of[static_cast<size_t>(t)] < 0) {
      group_of[static_cast<size_t>(t)] = gi;
      l.tensors.push_back(t);
      l.bytes = std::max(l.bytes, g.tensor(t).bytes());
    }
    l.first = std::min(l.first, step);
    l.last = std::max(l.last, step);
  };
  const int end = static_cast<int>(c.calls.size());
  for (int t : g.inputs) use(t, 0);
  for (int s = 0; s < end; ++s)
    for (const KernelArg& a : c.calls[static_cast<size_t>(s)].args)
      if (a.kind == KernelArg::Input || a.kind == KernelArg::Output) use(a.tensor, s);
  for (int t : g.outputs) use(t, end);

  // An element-wise op may write its output over an input that dies at that
  // step (at the input's offset); a row-window op (int8 depthwise / pooling, one
  // batch) too, its output starting at least the rows its windows still need before
  // the input. Then the two groups are one buffer. Check each such decision.
  for (const auto& ip : c.plan.in_place) {
    int step = -1;
    for (int s = 0; s < end; ++s)
      if (c.calls[static_cast<size_t>(s)].op->index == ip.op_index) step = s;
    EXPECT_GE(step, 0) << "in-place op " << ip.op_index << " is not in the execution order";
    if (step < 0) continue;
    const auto& k = c.calls[static_cast<size_t>(step)];
    const auto& op = *k.op;
    if (ip.row_window) {
      EXPECT_TRUE(k.function() == "depthwise_conv_2d_by_rows_s8" || k.function() == "average_pool_2d_s8" ||
                  k.function() == "max_pool_2d_s8")
          << "op " << ip.op_index << " runs " << k.function() << ", which does not go row by row";
      EXPECT_EQ(row_window_param(k, "batches"), 1);
      EXPECT_EQ(k.input_tensor(), ip.input);
      const bool pool = k.function().find("pool") != std::string::npos;
      const int64_t in_row = row_window_param(k, "input_width") * row_window_param(k, pool ? "depth" : "input_depth");
      const int64_t out_row = row_window_param(k, "output_width") * row_window_param(k, pool ? "depth" : "output_depth");
      const int64_t gap = c.plan.offset_of(ip.input) - c.plan.offset_of(ip.output);
      EXPECT_EQ(gap, ip.gap);
      EXPECT_EQ(gap % c.plan.alignment, 0);
      // When output row y is complete, the next read is input row max(0, y * stride - pad_top).
      for (int64_t y = 0; y < row_window_param(k, "output_height"); ++y) {
        const int64_t first = std::min(std::max<int64_t>(y * row_window_param(k, "stride_height") - row_window_param(k, "pad_top"), 0),
                                       row_window_param(k, "input_height"));
        EXPECT_LE((y + 1) * out_row, gap + first * in_row) << "op " << ip.op_index << " output row " << y;
      }
      const int64_t in_bytes = g.tensor(ip.input).bytes(), out_bytes = g.tensor(ip.output).bytes();
      EXPECT_EQ(ip.saved, in_bytes + out_bytes - std::max(gap + in_bytes, out_bytes));
      EXPECT_GT(ip.saved, 0);
    } else {
      // Kernels that read element i before writing it (binary.h, CAST, QUANTIZE; Signal ops: each output element from
      // the same input element, FftAutoScale after a read-only pass for the maximum).
      static const std::set<std::string> elementwise = {
          "ADD", "MUL", "DIV", "MINIMUM", "MAXIMUM", "QUANTIZE", "CAST", "SignalWindow", "SignalFftAutoScale", "SignalFilterBankSquareRoot",
          "SignalFilterBankSpectralSubtraction", "SignalPCAN", "SignalFilterBankLog"};
      EXPECT_TRUE(elementwise.count(op.name)) << "op " << ip.op_index << " is not element-wise";
      EXPECT_EQ(c.plan.offset_of(ip.input), c.plan.offset_of(ip.output));
    }
    EXPECT_EQ(op.outputs[0], ip.output);
    EXPECT_TRUE(std::any_of(k.args.begin(), k.args.end(), [&](const KernelArg& a) {
      return a.kind == KernelArg::Input && a.tensor == ip.input;
    })) << "op " << ip.op_index << " does not read tensor " << ip.input;
    const int gi = group_of[static_cast<size_t>(ip.input)], go = group_of[static_cast<size_t>(ip.output)];
    EXPECT_TRUE(gi >= 0 && go >= 0) << "in-place tensors of op " << ip.op_index << " are not used";
    if (gi < 0 || go < 0 || gi == go) continue;
    Lifetime &in = groups[static_cast<size_t>(gi)], &out = groups[static_cast<size_t>(go)];
    EXPECT_EQ(in.last, step) << "in-place input '" << g.tensor(ip.input).name << "' is read after op " << ip.op_index;
    EXPECT_EQ(out.first, step);
    in.last = std::max(in.last, out.last);
    for (int t : out.tensors) {
      group_of[static_cast<size_t>(t)] = gi;
      in.tensors.push_back(t);
    }
    out = Lifetime{};  // emptied: no bytes, no tensors
  }
  // A group's bytes: from its lowest tensor to the end of its highest (a row-window
  // pair takes gap + input or output bytes, whichever is more).
  for (Lifetime& l : groups) {
    if (l.tensors.empty() || !c.plan.in_arena(l.tensors[0])) continue;
    int64_t lo = INT64_MAX, hi = 0;
    for (int t : l.tensors) {
      lo = std::min(lo, c.plan.offset_of(t));
      hi = std::max(hi, c.plan.offset_of(t) + g.tensor(t).bytes());
    }
    l.offset = lo;
    l.bytes = hi - lo;
  }
  groups.erase(std::remove_if(groups.begin(), groups.end(), [](const Lifetime& l) { return l.tensors.empty(); }),
               groups.end());
  // Renumber after the erase.
  for (size_t gi = 0; gi < groups.size(); ++gi)
    for (int t : groups[gi].tensors) group_of[static_cast<size_t>(t)] = static_cast<int>(gi);
  return groups;
}

// A tensor stored inside another by a zero-copy call (at its block's offset, not aligned).
inline bool is_view_part(const Compiled& c, int t) {
  for (const auto& k : c.calls)
    if (k.views)
      for (const auto& b : k.blocks)
        if (b.part == t) return true;
  return false;
}

// Every invariant a valid plan must satisfy.
inline void check_plan(const Compiled& c) {
  const auto& g = c.graph;
  const MemoryPlan& plan = c.plan;
  ASSERT_EQ(plan.buffer_of.size(), g.tensors.size());
  ASSERT_GT(plan.alignment, 0);
  EXPECT_GE(plan.arena_bytes, plan.lower_bound);
  EXPECT_FALSE(plan.strategy.empty());

  std::vector<int> group_of;
  const std::vector<Lifetime> groups = independent_lifetimes(c, group_of);

  // Constants live in flash; every activation an op touches is in the arena,
  // aligned, and fits.
  for (const auto& t : g.tensors) {
    if (t.is_constant) {
      EXPECT_FALSE(plan.in_arena(t.id)) << "constant tensor " << t.id << " '" << t.name << "' placed in the arena";
      continue;
    }
    if (group_of[static_cast<size_t>(t.id)] < 0) continue;  // not used by anything
    ASSERT_TRUE(plan.in_arena(t.id)) << "tensor " << t.id << " '" << t.name << "' has no buffer";
    const int64_t off = plan.offset_of(t.id);
    EXPECT_GE(off, 0) << t.name;
    if (!is_view_part(c, t.id)) {
      EXPECT_EQ(off % plan.alignment, 0) << "tensor '" << t.name << "' at " << off;
    }
    if (dtype_size(t.type) == 8) {
      EXPECT_EQ(off % 8, 0) << "8-byte elements of '" << t.name << "' at " << off;
    }
    EXPECT_LE(off + t.bytes(), plan.arena_bytes) << "tensor '" << t.name << "' at " << off << " size " << t.bytes();
    const auto& buf = plan.buffers.at(static_cast<size_t>(plan.buffer_of[static_cast<size_t>(t.id)]));
    EXPECT_GE(buf.size, t.bytes()) << t.name;
  }

  // Variables (state) are in the state region only: each at an aligned offset of its own,
  // none overlapping another or the run-once flag, all within state_bytes.
  std::vector<std::pair<int64_t, int64_t>> state;
  for (const auto& t : g.tensors) {
    if (!t.is_variable) {
      EXPECT_FALSE(plan.in_state(t.id)) << "tensor '" << t.name << "' is in the state region";
      continue;
    }
    EXPECT_FALSE(plan.in_arena(t.id)) << "variable '" << t.name << "' placed in the arena";
    ASSERT_TRUE(plan.in_state(t.id)) << "variable '" << t.name << "' has no place in the state region";
    const int64_t off = plan.state_offset[static_cast<size_t>(t.id)];
    EXPECT_EQ(off % plan.alignment, 0) << t.name;
    state.emplace_back(off, off + t.bytes());
  }
  if (plan.once_flag_offset >= 0) state.emplace_back(plan.once_flag_offset, plan.once_flag_offset + 1);
  std::sort(state.begin(), state.end());
  for (size_t i = 0; i < state.size(); ++i) {
    EXPECT_GE(state[i].first, 0);
    EXPECT_LE(state[i].second, plan.state_bytes);
    if (i) {
      EXPECT_LE(state[i - 1].second, state[i].first) << "state slots overlap";
    }
  }

  // Tensors share a buffer exactly when they are RESHAPE aliases or an in-place pair.
  for (const auto& a : g.tensors)
    for (const auto& b : g.tensors) {
      if (a.id >= b.id || group_of[static_cast<size_t>(a.id)] < 0 || group_of[static_cast<size_t>(b.id)] < 0) continue;
      const bool same_group = group_of[static_cast<size_t>(a.id)] == group_of[static_cast<size_t>(b.id)];
      const bool same_buffer = plan.buffer_of[static_cast<size_t>(a.id)] == plan.buffer_of[static_cast<size_t>(b.id)];
      EXPECT_EQ(same_group, same_buffer) << "tensors '" << a.name << "' and '" << b.name << "'";
    }

  // The planner's lifetimes cover every use.
  for (const Lifetime& l : groups) {
    const auto& buf = plan.buffers.at(static_cast<size_t>(plan.buffer_of[static_cast<size_t>(l.tensors[0])]));
    EXPECT_LE(buf.first_step, l.first) << "buffer of '" << g.tensor(l.tensors[0]).name << "'";
    EXPECT_GE(buf.last_step, l.last) << "buffer of '" << g.tensor(l.tensors[0]).name << "'";
  }

  // No two groups alive at the same step overlap in memory.
  for (size_t i = 0; i < groups.size(); ++i)
    for (size_t j = i + 1; j < groups.size(); ++j) {
      const Lifetime &a = groups[i], &b = groups[j];
      if (a.bytes == 0 || b.bytes == 0) continue;
      if (a.first > b.last || b.first > a.last) continue;
      const int64_t ao = a.offset, bo = b.offset;
      EXPECT_TRUE(ao + a.bytes <= bo || bo + b.bytes <= ao)
          << "'" << g.tensor(a.tensors[0]).name << "' [" << ao << "," << ao + a.bytes << ") steps " << a.first << ".."
          << a.last << " overlaps '" << g.tensor(b.tensors[0]).name << "' [" << bo << "," << bo + b.bytes
          << ") steps " << b.first << ".." << b.last;
    }

  // The lower bound is the most bytes alive at one step.
  int64_t bound = 0;
  for (int s = 0; s <= static_cast<int>(c.calls.size()); ++s) {
    int64_t live = 0;
    for (const Lifetime& l : groups)
      if (l.first <= s && s <= l.last) live += l.bytes;
    bound = std::max(bound, live);
  }
  EXPECT_EQ(plan.lower_bound, bound);
}

}  // namespace mftest
