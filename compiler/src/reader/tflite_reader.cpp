#include "reader/tflite_reader.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "diagnostics.h"
#include "ops/op_def.h"
#include "reader/builtin_ops.h"
#include "ops/resource_variables.h"
#include "tflite_subset_generated.h"

namespace microflow {
namespace {

namespace tfl = microflow::tfl;

constexpr int64_t kMaxTensorElements = int64_t{1} << 31;
constexpr uint32_t kSchemaVersion = 3;  // TFLITE_SCHEMA_VERSION

DType to_dtype(tfl::TensorType t) {
  switch (t) {
    case tfl::TensorType::FLOAT32: return DType::Float32;
    case tfl::TensorType::INT8: return DType::Int8;
    case tfl::TensorType::INT16: return DType::Int16;
    case tfl::TensorType::INT32: return DType::Int32;
    case tfl::TensorType::UINT8: return DType::UInt8;
    case tfl::TensorType::UINT32: return DType::UInt32;
    case tfl::TensorType::UINT64: return DType::UInt64;
    case tfl::TensorType::INT64: return DType::Int64;
    case tfl::TensorType::BOOL: return DType::Bool;
    default: return DType::Unsupported;
  }
}

class Reader {
 public:
  Reader(const std::vector<uint8_t>& bytes, std::string name) : bytes_(bytes) { graph_.source = std::move(name); }

  Graph read() {
    verify();
    const tfl::Model* model = tfl::GetModel(bytes_.data());
    // As TFLM's applications check before building an interpreter: model->version() must equal
    // TFLITE_SCHEMA_VERSION (3), so older and newer files alike are rejected.
    if (model->version() != kSchemaVersion)
      fail(graph_.source, "model schema version " + std::to_string(model->version()) +
                              " is not supported (TFLM requires version " + std::to_string(kSchemaVersion) + ")");
    if (!model->subgraphs() || model->subgraphs()->size() == 0) fail(graph_.source, "the model has no subgraph");
    if (model->description()) graph_.description = model->description()->str();
    const tfl::SubGraph* sg = model->subgraphs()->Get(0);
    next_init_index_ = sg->operators() ? static_cast<int>(sg->operators()->size()) : 0;
    read_tensors(*model, *sg, 0);
    read_io(*sg);
    read_operators(*model, *sg, 0);
    resolve_resource_variables(graph_);
    if (graph_.ops.empty()) fail(graph_.source, "the model has no operators");
    return std::move(graph_);
  }

 private:
  void verify() {
    if (bytes_.size() < 8) fail(graph_.source, "file is too small to be a TFLite model (" + std::to_string(bytes_.size()) + " bytes)");
    if (bytes_.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) fail(graph_.source, "file is larger than 2 GiB");
    if (!tfl::ModelBufferHasIdentifier(bytes_.data())) {
      std::string id(reinterpret_cast<const char*>(bytes_.data()) + 4, 4);
      for (char& c : id) if (c < 32 || c > 126) c = '?';
      fail(graph_.source, "not a TFLite model: file identifier is '" + id + "', expected 'TFL3'");
    }
    flatbuffers::Verifier verifier(bytes_.data(), bytes_.size(), /*max_depth=*/64, /*max_tables=*/10'000'000);
    if (!tfl::VerifyModelBuffer(verifier))
      fail(graph_.source, "corrupt or truncated TFLite flatbuffer (verification failed)");
  }

  std::vector<uint8_t> buffer_contents(const tfl::Model& model, uint32_t index, const std::string& what) {
    const auto* buffers = model.buffers();
    if (!buffers || index >= buffers->size())
      fail(graph_.source, what + ": buffer index " + std::to_string(index) + " is out of range (" +
                              std::to_string(buffers ? buffers->size() : 0) + " buffers)");
    const tfl::Buffer* buf = buffers->Get(index);
    if (buf->data() && buf->data()->size() > 0) return {buf->data()->begin(), buf->data()->end()};
    if (buf->offset() > 1) {  // large-model layout: data appended after the flatbuffer
      uint64_t off = buf->offset(), size = buf->size();
      if (off > bytes_.size() || size > bytes_.size() - off)
        fail(graph_.source, what + ": buffer " + std::to_string(index) + " points outside the file");
      return {bytes_.begin() + static_cast<std::ptrdiff_t>(off), bytes_.begin() + static_cast<std::ptrdiff_t>(off + size)};
    }
    return {};
  }

