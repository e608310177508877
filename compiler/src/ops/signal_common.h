// Checks shared by the Signal-library custom operators (signal_*.cpp).
#pragma once

#include <initializer_list>
#include <string>

#include "ops/index_util.h"
#include "ops/lower_util.h"

namespace microflow {

// The operator has exactly `inputs` inputs (besides its kernel state) and `outputs` outputs.
void expect_arity(const Graph& g, const Operator& op, size_t inputs, size_t outputs);
// t has this type and rank (TFLM's Prepare checks both).
void expect_signal_tensor(const Graph& g, const Operator& op, const Tensor& t, const char* role, DType type, size_t rank);
// Kernel state (OpDef::kernel_state) of `elements` values of `type`, at least one (the
// reader wants a tensor); more than an int32 dimension holds is an error.
KernelState kernel_state_of(const Graph& g, const Operator& op, DType type, int64_t elements);
// Rows of t before its innermost dimension (1 when t is a scalar or has an empty dimension:
// the lowering rejects those).
int64_t outer_rows(const Tensor& t);
// A constant 1-D int16 table with at least `at_least` entries, as a flash array.
ConstArray int16_table(const Graph& g, const Operator& op, const Tensor& t, const char* role, int64_t at_least,
                       const std::string& suffix);

}  // namespace microflow
