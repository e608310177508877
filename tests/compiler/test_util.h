// Helpers shared by the compiler tests: running the pipeline on in-memory
// models, checking CompileError messages, temporary directories.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "graph/graph.h"
#include "microflow/tflite_writer.h"
#include "passes/kernel_call.h"
#include "passes/lower.h"
#include "passes/schedule.h"
#include "pipeline.h"
#include "planner/planner.h"
#include "reader/tflite_reader.h"

namespace mftest {

namespace fs = std::filesystem;
namespace w = microflow::tools;
using microflow::CompileError;

// The whole pipeline on an in-memory model. Held by pointer: the kernel calls
// point into graph.ops.
using Compiled = microflow::CompiledModel;

// The whole pipeline, as `microflow compile` runs it, on a model in memory.
inline std::unique_ptr<Compiled> compile_bytes(const std::vector<uint8_t>& bytes, const std::string& name) {
  auto c = std::make_unique<Compiled>();
  microflow::compile_model_buffer(bytes, name, *c);
  return c;
}

// Runs fn, which must throw CompileError; returns its message ("" after a
// gtest failure when it didn't).
inline std::string compile_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const CompileError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected CompileError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected CompileError, nothing was thrown";
  return "";
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The message starts with "<file>: " and contains every fragment.
#define EXPECT_COMPILE_ERROR(statement, file, ...)                                                      \
  do {                                                                                                \
    const std::string mf_msg_ = ::mftest::compile_error_of([&] { statement; });                       \
    if (mf_msg_.empty()) break; /* already reported */                                                \
    EXPECT_TRUE(::mftest::starts_with(mf_msg_, std::string(file) + ": ")) << "message: " << mf_msg_;  \
    for (const std::string& mf_part_ : std::vector<std::string>{__VA_ARGS__})                         \
      EXPECT_NE(mf_msg_.find(mf_part_), std::string::npos) << "'" << mf_part_ << "' not in: " << mf_msg_; \
  } while (0)

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("microflow_compiler_tests_" + tag + "_" + std::to_string(rd()) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << p;
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  return w::to_bytes(v);
}

// `microflow ARGS` (the executable the tests are built with), its stdout and stderr.
struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

inline RunResult run(const std::string& args) {
  const std::string cmd = std::string("\"") + MICROFLOW_EXE + "\" " + args + " 2>&1";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "popen failed: " << cmd;
    return r;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Built by appending: `"literal" + std::string` makes GCC 12 warn a false -Wrestrict inside
// std::string (GCC bug 105651), as in the compiler (graph.cpp).
inline std::string quoted(const fs::path& p) { return std::string("\"").append(p.string()).append("\""); }

// prefix followed by n ("v" + std::to_string(n), without GCC 12's false -Wrestrict above).
template <typename N> std::string numbered(const char* prefix, N n) { return std::string(prefix).append(std::to_string(n)); }

inline w::Quantization q(float scale, int64_t zero_point) { return w::Quantization(scale, zero_point); }

}  // namespace mftest
