// Kernel-variant selection: after lowering and fusion, each call may be rewritten to a
// specialized runtime kernel whose constants the compiler re-lays out for it. The generic
// kernels stay the choice for --optimize=size (one shared copy of each loop, the smallest
// constants); --optimize=speed picks the specialized ones where the layer allows it.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

enum class Optimize { Speed, Size };

// "speed" / "size"; throws CompileError on anything else.
Optimize parse_optimize(const std::string& s);
const char* optimize_name(Optimize o);

// `target_family`: the family the code is for ("avr", "cortex-m", ...; empty: any). Some
// variants only pay off with the target's multiply instructions; `target_isa` (targets.json
// "isa") names the extensions its flags enable ("mve": Helium loops on int8 rows). `input_rows`: the input
// may be streamed row by row (--streaming-input on/auto), so the calls that have a row form
// keep their generic kernels.
void specialize_kernels(const Graph& g, std::vector<KernelCall>& calls, Optimize optimize,
                        const std::string& target_family, const std::vector<std::string>& target_isa,
                        bool input_rows);

}  // namespace microflow
