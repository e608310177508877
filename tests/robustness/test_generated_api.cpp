// The generated Model API's compile-time size checks: set_input<I>(values) and
// get_output<I>(values) accept exactly kInput<I>Elements / kOutput<I>Elements
// floats and a valid index, and anything else is a compile error naming the
// problem (static_assert), with the host g++ and the flags of the README.
// And the tensor bounds check of ASan builds (EmitOptions::tensor_bounds_check)
// really fires when a kernel touches a byte outside its tensors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <unistd.h>

#include "emitter/emitter.h"
#include "pipeline.h"
#include "seed_models.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string output;
};

Result sh(const std::string& cmd) {
  Result r{-1, ""};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

class GeneratedApi : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("microflow_api_" + std::to_string(getpid()) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir_);
    const Result r = sh(std::string(MICROFLOW_EXE) + " compile " + MICROFLOW_SINE_MODEL + " -o " + dir_.string() +
                        " --name sine_api");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
  }
  // Builds main.cpp (the given body) with the generated code; returns the compiler's result.
  Result build(const std::string& body) {
    std::ofstream(dir_ / "main.cpp") << "#include <math.h>\n#include \"sine_api.h\"\n\nint main() {\n"
                                     << body << "\n}\n";
    return sh("g++ -std=c++14 -Wall -Wextra -Wconversion -Werror -I " + dir_.string() + " -I " +
              MICROFLOW_RUNTIME_INCLUDE + " " + (dir_ / "main.cpp").string() + " " +
              (dir_ / "sine_api.cpp").string() + " -o " + (dir_ / "main").string());
  }
  fs::path dir_;
};

