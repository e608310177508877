#include "emitter/emitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "diagnostics.h"
#include "kernels/variants.h"
#include "passes/activation_fold.h"
#include "version.h"

namespace microflow {
namespace {

std::string symbol(const KernelCall& k, const std::string& suffix) {
  return "kOp" + std::to_string(k.op->index) + suffix;
}

// The call's params struct; a band region's (its row form's) is not its last stage's.
std::string params_symbol(const KernelCall& k) { return symbol(k, k.stages.empty() ? "Params" : "RegionParams"); }


std::string comment_safe(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 32) c = ' ';
  for (size_t p; (p = s.find("*/")) != std::string::npos;) s.replace(p, 2, "* /");
  // No trigraphs (-std=c++14 translates "??/" into a backslash) and no
  // backslash that could continue a // comment onto the next line.
  for (size_t p; (p = s.find("??")) != std::string::npos;) s.replace(p, 2, "?-?");
  for (char& c : s)
    if (c == '\\') c = '/';
  return s;
}

// The 256-byte int8 tables emitted so far (lookup_s8's, folded output tables), by content:
// a later call with the same table points at the first copy instead of a second array.
using EmittedTables = std::map<std::vector<int64_t>, std::string>;

void emit_array(std::ostringstream& out, const KernelCall& k, const ConstArray& a, EmittedTables& tables) {
  if (a.type == DType::Int8 && (a.suffix == "Table" || a.suffix == kOutputTableSuffix)) {
    const auto [first, inserted] = tables.emplace(a.ints, symbol(k, a.suffix));
    if (!inserted) {
      out << "constexpr const int8_t* " << symbol(k, a.suffix) << " = " << first->second << ";  // the same table\n";
      return;
    }
  }
  const bool is_float = a.type == DType::Float32;
  const size_t per_line = a.type == DType::Int8 ? 20 : 8;
  out << "const " << dtype_c_type(a.type) << " " << symbol(k, a.suffix) << "[" << a.size() << "] MF_FLASH = {";
  for (size_t i = 0; i < a.size(); ++i) {
    out << (i % per_line == 0 ? "\n    " : " ");
    out << (is_float ? literal(a.floats[i]) : literal(a.ints[i])) << ",";
  }
  out << "\n};\n";
}

// A call's constant arrays and its parameter struct.
void emit_constants(std::ostringstream& out, const KernelCall& k, EmittedTables& tables) {
  for (const ConstArray& a : k.arrays) emit_array(out, k, a, tables);
  const std::vector<ParamField> fields = k.params.fields();
  if (k.kernel->template_constants) {
    out << "using " << symbol(k, "Constants") << " = mf::" << k.params.type_name() << "<\n";
    for (size_t i = 0; i < fields.size(); ++i)
      out << "    " << fields[i].value << (i + 1 < fields.size() ? ",  // " : ">;  // ") << fields[i].name << "\n";
    return;
  }
  out << "const mf::" << k.params.type_name() << " " << params_symbol(k) << " MF_FLASH = {\n";
  for (const ParamField& f : fields)
    out << "    " << (f.value[0] == '@' ? symbol(k, f.value.substr(1)) : f.value) << ",  // " << f.name << "\n";
  out << "};\n";
}

std::string tensor_summary(const Graph& g, int id) {
  const Tensor& t = g.tensor(id);
  return std::string(dtype_name(t.type)) + t.shape_string();
}

std::string layer_comment(const Graph& g, const KernelCall& k) {
  std::string s = (k.fused.empty() ? "op " : "ops ") + k.op_indices() + ": " + k.op_names() + " '" +
                  comment_safe(g.tensor(k.output_tensor()).name) + "' ";
  // A call streamed from the input reads no whole input: it shows its ring of input rows
  // (its first argument). A call that reads no tensor (SHAPE, constant operands) shows none.
  const int in = k.input_tensor();
  const bool ring = in < 0 && k.args[0].kind == KernelArg::Output && k.args[0].tensor != k.output_tensor();
  s += (in >= 0 ? tensor_summary(g, in) : ring ? tensor_summary(g, k.args[0].tensor) + " rows" : "constants") +
       std::string(" -> ") + tensor_summary(g, k.output_tensor());
  if (!k.stages.empty()) s += " (streamed in bands: the intermediate tensors are never stored whole)";
  else if (!k.fused.empty()) s += " (fused: the intermediate tensor is never stored)";
  if (k.macs) s += ", " + with_commas(k.macs) + " MACs";
  return s;
}

// A band-streamed region's stage table (mf::BandStage, band_stream.h): each stage's kernel,
// its parameters, filter and folded bias (the first and second constant arrays), its row
// function (mf::band_row<kernel>, nullptr for a sink) and its rows; each row's comment is the
// stage's layer comment (per-stage counts read it: firmware.cpp profile_calls, bench/layer_profile.py).
void emit_band_stages(std::ostringstream& out, const Graph& g, const KernelCall& k) {
  // A template instance takes its sizes as template arguments: its params are the instance's
  // row function (mf::BandDepthwiseRowParams, mf::BandWideRowParams).
  // The depthwise instances' row function is their *_row (the layer runs its rows through *_fixed).
  for (const KernelCall& st : k.stages)
    if (st.kernel->template_constants) {
      const bool depthwise = st.kernel == &kDepthwiseConv2DS8WideFixed || st.kernel == &kDepthwiseConv2DS8NarrowFixed;
      const std::string function = st.function();
      out << "const mf::" << (depthwise ? "BandDepthwiseRowParams" : "BandWideRowParams") << " " << symbol(st, "Row")
          << " MF_FLASH = {&mf::"
          << (depthwise ? function.substr(0, function.size() - std::string("fixed").size()) + "row" : function) << "<"
          << symbol(st, "Constants") << ">};\n";
    }
  out << "const mf::BandStage " << symbol(k, "Stages") << "[" << k.stages.size() << "] MF_FLASH = {\n"
      << "    // kernel, params, filter, folded bias, requantization, row function, input rows, input row bytes,\n"
      << "    // output rows, output row bytes,"
      << " stride, pad_top, window rows, line buffer offset, in-place shift\n";
  for (size_t i = 0; i < k.stages.size(); ++i) {
    const KernelCall& st = k.stages[i];
    const BandInfo& b = k.bands[i];
    std::vector<std::string> arrays;
    for (const KernelArg& a : st.args)
      if (a.kind == KernelArg::Array) arrays.push_back(symbol(st, a.array));
    arrays.resize(3, "nullptr");
    // fmt::format, not "literal" + std::string: that makes GCC 12 warn a false -Wrestrict (GCC bug 105651).
    const std::string params = fmt::format("&{}", symbol(st, st.kernel->template_constants ? "Row" : "Params"));
    const std::string row = b.accumulator_bytes > 0 ? "nullptr" : fmt::format("&mf::band_row<mf::{}>", b.kernel);
    out << "    {mf::" << b.kernel << ", " << params << ", " << arrays[0] << ", " << arrays[1] << ", " << arrays[2] << ", "
        << row << ", "
        << b.input_height << ", " << b.input_row_bytes << ", " << b.output_height << ", " << b.output_row_bytes << ", "
        << b.stride << ", " << b.pad_top << ", " << b.span << ", " << b.buffer_offset << ", " << b.in_place_shift
        << "},  // " << layer_comment(g, st) << "\n";
  }
  out << "};\n";
}

// The runtime headers of the model's kernels (and of the float conversions of the API):
// a small model does not make the compiler parse every kernel.
std::set<std::string> runtime_headers(const std::vector<KernelCall>& calls) {
  std::set<std::string> headers = {"microflow/exec/flash.h", "microflow/kernels/quantize.h"};
  for (const KernelCall& k : calls) {
    if (k.kernel) headers.insert(k.kernel->header);
    for (const KernelCall& st : k.stages) headers.insert(st.kernel->header);
  }
  return headers;
}


// A tensor in the arena, or a variable in the state region.
std::string arena_pointer(const Graph& g, const MemoryPlan& plan, int tensor, bool is_const) {
  const Tensor& t = g.tensor(tensor);
  const bool state = plan.in_state(tensor);
  return std::string("reinterpret_cast<") + (is_const ? "const " : "") + dtype_c_type(t.type) + "*>(" +
         (state ? "state + " : "arena + ") +
         std::to_string(state ? plan.state_offset[static_cast<size_t>(tensor)] : plan.offset_of(tensor)) + ")";
}

struct IoTensor {
  int id;
  std::string kind;  // "Input" / "Output"
  size_t index;
};

std::string common_io_type(const Graph& g, const std::vector<int>& ids) {
  std::set<std::string> types;
  for (int id : ids) types.insert(dtype_c_type(g.tensor(id).type));
  return types.size() == 1 ? *types.begin() : "void";
}

void emit_header(std::ostringstream& h, const Graph& g, const std::vector<KernelCall>& calls, const MemoryPlan& plan,
                 const std::string& name, int64_t weight_bytes, int64_t macs, const WeightPages* pages,
                 const StreamingInput& streaming, int64_t whole_input_arena) {
  const bool rows = streaming.enabled;
  const bool stateful = plan.state_bytes > 0;
  std::string guard = "MICROFLOW_MODEL_" + name + "_H_";
  for (char& c : guard) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string source = std::filesystem::path(g.source).filename().string();
  h << "// " << name << ".h: generated by microflow " << kMicroflowVersion << " from " << comment_safe(source)
    << ". Do not edit.\n"
    << "// " << calls.size() << " operators, " << with_commas(macs) << " MACs, " << with_commas(weight_bytes)
    << " bytes of constants (internal flash), arena " << with_commas(plan.arena_bytes) << " bytes (RAM)"
    << (stateful ? ", state " + with_commas(plan.state_bytes) + " bytes (RAM)" : "")
    << (rows ? ", input streamed row by row" : "") << ".\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
    << "namespace " << name << " {\n\n"
    << "// RAM the model needs for all activations (the lower bound for this graph is "
    << plan.lower_bound << ").\n"
    << "constexpr size_t kArenaBytes = " << std::max<int64_t>(plan.arena_bytes, 1) << ";\n"
    << "#if defined(__AVR__)\n"
    << "constexpr size_t kArenaAlignment = 1;  // 8-bit AVR: no alignment requirement (alignas(16) is not allowed)\n"
    << "#else\n"
    << "constexpr size_t kArenaAlignment = 16;\n"
    << "#endif\n"
    << (stateful ? "// State the model keeps from one invoke() to the next (variable tensors: SVDF / LSTM state,\n"
                   "// resource variables), apart from the arena: the arena may be reused between invokes.\n"
                   "// One state region per independent stream; reset() before its first invoke().\n"
                   "constexpr size_t kStateBytes = " + std::to_string(plan.state_bytes) + ";\n"
                 : "")
    << "constexpr size_t kNumInputs = " << g.inputs.size() << ";\n"
    << "constexpr size_t kNumOutputs = " << g.outputs.size() << ";\n"
    << "// unsigned long: at least 32 bits everywhere (size_t has 16 on AVR); size_t itself on 64-bit hosts.\n"
    << "constexpr unsigned long kMacs = " << macs << "UL;\n"
    << "constexpr unsigned long kConstantBytes = " << weight_bytes
    << "UL;  // weights, folded biases, requantization constants in internal flash\n\n";
  if (pages)
    h << "// Weights from external memory: the constants of " << std::count_if(pages->calls.begin(), pages->calls.end(), [](const PagedCall& c) { return c.paged; })
      << " layers are in the image " << name << ".weights.bin\n"
      << "// (kWeightImageBytes, generated together with this header: another image gives wrong results).\n"
      << "// invoke() reads them through read_weights(), which the application defines (SPI flash,\n"
      << "// SD card, ...), one output-channel group at a time into a static page of kPageBytes (RAM).\n"
      << "constexpr size_t kPageBytes = " << pages->page_bytes << ";\n"
      << "constexpr unsigned long kWeightImageBytes = " << pages->image.size() << "UL;\n"
      << "// Copies bytes [offset, offset + bytes) of the weight image to dst (4-byte aligned).\n"
      << "void read_weights(uint32_t offset, void* dst, uint32_t bytes);\n\n";
  auto describe_io = [&](const std::vector<int>& ids, const char* kind) {
    for (size_t i = 0; i < ids.size(); ++i) {
      const Tensor& t = g.tensor(ids[i]);
      const std::string p = std::string("k") + kind + std::to_string(i);
      h << "// " << kind << " " << i << " '" << comment_safe(t.name) << "': " << dtype_name(t.type) << t.shape_string();
      if (t.type == DType::Int8) h << ", scale " << literal(t.quant.scale()) << ", zero point " << t.quant.zero_point();
      h << "\nconstexpr size_t " << p << "Elements = " << t.elements() << ";\n";
      if (t.type == DType::Int8)
        h << "constexpr float " << p << "Scale = " << literal(t.quant.scale()) << ";\n"
          << "constexpr int32_t " << p << "ZeroPoint = " << t.quant.zero_point() << ";\n";
    }
  };
  describe_io(g.inputs, "Input");
  describe_io(g.outputs, "Output");

  if (rows) {
    h << "\n// Streaming input: input 0 arrives row by row, kInputRows rows of kInputRowElements\n"
      << "// elements each (consecutive slices of the input in its element order). The arena\n"
      << "// holds only the last kInputWindowRows rows; the whole-input form needs an arena of\n"
      << "// kWholeInputArenaBytes (microflow compile --streaming-input off).\n"
      << "constexpr size_t kInputRows = " << streaming.rows << ";\n"
      << "constexpr size_t kInputRowElements = " << streaming.row_elements << ";\n"
      << "constexpr size_t kInputWindowRows = " << streaming.window_rows << ";\n"
      << "constexpr size_t kWholeInputArenaBytes = " << whole_input_arena << ";\n"
      << "\n// Low-level API: the caller owns the arena (kArenaBytes, aligned to kArenaAlignment).\n"
      << "// begin_rows() before the first row (and to drop a partly received input); then per\n"
      << "// row: write it at row_buffer(), call push_row(). push_row() returns true when that\n"
      << "// was the last row: the outputs are ready and stay valid until the next row is\n"
      << "// written (the row buffer may share their bytes).\n"
      << "void begin_rows(uint8_t* arena);\n"
      << "int8_t* row_buffer(uint8_t* arena);\n"
      << "bool push_row(uint8_t* arena);\n";
  } else {
    h << "\n// Low-level API: the caller owns the arena (kArenaBytes, aligned to kArenaAlignment).\n"
      << "// Inputs are read and may be overwritten by invoke(); outputs stay valid until the next one.\n";
    if (stateful)
      h << "// The caller also owns the state (kStateBytes, aligned to kArenaAlignment), which only\n"
        << "// reset() and invoke() write: one invoke() per time step; a second state region runs a\n"
        << "// second, independent stream with the same weights (and, one invoke at a time, the same arena).\n"
        << "// reset() gives the state of a fresh model (as TFLM's after AllocateTensors / Reset()).\n"
        << "void reset(uint8_t* state);\n"
        << "void invoke(uint8_t* arena, uint8_t* state);\n";
    else
      h << "void invoke(uint8_t* arena);\n";
  }
  auto accessors = [&](const std::vector<int>& ids, const char* fn) {
    for (size_t i = 0; i < ids.size(); ++i)
      h << "inline " << dtype_c_type(g.tensor(ids[i]).type) << "* " << fn << i << "(uint8_t* arena) { return "
        << arena_pointer(g, plan, ids[i], false) << "; }\n";
  };
  if (!rows) accessors(g.inputs, "input");
  accessors(g.outputs, "output");

  // Element counts by index as constant expressions, for the size-checked helpers.
  auto elements_fn = [&](const std::vector<int>& ids, const char* fn, const char* kind) {
    h << "constexpr size_t " << fn << "(size_t i) { return ";
    for (size_t i = 0; i < ids.size(); ++i) h << "i == " << i << " ? k" << kind << i << "Elements : ";
    h << "0; }\n";
  };
  h << "\n// Elements of input / output i (0 when there is no such tensor).\n";
  elements_fn(g.inputs, "input_elements", "Input");
  elements_fn(g.outputs, "output_elements", "Output");

  const std::string in_type = common_io_type(g, g.inputs), out_type = common_io_type(g, g.outputs);
  h << "\n// The model with its own arena. Float helpers quantize inputs and dequantize\n"
    << "// outputs with the model's scales (plain copies for float tensors).\n"
    << "class Model {\n public:\n";
  if (rows) {
    h << "  Model() { begin(); }\n"
      << "  " << out_type << "* output(size_t i = 0);  // nullptr when i >= kNumOutputs\n"
      << "  // Streaming input (see begin_rows / row_buffer / push_row above).\n"
      << "  void begin() { " << name << "::begin_rows(arena_); }\n"
      << "  int8_t* row_buffer() { return " << name << "::row_buffer(arena_); }\n"
      << "  bool push_row() { return " << name << "::push_row(arena_); }\n"
      << "  // Unchecked: row must hold kInputRowElements values (floats are quantized).\n"
      << "  // Outputs stay valid until the next row is written.\n"
      << "  bool push_row(const int8_t* row);\n"
      << "  bool push_row(const float* row);\n"
      << "  // Unchecked: values must hold output_elements(i) floats; no tensor i: does nothing.\n"
      << "  void get_output(float* values, size_t i = 0);\n";
  } else {
    h << (stateful ? "  Model() { reset(); }\n" : "")
      << "  " << in_type << "* input(size_t i = 0);   // nullptr when i >= kNumInputs\n"
      << "  " << out_type << "* output(size_t i = 0);  // nullptr when i >= kNumOutputs\n"
      << (stateful ? "  // One time step; the state carries over to the next invoke() until reset().\n"
                     "  void invoke() { " + name + "::invoke(arena_, state_); }\n"
                     "  void reset() { " + name + "::reset(state_); }\n"
                     "  uint8_t* state() { return state_; }\n"
                   : "  void invoke() { " + name + "::invoke(arena_); }\n")
      << "  // Unchecked: values must hold input_elements(i) / output_elements(i) floats;\n"
      << "  // an index i without a tensor does nothing.\n"
      << "  void set_input(const float* values, size_t i = 0);\n"
      << "  void get_output(float* values, size_t i = 0);\n"
      << "  // Checked at compile time: model.set_input<0>(values) with float values[kInput0Elements].\n"
      << "  template <size_t I, size_t N>\n"
      << "  void set_input(const float (&values)[N]) {\n"
      << "    static_assert(I < kNumInputs, \"set_input<I>: the model has no input I\");\n"
      << "    static_assert(N == input_elements(I), \"set_input<I>(values): values must have exactly kInput<I>Elements elements\");\n"
      << "    set_input(&values[0], I);\n"
      << "  }\n";
  }
  h    << "  template <size_t I, size_t N>\n"
    << "  void get_output(float (&values)[N]) {\n"
    << "    static_assert(I < kNumOutputs, \"get_output<I>: the model has no output I\");\n"
    << "    static_assert(N == output_elements(I), \"get_output<I>(values): values must have exactly kOutput<I>Elements elements\");\n"
    << "    get_output(&values[0], I);\n"
    << "  }\n"
    << "  uint8_t* arena() { return arena_; }\n\n private:\n"
    << "  alignas(kArenaAlignment) uint8_t arena_[kArenaBytes];\n"
    << (stateful ? "  alignas(kArenaAlignment) uint8_t state_[kStateBytes];\n" : "") << "};\n\n"
    << "}  // namespace " << name << "\n\n#endif  // " << guard << "\n";
}

void emit_io_helpers(std::ostringstream& s, const Graph& g, const std::string& name, const StreamingInput& streaming) {
  const bool rows = streaming.enabled;
  const std::string in_type = common_io_type(g, g.inputs), out_type = common_io_type(g, g.outputs);
  auto io_switch = [&](const std::vector<int>& ids, const std::string& type, const char* fn) {
    s << type << "* Model::" << fn << "(size_t i) {\n  switch (i) {\n";
    for (size_t i = 0; i < ids.size(); ++i)
      s << "    case " << i << ": return " << name << "::" << fn << i << "(arena_);\n";
    s << "    default: return nullptr;\n  }\n}\n\n";
  };
  if (!rows) io_switch(g.inputs, in_type, "input");
  io_switch(g.outputs, out_type, "output");

  // Quantization parameters of the float helpers live in flash like every other constant.
  auto params = [&](const std::vector<int>& ids, const char* kind, const char* type, const char* quantizer) {
    for (size_t i = 0; i < ids.size(); ++i) {
      const Tensor& t = g.tensor(ids[i]);
      if (t.type != DType::Int8) continue;
      s << "const mf::" << type << " k" << kind << i << "Quantization MF_FLASH = {" << t.elements() << ", "
        << literal(t.quant.scale()) << ", " << t.quant.zero_point() << "};  // " << quantizer << "\n";
    }
  };
  s << "namespace {\n";
  if (rows) {
    const Tensor& in = g.tensor(g.inputs[0]);
    s << "const mf::QuantizeF32ToS8Params kInputRowQuantization MF_FLASH = {" << streaming.row_elements << ", "
      << literal(in.quant.scale()) << ", " << in.quant.zero_point() << "};  // float -> int8, one row\n";
  } else {
    params(g.inputs, "Input", "QuantizeF32ToS8Params", "float -> int8");
  }
  params(g.outputs, "Output", "DequantizeS8ToF32Params", "int8 -> float");
  s << "}  // namespace\n\n";

  auto convert = [&](const std::vector<int>& ids, const char* kind, const char* signature, const char* fn) {
    s << "void Model::" << signature << " {\n";
    // Tensors of other types (int16, int32, int64, bool) have no float form.
    if (std::none_of(ids.begin(), ids.end(), [&](int id) {
          return g.tensor(id).type == DType::Int8 || g.tensor(id).type == DType::Float32;
        }))
      s << "  static_cast<void>(values);\n";
    s << "  switch (i) {\n";
    for (size_t i = 0; i < ids.size(); ++i) {
      const Tensor& t = g.tensor(ids[i]);
      const std::string ptr = name + "::" + (std::string(kind) == "Input" ? "input" : "output") + std::to_string(i) + "(arena_)";
      s << "    case " << i << ": ";
      if (t.type == DType::Int8) {
        if (std::string(kind) == "Input") s << "mf::" << fn << "(k" << kind << i << "Quantization, values, " << ptr << ");";
        else s << "mf::" << fn << "(k" << kind << i << "Quantization, " << ptr << ", values);";
      } else if (t.type == DType::Float32) {
        if (std::string(kind) == "Input") s << "memcpy(" << ptr << ", values, " << t.bytes() << ");";
        else s << "memcpy(values, " << ptr << ", " << t.bytes() << ");";
      }
      s << " break;\n";
    }
    s << "    default: break;\n  }\n}\n\n";
  };
  if (rows) {
    s << "bool Model::push_row(const int8_t* row) {\n  memcpy(row_buffer(), row, kInputRowElements);\n"
      << "  return push_row();\n}\n\n"
      << "bool Model::push_row(const float* row) {\n"
      << "  mf::quantize_f32_to_s8(kInputRowQuantization, row, row_buffer());\n  return push_row();\n}\n\n";
  } else {
    convert(g.inputs, "Input", "set_input(const float* values, size_t i)", "quantize_f32_to_s8");
  }
  convert(g.outputs, "Output", "get_output(float* values, size_t i)", "dequantize_s8_to_f32");
}

// The kernel call statement (without `;`), e.g. "mf::conv_2d_s8(kOp1Params, ...)".
std::string call_expression(const Graph& g, const MemoryPlan& plan, const KernelCall& k) {
  // Specialized kernels take their constants as a template argument instead of a params struct.
  const bool instance = k.kernel->template_constants;
  std::string c = instance ? "mf::" + k.function() + "<" + symbol(k, "Constants") + ">("
                           : "mf::" + k.function() + "(" + params_symbol(k);
  for (const KernelArg& a : k.args) {
    if (!instance || &a != &k.args.front()) c += ", ";
    switch (a.kind) {
      case KernelArg::Input: c += arena_pointer(g, plan, a.tensor, true); break;
      case KernelArg::Output: c += arena_pointer(g, plan, a.tensor, false); break;
      case KernelArg::Array: c += symbol(k, a.array); break;
      case KernelArg::Null: c += "nullptr"; break;
    }
  }
  return c + ")";
}

// A strided part of another tensor (passes/views.cpp) spans from its start to the end of
// the tensor it belongs to: its producer writes rows of it that far apart.
std::map<int, int> strided_parts(const std::vector<KernelCall>& calls) {
  std::map<int, int> whole_of;
  for (const KernelCall& k : calls)
    if (k.views)
      for (const Block& b : k.blocks)
        if (!b.contiguous()) whole_of[b.part] = b.whole;
  return whole_of;
}

void emit_bounds_check(std::ostringstream& s, const Graph& g, const MemoryPlan& plan, const KernelCall& k,
                       const std::map<int, int>& strided) {
  std::string ranges;
  for (const KernelArg& a : k.args) {
    if ((a.kind != KernelArg::Input && a.kind != KernelArg::Output) || plan.in_state(a.tensor)) continue;
    const int64_t begin = plan.offset_of(a.tensor);
    const auto w = strided.find(a.tensor);
    const int64_t end = w == strided.end() ? begin + g.tensor(a.tensor).bytes()
                                           : plan.offset_of(w->second) + g.tensor(w->second).bytes();
    ranges += (ranges.empty() ? "" : ", ") + std::to_string(begin) + ", " + std::to_string(end - begin);
  }
  s << "  {\n    static const size_t kRanges[] = {" << ranges << "};\n"
    << "    only_tensors(arena, kRanges, sizeof kRanges / sizeof kRanges[0]);\n  }\n";
}

// The params struct of one group size of a paged call: group channels, per-channel
// arrays in the page.
void emit_paged_params(std::ostringstream& s, const KernelCall& k, const PageGroup& group, const std::string& symbol_name) {
  const Params params = group.channels > 0 ? k.kernel->channel_split->group(k.params, group.channels) : k.params;
  s << "const mf::" << params.type_name() << " " << symbol_name << " MF_FLASH = {\n";
  for (const ParamField& f : params.fields()) {
    std::string value = f.value;
    if (value[0] == '@') {
      // Params point only at int32 arrays (multipliers, shifts): a plain offset into the
      // int32 page keeps the struct a constant initializer.
      for (const ConstArray& a : k.arrays)
        if (a.suffix == value.substr(1) && a.type != DType::Int32)
          throw CompileError("internal: params field " + f.name + " refers to a non-int32 array");
      value = "weight_page + " + std::to_string(group.offset_of(value.substr(1)) / 4);
    }
    s << "    " << value << ",  // " << f.name << "\n";
  }
  s << "};\n";
}

// One read_weights() and the kernel call for the group at `record` (an expression).
void emit_paged_call(std::ostringstream& s, const Graph& g, const MemoryPlan& plan, const KernelCall& k,
                     const PageGroup& group, const std::string& params, const std::string& record,
                     const std::string& first_channel, const std::string& indent) {
  s << indent << "read_weights(" << record << ", weight_page, " << group.record_bytes << "u);\n";
  s << indent << "mf::" << k.function() << "(" << params;
  for (const KernelArg& a : k.args) {
    s << ", ";
    switch (a.kind) {
      case KernelArg::Input: s << arena_pointer(g, plan, a.tensor, true); break;
      case KernelArg::Output:
        s << arena_pointer(g, plan, a.tensor, false);
        if (first_channel != "0") s << " + " << first_channel;
        break;
      case KernelArg::Array: {
        const ConstArray* array = nullptr;
        for (const ConstArray& c : k.arrays)
          if (c.suffix == a.array) array = &c;
        s << "reinterpret_cast<const " << dtype_c_type(array->type) << "*>(weight_page + "
          << group.offset_of(a.array) / 4 << ")";
        break;
      }
      case KernelArg::Null: s << "nullptr"; break;
    }
  }
  s << ");\n";
}

void emit_source(std::ostringstream& s, const Graph& g, const std::vector<KernelCall>& calls, const MemoryPlan& plan,
                 const std::string& name, const EmitOptions& options, const WeightPages* pages,
                 const StreamingInput& streaming) {
  const std::map<int, int> strided = strided_parts(calls);
  s << "// " << name << ".cpp: generated by microflow " << kMicroflowVersion << ". Do not edit.\n"
    << "#include \"" << name << ".h\"\n\n#include <string.h>\n\n";
  for (const std::string& header : runtime_headers(calls)) s << "#include <" << header << ">\n";
  if (options.tensor_bounds_check) s << "#include <sanitizer/asan_interface.h>\n";
  if (pages)
    s << "\n#if defined(__AVR__)\n#error \"external weights: AVR kernels read constants from program memory and cannot "
         "read the RAM page\"\n#endif\n";
  s << "\nnamespace " << name << " {\nnamespace {\n";
  if (pages && std::any_of(pages->calls.begin(), pages->calls.end(), [](const PagedCall& c) { return c.paged; }))
    s << "\n// The page: paged layers read one output-channel group's weights and per-channel\n"
      << "// constants at a time into it (4-byte aligned for the kernels' word loads).\n"
      << "int32_t weight_page[kPageBytes / 4];\n";
  if (options.tensor_bounds_check)
    s << "\n// Tensor bounds check (AddressSanitizer builds): while a kernel runs, only the\n"
      << "// arena bytes of its own tensors are addressable.\n"
      << "void only_tensors(uint8_t* arena, const size_t* ranges, size_t n) {\n"
      << "  ASAN_POISON_MEMORY_REGION(arena, kArenaBytes);\n"
      << "  for (size_t i = 0; i + 1 < n; i += 2) ASAN_UNPOISON_MEMORY_REGION(arena + ranges[i], ranges[i + 1]);\n"
      << "}\n";
  EmittedTables tables;
  for (size_t i = 0; i < calls.size(); ++i) {
    const KernelCall& k = calls[i];
    if (!k.emits_code()) continue;
    s << "\n// " << layer_comment(g, k) << "\n";
    if (pages && pages->calls[i].paged) {
      const PagedCall& pc = pages->calls[i];
      if (pc.full.channels == 0) {
        s << "// Paged whole: " << pc.full.record_bytes << " B from weight image offset " << pc.image_offset << ".\n";
      } else {
        s << "// Paged: " << pc.full_groups << " group(s) of " << pc.full.channels << " output channels ("
          << pc.full.record_bytes << " B each)";
        if (pc.last.channels) s << " and one of " << pc.last.channels << " (" << pc.last.record_bytes << " B)";
        s << " from weight image offset " << pc.image_offset << ".\n";
      }
      emit_paged_params(s, k, pc.full, symbol(k, "Params"));
      if (pc.last.channels) emit_paged_params(s, k, pc.last, symbol(k, "ParamsLast"));
      continue;
    }
    if (k.stages.empty()) {
      emit_constants(s, k, tables);
      continue;
    }
    for (const KernelCall& stage : k.stages) {
      s << "// op " << stage.op_indices() << ": " << stage.op_names() << " (rows computed in bands)\n";
      emit_constants(s, stage, tables);
    }
    emit_band_stages(s, g, k);
    // The row form (streaming input) takes the stage table in its params struct.
    if (!k.params.empty()) emit_constants(s, k, tables);
  }
  s << "\n}  // namespace\n\n";
  const std::string unpoison = options.tensor_bounds_check ? "  ASAN_UNPOISON_MEMORY_REGION(arena, kArenaBytes);\n" : "";
  auto emit_calls = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const KernelCall& k = calls[i];
      s << "  // " << layer_comment(g, k) << "\n";
      if (k.is_alias) {
        s << "  // (no code: the output shares the input's storage at arena + " << plan.offset_of(k.args[0].tensor)
          << ")\n";
        continue;
      }
      if (k.views) {
        s << "  // (no code: each part is stored inside the tensor it belongs to)\n";
        continue;
      }
      if (options.tensor_bounds_check) emit_bounds_check(s, g, plan, k, strided);
      if (pages && pages->calls[i].paged) {
        const PagedCall& pc = pages->calls[i];
        const std::string full = std::to_string(pc.full.channels), record = std::to_string(pc.full.record_bytes);
        const std::string base = std::to_string(pc.image_offset) + "u";
        if (pc.full_groups == 1) {
          emit_paged_call(s, g, plan, k, pc.full, symbol(k, "Params"), base, "0", "  ");
        } else {
          s << "  for (uint32_t group = 0; group < " << pc.full_groups << "u; ++group) {\n";
          emit_paged_call(s, g, plan, k, pc.full, symbol(k, "Params"), base + " + group * " + record + "u",
                          "group * " + full + "u", "    ");
          s << "  }\n";
        }
        if (pc.last.channels)
          emit_paged_call(s, g, plan, k, pc.last, symbol(k, "ParamsLast"),
                          std::to_string(pc.image_offset + pc.full_groups * pc.full.record_bytes) + "u",
                          std::to_string(pc.full_groups * pc.full.channels), "  ");
        continue;
      }
      if (!k.stages.empty()) {
        // Arguments: the region input, the line buffers (scratch), the region output.
        s << "  {\n    mf::BandState bands[" << k.stages.size() << "];\n    mf::band_stream_s8(" << symbol(k, "Stages")
          << ", " << k.stages.size() << ", bands, " << arena_pointer(g, plan, k.args[0].tensor, true) << ", "
          << arena_pointer(g, plan, k.args[1].tensor, false) << ", " << arena_pointer(g, plan, k.args[2].tensor, false)
          << ");\n  }\n";
        continue;
      }
      s << "  " << call_expression(g, plan, k) << ";\n";
    }
  };
  size_t first = 0;
  if (streaming.enabled) {
    // The first call runs row by row inside push_row(); the others after its last row.
    const KernelCall& k = calls[streaming.call];
    const std::string ring = arena_pointer(g, plan, streaming.ring, false);
    const std::string state = arena_pointer(g, plan, streaming.state, false);
    s << "void begin_rows(uint8_t* arena) { mf::input_rows_begin(" << state << "); }\n\n"
      << "int8_t* row_buffer(uint8_t* arena) {\n  return mf::input_row_slot(mf::flash_load(" << params_symbol(k)
      << ".rows), " << ring << ", " << state << ");\n}\n\n"
      << "bool push_row(uint8_t* arena) {\n  // " << layer_comment(g, k) << ", one input row\n";
    if (options.tensor_bounds_check) emit_bounds_check(s, g, plan, k, strided);
    s << "  if (!" << call_expression(g, plan, k) << ") {\n" << (unpoison.empty() ? "" : "  " + unpoison)
      << "    return false;\n  }\n";
    first = streaming.call + 1;
  } else {
    // A CALL_ONCE's init subgraph (the planner's order puts it first) runs at the first
    // invoke() after reset(): the state region's flag records that it has run.
    size_t once = 0;
    while (once < calls.size() && calls[once].op->once) ++once;
    if (std::any_of(calls.begin() + static_cast<std::ptrdiff_t>(once), calls.end(),
                    [](const KernelCall& k) { return k.op->once; }))
      throw CompileError("internal: a run-once operator is ordered after the model's operators");
    // Whether calls [begin, end) read or write the state region / the arena.
    auto uses = [&](size_t begin, size_t end, bool state) {
      for (size_t i = begin; i < end; ++i)
        for (const KernelArg& a : calls[i].args)
          if ((a.kind == KernelArg::Input || a.kind == KernelArg::Output) && plan.in_state(a.tensor) == state) return true;
      return false;
    };
    if (once) {
      s << "// The init subgraph of CALL_ONCE: TFLM runs it at the first Invoke.\n"
        << "static void run_once(uint8_t* arena, uint8_t* state) {\n";
      if (!uses(0, once, false)) s << "  static_cast<void>(arena);\n";
      if (!uses(0, once, true)) s << "  static_cast<void>(state);\n";
      emit_calls(0, once);
      s << "}\n\n";
    }
    s << (plan.state_bytes > 0 ? "void invoke(uint8_t* arena, uint8_t* state) {\n" : "void invoke(uint8_t* arena) {\n");
    if (plan.state_bytes > 0 && !once && !uses(0, calls.size(), true)) s << "  static_cast<void>(state);\n";
    if (once)
      s << "  if (state[" << plan.once_flag_offset << "] == 0) {\n    run_once(arena, state);\n    state["
        << plan.once_flag_offset << "] = 1;\n  }\n";
    first = once;
  }
  emit_calls(first, calls.size());
  s << unpoison << (streaming.enabled ? "  return true;\n" : "") << "}\n\n";
  if (plan.state_bytes > 0) {
    // As TFLM resets variable tensors (ResetVariableTensor) and resource variables: memset.
    s << "void reset(uint8_t* state) {\n";
    for (const Tensor& t : g.tensors)
      if (t.is_variable)
        s << "  memset(state + " << plan.state_offset[static_cast<size_t>(t.id)] << ", " << static_cast<int>(t.reset_byte)
          << ", " << t.bytes() << ");  // '" << comment_safe(t.name) << "' " << dtype_name(t.type) << t.shape_string()
          << "\n";
    if (plan.once_flag_offset >= 0)
      s << "  state[" << plan.once_flag_offset << "] = 0;  // CALL_ONCE runs again at the next invoke()\n";
    s << "}\n\n";
  }
  emit_io_helpers(s, g, name, streaming);
  s << "}  // namespace " << name << "\n";
}

}  // namespace

