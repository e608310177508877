// Reads a .tflite file into the graph IR. The flatbuffer is verified before
// any field is read; everything the IR keeps is copied out of the buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace microflow {

Graph read_tflite_file(const std::string& path);
// `name` is used in error messages in place of a path.
Graph read_tflite_buffer(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace microflow
