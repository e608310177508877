// Prints the lowered model as C++14 that compiles freestanding: a header
// with the model's API and a source with constants and one kernel call per
// layer.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"
#include "passes/input_rows.h"
#include "passes/weight_pages.h"
#include "planner/planner.h"

namespace microflow {

struct GeneratedCode {
  std::string header_file, source_file;  // file names
  std::string header, source;            // contents
  // With external weights: NAME.weights.bin, the image read_weights() reads from.
  std::string weights_file;
  std::vector<uint8_t> weights_image;
  int64_t internal_constant_bytes = 0;  // constants the generated source keeps in flash
};

struct EmitOptions {
  // For host builds with AddressSanitizer (microflow verify with
  // MICROFLOW_HOST_CXXFLAGS=-fsanitize=address): before each kernel call,
  // invoke() poisons the arena except the bytes of that kernel's own tensors,
  // so a kernel reading or writing outside its tensors is an ASan report.
  bool tensor_bounds_check = false;
  // > 0: weights from external memory (passes/weight_pages.h) through a RAM page of this
  // many bytes; 0: every constant in internal flash.
  int64_t page_bytes = 0;
};

// `name` must be a valid C++ identifier (see model_identifier). With streaming input
// the API takes the input row by row (begin_rows / row_buffer / push_row) instead of
// input() + invoke(); `whole_input_arena` is then reported for comparison.
GeneratedCode emit_cpp(const Graph& g, const std::vector<KernelCall>& calls, const MemoryPlan& plan,
                       const std::string& name, const EmitOptions& options = {},
                       const StreamingInput& streaming = {}, int64_t whole_input_arena = 0);

// A C++ identifier derived from a file stem ("person-detect.v2" -> "person_detect_v2").
std::string model_identifier(const std::string& stem);

// 1234567 -> "1,234,567" (generated comments, reports).
std::string with_commas(int64_t v);

}  // namespace microflow