  // Appends subgraph `subgraph`'s tensors to the graph (ids continue after the tensors read so far).
  void read_tensors(const tfl::Model& model, const tfl::SubGraph& sg, int subgraph) {
    if (!sg.tensors()) fail(graph_.source, "subgraph " + std::to_string(subgraph) + " has no tensors");
    const std::string in_subgraph = subgraph ? " of subgraph " + std::to_string(subgraph) : "";
    for (uint32_t i = 0; i < sg.tensors()->size(); ++i) {
      const tfl::Tensor* t = sg.tensors()->Get(i);
      Tensor out;
      out.id = static_cast<int>(graph_.tensors.size());
      out.name = t->name() ? t->name()->str() : "";
      out.type = to_dtype(t->type());
      out.type_name = tfl::EnumNameTensorType(t->type());
      if (out.type_name.empty()) out.type_name = "unknown(" + std::to_string(static_cast<int>(t->type())) + ")";
      std::string what = "tensor " + std::to_string(i) + in_subgraph + " '" + printable(out.name) + "'";
      if (t->shape())
        for (int32_t d : *t->shape()) {
          if (d < 0) fail(graph_.source, what + ": dimension " + std::to_string(d) + " is negative (dynamic shapes are not supported)");
          out.shape.push_back(d);
        }
      if (const tfl::QuantizationParameters* q = t->quantization()) {
        if (q->scale()) out.quant.scales.assign(q->scale()->begin(), q->scale()->end());
        if (const auto* zp = q->zero_point()) {
          // The verifier only guarantees 4-byte alignment of vector data: copy, don't dereference.
          out.quant.zero_points.resize(zp->size());
          if (zp->size()) std::memcpy(out.quant.zero_points.data(), zp->Data(), zp->size() * sizeof(int64_t));
        }
        out.quant.axis = q->quantized_dimension();
        check_quantization(out, what);
      }
      out.data = buffer_contents(model, t->buffer(), what);
      out.is_constant = !out.data.empty();
      if (t->is_variable()) {
        // State, reset as TFLM's ResetVariableTensor does: a memset with the int8 zero point,
        // else 0. Like TFLM (and TFLite), a buffer the converter attached is not read.
        out.is_variable = true;
        out.is_constant = false;
        out.data.clear();
        if (out.type == DType::Int8) out.reset_byte = static_cast<uint8_t>(out.quant.zero_point());
      }
      // Bounded here so every later size computation fits comfortably in int64.
      int64_t elements = 1;
      for (int32_t d : out.shape) {
        elements *= d;
        if (elements > kMaxTensorElements)
          fail(graph_.source, what + ": shape " + out.shape_string() + " has more than 2^31 elements");
      }
      if (out.is_constant && out.type != DType::Unsupported) {
        if (static_cast<int64_t>(out.data.size()) != elements * dtype_size(out.type))
          fail(graph_.source, what + ": buffer holds " + std::to_string(out.data.size()) + " bytes, shape " +
                                  out.shape_string() + " of " + dtype_name(out.type) + " needs " +
                                  std::to_string(elements * dtype_size(out.type)));
      }
      graph_.tensors.push_back(std::move(out));
    }
  }

  // One zero point per scale (TFLite's ParseQuantization rule); kernels index
  // both arrays by channel. The per-channel axis is checked where per-channel
  // scales are used (weights, lower.cpp): like TFLM, others ignore it, and
  // reference models carry stale values there (person_detect's biases).
  void check_quantization(const Tensor& t, const std::string& what) {
    const size_t scales = t.quant.scales.size(), zeros = t.quant.zero_points.size();
    if (scales == 0) return;  // not quantized (zero points alone mean nothing)
    if (zeros != scales)
      fail(graph_.source, what + ": quantization has " + std::to_string(scales) + " scale(s) but " +
                              std::to_string(zeros) + " zero point(s)");
  }

  int tensor_index(int32_t index, bool optional, const std::string& what) {
    if (index == -1 && optional) return -1;
    if (index < 0 || static_cast<size_t>(index) >= graph_.tensors.size())
      fail(graph_.source, what + " refers to tensor " + std::to_string(index) + ", but the subgraph has " +
                              std::to_string(graph_.tensors.size()) + " tensors");
    return index;
  }

  void read_io(const tfl::SubGraph& sg) {
    if (!sg.inputs() || sg.inputs()->size() == 0) fail(graph_.source, "the model has no inputs");
    if (!sg.outputs() || sg.outputs()->size() == 0) fail(graph_.source, "the model has no outputs");
    for (int32_t i : *sg.inputs()) graph_.inputs.push_back(tensor_index(i, false, "model input"));
    for (int32_t i : *sg.outputs()) graph_.outputs.push_back(tensor_index(i, false, "model output"));
  }

