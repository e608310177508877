#include "cli/memory_report.h"

#include "emitter/emitter.h"

#include <fmt/format.h>

#include <ostream>

namespace microflow {
namespace {

struct Savings {
  int64_t aliases = 0;   // RESHAPE outputs that need no storage of their own
  int64_t in_place = 0;  // outputs written over a dying input (the pairs' bytes saved)
  int64_t views = 0;     // CONCATENATION inputs / SPLIT outputs stored inside the other tensor
};

Savings savings(const CompiledModel& m) {
  Savings s;
  for (const KernelCall& k : m.calls)
    if (k.is_alias) s.aliases += m.graph.tensor(k.op->outputs[0]).bytes();
  for (const InPlace& p : m.plan.in_place) s.in_place += p.saved;
  for (const KernelCall& k : m.calls)
    if (k.views)
      for (const Block& b : k.blocks) s.views += m.graph.tensor(b.part).bytes();
  return s;
}

std::vector<int> live_buffers(const MemoryPlan& plan, int step) {
  std::vector<int> live;
  for (size_t b = 0; b < plan.buffers.size(); ++b)
    if (plan.buffers[b].first_step <= step && step <= plan.buffers[b].last_step) live.push_back(static_cast<int>(b));
  return live;
}

std::string buffer_label(const CompiledModel& m, const Buffer& b) {
  std::string s;
  for (int t : b.tensors) s += (s.empty() ? "" : " = ") + m.graph.tensor(t).name;
  return s;
}

// Tensor names as SVG text: markup characters become '_'.
std::string xml_text(std::string s) {
  for (char& c : s)
    if (c == '<' || c == '>' || c == '&' || c == '"') c = '_';
  return s;
}

// "op 3 DEPTHWISE_CONV_2D writes tensor 5 over tensor 4 'name' with a 1536-byte gap: saves 4608 B"
std::string in_place_line(const CompiledModel& m, const InPlace& p) {
  std::string kind;
  for (const Operator& op : m.graph.ops)
    if (op.index == p.op_index) kind = op.name;
  return fmt::format("op {} {} writes tensor {} over tensor {} '{}'{}: saves {} B", p.op_index, kind, p.output, p.input,
                     m.graph.tensor(p.input).name,
                     p.row_window ? fmt::format(" with a {}-byte gap", p.gap) : std::string(), p.saved);
}


}  // namespace

void print_streaming_report(std::ostream& out, const CompiledModel& m) {
  const StreamingReport& r = m.streaming;
  int regions = 0;
  for (const KernelCall& k : m.calls) regions += !k.stages.empty();
  out << fmt::format("patch streaming ({}): {} region(s) from {} eligible chain(s)\n", streaming_mode_name(r.mode),
                     regions, r.chains);
  for (const KernelCall& k : m.calls) {
    if (k.stages.empty()) continue;
    int64_t buffers = 0;
    for (const BandInfo& b : k.bands) buffers += b.buffer_bytes;
    const Tensor& in = m.graph.tensor(k.input_tensor());
    const Tensor& o = m.graph.tensor(k.output_tensor());
    std::string sinks;
    for (size_t i = 0; i < k.stages.size(); ++i)
      if (k.bands[i].accumulator_bytes) sinks += std::string(sinks.empty() ? "" : "+") + k.stages[i].op->name;
    out << fmt::format("  region ops {}{}: {}{} -> {}{}, line buffers {} B\n", k.op_indices(),
                       sinks.empty() ? "" : " (" + sinks + " sink)", dtype_name(in.type), in.shape_string(),
                       dtype_name(o.type), o.shape_string(), with_commas(buffers));
    for (size_t i = 0; i < k.stages.size(); ++i) {
      const BandInfo& b = k.bands[i];
      std::string holds = fmt::format("buffer {} x {} B = {} B", b.span, b.input_row_bytes, b.buffer_bytes);
      if (i == 0) holds = k.kernel->row_params.type ? "reads the ring of input rows" : "reads the whole input";
      if (b.in_place_shift)
        holds = fmt::format("in place in the next buffer (input {} B after the output)", b.in_place_shift);
      if (b.accumulator_bytes)
        holds = fmt::format("sink: one row of {} B + int32 sums {} B = {} B", b.input_row_bytes, b.accumulator_bytes,
                            b.buffer_bytes);
      out << fmt::format("    op {:>3} {:<18} rows {:>3} -> {:>3}, window {} row(s), stride {}, {}\n",
                         k.stages[i].op->index, k.stages[i].op->name, b.input_height, b.output_height,
                         b.span, b.stride, holds);
    }
  }
  for (const StreamingReport::ChainEnd& e : r.chain_ends)
    out << fmt::format("  the chain ending at op {} stops there: {}\n", e.last_op, e.why);
  out << fmt::format("peak live bytes without streaming {} B, with {} B (saved {} B); arena {} B -> {} B\n",
                     with_commas(r.lower_bound_before), with_commas(m.plan.lower_bound),
                     with_commas(r.lower_bound_before - m.plan.lower_bound), with_commas(r.arena_before),
                     with_commas(m.plan.arena_bytes));
}

nlohmann::json streaming_report_json(const CompiledModel& m) {
  const StreamingReport& r = m.streaming;
  nlohmann::json regions = nlohmann::json::array();
  for (const KernelCall& k : m.calls) {
    if (k.stages.empty()) continue;
    nlohmann::json stages = nlohmann::json::array();
    int64_t buffers = 0;
    for (size_t i = 0; i < k.stages.size(); ++i) {
      const BandInfo& b = k.bands[i];
      buffers += b.buffer_bytes;
      stages.push_back({{"op", k.stages[i].op->index}, {"kernel", k.stages[i].function()}, {"input_rows", b.input_height},
                        {"output_rows", b.output_height}, {"window_rows", b.span}, {"stride", b.stride},
                        {"line_buffer_bytes", b.buffer_bytes}, {"sink", b.accumulator_bytes > 0},
                        {"accumulator_bytes", b.accumulator_bytes}, {"in_place_shift", b.in_place_shift}});
    }
    regions.push_back({{"input", k.input_tensor()}, {"output", k.output_tensor()}, {"scratch", k.args[1].tensor},
                       {"line_buffer_bytes", buffers}, {"stages", stages}});
  }
  nlohmann::json ends = nlohmann::json::array();
  for (const StreamingReport::ChainEnd& e : r.chain_ends) ends.push_back({{"last_op", e.last_op}, {"why", e.why}});
  return {{"mode", streaming_mode_name(r.mode)},
          {"eligible_chains", r.chains},
          {"chain_ends", ends},
          {"regions", regions},
          {"lower_bound_before", r.lower_bound_before},
          {"arena_before", r.arena_before},
          {"lower_bound_after", m.plan.lower_bound},
          {"arena_after", m.plan.arena_bytes},
          {"saved_bytes", r.arena_before - m.plan.arena_bytes}};
}

void print_memory_report(std::ostream& out, const CompiledModel& m) {
  const MemoryPlan& plan = m.plan;
  const auto live = live_bytes_per_step(plan, m.calls.size());
  out << "memory plan (arena " << plan.arena_bytes << " B, lower bound " << plan.lower_bound << " B, placement: "
      << plan.strategy << ")\n";
  out << fmt::format("{:>4}  {:<18} {:>10}  {}\n", "step", "op", "live B", "live tensors [offset, end)");
  for (size_t step = 0; step <= m.calls.size(); ++step) {
    const std::string op = step < m.calls.size()
                               ? fmt::format("{} {}", m.calls[step].op->index, m.calls[step].op->name)
                               : "(outputs)";
    std::string tensors;
    for (int b : live_buffers(plan, static_cast<int>(step))) {
      const Buffer& buf = plan.buffers[static_cast<size_t>(b)];
      tensors += fmt::format("{}{}[{},{})", tensors.empty() ? "" : ", ", m.graph.tensor(buf.tensors[0]).id, buf.offset,
                             buf.offset + buf.size);
    }
    out << fmt::format("{:>4}  {:<18} {:>10}{} {}\n", step, op, live[step], live[step] == plan.lower_bound ? "*" : " ",
                       tensors);
  }
  const Savings s = savings(m);
  out << fmt::format("peak live bytes (*): {} B; arena {} B ({} B above the lower bound)\n", plan.lower_bound,
                     plan.arena_bytes, plan.arena_bytes - plan.lower_bound);
  out << fmt::format("saved by RESHAPE aliasing: {} B; by in-place operators: {} B; by zero-copy views: {} B\n",
                     s.aliases, s.in_place, s.views);
  for (const InPlace& p : plan.in_place) out << "  in place: " << in_place_line(m, p) << "\n";
  out << fmt::format("row-window in place (depthwise/pooling over their input, where it lowers the arena): "
                     "arena {} B without, {} B with\n",
                     plan.arena_without_row_windows, plan.arena_bytes);
}

nlohmann::json memory_report_json(const CompiledModel& m) {
  const MemoryPlan& plan = m.plan;
  const auto live = live_bytes_per_step(plan, m.calls.size());
  nlohmann::json steps = nlohmann::json::array();
  for (size_t step = 0; step <= m.calls.size(); ++step) {
    nlohmann::json tensors = nlohmann::json::array();
    for (int b : live_buffers(plan, static_cast<int>(step)))
      for (int t : plan.buffers[static_cast<size_t>(b)].tensors) tensors.push_back(t);
    steps.push_back({{"step", step},
                     {"op", step < m.calls.size() ? m.calls[step].op->index : -1},
                     {"live_bytes", live[step]},
                     {"live_tensors", tensors}});
  }
  nlohmann::json in_place = nlohmann::json::array();
  for (const InPlace& p : plan.in_place)
    in_place.push_back({{"op", p.op_index},
                        {"input", p.input},
                        {"output", p.output},
                        {"kind", p.row_window ? "row window" : "element-wise"},
                        {"gap_bytes", p.gap},
                        {"saved_bytes", p.saved},
                        {"text", in_place_line(m, p)}});
  const Savings s = savings(m);
  return {{"arena_bytes", plan.arena_bytes},
          {"lower_bound", plan.lower_bound},
          {"placement", plan.strategy},
          {"steps", steps},
          {"in_place", in_place},
          {"saved_by_aliases", s.aliases},
          {"saved_by_in_place", s.in_place},
          {"saved_by_views", s.views},
          {"arena_without_row_window_in_place", plan.arena_without_row_windows}};
}

std::string memory_plan_svg(const CompiledModel& m) {
  const MemoryPlan& plan = m.plan;
  const double steps = static_cast<double>(m.calls.size() + 1);
  const double width = 900, height = 500, left = 70, top = 30;
  const double arena = static_cast<double>(std::max<int64_t>(plan.arena_bytes, 1));
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"10\">\n"
      "<text x=\"{}\" y=\"18\" font-size=\"13\">{}: arena {} B (lower bound {} B); x = execution step, y = offset</text>\n"
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n",
      width + left + 20, height + top + 40, left, m.graph.source, plan.arena_bytes, plan.lower_bound, left, top, width,
      height);
  // Band-streamed regions: a grey column over their step (their intermediates never exist whole).
  for (size_t i = 0; i < m.calls.size(); ++i)
    if (!m.calls[i].stages.empty())
      svg += fmt::format("<rect class=\"streamed\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#bbb\" "
                         "fill-opacity=\"0.5\"><title>op {}: streamed in bands ({} stages)</title></rect>\n",
                         left + width * static_cast<double>(i) / steps, top, width / steps, height,
                         m.calls[i].op_indices(), m.calls[i].stages.size());
  static const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"};
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const Buffer& b = plan.buffers[i];
    const double x = left + width * b.first_step / steps;
    const double w = width * (b.last_step - b.first_step + 1) / steps;
    const double y = top + height * static_cast<double>(b.offset) / arena;
    const double h = std::max(1.0, height * static_cast<double>(b.size) / arena);
    std::string label = buffer_label(m, b);
    bool in_place = false;  // holds an output written over its input: drawn with a thick outline
    for (const InPlace& p : plan.in_place)
      if (plan.buffer_of[static_cast<size_t>(p.output)] == static_cast<int>(i)) {
        label += "; " + in_place_line(m, p);
        in_place = true;
      }
    label = xml_text(label);
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.75\" stroke=\"#222\"{}>"
        "<title>{} ({} B at {}, steps {}..{})</title></rect>\n",
        x, y, w, h, kColors[i % 8], in_place ? " stroke-width=\"3\" class=\"in-place\"" : "", label, b.size, b.offset,
        b.first_step, b.last_step);
    if (h > 12 && w > 40)
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{} B</text>\n", x + 3, y + 11, b.size);
    // A row-window pair: a dashed line where its input starts, `gap` bytes after the output.
    for (const InPlace& p : plan.in_place)
      if (p.row_window && plan.buffer_of[static_cast<size_t>(p.output)] == static_cast<int>(i)) {
        const double yi = top + height * static_cast<double>(plan.offset_of(p.input)) / arena;
        svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#222\" "
                           "stroke-dasharray=\"4 2\"><title>{}</title></line>\n",
                           x, yi, x + w, yi, xml_text(in_place_line(m, p)));
      }
  }
  for (int64_t tick = 0; tick <= 4; ++tick)
    svg += fmt::format("<text x=\"4\" y=\"{:.1f}\">{}</text>\n", top + height * static_cast<double>(tick) / 4 + 4,
                       plan.arena_bytes * tick / 4);
  return svg + "</svg>\n";
}

}  // namespace microflow
