// Checks and small builders shared by the per-operator lowerings.
#pragma once

#include <initializer_list>
#include <string>

#include "diagnostics.h"
#include "ops/op_def.h"
#include "ops/quantization.h"
#include "passes/kernel_call.h"

namespace microflow {

// The op's i-th input/output, failing with a clear message when absent.
const Tensor& op_input(const Graph& g, const Operator& op, size_t i, const char* role);
const Tensor& op_output(const Graph& g, const Operator& op, size_t i = 0);
const Tensor* optional_input(const Graph& g, const Operator& op, size_t i);

void expect_rank(const Graph& g, const Operator& op, const Tensor& t, const char* role, size_t rank);
void expect_constant(const Graph& g, const Operator& op, const Tensor& t, const char* role);
void expect_activation(const Graph& g, const Operator& op, const Tensor& t, const char* role);
void expect_per_tensor_quant(const Graph& g, const Operator& op, const Tensor& t, const char* role);
// TFLM's int16 DEPTHWISE_CONV_2D and FULLY_CONNECTED read their bias as int64 (an int32
// bias would be misread): the bias, if any, must be int64.
void expect_int64_bias(const Graph& g, const Operator& op, const Tensor* bias);

// The 15-bit multiplier of TFLM's int64 rescaling (16x8 kernels with int64 sums) for q,
// whose shift must be at most kMaxShiftS64.
int32_t checked_reduce_multiplier_s64(const Graph& g, const Operator& op, QuantizedMultiplier q);

// The op's arithmetic, from its first input. Every other input and every output has the
// same type, except the weights (OpDef::weights_input: int8 for int8 and int16 ops) and the
// bias (OpDef::bias_input: int32 for int8, int64 or int32 for int16, as TFLM's 16x8
// kernels take). Quantized activations have one scale; int16 ones zero point 0 (TFLM's
// int16 kernels require it). `allowed` lists what the lowering implements.
enum class Precision { Int8, Int16, Float32 };
Precision op_precision(const Graph& g, const Operator& op,
                       std::initializer_list<Precision> allowed = {Precision::Int8, Precision::Float32});

// A new call of `kernel` for op with its typed parameters.
KernelCall make_call(const Operator& op, const KernelDef& kernel, Params params);

void add_input_arg(KernelCall& k, const Tensor& t);
void add_output_arg(KernelCall& k, const Tensor& t);
void add_array_arg(KernelCall& k, ConstArray a);
void add_null_arg(KernelCall& k);  // an absent optional array (float bias)

ConstArray int_array(const std::string& suffix, DType type, std::vector<int64_t> values);
// The constant tensor's contents as a float array / int8 weight array.
ConstArray float_array_from(const std::string& suffix, const Tensor& t);
ConstArray int8_array_from(const std::string& suffix, const Tensor& t);

// int8 filter [channels][rows][row_length] in the packed layout of runtime dot_s8.h: blocks
// of four channels (zero filters pad the last), each row as [4][8] chunks, a [4][4] chunk
// when row_length % 8 >= 4, then [4][row_length % 4]; stored as little-endian int32 words
// so that the kernels can read whole aligned words.
ConstArray packed_filter_array(const std::string& suffix, const int8_t* filter, int64_t channels, int64_t rows,
                               int64_t row_length);

// Scale of channel c (a single scale applies to every channel).
float channel_scale(const Tensor& t, int64_t c);

// Per output channel, QuantizeMultiplier(S_in * S_w[c] / S_out), all in double as TFLM's
// PopulateConvolutionQuantizationParams (doc §2.1); fails unless the weights (`role`) have
// one scale or one per channel.
std::vector<QuantizedMultiplier> channel_multipliers(const Graph& g, const Operator& op, const Tensor& in,
                                                     const Tensor& weights, const Tensor& out, int64_t channels,
                                                     const char* role = "filter");

// Activation bounds for a quantized (int8 / int16) output / a float output.
struct IntRange {
  int64_t min = 0, max = 0;
};
IntRange activation_quantized(Activation act, const Tensor& output);
struct FloatRange {
  float min = 0, max = 0;
};
FloatRange activation_f32(Activation act);

}  // namespace microflow
