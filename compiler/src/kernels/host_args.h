// Constant folding support shared by the kernels' `evaluate` functions: the call's
// arguments as host pointers, so that the runtime kernel itself runs on host buffers
// (on the host, flash is plain memory).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "passes/kernel_call.h"

namespace microflow {

inline int32_t i32(int64_t v) { return static_cast<int32_t>(v); }

// A runtime params array from a compiler field list (zeros past its end).
template <size_t N>
void copy_ints(int32_t (&dst)[N], const std::vector<int64_t>& src) {
  for (size_t i = 0; i < N; ++i) dst[i] = i < src.size() ? i32(src[i]) : 0;
}

// The call's arguments as host pointers, in order: tensor arguments from the folding
// pass's buffers, constant arrays from host copies, nullptr for absent ones.
class HostArgs {
 public:
  HostArgs(const KernelCall& call, const std::vector<uint8_t*>& tensors);
  template <typename T>
  T* at(size_t i) const {
    return reinterpret_cast<T*>(pointers_.at(i));
  }
  const std::string& c_type(size_t i) const { return call_.args.at(i).c_type; }
  size_t size() const { return pointers_.size(); }

 private:
  uint8_t* array(const std::string& suffix);

  const KernelCall& call_;
  std::deque<std::vector<uint8_t>> arrays_;  // a deque keeps earlier copies in place
  std::vector<uint8_t*> pointers_;
};

// An internal error: the kernel has no host evaluation for elements of this type.
[[noreturn]] void unsupported(const KernelCall& call, const std::string& type);

}  // namespace microflow
