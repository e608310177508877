// The `microflow` subcommands. Each returns the process exit status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace microflow {

// --weights internal|external and --page-bytes (compile, verify, bench).
struct WeightsArgs {
  std::string weights = "internal";
  int64_t page_bytes = 4096;
  // The emitter's page size: 0 keeps every constant in internal flash.
  int64_t page() const { return weights == "external" ? page_bytes : 0; }
};

// The pipeline choices compile, verify and bench share (inspect takes streaming and rewrites).
struct PipelineArgs {
  WeightsArgs weights = {};  // (= {}: lets `PipelineArgs{.optimize = ...}` leave it out without a warning)
  std::string optimize = "speed";    // --optimize speed|size
  std::string streaming = "auto";    // --patch-streaming auto|on|off
  std::string streaming_input;       // --streaming-input off|on|auto (defaults differ per command)
  std::string rewrites = "on";       // --rewrites on|off
  std::string int8_tables = "on";    // --int8-tables on|off
};

struct CompileOptions;
struct Target;
// The pipeline options of compile / verify / bench. Paged weights keep the generic kernels (the
// pager splits their calls by output channel), no band-streamed regions (their constants
// live in a flash stage table the pager does not split) and no streaming input (the streamed
// first layer has no paged form): --patch-streaming on or --streaming-input on with
// --weights external is an error, auto means off. `target`: the code's target (its family
// and ISA extensions pick kernel variants), nullptr for none in particular.
CompileOptions pipeline_options(const PipelineArgs& p, const Target* target);

struct CompileArgs {
  std::string model, out_dir, name;
  std::string target;  // optional: lets the compiler pick variants for this target
  PipelineArgs pipeline{.streaming_input = "off"};
};
int run_compile(const CompileArgs& a);

struct CompiledModel;
struct GeneratedCode;
// Compiles `model` with the pipeline options for `target_name` ("" = none in particular) into
// `m` and emits its code. `name` "" becomes the model file's stem as an identifier.
GeneratedCode generate_code(const std::string& model, std::string& name, const std::string& target_name,
                            const PipelineArgs& p, CompiledModel& m);
// Writes `contents` unless the file already holds exactly that (no needless rebuilds).
void write_if_changed(const std::filesystem::path& path, const std::string& contents);

// `export arduino`: an Arduino library (library.properties, library.json, src/ with the model and
// the runtime headers it includes, examples/NAME/NAME.ino running one inference).
struct ExportArduinoArgs {
  std::string model, out_dir, name, target;
  std::string input;  // the example's input tensor bytes (all inputs in order); "" = zeros
  PipelineArgs pipeline{.streaming_input = "off"};
};
int run_export_arduino(const ExportArduinoArgs& a);

struct InspectArgs {
  std::string model;
  bool json = false;
  bool memory = false;  // per-step live tensors, lower bound, savings
  std::string svg;      // write the arena plan as an SVG picture here
  std::string streaming = "auto";  // --patch-streaming auto|on|off
  std::string rewrites = "on";     // --rewrites on|off
};
int run_inspect(const InspectArgs& a);

struct VerifyArgs {
  std::string model, vectors, target = "host", work_dir;
  // --sequence DIR: DIR's vectors are time steps, run in name order on one model (its state
  // carrying over), then again after reset().
  std::string sequence;
  // --stream AUDIO FEATURES --hop N: one long input signal cut into model inputs N elements
  // apart (frame k = elements [kN, kN + input size)), run in order on one model (state
  // carried; then again after reset()), output k compared with the k-th output-sized
  // block of FEATURES (TFLM's outputs concatenated).
  std::vector<std::string> stream;
  int64_t hop = 0;
  bool in_sequence() const { return !sequence.empty() || !stream.empty(); }
  // --batch LIST: the models of LIST (one directory with model.tflite and vectors/, or one
  // .tflite file next to vectors/, per line), relative to --models-dir, in one host program.
  std::string batch, models_dir;
  // --expect-rejections FILE: "MODEL  MESSAGE_SUBSTRING" lines, the rejections a batch expects.
  std::string expect_rejections;
  size_t limit = 0;  // run only the first N vectors (0 = all)
  bool keep = false;
  double tolerance = 1e-5;  // float outputs: max relative error
  // streaming input auto = only when the whole input does not fit the target
  PipelineArgs pipeline{.streaming_input = "auto"};
};
int run_verify(const VerifyArgs& a);
int run_verify_batch(const VerifyArgs& a);

struct BenchArgs {
  std::string model, target = "host", input, work_dir;
  bool json = false;
  PipelineArgs pipeline{.streaming_input = "auto"};  // as for verify
};
int run_bench(const BenchArgs& a);

struct ReportArgs {
  std::string model, out;
  std::vector<std::string> targets;  // --target, repeatable: bench + per-layer counts on each
  PipelineArgs pipeline{.streaming_input = "auto"};  // as for bench
};
int run_report(const ReportArgs& a);

}  // namespace microflow
