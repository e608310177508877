// Tables instead of arithmetic: an int8 single-input operator with fixed input and output
// quantization is a function of the 256 input values. The compiler evaluates it at build
// time by running the operator's reference kernel (OpDef::int8_reference: TFLM's int8
// arithmetic, the runtime kernel itself, through KernelDef::evaluate) over all 256 inputs;
// the MCU then does one flash lookup per element (runtime kernels/lookup.h).
//
// Where the table pays its 256 bytes: on every target, for every operator whose table is
// not a clamp. The direct kernels need a 32-bit requantization (a 32x32->64 multiply: a
// libgcc call on AVR) or fixed-point exp / reciprocal iterations (LOGISTIC, TANH), or float
// math (ELU), per element, and their code alone is larger than the table: avr-g++ -Os
// builds logistic_s8 / tanh_s8 to ~2.6 KB, rsqrt_s8 ~1.8 KB, relu_s8 / leaky_relu_s8 /
// abs_s8 / hard_swish_s8 ~1.1-1.3 KB, elu_s8 ~0.4 KB plus ~1.8 KB of float routines, against
// 82 B for lookup_s8 (an int8 LOGISTIC model on atmega328p: 21 cycles per element). On
// Cortex-M the lookup is one load per element. A table that is a clamp (RELU6, RELU with
// the input's quantization) becomes clamp_s8 instead: no table, two compares per element.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "graph/graph.h"
#include "passes/kernel_call.h"

namespace microflow {

// table[static_cast<uint8_t>(x)] is the operator's int8 output for the int8 input x.
using Int8Table = std::array<int8_t, 256>;

// Whether op has an int8 table form (an int8 reference lowering), whatever its types.
bool has_int8_table(const Operator& op);

// The table of an int8 operator with a reference lowering (has_int8_table): its reference
// call evaluated on the host for all 256 inputs. The reference lowering's checks apply
// (a CompileError names the op and the problem).
Int8Table int8_table_for(const Graph& g, const Operator& op);

// The lowering of such an operator for int8: lookup_s8 over its table, or clamp_s8 when the
// table is a clamp.
KernelCall lower_int8_by_table(const Graph& g, const Operator& op);

// --int8-tables off: every lookup_s8 / clamp_s8 call of an operator with a table form becomes
// its reference call (the direct kernel the table was evaluated with).
void use_direct_int8_kernels(const Graph& g, std::vector<KernelCall>& calls);

// How an int8 operator with a table form was lowered, for inspect: a lookup_s8 call (its
// table's bytes) or clamp_s8, and the reference kernel the table was evaluated with.
struct Int8TableUse {
  bool table = false;  // false: the table is a clamp, clamp_s8 runs without one
  int64_t bytes = 0;   // the table in flash
  int64_t clamp_min = 0, clamp_max = 0;  // the clamp's bounds
  std::string op, reference_kernel;
  std::string note() const;  // one line for inspect's text
};
std::optional<Int8TableUse> int8_table_use(const Graph& g, const KernelCall& k);

}  // namespace microflow
