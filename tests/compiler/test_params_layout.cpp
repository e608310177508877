// The compiler's typed parameter structs (compiler/src/kernels/) against the runtime's:
// every kernel an operator's lowering or a pass can produce gets a probe that
// initializes the runtime struct (or instantiates its constants template) with a
// distinct value per field in the compiler's order and checks each field by name.
// A field out of order, missing or misnamed fails to compile here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "kernels/catalog.h"
#include "ops/op_def.h"

namespace {

using microflow::KernelDef;
using microflow::ParamField;

std::vector<const KernelDef*> every_kernel() {
  std::vector<const KernelDef*> kernels;
  for (const microflow::OpDef* op : microflow::all_ops())
    for (const KernelDef* k : op->kernels) kernels.push_back(k);
  for (const KernelDef* k : microflow::derived_kernels()) kernels.push_back(k);
  return kernels;
}

// The probe's value of field i, its check ("" for pointers, which only hold a place).
struct Probe {
  std::string value, check;
};

Probe probe_field(const ParamField& f, int i) {
  if (f.value == "nullptr" || f.value[0] == '@') return {"nullptr", ""};
  const std::string n = std::to_string(i + 1);
  if (f.value[0] == '{') return {"{" + n + "}", f.name + "[0] == " + n};  // an array: its first element
  if (f.value.back() == 'f') return {n + ".5f", f.name + " == " + n + ".5f"};
  return {n, f.name + " == " + n};
}

// Declarations of one probe per parameter type: `P` initialized (or instantiated) with a
// distinct value per field in the compiler's order, each field checked by name.
std::string probe(const microflow::Params& sample, bool template_constants, const std::string& name) {
  const std::string type = std::string("mf::") + sample.type_name();
  const std::vector<ParamField> fields = sample.fields();
  std::string values, checks;
  const std::string member = template_constants ? "P::" : "P.";
  for (size_t i = 0; i < fields.size(); ++i) {
    const Probe p = probe_field(fields[i], static_cast<int>(i));
    values += (i ? ", " : "") + p.value;
    if (!p.check.empty()) checks += (checks.empty() ? "" : " && ") + member + p.check;
  }
  std::string s = "namespace " + name + " {\n";
  s += template_constants ? "using P = " + type + "<" + values + ">;\n"
                          : "constexpr " + type + " P = {" + values + "};\n";
  return s + "static_assert(" + (checks.empty() ? std::string("true") : checks) + ", \"" + type +
         ": the compiler's field order differs from the runtime struct\");\n}\n";
}

// Compiles the probes against the runtime headers; the compiler's output when that fails.
bool compiles(const std::set<std::string>& headers, const std::string& probes, std::string& out) {
  std::string source = "#include <stddef.h>\n#include <stdint.h>\n";
  for (const std::string& h : headers) source += "#include <" + h + ">\n";
  source += probes;
  const auto file = std::filesystem::temp_directory_path() / ("mf_params_layout_" + std::to_string(::getpid()) + ".cpp");
  std::ofstream(file) << source;
  const std::string cmd =
      "c++ -std=c++14 -fsyntax-only -Wall -Werror -I " MICROFLOW_RUNTIME_INCLUDE " " + file.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return false;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  std::filesystem::remove(file);
  if (status != 0) out += "\n--- probe ---\n" + source;
  return status == 0;
}

TEST(ParamsLayout, CompilerFieldsMatchTheRuntimeStructs) {
  std::set<std::string> headers, seen;
  std::string probes;
  int count = 0;
  for (const KernelDef* k : every_kernel()) {
    if (!k->sample_params) continue;
    const microflow::Params sample = k->sample_params();
    if (!seen.insert(sample.type_name()).second) continue;
    headers.insert(k->header);
    ASSERT_FALSE(sample.fields().empty()) << sample.type_name();
    probes += probe(sample, k->template_constants, "probe" + std::to_string(++count));
  }
  EXPECT_GT(count, 20);
  std::string out;
  EXPECT_TRUE(compiles(headers, probes, out)) << out;
}

// A compiler twin with two fields swapped fails the probe.
struct SwappedSoftmaxF32Params : microflow::ParamsBase {
  int64_t rows = 0, depth = 0;
  float beta = 1;
  MF_PARAMS(SoftmaxF32Params, depth, rows, beta)
};

TEST(ParamsLayout, ASwappedFieldIsCaught) {
  std::string out;
  EXPECT_FALSE(compiles({"microflow/kernels/softmax.h"}, probe(SwappedSoftmaxF32Params{}, false, "swapped"), out));
  EXPECT_NE(out.find("field order differs"), std::string::npos) << out;
}

}  // namespace