// Built front to back rather than with std::string::insert, which makes GCC 12 warn a
// false -Wrestrict (GCC bug 105651).
std::string with_commas(int64_t v) {
  const std::string digits = std::to_string(v);
  const size_t sign = v < 0 ? 1 : 0;
  std::string s = digits.substr(0, sign);
  for (size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

bool is_reserved_name(const std::string& id) {
  // C++ keywords, the runtime's namespace, and names reserved to the implementation.
  static const std::set<std::string> kReserved = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "mf", "std"};
  return kReserved.count(id) > 0 || id.starts_with("__") || (id.size() > 1 && id[0] == '_' && std::isupper(static_cast<unsigned char>(id[1])));
}

std::string model_identifier(const std::string& stem) {
  std::string id;
  for (char c : stem) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "model_" + id;
  if (is_reserved_name(id)) id = "model_" + id;
  return id;
}

GeneratedCode emit_cpp(const Graph& g, const std::vector<KernelCall>& calls, const MemoryPlan& plan,
                       const std::string& name, const EmitOptions& options, const StreamingInput& streaming,
                       int64_t whole_input_arena) {
  if (name.empty() || model_identifier(name) != name)
    fail(g.source, "'" + name + "' cannot name the model's namespace (not a C++ identifier, or reserved); try '" +
                       model_identifier(name) + "'");
  int64_t weight_bytes = 0, macs = 0;
  for (const KernelCall& k : calls) {
    weight_bytes += k.constant_bytes();
    macs += k.macs;
  }
  std::optional<WeightPages> pages;
  // The streamed first call runs inside push_row() with a row-form parameter struct the
  // paging pass does not know; mixing the two would need its own paged row kernels.
  if (options.page_bytes > 0 && streaming.enabled)
    fail(g.source, "streaming input and weights from external memory cannot be combined; use "
                   "--streaming-input off with --weights external");
  if (options.page_bytes > 0) {
    pages = plan_weight_pages(calls, options.page_bytes, g.source);
    weight_bytes = pages->internal_constant_bytes;
  }
  std::ostringstream h, s;
  emit_header(h, g, calls, plan, name, weight_bytes, macs, pages ? &*pages : nullptr, streaming,
              whole_input_arena);
  emit_source(s, g, calls, plan, name, options, pages ? &*pages : nullptr, streaming);
  GeneratedCode code{name + ".h", name + ".cpp", h.str(), s.str(), "", {}, weight_bytes};
  if (pages) {
    code.weights_file = name + ".weights.bin";
    code.weights_image = std::move(pages->image);
  }
  return code;
}

}  // namespace microflow
