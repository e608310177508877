// `microflow report`: one self-contained HTML page (inline CSS and SVG, no network) with
// what the tool knows about a model: operators, per-layer cost, the arena plan, and per
// target the firmware's flash and RAM against the chip, the measured count per layer,
// time and energy per inference.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/bench.h"
#include "cli/commands.h"
#include "cli/memory_report.h"
#include "cli/progress.h"
#include "diagnostics.h"
#include "emitter/emitter.h"
#include "pipeline.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

std::string html(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

struct Bar {
  std::string label;
  double value = 0;
};

// A horizontal bar chart as inline SVG, largest share first is left to the caller.
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars, const std::string& unit) {
  const double label_w = 330, bar_w = 420, row = 18;
  double max = 0, total = 0;
  for (const Bar& b : bars) max = std::max(max, b.value), total += b.value;
  std::string svg = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-size=\"11\">"
      "<text x=\"0\" y=\"13\" font-weight=\"bold\">{}</text>\n",
      label_w + bar_w + 150, row * static_cast<double>(bars.size()) + 26, html(title));
  for (size_t i = 0; i < bars.size(); ++i) {
    const double y = 22 + row * static_cast<double>(i);
    const double w = max > 0 ? bar_w * bars[i].value / max : 0;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{:.0f}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{:.0f}\" width=\"{:.1f}\" "
        "height=\"{}\" fill=\"#4e79a7\"><title>{}: {} {}</title></rect><text x=\"{:.1f}\" y=\"{:.0f}\">{} {} "
        "({:.1f}%)</text>\n",
        label_w - 6, y + 12, html(bars[i].label.substr(0, 48)), label_w, y + 2, w, row - 4, html(bars[i].label),
        with_commas(static_cast<int64_t>(bars[i].value)), unit, label_w + w + 4, y + 12,
        with_commas(static_cast<int64_t>(bars[i].value)), unit, total > 0 ? 100 * bars[i].value / total : 0);
  }
  return svg + "</svg>\n";
}

std::string usage_cell(int64_t used, int64_t limit) {
  if (limit <= 0) return fmt::format("<td>{}</td>", with_commas(used));
  const double pct = 100.0 * static_cast<double>(used) / static_cast<double>(limit);
  return fmt::format("<td>{} / {} <span class=\"meter\"><span style=\"width:{:.0f}%\" class=\"{}\"></span></span> "
                     "{:.1f}%</td>",
                     with_commas(used), with_commas(limit), std::min(pct, 100.0), pct > 100 ? "over" : "ok", pct);
}

struct TargetSection {
  Target target;
  std::string error;  // why it does not run there
  BenchRun run;
  std::vector<CallCount> calls;
};

const char* kStyle = R"(
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f0f0f0; cursor: pointer; } td.l, th.l { text-align: left; }
.meter { display: inline-block; width: 80px; height: 8px; background: #eee; vertical-align: middle; }
.meter span { display: block; height: 8px; } .ok { background: #59a14f; } .over { background: #e15759; }
.note { color: #666; font-size: 12px; } .error { color: #b00; }
)";

// Click a header to sort a table by that column (numbers by value).
const char* kScript = R"(
window.onerror = function (m) { document.body.setAttribute('data-script-error', String(m)); };
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var key = function (r) { var t = r.cells[col].textContent.replace(/,/g, ''); var n = parseFloat(t); return isNaN(n) ? t : n; };
    var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;
    th.setAttribute('data-dir', dir > 0 ? 'asc' : 'desc');
    rows.sort(function (a, b) { var x = key(a), y = key(b); return (x > y ? 1 : x < y ? -1 : 0) * dir; });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
document.body.setAttribute('data-rendered', 'ok');
)";

}  // namespace

