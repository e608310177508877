#include "ops/custom_options.h"

#include <limits>

#include "diagnostics.h"

namespace microflow {

CustomOptions::CustomOptions(const tfl::Operator& op, std::string where) : where_(std::move(where)) {
  const auto* bytes = op.custom_options();
  if (!bytes || bytes->size() == 0) throw CompileError(where_ + ": custom options missing");
  if (op.custom_options_format() != tfl::CustomOptionsFormat::FLEXBUFFERS)
    throw CompileError(where_ + ": custom options are not a flexbuffer");
  if (!flexbuffers::VerifyBuffer(bytes->data(), bytes->size(), nullptr))
    throw CompileError(where_ + ": custom options are not a valid flexbuffer");
  const flexbuffers::Reference root = flexbuffers::GetRoot(bytes->data(), bytes->size());
  if (!root.IsMap()) throw CompileError(where_ + ": custom options are not a flexbuffer map");
  map_ = root.AsMap();
}

flexbuffers::Reference CustomOptions::value(const char* key) const {
  const flexbuffers::Reference v = map_[key];
  if (v.IsNull()) throw CompileError(where_ + ": custom option '" + key + "' missing");
  return v;
}

int32_t CustomOptions::int32(const char* key) const {
  const flexbuffers::Reference v = value(key);
  if (!v.IsInt() && !v.IsUInt() && !v.IsBool())
    throw CompileError(where_ + ": custom option '" + key + "' is not an integer");
  const int64_t x = v.IsUInt() ? static_cast<int64_t>(std::min<uint64_t>(v.AsUInt64(), INT64_MAX)) : v.AsInt64();
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max())
    throw CompileError(where_ + ": custom option '" + key + "' = " + std::to_string(x) + " exceeds int32");
  return static_cast<int32_t>(x);
}

bool CustomOptions::boolean(const char* key) const {
  const flexbuffers::Reference v = value(key);
  if (!v.IsBool() && !v.IsInt() && !v.IsUInt()) throw CompileError(where_ + ": custom option '" + key + "' is not a bool");
  return v.AsBool();
}

}  // namespace microflow
