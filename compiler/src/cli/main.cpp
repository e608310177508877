#include <CLI/CLI.hpp>
#include <iostream>
#include <tuple>

#include "cli/commands.h"
#include "diagnostics.h"
#include "version.h"

int main(int argc, char** argv) {
  using namespace microflow;
  CLI::App app{"microflow: compile TensorFlow Lite models to static C++ for microcontrollers"};
  app.set_version_flag("--version", kMicroflowVersion);
  app.require_subcommand(1);

  CompileArgs compile;
  auto* c = app.add_subcommand("compile", "Generate C++ (NAME.h, NAME.cpp) for a .tflite model");
  c->add_option("model", compile.model, "The .tflite model")->required()->check(CLI::ExistingFile);
  c->add_option("-o,--output", compile.out_dir, "Output directory")->required();
  c->add_option("--name", compile.name, "C++ namespace and file name (default: the model's file stem)");
  c->add_option("--target", compile.target, "The target the code is for (kernel variants; default: any)");

  InspectArgs inspect;
  auto* i = app.add_subcommand("inspect", "List operators, tensors, quantization, MACs, weight and arena bytes");
  i->add_option("model", inspect.model, "The .tflite model")->required()->check(CLI::ExistingFile);
  i->add_flag("--json", inspect.json, "Print one JSON object");
  i->add_flag("--memory", inspect.memory, "Show the arena over the execution order: live tensors, lower bound, savings");
  i->add_option("--svg", inspect.svg, "Draw the arena plan (tensors as offset x step rectangles) into this SVG file");

  VerifyArgs verify;
  auto* v = app.add_subcommand("verify", "Build the generated code for the host and compare it with golden vectors");
  auto* verify_model = v->add_option("model", verify.model, "The .tflite model")->check(CLI::ExistingFile);
  auto* verify_vectors = v->add_option("--vectors", verify.vectors, "Directory of NAME.in.bin / NAME.out.bin pairs");
  auto* verify_sequence =
      v->add_option("--sequence", verify.sequence,
                    "Instead of --vectors: a directory of time steps (NAME.in.bin / NAME.out.bin), run in name order "
                    "on one model whose state carries from step to step, then again after reset()")
          ->excludes(verify_vectors);
  auto* verify_stream =
      v->add_option("--stream", verify.stream,
                    "Instead of --vectors: AUDIO FEATURES, one input signal cut into model inputs --hop elements "
                    "apart, run in order on one model (then again after reset()); output k must equal the k-th "
                    "output-sized block of FEATURES")
          ->expected(2)
          ->check(CLI::ExistingFile)
          ->excludes(verify_vectors)
          ->excludes(verify_sequence);
  v->add_option("--hop", verify.hop, "With --stream: input elements between consecutive frames")
      ->needs(verify_stream)
      ->check(CLI::PositiveNumber);
  verify_stream->needs("--hop");
  auto* verify_batch =
      v->add_option("--batch", verify.batch,
                    "Instead of MODEL --vectors DIR: every model in this list file (one per line: a directory with "
                    "model.tflite and vectors/, or a .tflite file next to vectors/; # comments), compiled and run in "
                    "one host program; one PASS / FAIL / REJECTED line per model")
          ->check(CLI::ExistingFile)
          ->excludes(verify_model)
          ->excludes(verify_vectors)
          ->excludes(verify_sequence)
          ->excludes(verify_stream);
  v->add_option("--models-dir", verify.models_dir, "With --batch: the directory the list's paths are relative to")
      ->needs(verify_batch);
  v->add_option("--expect-rejections", verify.expect_rejections,
                "With --batch: the rejections to expect, one 'MODEL  MESSAGE_PART' line each (MODEL as in the "
                "list); any other rejection, or a listed model that compiles, fails the batch")
      ->check(CLI::ExistingFile)
      ->needs(verify_batch);
  v->add_option("--tolerance", verify.tolerance, "Max relative error for float outputs")->capture_default_str();
  v->add_option("--work-dir", verify.work_dir, "Where to build (default: a temporary directory, removed after)");
  v->add_flag("--keep", verify.keep, "Keep the temporary build directory");
  v->add_option("--target", verify.target, "Where to run: host, atmega328p, cortex-m0/m4/m7/m33/m55, rv32imc, xtensa-lx106")
      ->capture_default_str();
  v->add_option("--limit", verify.limit, "Run only the first N vectors (sorted by name)");

  BenchArgs bench;
  auto* b = app.add_subcommand("bench", "Measure instructions per invoke(), flash and RAM of the generated code");
  b->add_option("model", bench.model, "The .tflite model")->required()->check(CLI::ExistingFile);
  b->add_option("--target", bench.target, "Where to run: host, atmega328p, cortex-m0/m4/m7/m33/m55, rv32imc, xtensa-lx106")
      ->capture_default_str();
  b->add_option("--input", bench.input, "Input tensor bytes to run on (default: zeros)");
  b->add_flag("--json", bench.json, "Print one JSON object");
  b->add_option("--work-dir", bench.work_dir, "Where to build (default: a temporary directory, removed after)");

  ExportArduinoArgs arduino;
  auto* e = app.add_subcommand("export", "Package a model for a build system");
  e->require_subcommand(1);
  auto* ea = e->add_subcommand(
      "arduino", "An Arduino library: library.properties, library.json, src/ (model + the runtime headers it "
                 "uses), examples/NAME/NAME.ino (one inference, outputs and time on Serial)");
  ea->add_option("model", arduino.model, "The .tflite model")->required()->check(CLI::ExistingFile);
  ea->add_option("-o,--output", arduino.out_dir, "The library folder to write")->required();
  ea->add_option("--name", arduino.name, "Library, header and C++ namespace name (default: the model's file stem)");
  ea->add_option("--target", arduino.target,
                 "The board's chip (kernel variants, and a check that the model fits it), e.g. atmega328p");
  ea->add_option("--input", arduino.input,
                 "The example's input: raw tensor bytes, all inputs in order (e.g. a golden NAME.in.bin; "
                 "default: zeros)")
      ->check(CLI::ExistingFile);
  ea->add_option("--optimize", arduino.pipeline.optimize, "speed or size, as for compile")
      ->check(CLI::IsMember({"speed", "size"}))
      ->capture_default_str();

  ReportArgs report;
  auto* r = app.add_subcommand("report", "Write one self-contained HTML page: operators, per-layer cost, memory plan, "
                                         "and per --target flash/RAM, per-layer counts, time and energy");
  r->add_option("model", report.model, "The .tflite model")->required()->check(CLI::ExistingFile);
  r->add_option("-o,--output", report.out, "The HTML file to write")->required();
  r->add_option("--target", report.targets, "Measure on this target (repeatable): atmega328p, cortex-m4, host, ...");

  const char* compile_rows_help =
      "off: the whole input in the arena, invoke(); on: input row by row (push_row()), only a window of rows in RAM, "
      "error if the model cannot; auto: row by row when the model allows it and that makes the arena smaller";
  const char* run_rows_help =
      "auto: feed the input row by row only when the whole-input form does not fit the target's RAM; on / off: "
      "always / never";
  for (auto [command, p, rows_help] : {std::tuple{c, &compile.pipeline, compile_rows_help},
                                       std::tuple{v, &verify.pipeline, run_rows_help},
                                       std::tuple{b, &bench.pipeline, run_rows_help},
                                       std::tuple{r, &report.pipeline, run_rows_help}}) {
    command->add_option("--streaming-input", p->streaming_input, rows_help)
        ->check(CLI::IsMember({"off", "on", "auto"}))
        ->capture_default_str();
    command->add_option("--optimize", p->optimize,
                        "speed: specialized kernels per layer (re-laid-out constants); size: the shared generic ones")
        ->check(CLI::IsMember({"speed", "size"}))
        ->capture_default_str();
    command->add_option("--weights", p->weights.weights,
                        "internal: every constant in flash; external: the large layers' weights in a separate "
                        "image (NAME.weights.bin) read through read_weights() into a RAM page")
        ->check(CLI::IsMember({"internal", "external"}))
        ->capture_default_str();
    command->add_option("--page-bytes", p->weights.page_bytes,
                        "With --weights external: the RAM page the weights are read into, a multiple of 4")
        ->capture_default_str();
    command->add_option("--int8-tables", p->int8_tables,
                        "on: int8 single-input operators (LOGISTIC, TANH, LEAKY_RELU...) as 256-byte tables "
                        "computed at build time; off: TFLM's arithmetic per element, to measure what the tables save")
        ->check(CLI::IsMember({"on", "off"}))
        ->capture_default_str();
  }
  const char* streaming_help =
      "Band (patch) streaming of conv/depthwise/pooling chains: auto (where it lowers the arena), on (every "
      "eligible chain, whole), off";
  const char* rewrites_help =
      "on: fold PAD into the next layer, fold int8 activations into the layer before them and place slices "
      "(CONCATENATION, SPLIT...) as views without copies; off: the plain form, to measure what they save";
  for (auto [cmd, streaming, rewrites] :
       {std::tuple{c, &compile.pipeline.streaming, &compile.pipeline.rewrites},
        std::tuple{i, &inspect.streaming, &inspect.rewrites},
        std::tuple{ea, &arduino.pipeline.streaming, &arduino.pipeline.rewrites},
        std::tuple{v, &verify.pipeline.streaming, &verify.pipeline.rewrites},
        std::tuple{b, &bench.pipeline.streaming, &bench.pipeline.rewrites},
        std::tuple{r, &report.pipeline.streaming, &report.pipeline.rewrites}}) {
    cmd->add_option("--patch-streaming", *streaming, streaming_help)
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
    cmd->add_option("--rewrites", *rewrites, rewrites_help)->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  }

  CLI11_PARSE(app, argc, argv);
  try {
    if (*c) return run_compile(compile);
    if (*i) return run_inspect(inspect);
    if (*ea) return run_export_arduino(arduino);
    if (*v) {
      if (!verify.batch.empty()) return run_verify_batch(verify);
      if (verify.model.empty() || (verify.vectors.empty() && !verify.in_sequence()))
        throw CompileError("verify needs MODEL and --vectors DIR (or --sequence DIR, or --stream AUDIO FEATURES --hop N), or --batch LIST");
      return run_verify(verify);
    }
    if (*b) return run_bench(bench);
    if (*r) return run_report(report);
  } catch (const CompileError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