int run_report(const ReportArgs& a) {
  std::unique_ptr<CompiledModel> mp = compile_for_target(a.model, pipeline_options(a.pipeline, nullptr));
  const CompiledModel& m = *mp;
  int64_t input_bytes = 0;
  for (int id : m.graph.inputs) input_bytes += m.graph.tensor(id).bytes();
  const std::vector<uint8_t> input(static_cast<size_t>(input_bytes), 0);
  const fs::path work = fs::temp_directory_path() / fmt::format("microflow-report-{}", getpid());

  std::vector<TargetSection> sections;
  for (const std::string& name : a.targets) {
    TargetSection s{find_target(name), "", {}, {}};
    const BenchArgs b{.model = a.model, .target = name, .input = "", .work_dir = "", .json = false, .pipeline = a.pipeline};
    try {
      s.run = bench_on_target(b, s.target, input, work / name);
      if (!s.run.model->input_rows.enabled && !a.pipeline.weights.page()) {
        Progress progress(fmt::format("report: per-layer counts on {}", name));
        s.calls = profile_calls(s.target, *s.run.model, input, work / name / "layers", [&](size_t n, size_t total) {
          progress.set(fmt::format("call {}/{}", n + 1, total));
        });
      }
    } catch (const CompileError& e) {
      s.error = e.what();
    }
    sections.push_back(std::move(s));
  }
  fs::remove_all(work);

  std::set<std::string> op_names;
  for (const KernelCall& k : m.calls) op_names.insert(k.op_names());
  std::string ops;
  for (const std::string& o : op_names) ops += (ops.empty() ? "" : ", ") + o;
  const std::string model_name = fs::path(a.model).filename().string();

  std::string h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>microflow report: " + html(model_name) +
                  "</title><style>" + kStyle + "</style></head><body>\n";
  h += fmt::format("<h1>{}</h1>\n<p>{} kernel calls ({}); {} MACs; {} B of constants; arena {} B (lower bound {} B); "
                   "--optimize={}.</p>\n",
                   html(a.model), m.calls.size(), html(ops), with_commas(m.macs()), with_commas(m.weight_bytes()),
                   with_commas(m.plan.arena_bytes), with_commas(m.plan.lower_bound), a.pipeline.optimize);

  // Summary per target.
  h += "<h2>Targets</h2>\n<table id=\"targets\"><thead><tr><th class=\"l\">target</th><th class=\"l\">stands for</th>"
       "<th>flash B (firmware / chip)</th><th>RAM B (static + peak stack / chip)</th><th>arena B</th><th>count</th>"
       "<th>time per inference</th><th>energy per inference</th></tr></thead><tbody>\n";
  for (const TargetSection& s : sections) {
    const Target& t = s.target;
    if (!s.error.empty()) {
      h += fmt::format("<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l error\" colspan=\"6\">does not "
                       "run: {}</td></tr>\n",
                       t.name, html(t.energy.part), html(s.error));
      continue;
    }
    const Measurement& f = s.run.firmware;
    const nlohmann::json e = t.has_energy() ? energy_json(t, f.count) : nlohmann::json();
    h += fmt::format("<tr><td class=\"l\">{}</td><td class=\"l\">{}</td>{}{}<td>{}{}</td><td>{} {}</td>", t.name,
                     html(t.has_energy() ? t.energy.part : ""), usage_cell(f.sizes.flash, t.flash_bytes),
                     usage_cell(f.sizes.ram + f.stack, t.ram_bytes), with_commas(s.run.model->plan.arena_bytes),
                     s.run.model->input_rows.enabled ? " (input row by row)" : "", with_commas(f.count),
                     t.count == "cycles" ? "cycles" : "instructions");
    if (t.has_energy())
      h += fmt::format("<td>{:.1f} µs</td><td>{:.3f} µJ</td></tr>\n", e["time_us"].get<double>(),
                       e["energy_uj"].get<double>());
    else
      h += "<td colspan=\"2\" class=\"note\">no datasheet figures</td></tr>\n";
  }
  h += "</tbody></table>\n<p class=\"note\">";
  for (const TargetSection& s : sections)
    if (s.target.has_energy())
      h += fmt::format("{}: {}<br>\n", s.target.name, html(s.target.energy.source));
  h += "Time = cycles / clock; energy = voltage × active current × time. Flash excludes the all-zero input vector "
       "the bench harness embeds.</p>\n";

  // Per-layer table.
  h += "<h2>Layers</h2>\n<table class=\"sortable\" id=\"layers\"><thead><tr><th>op</th><th class=\"l\">operator</th>"
       "<th class=\"l\">kernel</th><th class=\"l\">output</th><th>MACs</th><th>weight B</th>";
  for (const TargetSection& s : sections)
    if (!s.calls.empty()) h += fmt::format("<th>{} on {}</th>", s.target.count == "cycles" ? "cycles" : "instructions", s.target.name);
  h += "</tr></thead><tbody>\n";
  // One row per call; a band-streamed region's stages each get their own row (their counts
  // measured per stage), then the region's row holds what its band executor adds.
  const auto layer_row = [&](const KernelCall& k, bool executor) {
    const Tensor& out = m.graph.tensor(k.output_tensor());
    const std::string names = executor ? "band executor: " + k.op_names() : k.op_names();
    h += fmt::format("<tr><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}{}</td><td>{}</td>"
                     "<td>{}</td>",
                     k.op_indices(), names,
                     html(k.is_alias ? "alias (no code)" : k.views ? "views (no copy)" : k.function()),
                     dtype_name(out.type), out.shape_string(), executor ? "" : with_commas(k.macs),
                     executor ? "" : with_commas(k.constant_bytes()));
    // The measured call whose generated comment names this operator.
    for (const TargetSection& s : sections) {
      if (s.calls.empty()) continue;
      // "op N:", or "ops N+M+...:" for a call of several operators (a region, a fused pair).
      const std::string ops = k.op_indices() + ":";
      const auto it = std::find_if(s.calls.begin(), s.calls.end(), [&](const CallCount& c) {
        return c.label.starts_with("op " + ops) || c.label.starts_with("ops " + ops);
      });
      h += it == s.calls.end() ? "<td></td>" : fmt::format("<td>{}</td>", with_commas(it->count));
    }
    h += "</tr>\n";
  };
  for (const KernelCall& k : m.calls) {
    for (const KernelCall& stage : k.stages) layer_row(stage, false);
    layer_row(k, !k.stages.empty());
  }
  h += "</tbody></table>\n<p class=\"note\">Per-layer counts: the bench firmware rebuilt once per kernel call with "
       "the count markers around that call alone (bench/layer_profile.py's method); inside a band-streamed region "
       "around each stage's rows, the region's own row being what its band executor adds. Click a header to sort.</p>\n";

  // Charts.
  h += "<h2>Where the time and the flash go</h2>\n";
  for (const TargetSection& s : sections) {
    if (s.calls.empty()) continue;
    std::vector<Bar> bars;
    for (const CallCount& c : s.calls) bars.push_back({c.label.substr(0, c.label.find(" '")), static_cast<double>(c.count)});
    h += bar_chart("time: " + std::string(s.target.count == "cycles" ? "cycles" : "instructions") + " per layer on " +
                       s.target.name,
                   bars, s.target.count == "cycles" ? "cycles" : "instr.");
  }
  if (std::none_of(sections.begin(), sections.end(), [](const TargetSection& s) { return !s.calls.empty(); })) {
    std::vector<Bar> bars;
    for (const KernelCall& k : m.calls) bars.push_back({"op " + k.op_indices() + ": " + k.op_names(), static_cast<double>(k.macs)});
    h += bar_chart("time (no target measured): MACs per layer", bars, "MACs");
  }
  std::vector<Bar> flash;
  for (const KernelCall& k : m.calls)
    if (k.constant_bytes()) flash.push_back({"op " + k.op_indices() + ": " + k.op_names(), static_cast<double>(k.constant_bytes())});
  h += bar_chart("flash: constants per layer", flash, "B");
  for (const TargetSection& s : sections) {
    if (!s.error.empty()) continue;
    const int64_t constants = internal_constant_bytes(*s.run.model, 0);
    const int64_t harness = s.run.empty.sizes.flash;
    h += bar_chart("flash on " + s.target.name,
                   {{"constants, re-laid-out for " + s.target.name + " (weights, biases, tables)", static_cast<double>(constants)},
                    {"kernels and model code", static_cast<double>(std::max<int64_t>(s.run.firmware.sizes.flash - constants - harness, 0))},
                    {"platform and harness (empty firmware)", static_cast<double>(harness)}},
                   "B");
  }

  // Memory.
  h += "<h2>Memory: the arena plan</h2>\n<p class=\"note\">Tensors as rectangles: x = execution step, y = arena offset. "
       "Thick outline: an output written over its dying input (in place); grey column: a band-streamed region. Hover "
       "for details.</p>\n";
  h += memory_plan_svg(m);
  h += "<pre class=\"note\">";
  std::ostringstream memory;
  print_memory_report(memory, m);
  h += html(memory.str()) + "</pre>\n";

  h += fmt::format("<p class=\"note\">Generated by microflow report.</p>\n<script>{}</script>\n</body></html>\n", kScript);
  std::ofstream out(a.out);
  if (!out) throw CompileError(a.out + ": cannot write");
  out << h;
  std::cerr << fmt::format("report: wrote {} ({} target(s))\n", a.out, sections.size());
  return 0;
}

}  // namespace microflow
