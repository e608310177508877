#include "kernels/params.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

#include "diagnostics.h"

namespace microflow {

std::string FieldSink::next_name(std::string_view names, size_t& at) {
  while (at < names.size() && (names[at] == ' ' || names[at] == ',')) ++at;
  const size_t end = names.find(',', at);
  std::string_view name = names.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
  at = end == std::string_view::npos ? names.size() : end;
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return std::string(name);
}

void FieldSink::add(const std::string& name, const std::vector<int64_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + literal(v[i]);
  put(name, s + "}");
}

std::vector<ParamField> Params::fields() const {
  std::vector<ParamField> out;
  if (p_) {
    FieldSink sink(out);
    p_->describe(sink);
  }
  return out;
}

void Params::bad_cast(const char* wanted) const {
  throw CompileError(std::string("internal: parameters are ") + (p_ ? p_->type_name() : "empty") + ", not " + wanted);
}

std::string literal(int64_t v) {
  // INT32_MIN cannot be written as a plain negative literal.
  if (v == INT32_MIN) return "(-2147483647 - 1)";
  if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";  // int64 biases
  return std::to_string(v);
}

std::string literal(float v) {
  if (std::isinf(v)) return v > 0 ? "__builtin_inff()" : "-__builtin_inff()";
  if (std::isnan(v)) return std::signbit(v) ? "-__builtin_nanf(\"\")" : "__builtin_nanf(\"\")";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s + "f";
}

}  // namespace microflow