  // Appends subgraph `subgraph`'s operators; a CALL_ONCE is replaced by its init subgraph's
  // operators, marked to run once (Operator::once).
  void read_operators(const tfl::Model& model, const tfl::SubGraph& sg, int subgraph) {
    if (!sg.operators()) return;
    const auto* codes = model.operator_codes();
    const int first_tensor = subgraph ? static_cast<int>(graph_.tensors.size() - sg.tensors()->size()) : 0;
    const int tensors = sg.tensors() ? static_cast<int>(sg.tensors()->size()) : 0;
    for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
      const tfl::Operator* op = sg.operators()->Get(i);
      Operator out;
      out.index = subgraph ? next_init_index_++ : static_cast<int>(i);
      out.once = subgraph > 0;
      out.subgraph = subgraph;
      out.subgraph_index = static_cast<int>(i);
      std::string where = "op " + std::to_string(out.index);
      if (!codes || op->opcode_index() >= codes->size())
        fail(graph_.source, where + ": operator code index " + std::to_string(op->opcode_index()) + " is out of range (" +
                                std::to_string(codes ? codes->size() : 0) + " operator codes)");
      const tfl::OperatorCode* code = codes->Get(op->opcode_index());
      int builtin = std::max<int>(code->deprecated_builtin_code(), code->builtin_code());
      const OpDef* def = builtin == kCustomCode ? (code->custom_code() ? find_custom_op(code->custom_code()->str()) : nullptr)
                                                : find_op(builtin);
      if (!def) {
        std::string what = builtin == 32 ? "custom operator '" +
                                               printable(code->custom_code() ? code->custom_code()->str() : std::string()) + "'"
                                         : "operator " + builtin_op_name(builtin);
        fail(graph_.source, where + " (" + builtin_op_name(builtin) + "): " + what +
                                " is not supported by microflow (supported: " + supported_ops_list() + ")");
      }
      out.def = def;
      out.name = def->name;
      where += std::string(" (") + def->name +
               (subgraph ? ", op " + std::to_string(i) + " of CALL_ONCE's init subgraph " + std::to_string(subgraph) : "") +
               ")";
      auto tensor = [&](int32_t t, bool optional, const std::string& what) {
        if (t == -1 && optional) return -1;
        if (t < 0 || t >= tensors)
          fail(graph_.source, what + " refers to tensor " + std::to_string(t) + ", but the subgraph has " +
                                  std::to_string(tensors) + " tensors");
        return first_tensor + t;
      };
      if (op->inputs())
        for (int32_t t : *op->inputs()) out.inputs.push_back(tensor(t, true, where + ": input"));
      if (op->outputs())
        for (int32_t t : *op->outputs()) out.outputs.push_back(tensor(t, false, where + ": output"));
      if (def->read_options) out.options = def->read_options(*op, graph_.source + ": " + where);
      if (def->kernel_state) add_kernel_state(out, where);
      if (def == &kCallOnceOp) {
        inline_init_subgraph(model, out, subgraph, where);
        continue;
      }
      graph_.ops.push_back(std::move(out));
    }
  }

  // The operator's kernel state (OpDef::kernel_state) as a variable tensor, its last input.
  void add_kernel_state(Operator& op, const std::string& where) {
    const KernelState state = op.def->kernel_state(graph_, op);
    Tensor t;
    t.id = static_cast<int>(graph_.tensors.size());
    t.name = "op" + std::to_string(op.index) + "_" + op.def->name + "_state";
    t.type = state.type;
    t.type_name = dtype_name(state.type);
    t.shape = state.shape;
    t.is_variable = true;
    if (t.elements() <= 0) fail(graph_.source, where + ": kernel state of " + std::to_string(t.elements()) + " elements");
    op.inputs.push_back(t.id);
    graph_.tensors.push_back(std::move(t));
  }

  // TFLM runs a CALL_ONCE's init subgraph at the first Invoke (microflow: the first invoke()
  // after reset()); it reaches the model only through resource variables.
  void inline_init_subgraph(const tfl::Model& model, const Operator& call, int subgraph, const std::string& where) {
    const int init = call.opts<CallOnceOptions>().init_subgraph;
    const int count = static_cast<int>(model.subgraphs()->size());
    if (subgraph != 0) fail(graph_.source, where + ": a CALL_ONCE inside an init subgraph is not supported");
    if (!call.inputs.empty() || !call.outputs.empty())
      fail(graph_.source, where + ": CALL_ONCE takes no inputs and no outputs");
    if (init <= 0 || init >= count)
      fail(graph_.source, where + ": init_subgraph_index " + std::to_string(init) + " is not a subgraph other than 0 (the model has " +
                              std::to_string(count) + ")");
    if (!inlined_.insert(init).second)
      fail(graph_.source, where + ": init subgraph " + std::to_string(init) + " is called by a second CALL_ONCE");
    const tfl::SubGraph* sg = model.subgraphs()->Get(static_cast<uint32_t>(init));
    if ((sg->inputs() && sg->inputs()->size()) || (sg->outputs() && sg->outputs()->size()))
      fail(graph_.source, where + ": init subgraph " + std::to_string(init) +
                              " has inputs or outputs (nothing passes values to or from it)");
    read_tensors(model, *sg, init);
    read_operators(model, *sg, init);
  }

  const std::vector<uint8_t>& bytes_;
  Graph graph_;
  int next_init_index_ = 0;  // index of the next operator read from an init subgraph
  std::set<int> inlined_;    // init subgraphs read so far
};

}  // namespace

Graph read_tflite_buffer(const std::vector<uint8_t>& bytes, const std::string& name) {
  return Reader(bytes, name).read();
}

Graph read_tflite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_tflite_buffer(bytes, path);
}

}  // namespace microflow
