#include "passes/stream.h"

#include <algorithm>
#include <map>

#include "diagnostics.h"
#include "kernels/catalog.h"
#include "passes/input_rows.h"
#include "planner/planner.h"

namespace microflow {
namespace {

// A plain call of a kernel that can be a band stage (every stage's kernel reads its
// input through a row window).
bool eligible(const KernelCall& k) {
  if (k.is_alias || !k.fused.empty() || !k.stages.empty() || !k.kernel || !k.kernel->band) return false;
  return k.params.as<WindowedParams>().window().batches == 1;
}

int64_t align4(int64_t v) { return (v + 3) / 4 * 4; }

BandInfo band_info(const KernelCall& k) {
  const RowWindow w = k.params.as<WindowedParams>().window();
  BandInfo b;
  b.kernel = k.kernel->band;
  b.input_height = w.input_height;
  b.input_row_bytes = w.input_row_bytes();
  b.output_height = w.output_height;
  b.output_row_bytes = w.output_row_bytes();
  b.stride = w.stride;
  b.pad_top = w.pad_top;
  b.span = w.span;
  b.buffer_bytes = align4(b.span * b.input_row_bytes);
  return b;
}

// A FULLY_CONNECTED that can end a region as a sink: the generic int8 kernel.
bool is_fully_connected_sink(const KernelCall& k) { return k.kernel && k.kernel->band_sink && !k.kernel->band; }

// How layer k runs as a stage of a region after the stage `prev` (nullptr: k is the first
// and reads the region input whole). A FULLY_CONNECTED is always a sink (band_stream.h): it
// holds one input row and its sums (and the input sum). A pooling with one output row is a
// sink under `on` (`prefer_sink`) or where its row and sums take fewer bytes than its
// window's rows; otherwise it keeps a line buffer like the other layers.
BandInfo stage_info(const KernelCall& k, const BandInfo* prev, bool prefer_sink) {
  if (is_fully_connected_sink(k)) {
    BandInfo b;
    b.kernel = k.kernel->band_sink;
    b.input_height = b.span = prev->output_height;
    b.input_row_bytes = prev->output_row_bytes;
    b.output_height = 1;
    b.output_row_bytes = k.params.as<FullyConnectedS8Params>().output_depth;
    b.accumulator_bytes = 4 * (b.output_row_bytes + 1);
    b.buffer_bytes = align4(b.input_row_bytes) + b.accumulator_bytes;
    return b;
  }
  BandInfo b = band_info(k);
  if (!prev) {
    b.buffer_bytes = 0;
    return b;
  }
  const int64_t sink_bytes = align4(b.input_row_bytes) + 4 * b.output_row_bytes;
  if (k.kernel->band_sink && b.output_height == 1 && (prefer_sink || sink_bytes < b.buffer_bytes)) {
    b.kernel = k.kernel->band_sink;
    b.accumulator_bytes = 4 * b.output_row_bytes;
    b.buffer_bytes = sink_bytes;
  }
  return b;
}

// A chain of eligible calls (indices into calls), each feeding only the next; it may end in
// a FULLY_CONNECTED sink reading the last one's output through `reshapes` (RESHAPE calls).
struct Chain {
  std::vector<size_t> calls, reshapes;
  std::string end;  // why the chain does not go on after its last layer
};

// Maximal chains.
std::vector<Chain> find_chains(const Graph& g, const std::vector<KernelCall>& calls) {
  std::vector<int> readers(g.tensors.size(), 0);
  std::map<int, size_t> reader;  // tensor -> a call reading it (the one when readers == 1)
  for (size_t i = 0; i < calls.size(); ++i)
    for (const KernelArg& a : calls[i].args)
      if (a.kind == KernelArg::Input) {
        ++readers[static_cast<size_t>(a.tensor)];
        reader[a.tensor] = i;
      }
  std::map<int, size_t> consumer;  // tensor -> the eligible call reading it as its input
  for (size_t i = 0; i < calls.size(); ++i)
    if (eligible(calls[i])) consumer[calls[i].input_tensor()] = i;
  auto next = [&](size_t i) -> long {
    const int out = calls[i].output_tensor();
    if (!eligible(calls[i]) || g.is_output(out) || readers[static_cast<size_t>(out)] != 1) return -1;
    auto it = consumer.find(out);
    return it == consumer.end() ? -1 : static_cast<long>(it->second);
  };
  std::vector<bool> has_prev(calls.size(), false);
  for (size_t i = 0; i < calls.size(); ++i)
    if (long j = next(i); j >= 0) has_prev[static_cast<size_t>(j)] = true;
  // The FULLY_CONNECTED (one batch, the generic int8 kernel) that is the only reader of
  // call `last`'s output, directly or through RESHAPEs that are each the only reader of
  // theirs; nothing else may see the tensors in between (no model outputs).
  auto fully_connected_after = [&](size_t last, std::vector<size_t>& reshapes) -> long {
    for (int t = calls[last].output_tensor();;) {
      if (g.is_output(t) || readers[static_cast<size_t>(t)] != 1) return -1;
      const size_t r = reader.at(t);
      const KernelCall& k = calls[r];
      if (k.is_alias) {
        reshapes.push_back(r);
        t = k.output_tensor();
        continue;
      }
      const bool fits = is_fully_connected_sink(k) && k.fused.empty() &&
                        k.params.as<FullyConnectedS8Params>().batches == 1 && k.input_tensor() == t &&
                        k.params.as<FullyConnectedS8Params>().input_depth == g.tensor(t).bytes();
      return fits ? static_cast<long>(r) : -1;
    }
  };
  // Why call i's output does not feed a further band stage.
  auto end_of = [&](size_t i) -> std::string {
    const int out = calls[i].output_tensor();
    if (g.is_output(out)) return "its output is a model output";
    const int n = readers[static_cast<size_t>(out)];
    if (n != 1) return n == 0 ? "nothing reads its output" : "its output is read by " + std::to_string(n) + " operators";
    const KernelCall& r = calls[reader.at(out)];
    const std::string who = "op " + r.op_indices() + " (" + r.op_names() + ")";
    if (!r.kernel || !r.kernel->band) return who + " has no band form (" + (r.is_alias ? "RESHAPE" : r.function()) + ")";
    if (r.input_tensor() != out) return who + " reads it as another operand";
    return who + " runs " + std::to_string(r.params.as<WindowedParams>().window().batches) + " batches";
  };
  std::vector<Chain> chains;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (has_prev[i] || !eligible(calls[i])) continue;
    Chain chain;
    chain.calls = {i};
    for (long j = next(i); j >= 0; j = next(static_cast<size_t>(j))) chain.calls.push_back(static_cast<size_t>(j));
    chain.end = end_of(chain.calls.back());
    std::vector<size_t> reshapes;
    if (long fc = fully_connected_after(chain.calls.back(), reshapes); fc >= 0) {
      chain.calls.push_back(static_cast<size_t>(fc));
      chain.reshapes = std::move(reshapes);
      chain.end = "it ends in a FULLY_CONNECTED sink";
    }
    if (chain.calls.size() >= 2) chains.push_back(std::move(chain));
  }
  return chains;
}

// Peak-lowest split of a chain into plain layers and regions [first, last]: a
// plain layer needs its input and output, a region its input, its output and
// the line buffers (a sink: its row and sums) of its later layers. Ties: fewer
// streamed layers. `input_rows`: the model input arrives row by row, so a chain reading it
// holds only its first layer's window of rows.
std::vector<std::pair<size_t, size_t>> best_split(const Graph& g, const std::vector<KernelCall>& calls,
                                                  const std::vector<size_t>& chain, bool input_rows) {
  const size_t n = chain.size();
  auto in_bytes = [&](size_t k) {
    const int t = calls[chain[k]].input_tensor();
    if (!input_rows || k > 0 || !g.is_input(t)) return g.tensor(t).bytes();
    const BandInfo b = band_info(calls[chain[k]]);
    return std::min(b.span, b.input_height) * b.input_row_bytes;
  };
  auto out_bytes = [&](size_t k) { return g.tensor(calls[chain[k]].output_tensor()).bytes(); };
  struct Best {
    int64_t peak = -1, streamed = 0;
    size_t from = 0;
  };
  std::vector<Best> best(n + 1);
  best[0].peak = 0;
  for (size_t j = 1; j <= n; ++j) {
    int64_t buffers = 0;
    for (size_t i = j; i-- > 0;) {
      // Segment [i, j-1].
      if (i + 1 < j) {
        const BandInfo prev = band_info(calls[chain[i]]);  // never a FULLY_CONNECTED: that ends the chain
        buffers += stage_info(calls[chain[i + 1]], &prev, false).buffer_bytes;
      }
      const int64_t cost = in_bytes(i) + out_bytes(j - 1) + buffers;
      const int64_t streamed = best[i].streamed + (i + 1 < j ? static_cast<int64_t>(j - i) : 0);
      const int64_t peak = std::max(best[i].peak, cost);
      if (best[j].peak < 0 || peak < best[j].peak || (peak == best[j].peak && streamed < best[j].streamed))
        best[j] = {peak, streamed, i};
    }
  }
  std::vector<std::pair<size_t, size_t>> regions;
  for (size_t j = n; j > 0; j = best[j].from)
    if (best[j].from + 1 < j) regions.emplace_back(best[j].from, j - 1);
  std::reverse(regions.begin(), regions.end());
  return regions;
}

// Pixels an in-place 1x1 stage's input row sits after its output row (band_stream.h's
// kBandInPlacePixels).
constexpr int64_t kInPlacePixels = 4;

// A 1x1 stage between two plain stages whose output rows are as long as its input rows
// computes in place in the next stage's buffer (band_stream.h): its own row buffer goes,
// the next buffer grows by the shift.
void place_1x1_in_place(std::vector<BandInfo>& bands, const std::vector<KernelCall>& stages) {
  for (size_t i = 1; i + 1 < bands.size(); ++i) {
    BandInfo& b = bands[i];
    BandInfo& next = bands[i + 1];
    if (stages[i].kernel != &kConv2D1x1S8 || b.stride != 1 || b.input_row_bytes != b.output_row_bytes ||
        next.accumulator_bytes > 0 || next.in_place_shift > 0 || bands[i - 1].in_place_shift > 0)
      continue;
    b.in_place_shift = kInPlacePixels * stages[i].params.as<Conv2DS8Params>().input_depth;
    b.buffer_bytes = 0;
    next.buffer_bytes += b.in_place_shift;
  }
}

// `reshapes`: the RESHAPE operators between the last two stages (a FULLY_CONNECTED sink's).
KernelCall make_region(Graph& g, std::vector<KernelCall> stages, const std::vector<const Operator*>& reshapes,
                       bool prefer_sinks) {
  KernelCall k;
  k.kernel = &kBandStreamS8;
  k.op = stages.back().op;
  for (size_t i = 0; i < stages.size(); ++i) {
    k.bands.push_back(stage_info(stages[i], i > 0 ? &k.bands.back() : nullptr, prefer_sinks));
    k.macs += stages[i].macs;
    if (i + 1 < stages.size()) k.fused.push_back(stages[i].op);
  }
  place_1x1_in_place(k.bands, stages);
  int64_t scratch = 0;
  for (size_t i = 1; i < k.bands.size(); ++i) {
    if (k.bands[i].in_place_shift > 0) continue;  // no buffer (offset -1)
    k.bands[i].buffer_offset = scratch;
    scratch += k.bands[i].buffer_bytes;
  }
  k.fused.insert(k.fused.end(), reshapes.begin(), reshapes.end());
  Tensor t;
  t.id = static_cast<int>(g.tensors.size());
  t.name = g.tensor(stages.back().output_tensor()).name + "/line_buffers";
  t.type = DType::Int8;
  t.type_name = "INT8";
  t.shape = {static_cast<int32_t>(scratch)};
  g.tensors.push_back(t);
  k.args.push_back({KernelArg::Input, stages.front().input_tensor(), "", "int8_t"});
  k.args.push_back({KernelArg::Output, t.id, "", "int8_t"});
  k.args.push_back({KernelArg::Output, stages.back().output_tensor(), "", "int8_t"});
  k.stages = std::move(stages);
  return k;
}

using Split = std::vector<std::vector<std::pair<size_t, size_t>>>;  // per chain: regions [first, last]

// The calls with the chosen regions (each at the place of its last layer; a region with a
// FULLY_CONNECTED sink takes the RESHAPEs in front of it along).
std::vector<KernelCall> apply(Graph& g, const std::vector<KernelCall>& calls, const std::vector<Chain>& chains,
                              const Split& split, bool prefer_sinks) {
  constexpr long kGone = -2;  // a RESHAPE folded into a region
  std::vector<long> region_of(calls.size(), -1);
  std::vector<std::vector<size_t>> members;
  std::vector<std::vector<const Operator*>> reshapes;
  for (size_t c = 0; c < chains.size(); ++c)
    for (auto [first, last] : split[c]) {
      const std::vector<size_t>& chain = chains[c].calls;
      members.emplace_back(chain.begin() + static_cast<long>(first), chain.begin() + static_cast<long>(last) + 1);
      for (size_t i : members.back()) region_of[i] = static_cast<long>(members.size() - 1);
      reshapes.emplace_back();
      if (is_fully_connected_sink(calls[chain[last]]))
        for (size_t r : chains[c].reshapes) {
          region_of[r] = kGone;
          reshapes.back().push_back(calls[r].op);
        }
    }
  std::vector<KernelCall> out;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (region_of[i] == -1) {
      out.push_back(calls[i]);
      continue;
    }
    if (region_of[i] == kGone) continue;
    const size_t region = static_cast<size_t>(region_of[i]);
    const std::vector<size_t>& m = members[region];
    if (i != m.back()) continue;
    std::vector<KernelCall> stages;
    for (size_t j : m) stages.push_back(calls[j]);
    out.push_back(make_region(g, std::move(stages), reshapes[region], prefer_sinks));
  }
  return out;
}

