// `microflow verify`: runs every golden vector through the generated code on
// a target (the host, or a simulated MCU) and compares with the reference.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/golden_vectors.h"
#include "cli/progress.h"
#include "diagnostics.h"
#include "pipeline.h"
#include "targets/firmware.h"

namespace microflow {

namespace fs = std::filesystem;

namespace {

// How many input vectors one firmware image can carry besides the model: a guess for
// the first image, then what the first image's measured flash leaves room for.
// `constant_bytes`: the model's constants in internal flash.
size_t vectors_per_image(const Target& t, int64_t constant_bytes, size_t input_bytes, size_t total) {
  if (t.flash_bytes <= 0) return total;
  const int64_t code_reserve = 24 * 1024;  // kernels, harness, platform
  const int64_t room = t.flash_bytes - constant_bytes - code_reserve;
  return std::clamp<size_t>(room > 0 ? static_cast<size_t>(room) / std::max<size_t>(input_bytes, 1) : 1, 1, total);
}

size_t measured_vectors_per_image(const Target& t, int64_t flash_without_vectors, size_t input_bytes, size_t total) {
  if (t.flash_bytes <= 0) return total;
  const int64_t room = t.flash_bytes - flash_without_vectors;
  return std::clamp<size_t>(room > 0 ? static_cast<size_t>(room) / std::max<size_t>(input_bytes, 1) : 1, 1, total);
}

// Every vector through the model on the target, in as few firmware images as fit. A
// sequence (--sequence) runs in one image, twice (reset() in between): 2n outputs.
std::vector<std::vector<uint8_t>> run_vectors(const VerifyArgs& a, const Target& target, const CompiledModel& m,
                                              const std::vector<std::vector<uint8_t>>& inputs, int64_t input_bytes,
                                              int64_t output_bytes, const fs::path& work) {
  const bool sequence = a.in_sequence();
  const int64_t page_bytes = a.pipeline.weights.page();
  const int64_t constant_bytes = internal_constant_bytes(m, page_bytes);
  check_model_fits(target, m, constant_bytes, a.model);
  const std::string model_name = fs::path(a.model).filename().string();
  size_t per_image = sequence ? inputs.size()
                              : vectors_per_image(target, constant_bytes, static_cast<size_t>(input_bytes), inputs.size());
  std::vector<std::vector<uint8_t>> outputs;
  const size_t total = inputs.size() * (sequence ? 2 : 1);
  Progress progress(fmt::format("verify on {}", target.name));
  for (size_t first = 0, image = 1; first < inputs.size(); ++image) {
    const size_t end = std::min(first + per_image, inputs.size());
    const std::vector<std::vector<uint8_t>> batch(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                                                  inputs.begin() + static_cast<std::ptrdiff_t>(end));
    std::cerr << fmt::format("verify: {} ({} ops, {} B constants{}{}): building image {} with {} of {} vectors for {}...\n",
                             model_name, m.calls.size(), constant_bytes,
                             page_bytes ? fmt::format(" in flash, the rest external through a {} B page", page_bytes) : "",
                             m.input_rows.enabled ? ", input row by row" : "", image, batch.size(), inputs.size(),
                             target.name);
    const Firmware fw =
        build_firmware(target, &m,
                       verify_harness(m, batch, page_bytes ? weights_image_path(work).string() : "", sequence), work,
                       page_bytes);
    const FirmwareSizes sizes = {fw.sizes.flash - static_cast<int64_t>(batch.size()) * input_bytes, fw.sizes.ram};
    check_fits(target, sizes, 0, model_name);
    progress.set(fmt::format("{}/{} vectors, running image {}", outputs.size(), total, image));
    const RunResult run = run_firmware(target, fw, work, false, [&](const std::string& out) {
      size_t done = 0;  // "V<i> <hex>" lines so far
      for (size_t p = 0; (p = out.find('V', p)) != std::string::npos; ++p) done += (p == 0 || out[p - 1] == '\n');
      progress.set(fmt::format("{}/{} vectors, running image {}", outputs.size() + done, total, image));
    });
    check_fits(target, sizes, run.simulator_stack_bytes, model_name);
    auto got = parse_vector_outputs(run.output, batch.size() * (sequence ? 2 : 1), static_cast<size_t>(output_bytes));
    outputs.insert(outputs.end(), got.begin(), got.end());
    if (first == 0 && !sequence)
      per_image = measured_vectors_per_image(target, sizes.flash, static_cast<size_t>(input_bytes), inputs.size());
    first = end;
  }
  return outputs;
}

}  // namespace

int run_verify(const VerifyArgs& a) {
  const Target target = find_target(a.target);
  if (a.pipeline.weights.page()) check_external_weights_target(target);
  const CompileOptions options = pipeline_options(a.pipeline, &target);
  std::unique_ptr<CompiledModel> model = compile_for_target(a.model, options);
  const bool sequence = a.in_sequence();
  const std::string dir = !a.sequence.empty() ? a.sequence : a.vectors;
  const int64_t input_bytes = microflow::input_bytes(model->graph), output_bytes = microflow::output_bytes(model->graph);
  GoldenInputs golden;
  std::vector<std::vector<uint8_t>> expected;
  if (!a.stream.empty()) {
    expected = cut_stream(model->graph, a.stream.at(0), a.stream.at(1), a.hop, golden, a.limit);
  } else {
    golden = read_golden_inputs(dir, model->graph, a.limit);
    for (const std::string& name : golden.names) expected.push_back(read_golden_output(dir, name));
  }
  const std::vector<std::string>& vectors = golden.names;

  const fs::path work = a.work_dir.empty() ? fs::temp_directory_path() / fmt::format("microflow-verify-{}", getpid())
                                           : fs::path(a.work_dir);
  std::vector<std::vector<uint8_t>> outputs;
  try {
    outputs = run_vectors(a, target, *model, golden.inputs, input_bytes, output_bytes, work);
  } catch (const DoesNotFit& e) {
    model = switch_to_streaming(a.model, options, *model, target, e, "verify");
    outputs = run_vectors(a, target, *model, golden.inputs, input_bytes, output_bytes, work);
  }

  const bool is_float = has_float_output(model->graph);
  int passed = 0;
  double max_err = 0;
  // A sequence's second pass (after reset()) must match the golden outputs again.
  for (size_t pass = 0; pass < (sequence ? 2u : 1u); ++pass)
    for (size_t i = 0; i < vectors.size(); ++i) {
      const Comparison c =
          compare_outputs(model->graph, outputs[pass * vectors.size() + i], expected[i], a.tolerance);
      max_err = std::max(max_err, c.max_rel_error);
      passed += c.pass;
      const std::string name = vectors[i] + (pass ? " (after reset())" : "");
      if (is_float)
        std::cout << fmt::format("{}: {} (max relative error {:.3g}){}\n", name, c.pass ? "ok" : "FAIL", c.max_rel_error,
                                 c.pass ? "" : " " + c.detail);
      else
        std::cout << fmt::format("{}: {}\n", name, c.pass ? "bit-exact" : "MISMATCH " + c.detail);
    }
  const size_t total = vectors.size() * (sequence ? 2 : 1);
  const std::string where = (target.name == "host" ? "" : " on " + target.name) +
                            (model->input_rows.enabled ? " (input row by row)" : "") +
                            (sequence ? fmt::format(" (a {} on one model, twice with reset() between)",
                                                    a.stream.empty() ? "sequence" : "stream")
                                      : "");
  if (is_float)
    std::cout << fmt::format("verify: {}/{} within tolerance{} (max relative error {:.3g}, tolerance {:g})\n", passed,
                             total, where, max_err, a.tolerance);
  else
    std::cout << fmt::format("verify: {}/{} bit-exact{}\n", passed, total, where);
  if (!a.keep && a.work_dir.empty()) fs::remove_all(work);
  return passed == static_cast<int>(total) ? 0 : 1;
}

}  // namespace microflow
