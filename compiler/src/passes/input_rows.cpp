#include "passes/input_rows.h"

#include <algorithm>

#include "diagnostics.h"

namespace microflow {
namespace {

// The kernels with a row form: whole-input function -> row function, row params type,
// the prefix of the kernel's own fields in the row params struct, extra state words.
struct RowKernel {
  const char* function;
  const char* rows_function;
  const char* rows_params_type;
  const char* field_prefix;  // "" when the fields are already prefixed (fused call)
  const char* geometry;      // prefix of the fields holding the input geometry
  int state_words;
};

constexpr RowKernel kRowKernels[] = {
    {"depthwise_conv_2d_s8", "depthwise_conv_2d_input_rows_s8", "DepthwiseConv2DInputRowsS8Params", "depthwise.", "", 2},
    // The planner's in-place form of the same call (one batch, identical parameters).
    {"depthwise_conv_2d_by_rows_s8", "depthwise_conv_2d_input_rows_s8", "DepthwiseConv2DInputRowsS8Params", "depthwise.",
     "", 2},
    {"depthwise_conv_2d_fully_connected_s8", "depthwise_conv_2d_fully_connected_input_rows_s8",
     "DepthwiseConv2DFullyConnectedInputRowsS8Params", "", "depthwise.", 3},
    {"conv_2d_s8", "conv_2d_input_rows_s8", "Conv2DInputRowsS8Params", "conv.", "", 2},
    {"average_pool_2d_s8", "average_pool_2d_input_rows_s8", "Pool2DInputRowsS8Params", "pool.", "", 2},
    {"max_pool_2d_s8", "max_pool_2d_input_rows_s8", "Pool2DInputRowsS8Params", "pool.", "", 2},
};

const RowKernel* row_kernel(const std::string& function) {
  for (const RowKernel& r : kRowKernels)
    if (function == r.function) return &r;
  return nullptr;
}

int64_t param(const KernelCall& k, const std::string& name, int64_t missing = -1) {
  for (const ParamField& f : k.params)
    if (f.name == name) return std::stoll(f.value);
  return missing;
}

// The input geometry of a row kernel's call.
struct RowGeometry {
  int64_t height, width, depth, output_height, window, stride, pad_top, batches;
};

RowGeometry geometry(const KernelCall& k, const RowKernel& r) {
  const std::string p = r.geometry;
  RowGeometry g;
  g.batches = param(k, p + "batches");
  g.height = param(k, p + "input_height");
  g.width = param(k, p + "input_width");
  g.depth = param(k, p + "input_depth", param(k, p + "depth"));  // pooling calls it depth
  g.output_height = param(k, p + "output_height");
  g.window = param(k, p + "dilation_height", 1) * (param(k, p + "filter_height") - 1) + 1;
  g.stride = param(k, p + "stride_height");
  g.pad_top = param(k, p + "pad_top");
  return g;
}

bool is_model_output(const Graph& g, int t) { return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end(); }

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
    if (is_model_output(g, t)) {
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
  const Tensor& in = g.tensor(g.inputs[0]);
  if (in.type != DType::Int8) return std::string("the input is ") + dtype_name(in.type) + " (streaming needs int8)";
  std::vector<size_t> aliases;
  std::string why;
  const size_t c = consumer(g, calls, aliases, why);
  if (c == calls.size()) return why;
  const KernelCall& k = calls[c];
  const std::string first = "op " + k.op_indices() + " (" + k.op_names() + ")";
  const RowKernel* r = row_kernel(k.function);
  if (!r) return first + ", which reads the input, has no row-by-row form (" + k.function + ")";
  const int input = k.input_tensor();
  if (std::count_if(k.args.begin(), k.args.end(), [&](const KernelArg& a) { return a.tensor == input; }) != 1)
    return first + " reads the input twice";
  for (size_t i = 0; i < c; ++i)
    if (std::find(aliases.begin(), aliases.end(), i) == aliases.end())
      return first + ", which reads the input, is not the first operator to run";
  const RowGeometry geo = geometry(k, *r);
  if (geo.batches != 1) return first + " has " + std::to_string(geo.batches) + " batches (streaming needs one)";
  if (geo.window >= geo.height)
    return first + "'s window spans all " + std::to_string(geo.height) + " input rows: streaming would hold them all";
  return "";
}

StreamingInput make_streaming(Graph& g, std::vector<KernelCall>& calls) {
  std::vector<size_t> aliases;
  std::string why;
  const size_t c = consumer(g, calls, aliases, why);
  if (c == calls.size() || !row_kernel(calls[c].function)) fail(g.source, "internal: streaming a model that cannot stream");
  KernelCall& k = calls[c];
  const RowKernel& r = *row_kernel(k.function);
  const RowGeometry geo = geometry(k, r);

  StreamingInput s;
  s.enabled = true;
  s.rows = geo.height;
  s.row_elements = geo.width * geo.depth;
  s.window_rows = std::min(geo.window, geo.height);
  s.kernel = r.rows_function;
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
                      {static_cast<int32_t>(s.window_rows), static_cast<int32_t>(geo.width), static_cast<int32_t>(geo.depth)});
  s.state = add_tensor(input_name + "/row_state", DType::Int32, {r.state_words});

  std::vector<ParamField> params = {{"rows.input_height", std::to_string(geo.height)},
                                    {"rows.row_elements", std::to_string(s.row_elements)},
                                    {"rows.window_rows", std::to_string(s.window_rows)},
                                    {"rows.output_height", std::to_string(geo.output_height)},
                                    {"rows.stride_height", std::to_string(geo.stride)},
                                    {"rows.pad_top", std::to_string(geo.pad_top)},
                                    {"rows.window_height", std::to_string(geo.window)}};
  for (const ParamField& f : k.params) params.push_back({r.field_prefix + f.name, f.value});
  k.params = std::move(params);
  k.function = r.rows_function;
  k.params_type = r.rows_params_type;
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
