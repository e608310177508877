// Options of custom operators: the flexbuffer map in Operator.custom_options (TFLM's
// FlexbufferWrapper reads it by index; the map's keys are sorted, so by key is the same).
#pragma once

#include <memory>
#include <string>

#include <flatbuffers/flexbuffers.h>

#include "tflite_subset_generated.h"

namespace microflow {

class CustomOptions {
 public:
  // The operator's verified flexbuffer map; missing or malformed is an error naming `where`.
  CustomOptions(const tfl::Operator& op, std::string where);
  int32_t int32(const char* key) const;
  bool boolean(const char* key) const;

 private:
  flexbuffers::Reference value(const char* key) const;
  std::string where_;
  flexbuffers::Map map_ = flexbuffers::Map::EmptyMap();
};

}  // namespace microflow
