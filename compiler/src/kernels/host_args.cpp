#include "kernels/host_args.h"

#include <cstring>

#include "diagnostics.h"

namespace microflow {
namespace {

template <typename T>
void append(std::vector<uint8_t>& bytes, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  bytes.insert(bytes.end(), b, b + sizeof(T));
}

// A constant array's values in the bytes of its C type, as the emitter writes them.
std::vector<uint8_t> array_bytes(const ConstArray& a) {
  std::vector<uint8_t> bytes;
  if (a.type == DType::Float32) {
    for (float f : a.floats) append(bytes, f);
    return bytes;
  }
  for (int64_t v : a.ints) {
    switch (a.type) {
      case DType::Int8: append(bytes, static_cast<int8_t>(v)); break;
      case DType::UInt8: append(bytes, static_cast<uint8_t>(v)); break;
      case DType::Bool: append(bytes, static_cast<uint8_t>(v != 0)); break;
      case DType::Int16: append(bytes, static_cast<int16_t>(v)); break;
      case DType::Int32: append(bytes, static_cast<int32_t>(v)); break;
      case DType::Int64: append(bytes, v); break;
      case DType::UInt32: append(bytes, static_cast<uint32_t>(v)); break;
      default: throw CompileError("internal: constant array of type " + std::string(dtype_name(a.type)));
    }
  }
  return bytes;
}

}  // namespace

HostArgs::HostArgs(const KernelCall& call, const std::vector<uint8_t*>& tensors) : call_(call) {
  size_t next = 0;
  for (const KernelArg& a : call.args) {
    switch (a.kind) {
      case KernelArg::Input:
      case KernelArg::Output:
        if (next >= tensors.size()) throw CompileError("internal: " + call.function() + ": too few tensor buffers");
        pointers_.push_back(tensors[next++]);
        break;
      case KernelArg::Array: pointers_.push_back(array(a.array)); break;
      case KernelArg::Null: pointers_.push_back(nullptr); break;
    }
  }
}

uint8_t* HostArgs::array(const std::string& suffix) {
  for (const ConstArray& c : call_.arrays)
    if (c.suffix == suffix) {
      arrays_.push_back(array_bytes(c));
      return arrays_.back().data();
    }
  throw CompileError("internal: " + call_.function() + " has no array " + suffix);
}

void unsupported(const KernelCall& call, const std::string& type) {
  throw CompileError("internal: " + call.function() + " cannot fold " + type + " elements");
}

}  // namespace microflow
