// `inspect --memory` / `--svg`: how the arena is used over the execution
// order, what each planning decision saved, and a picture of the plan.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline.h"

namespace microflow {

// What band streaming chose and the peak before and after (passes/stream.h).
void print_streaming_report(std::ostream& out, const CompiledModel& m);
nlohmann::json streaming_report_json(const CompiledModel& m);

void print_memory_report(std::ostream& out, const CompiledModel& m);
nlohmann::json memory_report_json(const CompiledModel& m);
// Tensors as rectangles: x = execution step, y = arena offset.
std::string memory_plan_svg(const CompiledModel& m);

}  // namespace microflow
