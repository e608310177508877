#include "cli/golden_vectors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "diagnostics.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw CompileError(p.string() + ": cannot read file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An integer element in decimal (the vectors are little-endian, like every host).
int64_t element_value(DType type, const uint8_t* p) {
  int16_t i16;
  int32_t i32;
  int64_t i64;
  uint32_t u32;
  switch (type) {
    case DType::Int8: return static_cast<int8_t>(*p);
    case DType::Int16: return std::memcpy(&i16, p, 2), i16;
    case DType::Int32: return std::memcpy(&i32, p, 4), i32;
    case DType::Int64: case DType::UInt64: return std::memcpy(&i64, p, 8), i64;  // uint64: the same bits
    case DType::UInt32: return std::memcpy(&u32, p, 4), u32;
    default: return *p;  // uint8, bool
  }
}

}  // namespace

GoldenInputs read_golden_inputs(const fs::path& dir, const Graph& g, size_t limit) {
  if (!fs::is_directory(dir)) throw CompileError(dir.string() + ": not a directory");
  GoldenInputs v;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.size() > 7 && f.ends_with(".in.bin")) v.names.push_back(f.substr(0, f.size() - 7));
  }
  std::sort(v.names.begin(), v.names.end());
  if (v.names.empty()) throw CompileError(dir.string() + ": no *.in.bin vectors");
  if (limit > 0 && v.names.size() > limit) v.names.resize(limit);
  const int64_t bytes = input_bytes(g);
  for (const std::string& name : v.names) {
    const fs::path in = dir / (name + ".in.bin");
    v.inputs.push_back(read_bytes(in));
    if (static_cast<int64_t>(v.inputs.back().size()) != bytes)
      throw CompileError(fmt::format("{}: {} bytes, the model's inputs take {}", in.string(), v.inputs.back().size(), bytes));
  }
  return v;
}

std::vector<uint8_t> read_golden_output(const fs::path& dir, const std::string& name) {
  const fs::path ref = dir / (name + ".out.bin");
  if (!fs::exists(ref)) throw CompileError(ref.string() + ": missing reference output");
  return read_bytes(ref);
}

std::vector<std::vector<uint8_t>> cut_stream(const Graph& g, const fs::path& audio, const fs::path& features,
                                             int64_t hop, GoldenInputs& golden, size_t limit) {
  if (g.inputs.size() != 1) throw CompileError(fmt::format("--stream needs a model with one input, it has {}", g.inputs.size()));
  const std::vector<uint8_t> signal = read_bytes(audio), want = read_bytes(features);
  const int64_t in_bytes = input_bytes(g), out_bytes = output_bytes(g);
  const int64_t hop_bytes = hop * dtype_size(g.tensor(g.inputs[0]).type);
  if (hop <= 0) throw CompileError(fmt::format("--hop {} is not positive", hop));
  if (want.empty() || static_cast<int64_t>(want.size()) % out_bytes != 0)
    throw CompileError(fmt::format("{}: {} bytes are not whole outputs of {} bytes", features.string(), want.size(), out_bytes));
  size_t frames = want.size() / static_cast<size_t>(out_bytes);
  const int64_t needed = static_cast<int64_t>(frames - 1) * hop_bytes + in_bytes;
  if (static_cast<int64_t>(signal.size()) < needed)
    throw CompileError(fmt::format("{}: {} bytes, {} frames {} elements apart need {}", audio.string(), signal.size(),
                                   frames, hop, needed));
  if (limit > 0) frames = std::min(frames, limit);
  std::vector<std::vector<uint8_t>> expected;
  for (size_t k = 0; k < frames; ++k) {
    const auto at = signal.begin() + static_cast<std::ptrdiff_t>(static_cast<int64_t>(k) * hop_bytes);
    golden.names.push_back(fmt::format("frame_{:03}", k));
    golden.inputs.emplace_back(at, at + in_bytes);
    const auto out = want.begin() + static_cast<std::ptrdiff_t>(static_cast<int64_t>(k) * out_bytes);
    expected.emplace_back(out, out + out_bytes);
  }
  return expected;
}

int64_t input_bytes(const Graph& g) {
  int64_t bytes = 0;
  for (int id : g.inputs) bytes += g.tensor(id).bytes();
  return bytes;
}

int64_t output_bytes(const Graph& g) {
  int64_t bytes = 0;
  for (int id : g.outputs) bytes += g.tensor(id).bytes();
  return bytes;
}

bool has_float_output(const Graph& g) {
  return std::any_of(g.outputs.begin(), g.outputs.end(), [&](int id) { return g.tensor(id).type == DType::Float32; });
}

Comparison compare_outputs(const Graph& g, const std::vector<uint8_t>& got, const std::vector<uint8_t>& want,
                           double tolerance) {
  Comparison c;
  if (got.size() != want.size()) {
    c.pass = false;
    c.detail = fmt::format("output has {} bytes, reference {}", got.size(), want.size());
    return c;
  }
  size_t offset = 0, mismatches = 0;
  for (int id : g.outputs) {
    const Tensor& t = g.tensor(id);
    const auto n = static_cast<size_t>(t.elements());
    for (size_t i = 0; i < n; ++i) {
      if (t.type == DType::Float32) {
        float a, b;
        std::memcpy(&a, &got[offset + 4 * i], 4);
        std::memcpy(&b, &want[offset + 4 * i], 4);
        // Relative to the reference, with a floor so values near zero are
        // judged on the scale of 1e-6 rather than their own magnitude.
        double err = std::abs(static_cast<double>(a) - b) / std::max(std::abs(static_cast<double>(b)), 1e-6);
        if (std::isnan(a) != std::isnan(b)) err = INFINITY;
        c.max_rel_error = std::max(c.max_rel_error, err);
        if (err > tolerance && mismatches++ == 0)
          c.detail = fmt::format("element {}: got {:.9g}, expected {:.9g}", i, a, b);
      } else {
        const size_t bytes = static_cast<size_t>(dtype_size(t.type));
        if (std::memcmp(&got[offset + bytes * i], &want[offset + bytes * i], bytes) != 0 && mismatches++ == 0)
          c.detail = fmt::format("element {}: got {}, expected {}", i, element_value(t.type, &got[offset + bytes * i]),
                                 element_value(t.type, &want[offset + bytes * i]));
      }
    }
    offset += static_cast<size_t>(t.bytes());
  }
  if (mismatches) {
    c.pass = false;
    c.detail = fmt::format("{} elements differ; first: {}", mismatches, c.detail);
  }
  return c;
}

}  // namespace microflow
