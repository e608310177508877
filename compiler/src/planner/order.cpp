// Execution order as a free choice: any topological order of the DAG gives
// the same results, but not the same peak of live bytes (branches of a
// residual block can run in either order). A memoized search over the
// scheduled-prefix sets finds the order with the lowest peak.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <unordered_map>

#include "planner/planner.h"

namespace microflow {
namespace {

constexpr size_t kMaxOps = 64;            // the prefix set is a 64-bit mask
constexpr size_t kMaxStates = 200'000;    // beyond this keep the given order

struct OrderProblem {
  size_t n = 0;
  std::vector<uint64_t> preds;           // ops that must run before op i
  std::vector<int64_t> output_bytes;     // bytes op i adds (0 for an alias)
  std::vector<std::vector<int>> output_groups;  // storage groups op i writes (SPLIT: several)
  std::vector<std::vector<int>> reads;   // groups op i reads
  std::vector<uint64_t> readers;         // per group: ops reading it
  std::vector<int64_t> group_bytes;
  std::vector<bool> keep;                // model outputs stay live to the end
  std::vector<bool> preexisting;         // model inputs: live from the start
};

int64_t live_after(const OrderProblem& p, uint64_t done) {
  int64_t live = 0;
  for (size_t gi = 0; gi < p.group_bytes.size(); ++gi) {
    bool exists = p.preexisting[gi];
    for (size_t i = 0; i < p.n && !exists; ++i)
      exists = (done >> i & 1) && std::find(p.output_groups[i].begin(), p.output_groups[i].end(),
                                            static_cast<int>(gi)) != p.output_groups[i].end();
    if (!exists) continue;
    if (p.keep[gi] || (p.readers[gi] & ~done) != 0) live += p.group_bytes[gi];
  }
  return live;
}

class Search {
 public:
  explicit Search(const OrderProblem& p) : p_(p) {}

  // Lowest peak reachable from `done`; -1 if the state budget ran out.
  int64_t best(uint64_t done) {
    if (done == full()) return 0;
    if (auto it = memo_.find(done); it != memo_.end()) return it->second.first;
    if (memo_.size() >= kMaxStates) return -1;
    const int64_t base = live_after(p_, done);
    int64_t best_peak = -1;
    int best_op = -1;
    for (size_t i = 0; i < p_.n; ++i) {
      if ((done >> i & 1) || (p_.preds[i] & ~done) != 0) continue;
      const int64_t rest = best(done | (uint64_t{1} << i));
      if (rest < 0) return -1;
      const int64_t peak = std::max(base + p_.output_bytes[i], rest);
      if (best_peak < 0 || peak < best_peak) {
        best_peak = peak;
        best_op = static_cast<int>(i);
      }
    }
    memo_[done] = {best_peak, best_op};
    return best_peak;
  }

  std::vector<size_t> order() const {
    std::vector<size_t> out;
    for (uint64_t done = 0; done != full();) {
      const int op = memo_.at(done).second;
      out.push_back(static_cast<size_t>(op));
      done |= uint64_t{1} << op;
    }
    return out;
  }

  int64_t peak_of(const std::vector<size_t>& order) const {
    uint64_t done = 0;
    int64_t peak = 0;
    for (size_t i : order) {
      peak = std::max(peak, live_after(p_, done) + p_.output_bytes[i]);
      done |= uint64_t{1} << i;
    }
    return peak;
  }

