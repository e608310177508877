// The golden vectors `verify` compares with: NAME.in.bin (the model's inputs
// concatenated) and NAME.out.bin (TFLM's outputs) in one directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace microflow {

struct GoldenInputs {
  std::vector<std::string> names;            // NAME of each NAME.in.bin, sorted
  std::vector<std::vector<uint8_t>> inputs;  // their bytes, each the size of the model's inputs
};

// The first `limit` vectors by name (0: all). Throws CompileError naming the
// directory or file when there are none or an input has the wrong size.
GoldenInputs read_golden_inputs(const std::filesystem::path& dir, const Graph& g, size_t limit);
// DIR/NAME.out.bin; throws CompileError naming it when it is missing.
std::vector<uint8_t> read_golden_output(const std::filesystem::path& dir, const std::string& name);

// --stream: frame k of AUDIO is input elements [k·hop, k·hop + input size) (golden.names
// "frame_000", ...); returns the expected outputs, consecutive output-sized blocks of
// FEATURES (the first `limit` frames; 0: all). Sizes that do not line up are errors.
std::vector<std::vector<uint8_t>> cut_stream(const Graph& g, const std::filesystem::path& audio,
                                             const std::filesystem::path& features, int64_t hop, GoldenInputs& golden,
                                             size_t limit);

int64_t input_bytes(const Graph& g);   // all model inputs
int64_t output_bytes(const Graph& g);  // all model outputs
// Float outputs are judged by relative error, all others bit for bit.
bool has_float_output(const Graph& g);

struct Comparison {
  bool pass = true;
  std::string detail;  // the first difference, when !pass
  double max_rel_error = 0;
};

Comparison compare_outputs(const Graph& g, const std::vector<uint8_t>& got, const std::vector<uint8_t>& want,
                           double tolerance);

}  // namespace microflow
