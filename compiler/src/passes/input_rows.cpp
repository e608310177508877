#include "passes/input_rows.h"

#include <algorithm>

#include "diagnostics.h"
#include "kernels/catalog.h"

namespace microflow {
namespace {

// The kernel's row form, nullptr when it has none (a band region's: its first stage reads the ring).
const KernelDef* row_form(const KernelCall& k) {
  if (k.is_alias || !k.kernel) return nullptr;
  return k.kernel->row_form;
}

// How the call reads its input rows; a band region's first stage, whose row is input_row_bytes
// int8 values (one batch).
RowWindow input_window(const KernelCall& k) {
  if (k.stages.empty()) return k.params.as<WindowedParams>().window();
  const BandInfo& b = k.bands.front();
  RowWindow w;
  w.batches = 1;
  w.input_height = b.input_height;
  w.input_width = b.input_row_bytes;
  w.input_depth = 1;
  w.output_height = b.output_height;
  w.output_width = b.output_row_bytes;
  w.output_depth = 1;
  w.stride = b.stride;
  w.pad_top = b.pad_top;
  w.span = b.span;
  return w;
}

// Calls reading tensor t (any argument).
std::vector<size_t> readers_of(const std::vector<KernelCall>& calls, int t) {
  std::vector<size_t> r;
  for (size_t i = 0; i < calls.size(); ++i)
    if (std::any_of(calls[i].args.begin(), calls[i].args.end(),
                    [&](const KernelArg& a) { return a.kind == KernelArg::Input && a.tensor == t; }))
      r.push_back(i);
  return r;
}

// Follows the RESHAPEs from the model input to the one kernel reading it; returns that
// call's index (calls.size() with `why` set when there is no single such call).
size_t consumer(const Graph& g, const std::vector<KernelCall>& calls, std::vector<size_t>& aliases, std::string& why) {
  int t = g.inputs[0];
  for (;;) {
    if (g.is_output(t)) {
      why = "the input is also a model output";
      return calls.size();
    }
    const std::vector<size_t> r = readers_of(calls, t);
    if (r.size() != 1) {
      why = r.empty() ? "no kernel reads the input" : "more than one operator reads the input";
      return calls.size();
    }
    if (!calls[r[0]].is_alias) return r[0];
    aliases.push_back(r[0]);
    t = calls[r[0]].output_tensor();
  }
}

}  // namespace

std::string streaming_blocker(const Graph& g, const std::vector<KernelCall>& calls) {
  if (g.inputs.size() != 1) return "the model has " + std::to_string(g.inputs.size()) + " inputs (streaming needs one)";
  // push_row() has no state region argument.
  if (g.has_state()) return "the model keeps state between invokes (variable tensors)";
  const Tensor& in = g.tensor(g.inputs[0]);
  if (in.type != DType::Int8) return std::string("the input is ") + dtype_name(in.type) + " (streaming needs int8)";
  std::vector<size_t> aliases;
  std::string why;
  const size_t c = consumer(g, calls, aliases, why);
  if (c == calls.size()) return why;
  const KernelCall& k = calls[c];
  const std::string first = "op " + k.op_indices() + " (" + k.op_names() + ")";
  if (!row_form(k)) return first + ", which reads the input, has no row-by-row form (" + k.function() + ")";
  const int input = k.input_tensor();
  if (std::count_if(k.args.begin(), k.args.end(), [&](const KernelArg& a) { return a.tensor == input; }) != 1)
    return first + " reads the input twice";
  for (size_t i = 0; i < c; ++i)
    if (std::find(aliases.begin(), aliases.end(), i) == aliases.end())
      return first + ", which reads the input, is not the first operator to run";
  const RowWindow geo = input_window(k);
  if (geo.batches != 1) return first + " has " + std::to_string(geo.batches) + " batches (streaming needs one)";
  if (geo.span >= geo.input_height)
    return first + "'s window spans all " + std::to_string(geo.input_height) +
           " input rows: streaming would hold them all";
  return "";
}

StreamingInput make_streaming(Graph& g, std::vector<KernelCall>& calls) {
  std::vector<size_t> aliases;
  std::string why;
  const size_t c = consumer(g, calls, aliases, why);
  if (c == calls.size() || !row_form(calls[c])) fail(g.source, "internal: streaming a model that cannot stream");
  KernelCall& k = calls[c];
  const KernelDef& whole = *k.kernel;
  const RowWindow geo = input_window(k);

  StreamingInput s;
  s.enabled = true;
  s.rows = geo.input_height;
  s.row_elements = geo.input_width * geo.input_depth;
  s.window_rows = std::min(geo.span, geo.input_height);
  s.kernel = whole.row_form->function;
  const std::string input_name = g.tensor(g.inputs[0]).name;
  auto add_tensor = [&](const std::string& name, DType type, std::vector<int32_t> shape) {
    Tensor t;
    t.id = static_cast<int>(g.tensors.size());
    t.name = name;
    t.type = type;
    t.type_name = type == DType::Int8 ? "INT8" : "INT32";
    t.shape = std::move(shape);
    g.tensors.push_back(t);
    return t.id;
  };
  s.ring = add_tensor(input_name + "/rows", DType::Int8,
                      {static_cast<int32_t>(s.window_rows), static_cast<int32_t>(geo.input_width),
                       static_cast<int32_t>(geo.input_depth)});
  // A band region also keeps each stage's row state (mf::BandState, three words) between rows.
  const int64_t state_words = whole.row_form->row_params.state_words + 3 * static_cast<int64_t>(k.stages.size());
  s.state = add_tensor(input_name + "/row_state", DType::Int32, {static_cast<int32_t>(state_words)});

  InputRowsParams rows;
  rows.input_height = geo.input_height;
  rows.row_elements = s.row_elements;
  rows.window_rows = s.window_rows;
  rows.output_height = geo.output_height;
  rows.stride_height = geo.stride;
  rows.pad_top = geo.pad_top;
  rows.window_height = geo.span;
  Params call = k.params;
  if (!k.stages.empty()) {
    BandStreamS8Params band;
    band.stages = {"Stages"};
    band.count = static_cast<int64_t>(k.stages.size());
    call = band;
  }
  k.params = RowFormParams(whole.row_form->row_params, rows, call);
  k.kernel = whole.row_form;
  // The ring (written by the caller, shifted by the kernel) and the state replace the input.
  std::vector<KernelArg> args = {{KernelArg::Output, s.ring, "", "int8_t"}, {KernelArg::Output, s.state, "", "int32_t"}};
  for (const KernelArg& a : k.args)
    if (a.kind != KernelArg::Input) args.push_back(a);
  k.args = std::move(args);

  // The RESHAPEs in front only renamed the input, which no longer exists whole.
  std::sort(aliases.rbegin(), aliases.rend());
  for (size_t i : aliases) calls.erase(calls.begin() + static_cast<std::ptrdiff_t>(i));
  s.call = 0;
  return s;
}

}  // namespace microflow