 private:
  uint64_t full() const { return p_.n == 64 ? ~uint64_t{0} : (uint64_t{1} << p_.n) - 1; }
  const OrderProblem& p_;
  std::unordered_map<uint64_t, std::pair<int64_t, int>> memo_;
};

OrderProblem describe_problem(const Graph& g, const std::vector<KernelCall>& calls) {
  // Storage groups: a RESHAPE output shares its input's storage.
  std::vector<int> group(g.tensors.size());
  std::iota(group.begin(), group.end(), 0);
  auto root = [&](int t) {
    while (group[static_cast<size_t>(t)] != t) t = group[static_cast<size_t>(t)];
    return t;
  };
  for (const KernelCall& k : calls) {
    if (k.is_alias) group[static_cast<size_t>(root(k.output_tensor()))] = root(k.input_tensor());
    if (k.views)
      for (const Block& b : k.blocks)
        if (root(b.part) != root(b.whole)) group[static_cast<size_t>(root(b.part))] = root(b.whole);
  }

  OrderProblem p;
  p.n = calls.size();
  std::vector<int> index_of(g.tensors.size(), -1);
  auto group_index = [&](int t) {
    const int r = root(t);
    if (index_of[static_cast<size_t>(r)] < 0) {
      index_of[static_cast<size_t>(r)] = static_cast<int>(p.group_bytes.size());
      p.group_bytes.push_back(0);
      p.readers.push_back(0);
      p.keep.push_back(false);
      p.preexisting.push_back(false);
    }
    const int gi = index_of[static_cast<size_t>(r)];
    p.group_bytes[static_cast<size_t>(gi)] = std::max(p.group_bytes[static_cast<size_t>(gi)], g.tensor(t).bytes());
    return gi;
  };
  std::vector<int> producer(g.tensors.size(), -1);
  // Variables live in the state region, outside this problem; their operators keep their order.
  auto in_arena = [&](int t) { return !g.tensor(t).is_constant && !g.tensor(t).is_variable; };
  for (size_t i = 0; i < calls.size(); ++i)
    for (const KernelArg& a : calls[i].args)
      if (a.kind == KernelArg::Output && in_arena(a.tensor)) producer[static_cast<size_t>(a.tensor)] = static_cast<int>(i);
  p.preds.assign(p.n, 0);
  p.reads.resize(p.n);
  for (size_t i = 0; i < calls.size(); ++i) {
    int64_t written = 0;  // the outputs plus any scratch the call needs at its step
    p.output_groups.emplace_back();
    for (const KernelArg& a : calls[i].args) {
      if ((a.kind != KernelArg::Input && a.kind != KernelArg::Output) || !in_arena(a.tensor)) continue;
      if (a.kind == KernelArg::Output) {
        written += g.tensor(a.tensor).bytes();
        p.output_groups.back().push_back(group_index(a.tensor));
      }
      if (a.kind != KernelArg::Input) continue;
      const int gi = group_index(a.tensor);
      p.reads[i].push_back(gi);
      p.readers[static_cast<size_t>(gi)] |= uint64_t{1} << i;
      if (producer[static_cast<size_t>(a.tensor)] >= 0) p.preds[i] |= uint64_t{1} << producer[static_cast<size_t>(a.tensor)];
    }
    p.output_bytes.push_back(calls[i].emits_code() ? written : 0);
  }
  std::vector<const Operator*> ops;
  for (const KernelCall& k : calls) ops.push_back(k.op);
  for (const auto& [before, after] : state_order(g, ops)) p.preds[after] |= uint64_t{1} << before;
  for (int t : g.inputs) p.preexisting[static_cast<size_t>(group_index(t))] = true;
  for (int t : g.outputs) p.keep[static_cast<size_t>(group_index(t))] = true;
  return p;
}

}  // namespace

void choose_execution_order(const Graph& g, std::vector<KernelCall>& calls) {
  if (calls.size() < 2 || calls.size() > kMaxOps) return;
  const OrderProblem p = describe_problem(g, calls);
  Search search(p);
  if (search.best(0) < 0) return;
  std::vector<size_t> given(calls.size());
  std::iota(given.begin(), given.end(), 0);
  const std::vector<size_t> best = search.order();
  if (search.peak_of(best) >= search.peak_of(given)) return;
  std::vector<KernelCall> reordered;
  for (size_t i : best) reordered.push_back(std::move(calls[i]));
  calls = std::move(reordered);
}

}  // namespace microflow