// With `input_rows`, the input comes row by row where the first call can take it so
// (make_streaming adds its ring and state tensors to `g`; the caller removes them).
int64_t arena_of(Graph& g, std::vector<KernelCall> calls, bool input_rows) {
  choose_execution_order(g, calls);
  if (input_rows && streaming_blocker(g, calls).empty()) {
    const StreamingInput s = make_streaming(g, calls);
    return plan_memory(g, calls, 4, s).arena_bytes;
  }
  return plan_memory(g, calls).arena_bytes;
}

}  // namespace

StreamingMode parse_streaming_mode(const std::string& s, const std::string& option) {
  if (s == "auto") return StreamingMode::Auto;
  if (s == "on") return StreamingMode::On;
  if (s == "off") return StreamingMode::Off;
  throw CompileError(option + ": expected auto, on or off, got '" + s + "'");
}

const char* streaming_mode_name(StreamingMode m) {
  switch (m) {
    case StreamingMode::On: return "on";
    case StreamingMode::Off: return "off";
    default: return "auto";
  }
}

StreamingReport stream_layers(Graph& g, std::vector<KernelCall>& calls, StreamingMode mode, bool input_rows) {
  StreamingReport r;
  r.mode = mode;
  const std::vector<Chain> chains = find_chains(g, calls);
  const bool prefer_sinks = mode == StreamingMode::On;
  r.chains = static_cast<int64_t>(chains.size());
  for (const Chain& c : chains) r.chain_ends.push_back({calls[c.calls.back()].op->index, c.end});
  if (mode == StreamingMode::Off || chains.empty()) return r;  // the pipeline fills in "before" = the plan
  {
    std::vector<KernelCall> plain = calls;
    choose_execution_order(g, plain);
    const MemoryPlan plan = plan_memory(g, plain);
    r.lower_bound_before = plan.lower_bound;
    r.arena_before = plan.arena_bytes;
    r.measured = true;
  }
  const size_t tensors = g.tensors.size();
  // Streaming only pays where it beats the plain layers with the input as it will arrive.
  const int64_t arena_plain = input_rows ? arena_of(g, calls, true) : r.arena_before;
  g.tensors.resize(tensors);

  Split split(chains.size());
  for (size_t c = 0; c < chains.size(); ++c)
    split[c] = mode == StreamingMode::On ? std::vector<std::pair<size_t, size_t>>{{0, chains[c].calls.size() - 1}}
                                         : best_split(g, calls, chains[c].calls, input_rows);
  if (mode == StreamingMode::Auto) {
    // Keep a chain's regions only where they lower the arena: trial plans, with
    // the trial's scratch tensors removed again afterwards.
    auto arena_with = [&](const Split& s) {
      const int64_t a = arena_of(g, apply(g, calls, chains, s, prefer_sinks), input_rows);
      g.tensors.resize(tensors);
      return a;
    };
    // The split is chain-local (a DAG keeps other tensors live beside a chain,
    // and placement can fragment), so per chain the whole chain streamed and
    // nothing streamed are tried as well; ties keep the fewer streamed layers.
    int64_t arena = arena_with(split);
    for (size_t c = 0; c < chains.size(); ++c) {
      const std::vector<std::pair<size_t, size_t>> whole = {{0, chains[c].calls.size() - 1}};
      for (const auto& alternative : {std::vector<std::pair<size_t, size_t>>{}, whole}) {
        if (alternative == split[c]) continue;
        Split trial = split;
        trial[c] = alternative;
        const int64_t a = arena_with(trial);
        if (a < arena || (a == arena && alternative.empty())) {
          split = std::move(trial);
          arena = a;
        }
      }
    }
    if (arena >= arena_plain) return r;
  }
  calls = apply(g, calls, chains, split, prefer_sinks);
  return r;
}

}  // namespace microflow