TEST_F(GeneratedApi, CheckedHelpersAcceptExactSizes) {
  const Result r = build(R"(
  static sine_api::Model model;
  float x[sine_api::kInput0Elements] = {1.5f};
  float y[sine_api::kOutput0Elements] = {0.f};
  static_assert(sine_api::input_elements(0) == sine_api::kInput0Elements, "");
  static_assert(sine_api::input_elements(1) == 0, "");
  model.set_input<0>(x);
  model.invoke();
  model.get_output<0>(y);
  return isfinite(y[0]) && y[0] > 0.5f && y[0] < 1.2f ? 0 : 1;  // sin(1.5) = 0.997)");
  ASSERT_EQ(r.status, 0) << r.output;
  const Result run = sh((dir_ / "main").string());
  EXPECT_EQ(run.status, 0) << run.output;
}

TEST_F(GeneratedApi, WrongInputSizeIsACompileError) {
  const Result r = build(R"(
  static sine_api::Model model;
  float x[sine_api::kInput0Elements + 1] = {1.5f};
  model.set_input<0>(x);
  return 0;)");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("values must have exactly kInput<I>Elements elements"), std::string::npos) << r.output;
}

TEST_F(GeneratedApi, WrongOutputSizeIsACompileError) {
  const Result r = build(R"(
  static sine_api::Model model;
  float y[2];
  model.get_output<0>(y);
  return 0;)");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("values must have exactly kOutput<I>Elements elements"), std::string::npos) << r.output;
}

TEST_F(GeneratedApi, MissingInputIndexIsACompileError) {
  const Result r = build(R"(
  static sine_api::Model model;
  float x[1] = {1.5f};
  model.set_input<1>(x);
  return 0;)");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("the model has no input I"), std::string::npos) << r.output;
}

// A stateful model (a resource-variable accumulator with a CALL_ONCE init) through the
// low-level API: one arena and two state regions are two independent streams; reset()
// gives first-invoke behaviour back; two Model objects (one set of weights) are independent too.
TEST(StatefulApi, TwoStreamsShareTheArenaAndTheWeights) {
  const fs::path model = fs::path(MICROFLOW_MODELS_DIR) / "operators/VAR_HANDLE/stateful_accumulator_int8/model.tflite";
  if (!fs::exists(model)) GTEST_SKIP() << model << " not found (MICROFLOW_MODELS_DIR)";
  const fs::path dir = fs::temp_directory_path() / ("microflow_state_api_" + std::to_string(getpid()));
  fs::create_directories(dir);
  Result r = sh(std::string(MICROFLOW_EXE) + " compile " + model.string() + " -o " + dir.string() + " --name acc");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ofstream(dir / "main.cpp") << R"(#include <string.h>
#include "acc.h"

static int8_t step(uint8_t* arena, uint8_t* state, int8_t x) {
  memset(acc::input0(arena), x, acc::kInput0Elements);
  acc::invoke(arena, state);
  return acc::output0(arena)[0];
}

int main() {
  alignas(acc::kArenaAlignment) static uint8_t arena[acc::kArenaBytes];
  alignas(acc::kArenaAlignment) static uint8_t a[acc::kStateBytes], b[acc::kStateBytes];
  acc::reset(a);
  acc::reset(b);
  const int8_t a0 = step(arena, a, 10), a1 = step(arena, a, 10), a2 = step(arena, a, 10);
  if (step(arena, b, 10) != a0) return 1;  // stream b does not see stream a's state
  if (a0 == a1 || a1 == a2) return 2;      // the state carries from invoke to invoke
  if (step(arena, b, 10) != a1) return 3;
  acc::reset(a);
  if (step(arena, a, 10) != a0) return 4;  // reset(): the init subgraph runs again
  // Model objects; invoke() may overwrite its input, so each step writes it again.
  static acc::Model m1, m2;
  acc::Model* const steps[] = {&m1, &m1, &m2};
  for (acc::Model* m : steps) {
    memset(m->input(), 10, acc::kInput0Elements);
    m->invoke();
  }
  if (m1.output()[0] != a1 || m2.output()[0] != a0) return 5;
  m1.reset();
  memset(m1.input(), 10, acc::kInput0Elements);
  m1.invoke();
  return m1.output()[0] == a0 ? 0 : 6;
}
)";
  r = sh("g++ -std=c++14 -Wall -Wextra -Wconversion -Wshadow -Werror -I " + dir.string() + " -I " +
         MICROFLOW_RUNTIME_INCLUDE + " " + (dir / "main.cpp").string() + " " + (dir / "acc.cpp").string() + " -o " +
         (dir / "main").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const Result run = sh((dir / "main").string());
  EXPECT_EQ(run.status, 0) << run.output;
  std::error_code ec;
  if (!::testing::Test::HasFailure()) fs::remove_all(dir, ec);
}

// Generated code with the bounds check, for a writer-made model with every
// operator, built with -fsanitize=address: clean as generated, and an ASan
// report once one kernel's input range is made a byte shorter than the tensor.
TEST(TensorBoundsCheck, FiresWhenAKernelLeavesItsTensors) {
  const fs::path dir = fs::temp_directory_path() / ("microflow_bounds_" + std::to_string(getpid()));
  fs::create_directories(dir);
  microflow::CompiledModel m;
  microflow::compile_model_buffer(mfseed::int8_zoo(), "int8_zoo.tflite", m);
  const microflow::GeneratedCode code =
      microflow::emit_cpp(m.graph, m.calls, m.plan, "zoo", microflow::EmitOptions{.tensor_bounds_check = true});
  ASSERT_NE(code.source.find("only_tensors(arena"), std::string::npos);
  std::ofstream(dir / "zoo.h") << code.header;
  std::ofstream(dir / "main.cpp") << "#include \"zoo.h\"\n"
                                  << "static zoo::Model model;\n"
                                  << "int main() {\n  for (size_t i = 0; i < zoo::kInput0Elements; ++i) model.input()[i] = "
                                     "static_cast<int8_t>(i * 7);\n  model.invoke();\n  return zoo::output1(model.arena())[0] == 127 ? 3 : 0;\n}\n";
  auto build_and_run = [&](const std::string& source) {
    std::ofstream(dir / "zoo.cpp") << source;
    const Result b = sh("g++ -std=c++14 -O1 -g -fsanitize=address -fno-exceptions -fno-rtti -I " + dir.string() + " -I " +
                        MICROFLOW_RUNTIME_INCLUDE + " " + (dir / "main.cpp").string() + " " + (dir / "zoo.cpp").string() +
                        " -o " + (dir / "zoo").string());
    EXPECT_EQ(b.status, 0) << b.output;
    return sh("ASAN_OPTIONS=detect_leaks=0 " + (dir / "zoo").string());
  };
  const Result clean = build_and_run(code.source);
  EXPECT_EQ(clean.output.find("AddressSanitizer"), std::string::npos) << clean.output;
  // The first kernel's first tensor, one byte shorter: its last byte is poisoned.
  std::smatch r;
  ASSERT_TRUE(std::regex_search(code.source, r, std::regex(R"(kRanges\[\] = \{(\d+), (\d+),)")));
  const std::string shorter = code.source.substr(0, static_cast<size_t>(r.position(0))) + "kRanges[] = {" + r[1].str() +
                              ", " + std::to_string(std::stoll(r[2]) - 1) + "," +
                              code.source.substr(static_cast<size_t>(r.position(0) + r.length(0)));
  const Result caught = build_and_run(shorter);
  EXPECT_NE(caught.output.find("ERROR: AddressSanitizer"), std::string::npos) << caught.output;
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
