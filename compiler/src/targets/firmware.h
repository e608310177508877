// Firmware for a target: the generated model plus a harness (golden vectors
// or one benchmark run), built with the target's toolchain and run on its
// simulator (or directly, on the host).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "pipeline.h"
#include "targets/target.h"

namespace microflow {

// A firmware that does not fit its chip: flash or RAM overflowed at link time, the
// stack ran into static data (simavr stops at once), or static RAM + peak stack
// exceeds the chip. verify/bench then switch to streaming input when they may.
class DoesNotFit : public CompileError {
 public:
  using CompileError::CompileError;
};

// Namespace and file name of the model inside firmware builds.
inline constexpr const char* kFirmwareModelName = "mf_model";

// Runs every input (all model inputs concatenated) and prints one line per
// vector: "V<index> <output bytes in hex>". A model with streaming input gets
// each vector row by row; a model with state is reset() before each vector.
// With `weights_path` (external weights), read_weights() reads that file through the
// platform (semihosting under QEMU) and the bench harness prints the number of reads.
// `sequence`: the inputs are time steps, run in order on one model without reset; then
// reset() and all steps again, printed as vectors n..2n-1.
std::string verify_harness(const CompiledModel& m, const std::vector<std::vector<uint8_t>>& inputs,
                           const std::string& weights_path = "", bool sequence = false);
// One model of a batch program (host only): `name` is its namespace and file stem.
struct BatchModel {
  const CompiledModel* model = nullptr;
  std::string name;
  std::vector<std::vector<uint8_t>> inputs;  // as for verify_harness
  // Time steps (a stateful model's sequence/): after the vectors, run as verify_harness's
  // `sequence` does, printed as vectors inputs.size() and on.
  std::vector<std::vector<uint8_t>> sequence = {};
};
// Many models in one program, a unity build that includes each NAME.cpp
// (write_model_sources). For each model from the one given as the program's argument
// (default 0) on it prints "M<index>" and then that model's "V<index> <hex>" lines;
// output before each header is flushed, so a crash names the model it happened in
// and loses no earlier model's lines.
std::string batch_verify_harness(const std::vector<BatchModel>& models);
// One invoke() between the benchmark markers (with streaming input: every
// row's copy out of flash and push_row()), stack painted before; prints
// "stack=<bytes>". With no model (`m == nullptr`) it is the empty harness
// that gives the baseline cost of the platform itself.
std::string bench_harness(const CompiledModel* m, const std::vector<uint8_t>& input,
                          const std::string& weights_path = "");

// Where build_firmware writes the external weight image for a build in `work`.
std::filesystem::path weights_image_path(const std::filesystem::path& work);

struct FirmwareSizes {
  int64_t flash = 0;  // code + constants + .data initializers
  int64_t ram = 0;    // .data + .bss (the arena is in .bss)
};

struct Firmware {
  std::filesystem::path elf;
  FirmwareSizes sizes;
};

// Writes NAME.h / NAME.cpp (and with page_bytes > 0 the weight image at
// weights_image_path) into `work`, generated as build_firmware does; returns the source.
std::filesystem::path write_model_sources(const Target& t, const CompiledModel& m, const std::string& name,
                                          const std::filesystem::path& work, int64_t page_bytes = 0);
// Writes the model (if any) and harness into `work` and builds them. page_bytes > 0: the
// model's weights go to an external image (weights_image_path) paged through that RAM page.
Firmware build_firmware(const Target& t, const CompiledModel* m, const std::string& harness,
                        const std::filesystem::path& work, int64_t page_bytes = 0);

struct RunResult {
  std::string output;       // what the firmware printed (and the runner's own lines)
  int64_t count = -1;       // cycles / instructions between the markers, if counted
  int64_t stack_bytes = -1; // peak stack the firmware measured
  int64_t simulator_stack_bytes = -1;  // peak stack the simulator saw (simavr), for verify runs
};

// Runs the firmware; with `count`, measures the benchmark region. Throws when
// the firmware does not exit with 0.
// Per kernel call counts, bench/layer_profile.py's method: the bench firmware rebuilt once
// per call of the generated invoke() with the benchmark markers around that call alone.
// `label`: the generated comment above the call ("op 3: CONV_2D '...' ..."). A band-streamed
// region gives one entry per stage first (its stage-table comment, "op 1: DEPTHWISE_CONV_2D
// ..."; rebuilt with MF_BAND_PROFILE, band_stream.h: the markers around that stage's rows),
// then its own entry ("ops 0+1+2: band executor ..."): the region's count less its stages',
// so the entries add up to the region. Whole-input models without external weights only.
// `on_call(n, total)` before each call's builds (progress).
struct CallCount {
  std::string label;
  int64_t count = 0;
};
std::vector<CallCount> profile_calls(const Target& t, const CompiledModel& m, const std::vector<uint8_t>& input,
                                     const std::filesystem::path& work,
                                     const std::function<void(size_t, size_t)>& on_call = nullptr);

// `on_output` sees the firmware's output so far as it arrives (progress).
RunResult run_firmware(const Target& t, const Firmware& fw, const std::filesystem::path& work, bool count,
                       const std::function<void(const std::string&)>& on_output = nullptr);

// The "V<i> <hex>" lines of a verify run, in order.
std::vector<std::vector<uint8_t>> parse_vector_outputs(const std::string& output, size_t vectors, size_t bytes);
// A batch run's output by model: the lines after each "M<index>" header.
std::map<size_t, std::string> split_batch_output(const std::string& output);

// Before building: fails (DoesNotFit) when the model alone (constants in flash,
// arena in RAM) exceeds the chip, naming both figures.
// `constant_bytes`: the constants in internal flash (all of them unless weights are external).
void check_model_fits(const Target& t, const CompiledModel& m, int64_t constant_bytes, const std::string& what);
// External weights need a platform with file access and kernels that read constants
// through plain pointers: the host, Cortex-M and RV32 (not AVR's program memory, not the
// Xtensa platform). Fails naming the target otherwise.
void check_external_weights_target(const Target& t);
// The constants that stay in internal flash with this page size (0: all of them).
int64_t internal_constant_bytes(const CompiledModel& m, int64_t page_bytes);

// The model for verify/bench on a target: with options.input_rows On it streams the input
// (or fails saying why it cannot); Off and Auto start with the whole input.
std::unique_ptr<CompiledModel> compile_for_target(const std::string& path, const CompileOptions& options);
// After a DoesNotFit of the whole-input form under input_rows Auto: the streaming form,
// with a line on stderr saying so; rethrows `e` (with why the input cannot be streamed
// appended) when the model or the mode does not allow it.
std::unique_ptr<CompiledModel> switch_to_streaming(const std::string& path, const CompileOptions& options,
                                                   const CompiledModel& whole, const Target& t, const DoesNotFit& e,
                                                   const std::string& command);
// Fails with a clear message when the firmware does not fit the target's chip.
void check_fits(const Target& t, const FirmwareSizes& s, int64_t stack_bytes, const std::string& what);

}  // namespace microflow
