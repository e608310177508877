#include "passes/specialize.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "diagnostics.h"
#include "kernels/catalog.h"
#include "microflow/fixed_point.h"
#include "ops/lower_util.h"

namespace microflow {
namespace {

const ConstArray& array_of(const KernelCall& k, const std::string& suffix) {
  for (const ConstArray& a : k.arrays)
    if (a.suffix == suffix) return a;
  throw CompileError("internal: " + k.function() + " has no array " + suffix);
}

// k becomes a call of its (new) kernel with params `c` and arguments input, `arrays`, output;
// a band stage also takes the kernel's stage kind.
template <typename Constants>
void replace_call(KernelCall& k, BandInfo* band, const Constants& c, std::vector<ConstArray> arrays,
                  const KernelArg& input, const KernelArg& output) {
  if (band) band->kernel = k.kernel->band;
  k.params = c;
  k.arrays.clear();
  k.args = {input};
  for (ConstArray& a : arrays) add_array_arg(k, std::move(a));
  k.args.push_back(output);
}

uint32_t pack16(int64_t lo, int64_t hi) {
  return (static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16);
}

// The weights of fully_connected_s8_wide_fixed / conv_2d_1x1_s8_wide_fixed: the channel-pair
// int8 layout of runtime fully_connected_wide.h, as little-endian int32 words (zero bytes to
// a whole word). Empty when it does not apply: a (w - Z_w) outside int8, a pair's second row
// whose sum could reach 2^23 in magnitude (the kernel recovers it modulo 2^24), or a pair
// (A, B) with A < 0 and B = -128 (B - 1, the borrow the halfword stores, is not int8).
// Whether rows a (low bytes) and b (high bytes) of int8 values at(row, k) can share the
// layout's halfwords (pair_weights' conditions on a pair).
template <typename At>
bool pair_fits(At at, int64_t depth, int64_t a, int64_t b) {
  int64_t magnitude = 0;
  for (int64_t k = 0; k < depth; ++k) {
    if (at(a, k) < 0 && at(b, k) == -128) return false;
    magnitude += std::abs(at(b, k));
  }
  return 128 * magnitude < (int64_t{1} << 23);
}

std::vector<int64_t> pair_weights(const std::vector<int64_t>& w, int64_t rows, int64_t depth, int64_t w_zero) {
  auto at = [&](int64_t o, int64_t k) { return w[static_cast<size_t>(o * depth + k)] - w_zero; };
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t k = 0; k < depth; ++k)
      if (at(o, k) < -128 || at(o, k) > 127) return {};
  for (int64_t o = 1; o < rows; o += 2)
    if (!pair_fits(at, depth, o - 1, o)) return {};
  std::vector<uint8_t> bytes;
  auto half = [&](int64_t a_row, int64_t k) {  // int16 256 B + A of the pair starting at a_row
    const int64_t a = at(a_row, k);
    bytes.push_back(static_cast<uint8_t>(a));
    bytes.push_back(static_cast<uint8_t>(at(a_row + 1, k) - (a < 0 ? 1 : 0)));
  };
  const int64_t groups = depth / 4, pairs = rows / 2;
  auto pair_group = [&](int64_t a_row, int64_t g) {
    half(a_row, 4 * g), half(a_row, 4 * g + 2);
    half(a_row, 4 * g + 1), half(a_row, 4 * g + 3);
  };
  for (int64_t b = 0; b < rows / 4; ++b)
    for (int64_t g = 0; g < groups; ++g) pair_group(4 * b, g), pair_group(4 * b + 2, g);
  if (rows % 4 >= 2)
    for (int64_t g = 0; g < groups; ++g) pair_group(rows / 4 * 4, g);
  if (rows % 2 != 0)
    for (int64_t k = 0; k < depth; ++k) bytes.push_back(static_cast<uint8_t>(at(rows - 1, k)));
  for (int64_t p = 0; p < pairs; ++p)
    for (int64_t k = 4 * groups; k < depth; ++k) half(2 * p, k);
  while (bytes.size() % 4 != 0) bytes.push_back(0);
  std::vector<int64_t> words;
  for (size_t i = 0; i < bytes.size(); i += 4)
    words.push_back(static_cast<int32_t>(bytes[i] | bytes[i + 1] << 8 | bytes[i + 2] << 16 |
                                         static_cast<uint32_t>(bytes[i + 3]) << 24));
  return words;
}

// requantize_channel's range (runtime conv_2d_1x1_wide.h) for a channel whose accumulators
// stay within +-bound: multiplier in [2^30, 2^31), shift in [-31, -1], and |acc| < 2^30 when
// n = -shift - 1 is 0, where (u >> n) + 1 + 2 Z could pass 2^31. From n = 1 on |u >> n| < 2^30
// for every int32 accumulator (biases of vww's and ResNet large's dead channels reach 2^30); the
// kernels add bias and sums in int32, so the bound stays below 2^31.
bool fits_requantize_channel(int64_t multiplier, int64_t shift, int64_t bound) {
  if (multiplier < (int64_t{1} << 30) || shift >= 0 || shift < -31) return false;
  return bound < (shift == -1 ? int64_t{1} << 30 : int64_t{1} << 31);
}

// The one output of a channel whose accumulators acc = folded_bias + sum_k w[k] * x[k] (int8
// x) all requantize to the same clamped value (a dead channel: zero weights, or a bias so large
// that every output saturates), else nullopt. Requantization is monotonic, so the two ends of
// the accumulator's range decide.
std::optional<int64_t> constant_channel(int64_t folded_bias, const int8_t* w, int64_t taps, int64_t multiplier,
                                        int64_t shift, int64_t zero_point, int64_t act_min, int64_t act_max) {
  int64_t lo = folded_bias, hi = folded_bias;
  for (int64_t t = 0; t < taps; ++t) lo += std::min(-128 * w[t], 127 * w[t]), hi += std::max(-128 * w[t], 127 * w[t]);
  if (lo < INT32_MIN || hi > INT32_MAX) return std::nullopt;
  auto output = [&](int64_t acc) {
    const int64_t r = mf::multiply_by_quantized_multiplier(static_cast<int32_t>(acc), static_cast<int32_t>(multiplier),
                                                           static_cast<int32_t>(shift));
    return std::clamp(r + zero_point, act_min, act_max);
  };
  if (output(lo) != output(hi)) return std::nullopt;
  return output(lo);
}

// Every FULLY_CONNECTED template variant needs one requantization for the whole tensor in
// requantize_q31's range (multiplier in [2^30, 2^31), a right shift of at most 31), and no
// folded activation table (their constants have none: such a layer keeps the generic kernel).
bool fixed_requantization(const KernelCall& k) {
  if (k.kernel != &kFullyConnectedS8) return false;
  const auto& p = k.params.as<FullyConnectedS8Params>();
  return !p.per_channel() && p.output_table.null() && p.multiplier >= (int64_t{1} << 30) && p.shift < 0 &&
         p.shift >= -31;
}

// The generic call's parameters as the template arguments of `Constants` (FullyConnectedS8Constants,
// or FullyConnectedS8WideConstants where the weights zero point is folded into the weights).
template <typename Constants>
Constants fully_connected_constants(const FullyConnectedS8Params& p) {
  Constants c;
  c.batches = p.batches;
  c.input_depth = p.input_depth;
  c.output_depth = p.output_depth;
  if constexpr (requires { c.weights_zero_point; }) c.weights_zero_point = p.weights_zero_point;
  c.multiplier = p.multiplier;
  c.shift = p.shift;
  c.output_zero_point = p.output_zero_point;
  c.act_min = p.act_min;
  c.act_max = p.act_max;
  return c;
}

// The channel-pair int8 (w - Z_w) kernel (no weight zero point at run time).
void widen_fully_connected(KernelCall& k) {
  if (!fixed_requantization(k)) return;
  const auto p = k.params.as<FullyConnectedS8Params>();
  const int64_t depth = p.input_depth, units = p.output_depth, w_zero = p.weights_zero_point;
  ConstArray* weights = nullptr;
  for (ConstArray& a : k.arrays)
    if (a.suffix == "Weights") weights = &a;
  std::vector<int64_t> words = pair_weights(weights->ints, units, depth, w_zero);
  if (words.empty()) return;
  k.kernel = &kFullyConnectedS8WideFixed;
  k.params = fully_connected_constants<FullyConnectedS8WideConstants>(p);
  // The folded bias stays: bias - Z_in * sum_k w + K * Z_in * Z_w == bias - Z_in * sum_k (w - Z_w).
  *weights = int_array("Weights", DType::Int32, std::move(words));
  for (KernelArg& a : k.args)
    if (a.kind == KernelArg::Array && a.array == "Weights") a.c_type = dtype_c_type(DType::Int32);
}

// The weights of fully_connected_s8_lanes_fixed (layout in runtime fully_connected_lanes.h):
// int16 (w - Z_w), blocks of eight outputs, per input pair the eight outputs' two weights.
std::vector<int64_t> lanes_fc_weights(const std::vector<int64_t>& w, int64_t units, int64_t depth, int64_t w_zero) {
  const int64_t pairs = (depth + 1) / 2, blocks = (units + 7) / 8;
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(blocks * pairs * 16));
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t p = 0; p < pairs; ++p)
      for (int64_t j = 0; j < 8; ++j)
        for (int64_t k = 2 * p; k < 2 * p + 2; ++k) {
          const int64_t o = 8 * b + j;
          out.push_back(o < units && k < depth ? w[static_cast<size_t>(o * depth + k)] - w_zero : 0);
        }
  return out;
}

// Pairs of lanes_fc_weights' int16 values as int32 words (low half first, as the runtime
// reads them: conv_2d_1x1_lanes.h).
std::vector<int64_t> lanes_conv_weights(const std::vector<int64_t>& w, int64_t units, int64_t depth) {
  const std::vector<int64_t> halves = lanes_fc_weights(w, units, depth, 0);
  std::vector<int64_t> words;
  for (size_t i = 0; i < halves.size(); i += 2) words.push_back(static_cast<int32_t>(pack16(halves[i], halves[i + 1])));
  return words;
}

// The (multiplier, n = -shift - 1) pairs of conv_2d_1x1_s8_lanes_fixed: per block of eight
// channels its eight multipliers, then its eight n; lanes past the channels 2^30 and 0.
std::vector<int64_t> lanes_requant(const std::vector<int64_t>& pairs) {
  const int64_t channels = static_cast<int64_t>(pairs.size() / 2), blocks = (channels + 7) / 8;
  std::vector<int64_t> out;
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t half = 0; half < 2; ++half)
      for (int64_t j = 0; j < 8; ++j) {
        const int64_t c = 8 * b + j;
        out.push_back(c < channels ? pairs[static_cast<size_t>(2 * c + half)] : half == 0 ? int64_t{1} << 30 : 0);
      }
  return out;
}

}  // namespace

enum class Conv1x1Layout {
  Wide,      // conv_2d_1x1_s8_wide_fixed: int8 channel pairs, four channels per pass (SMLAD)
  WideDsp,   // the same on the Arm DSP: half-major groups when both depths are multiples of four
  Int8Rows,  // conv_2d_1x1_s8_rows_fixed: TFLite's int8 [output_depth][input_depth] rows (Helium)
  Lanes,     // conv_2d_1x1_s8_lanes_fixed: eight channels in AVX2 lanes (host)
};

// CONV_2D 1x1 at stride 1 (never padded) with every channel in requantize_channel's range
// (fits_requantize_channel): the matrix-product kernel of `layout`. `band`: the
// call is a stage of a band-streamed region, computed one output row per call: the instance
// for one row's pixels, called through the stage table (whose row kernel takes int32 words,
// which the Wide and Lanes layouts are).
void widen_conv_1x1(const Graph& g, KernelCall& k, BandInfo* band, Conv1x1Layout layout) {
  if (k.kernel != &kConv2D1x1S8) return;
  const auto& p = k.params.as<Conv2DS8Params>();
  // A folded activation's table (passes/activation_fold.cpp): only the generic kernels store through one.
  if (!p.output_table.null()) return;
  if (p.stride_height != 1 || p.stride_width != 1) return;
  std::vector<int64_t> multiplier, shift, bias;
  for (const ConstArray& a : k.arrays) {
    if (a.suffix == "Multiplier") multiplier = a.ints;
    if (a.suffix == "Shift") shift = a.ints;
    if (a.suffix == "Bias") bias = a.ints;
  }
  const Tensor& filter = g.tensor(k.op->inputs[1]);
  const int64_t depth = p.input_depth, channels = p.output_depth;
  const int8_t* w = filter.data_as<int8_t>();
  std::vector<int64_t> weights(static_cast<size_t>(channels * depth)), requant;
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = static_cast<size_t>(c);
    // |acc| <= |folded bias| + 128 * sum |w|. The host's lanes requantize below 2^30 only.
    int64_t bound = std::abs(bias[i]);
    for (int64_t d = 0; d < depth; ++d) {
      weights[static_cast<size_t>(c * depth + d)] = w[c * depth + d];
      bound += 128 * std::abs(int64_t{w[c * depth + d]});
    }
    if (!fits_requantize_channel(multiplier[i], shift[i], bound) ||
        (layout == Conv1x1Layout::Lanes && bound >= (int64_t{1} << 30))) {
      const std::optional<int64_t> v = constant_channel(bias[i], w + c * depth, depth, multiplier[i], shift[i],
                                                        p.output_zero_point, p.act_min, p.act_max);
      if (!v) return;
      // Zero weights and acc = 4 (v - Z): (2^30, shift -1) multiplies by 1/4 exactly.
      std::fill_n(weights.begin() + c * depth, depth, 0);
      bias[i] = 4 * (*v - p.output_zero_point), multiplier[i] = int64_t{1} << 30, shift[i] = -1;
    }
    requant.push_back(multiplier[i]);
    requant.push_back(-shift[i] - 1);
  }
  Conv2D1x1S8WideConstants c;
  // A band stage computes one output row per call.
  c.pixels = band ? p.output_width : p.batches * p.output_height * p.output_width;
  c.input_depth = p.input_depth;
  c.output_depth = p.output_depth;
  c.output_stride = p.output_stride;  // > output_depth: a channel slice of a CONCATENATION view
  c.output_zero_point = p.output_zero_point;
  c.act_min = p.act_min;
  c.act_max = p.act_max;
  const KernelArg input = k.args.front(), output = k.args.back();
  std::vector<ConstArray> arrays;
  if (layout == Conv1x1Layout::Lanes) {
    bias.resize(static_cast<size_t>((channels + 7) / 8 * 8), 0);
    arrays = {int_array("Weights", DType::Int32, lanes_conv_weights(weights, channels, depth)),
              int_array("Bias", DType::Int32, bias), int_array("Requant", DType::Int32, lanes_requant(requant))};
    k.kernel = &kConv2D1x1S8LanesFixed;
  } else if (layout == Conv1x1Layout::Int8Rows) {
    arrays = {int_array("Weights", DType::Int8, weights), int_array("Bias", DType::Int32, bias),
              int_array("Requant", DType::Int32, std::move(requant))};
    k.kernel = &kConv2D1x1S8RowsFixed;
  } else {
    std::vector<int64_t> words = pair_weights(weights, channels, depth, 0);
    if (words.empty()) return;
    // The runtime's pixel pairs read each group's words half-major (fully_connected_wide.h):
    // pair 0 even, pair 1 even, pair 0 odd, pair 1 odd.
    if (layout == Conv1x1Layout::WideDsp && depth % 4 == 0 && channels % 4 == 0)
      for (size_t i = 0; i + 3 < words.size(); i += 4) std::swap(words[i + 1], words[i + 2]);
    arrays = {int_array("Weights", DType::Int32, std::move(words)), int_array("Bias", DType::Int32, bias),
              int_array("Requant", DType::Int32, std::move(requant))};
    k.kernel = &kConv2D1x1S8WideFixed;
  }
  replace_call(k, band, c, std::move(arrays), input, output);
}

namespace {

// Taps (KH * KW * input_depth) conv_2d_s8_wide's stack window holds (runtime kConvWideMaxTaps).
constexpr int64_t kConvWideMaxTaps = 1536;
// A band stage's limit (runtime kConvWideSmallTaps: the band executor links one buffer size).
constexpr int64_t kConvWideBandTaps = 576;
// The flag of a channel pair stored second channel first (runtime kConvWideSwapped).
constexpr int64_t kConvWideSwapped = 256;

// conv_2d_s8_wide's tap order (runtime conv_2d_wide.h): of each filter row's `row` taps the
// first row / 4 * 4, row after row, then every row's last row % 4 (whole words per row in the
// kernel's window copy). Tap t of the kernel's row is TFLite's tap order[t].
std::vector<int64_t> conv_wide_tap_order(int64_t rows, int64_t row) {
  std::vector<int64_t> order;
  const int64_t whole = row / 4 * 4;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < whole; ++k) order.push_back(r * row + k);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = whole; k < row; ++k) order.push_back(r * row + k);
  return order;
}

// CONV_2D on the packed kernel (groups 1, dilation_width 1; also a band stage) or a strided 1x1
// one, with output channels in fours, every channel in requantize_channel's range (fits_requantize_channel)
// and the pair layout's sum bound:
// conv_2d_s8_wide, the filter as channel pairs over each channel's taps (as many bytes as the
// packed filter; a pair whose weights fit only the other way round, e.g. a -128 beside a negative
// value, swapped and flagged in its shift codes); parameters, bias and multipliers stay.
void widen_conv(const Graph& g, KernelCall& k, BandInfo* band) {
  if (k.kernel != &kConv2DPackedS8 && k.kernel != &kConv2D1x1S8) return;
  const auto& p = k.params.as<Conv2DS8Params>();
  // A strided 1x1 convolution is a general one (widen_conv_1x1 takes stride 1).
  if (k.kernel == &kConv2D1x1S8 && p.stride_height == 1 && p.stride_width == 1) return;
  const int64_t taps = p.filter_height * p.filter_width * p.input_depth, channels = p.output_depth;
  if (channels % 4 != 0 || taps < 4 || taps > (band ? kConvWideBandTaps : kConvWideMaxTaps)) return;
  const std::vector<int64_t>& multiplier = array_of(k, "Multiplier").ints;
  const std::vector<int64_t>& shift = array_of(k, "Shift").ints;
  const std::vector<int64_t>& bias = array_of(k, "Bias").ints;
  const int8_t* w = g.tensor(k.op->inputs[1]).data_as<int8_t>();
  const std::vector<int64_t> order = conv_wide_tap_order(p.filter_height, p.filter_width * p.input_depth);
  std::vector<int64_t> weights(static_cast<size_t>(channels * taps));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t = 0; t < taps; ++t)
      weights[static_cast<size_t>(c * taps + t)] = w[c * taps + order[static_cast<size_t>(t)]];
  auto at = [&](int64_t o, int64_t t) { return weights[static_cast<size_t>(o * taps + t)]; };
  // The shifts as the kernel reads them: n = -shift - 1, plus kConvWideSwapped on both channels
  // of a pair stored with its second channel in the low bytes (where only that order fits).
  std::vector<int64_t> codes;
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = static_cast<size_t>(c);
    int64_t bound = std::abs(bias[i]);
    for (int64_t t = 0; t < taps; ++t) bound += 128 * std::abs(at(c, t));
    if (!fits_requantize_channel(multiplier[i], shift[i], bound)) return;
    codes.push_back(-shift[i] - 1);
  }
  for (int64_t a = 0; a < channels; a += 2) {
    if (pair_fits(at, taps, a, a + 1)) continue;
    if (!pair_fits(at, taps, a + 1, a)) return;
    std::swap_ranges(weights.begin() + a * taps, weights.begin() + (a + 1) * taps, weights.begin() + (a + 1) * taps);
    codes[static_cast<size_t>(a)] |= kConvWideSwapped, codes[static_cast<size_t>(a + 1)] |= kConvWideSwapped;
  }
  std::vector<int64_t> words = pair_weights(weights, channels, taps, 0);
  if (words.empty()) return;
  for (ConstArray& a : k.arrays) {
    if (a.suffix == "Filter") a = int_array("Filter", DType::Int32, std::move(words));
    if (a.suffix == "Shift") a.ints = codes;
  }
  k.kernel = &kConv2DS8Wide;
  if (band) band->kernel = k.kernel->band;
}

// int8 ADD of two same-shape tensors in RAM with the output requantization in
// requantize_channel's range: add_s8_table_fixed, each input's rescaling (TFLM's, by the
// runtime's fixed_point.h) a 256-entry table, the sum of two entries below 2^30 in magnitude.
void table_add(const Graph& g, KernelCall& k) {
  if (!k.kernel || k.kernel->function != std::string("binary_quantized<mf::OpAdd>")) return;
  if (g.tensor(k.output_tensor()).type != DType::Int8) return;
  const auto& p = k.params.as<BinaryQuantizedParams>();
  // A folded activation's table (passes/activation_fold.cpp): only the generic kernel stores through one.
  if (!p.output_table.null()) return;
  if (p.input1_in_flash || p.input2_in_flash || p.input1_strides != p.input2_strides) return;
  int64_t size = 1;  // both inputs contiguous: each dim's stride the product of the later dims
  for (size_t d = p.dims.size(); d-- > 0;) {
    if (p.dims[d] != 1 && p.input1_strides[d] != size) return;
    size *= p.dims[d];
  }
  if (p.output_multiplier < (int64_t{1} << 30) || p.output_shift >= 0 || p.output_shift < -31) return;
  auto table = [&](int64_t offset, int64_t multiplier, int64_t shift, int64_t& largest) {
    std::vector<int64_t> t;
    for (int u = 0; u < 256; ++u) {
      const int32_t x = static_cast<int8_t>(u);
      const int32_t r = mf::multiply_by_quantized_multiplier(
          (x + static_cast<int32_t>(offset)) * (int32_t{1} << p.left_shift), static_cast<int32_t>(multiplier),
          static_cast<int32_t>(shift));
      largest = std::max<int64_t>(largest, std::abs(int64_t{r}));
      t.push_back(r);
    }
    return t;
  };
  int64_t largest1 = 0, largest2 = 0;
  std::vector<int64_t> t1 = table(p.input1_offset, p.input1_multiplier, p.input1_shift, largest1);
  std::vector<int64_t> t2 = table(p.input2_offset, p.input2_multiplier, p.input2_shift, largest2);
  if (largest1 + largest2 >= (int64_t{1} << 30)) return;
  AddS8TableConstants c;
  c.size = size;
  c.output_multiplier = p.output_multiplier;
  c.output_n = -p.output_shift - 1;
  c.output_zero_point = p.output_offset;
  c.act_min = p.act_min;
  c.act_max = p.act_max;
  const KernelArg in1 = k.args[0], in2 = k.args[1], out = k.args.back();
  k.kernel = &kAddS8TableFixed;
  k.params = c;
  k.arrays.clear();
  k.args = {in1, in2};
  add_array_arg(k, int_array("Table1", DType::Int32, std::move(t1)));
  add_array_arg(k, int_array("Table2", DType::Int32, std::move(t2)));
  k.args.push_back(out);
}

// The filter of depthwise_conv_2d_fully_connected_s8_wide_fixed (layout in runtime
// depthwise_conv_2d_fully_connected_wide.h): w is [KH][KW][channels] (one input channel).
std::vector<int64_t> wide_depthwise_weights(const std::vector<int64_t>& w, int64_t kh, int64_t kw, int64_t channels) {
  const int64_t groups = (kw + 3) / 4;
  auto at = [&](int64_t ky, int64_t kx, int64_t c) {
    return kx < kw ? w[static_cast<size_t>((ky * kw + kx) * channels + c)] : 0;  // the row's padding taps
  };
  std::vector<int64_t> words;
  for (int64_t b = 0; b < channels / 4; ++b)
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t c = 4 * b; c < 4 * b + 4; ++c) {
          words.push_back(static_cast<int32_t>(pack16(at(ky, 4 * g, c), at(ky, 4 * g + 2, c))));
          words.push_back(static_cast<int32_t>(pack16(at(ky, 4 * g + 1, c), at(ky, 4 * g + 3, c))));
        }
  return words;
}

// Bytes of the stack row buffer the wide depthwise kernel may take (KH padded input rows).
constexpr int64_t kWideDepthwiseRowBufferBytes = 2048;
// Bytes of the 3x3 depthwise row kernel's stack strip.
constexpr int64_t kWideDepthwiseStripBytes = 1536;

// The fields a depthwise variant's Constants struct shares with DepthwiseConv2DS8Params,
// copied by name (each struct has its own subset of filter, stride and dilation fields).
template <typename C>
void copy_depthwise_geometry(C& c, const DepthwiseConv2DS8Params& p) {
  c.input_height = p.input_height, c.input_width = p.input_width;
  c.output_height = p.output_height, c.output_width = p.output_width;
  c.pad_top = p.pad_top, c.pad_left = p.pad_left;
  c.input_zero_point = p.input_zero_point, c.output_zero_point = p.output_zero_point;
  c.act_min = p.act_min, c.act_max = p.act_max;
  if constexpr (requires { c.filter_width; }) c.filter_height = p.filter_height, c.filter_width = p.filter_width;
  if constexpr (requires { c.stride_width; }) c.stride_height = p.stride_height, c.stride_width = p.stride_width;
  if constexpr (requires { c.dilation_width; })
    c.dilation_height = p.dilation_height, c.dilation_width = p.dilation_width;
}

// The (multiplier, -shift - 1) pairs of an int8 depthwise layer's channels for requantize_channel
// (p: its params; its arrays `prefix` + Filter, Bias, Multiplier, Shift), empty unless every
// channel is in its range (fits_requantize_channel).
std::vector<int64_t> depthwise_requant(const KernelCall& k, const DepthwiseConv2DS8Params& p, const std::string& prefix) {
  const std::vector<int64_t>& filter = array_of(k, prefix + "Filter").ints;
  const std::vector<int64_t>& bias = array_of(k, prefix + "Bias").ints;
  const std::vector<int64_t>& multiplier = array_of(k, prefix + "Multiplier").ints;
  const std::vector<int64_t>& shift = array_of(k, prefix + "Shift").ints;
  const int64_t channels = p.output_depth, taps = p.filter_height * p.filter_width;
  std::vector<int64_t> requant;
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = static_cast<size_t>(c);
    int64_t bound = std::abs(bias[i]);
    for (int64_t t = 0; t < taps; ++t) bound += 128 * std::abs(filter[static_cast<size_t>(t * channels + c)]);
    if (!fits_requantize_channel(multiplier[i], shift[i], bound)) return {};
    requant.push_back(multiplier[i]);
    requant.push_back(-shift[i] - 1);
  }
  return requant;
}

// DEPTHWISE_CONV_2D (one input channel, output channels in fours, dilation 1) fused with
// FULLY_CONNECTED: the SMLAD kernel over a padded copy of the window rows. Every depthwise
// channel's requantization must fit requantize_channel (fits_requantize_channel).
void widen_depthwise_fully_connected(KernelCall& k) {
  if (k.kernel != &kDepthwiseConv2DFullyConnectedS8) return;
  const auto& fused = k.params.as<DepthwiseConv2DFullyConnectedS8Params>();
  const DepthwiseConv2DS8Params& dw = fused.depthwise;
  const FullyConnectedS8Params& fc = fused.fully_connected;
  const int64_t channels = dw.output_depth, kh = dw.filter_height, kw = dw.filter_width;
  if (dw.input_depth != 1 || channels % 4 != 0 || dw.dilation_height != 1 || dw.dilation_width != 1) return;
  const int64_t row_taps = (kw + 3) / 4 * 4;
  const int64_t buffer_width = (dw.output_width - 1) * dw.stride_width + row_taps;
  if (kh * buffer_width > kWideDepthwiseRowBufferBytes) return;
  const std::vector<int64_t>& filter = array_of(k, "DwFilter").ints;
  const std::vector<int64_t>& bias = array_of(k, "DwBias").ints;
  std::vector<int64_t> dw_requant = depthwise_requant(k, dw, "Dw");
  if (dw_requant.empty()) return;
  // The fully-connected requantization per unit, TFLM's (multiplier, shift).
  const int64_t units = fc.output_depth;
  std::vector<int64_t> fc_requant;
  for (int64_t u = 0; u < units; ++u) {
    const size_t i = static_cast<size_t>(u);
    fc_requant.push_back(fc.per_channel() ? array_of(k, "FcMultiplier").ints[i] : fc.multiplier);
    fc_requant.push_back(fc.per_channel() ? array_of(k, "FcShift").ints[i] : fc.shift);
  }
  DepthwiseConv2DFullyConnectedS8WideConstants c;
  copy_depthwise_geometry(c, dw);
  c.channels = dw.output_depth;
  c.units = fc.output_depth;
  c.weights_zero_point = fc.weights_zero_point;
  c.fc_output_zero_point = fc.output_zero_point;
  c.fc_act_min = fc.act_min;
  c.fc_act_max = fc.act_max;
  std::vector<ConstArray> arrays = {
      int_array("DwWeights", DType::Int32, wide_depthwise_weights(filter, kh, kw, channels)),
      int_array("DwBias", DType::Int32, bias),
      int_array("DwRequant", DType::Int32, std::move(dw_requant)),
      array_of(k, "FcWeights"),
      array_of(k, "FcBias"),
      int_array("FcRequant", DType::Int32, std::move(fc_requant))};
  // Arguments: input, the six arrays, accumulators, output.
  const KernelArg input = k.args.front(), accumulators = k.args[k.args.size() - 2], output = k.args.back();
  k.kernel = &kDepthwiseConv2DFullyConnectedS8WideFixed;
  k.params = c;
  k.arrays.clear();
  k.args = {input};
  for (ConstArray& a : arrays) add_array_arg(k, std::move(a));
  k.args.push_back(accumulators);
  k.args.push_back(output);
}

// Output pixels per row up to which a depthwise layer takes the narrow kernel, whose per-pixel
// weight loads cost less there than the generic blocks' per-row tap caching.
constexpr int64_t kNarrowDepthwiseMaxWidth = 4;
// Taps the narrow kernel unrolls (str_ww_ref_model: up to 15).
constexpr int64_t kNarrowDepthwiseMaxTaps = 32;

// DEPTHWISE_CONV_2D 3x3 with depth multiplier 1 or one input channel, stride 1 or 2 (the same
// both ways), no dilation, channels in fours, one batch and no folded activation table, every channel in
// requantize_channel's range (fits_requantize_channel) and the stack strip within kWideDepthwiseStripBytes:
// the Arm DSP row kernel on TFLite's int8 filter, as it is. `band`: a stage of a band region.
void widen_depthwise(KernelCall& k, BandInfo* band) {
  if (k.kernel != &kDepthwiseConv2DS8) return;
  const auto& p = k.params.as<DepthwiseConv2DS8Params>();
  if (!p.output_table.null() || p.batches != 1 || (p.depth_multiplier != 1 && p.input_depth != 1) ||
      p.filter_height != 3 ||
      p.filter_width != 3 || p.dilation_height != 1 || p.dilation_width != 1 || p.stride_height != p.stride_width ||
      p.stride_height < 1 || p.stride_height > 2 || p.output_depth % 4 != 0)
    return;
  // One block of four channels on a narrow row: the strip's per-row set-up is shared by no other
  // block, and narrow_depthwise's kernel costs less (a 4x4x4 output: 1,925 instructions against 4,272).
  if (p.output_depth == 4 && p.depth_multiplier == 1 && p.output_width <= kNarrowDepthwiseMaxWidth) return;
  // The kernel's stack strip (DepthwiseWideStrip): per plane three rows of `width` int16 columns,
  // the rows within LDRD's immediate offsets.
  const int64_t stride = p.stride_width, strip_width = stride * ((p.output_width - 1) / 2 * 2) + 2 * stride + 2;
  if ((p.input_depth == 1 ? 1 : 4) * 6 * strip_width > kWideDepthwiseStripBytes || 4 * strip_width + 8 > 1020) return;
  std::vector<int64_t> requant = depthwise_requant(k, p, "");
  if (requant.empty()) return;
  const int64_t channels = p.output_depth;
  DepthwiseConv2DS8WideConstants c;
  copy_depthwise_geometry(c, p);
  c.input_depth = p.input_depth;
  c.depth = channels;
  c.stride = p.stride_height;
  std::vector<ConstArray> arrays = {array_of(k, "Filter"), array_of(k, "Bias"),
                                    int_array("Requant", DType::Int32, std::move(requant))};
  const KernelArg input = k.args.front(), output = k.args.back();
  k.kernel = &kDepthwiseConv2DS8WideFixed;
  replace_call(k, band, c, std::move(arrays), input, output);
}

// The filter of depthwise_conv_2d_s8_narrow_fixed (layout in runtime depthwise_conv_2d_narrow.h)
// from TFLite's [taps][channels]: per block of four channels, per pair of taps (a, b) the words
// of bytes (a c0, a c1, b c0, b c1), (a c2, a c3, b c2, b c3); an odd last tap's (c0, c1, c2, c3).
// Little-endian int32 words (aligned for the kernel's LDRD), as many bytes as TFLite's filter.
std::vector<int64_t> narrow_depthwise_filter(const std::vector<int64_t>& w, int64_t taps, int64_t channels) {
  auto at = [&](int64_t t, int64_t c) { return w[static_cast<size_t>(t * channels + c)] & 0xFF; };
  auto word = [](int64_t b0, int64_t b1, int64_t b2, int64_t b3) {
    return static_cast<int32_t>(pack16(b0 | b1 << 8, b2 | b3 << 8));
  };
  std::vector<int64_t> words;
  for (int64_t b = 0; b < channels; b += 4) {
    int64_t t = 0;
    for (; t + 2 <= taps; t += 2)
      for (int64_t half = 0; half < 4; half += 2)
        words.push_back(word(at(t, b + half), at(t, b + half + 1), at(t + 1, b + half), at(t + 1, b + half + 1)));
    if (t < taps) words.push_back(word(at(t, b), at(t, b + 1), at(t, b + 2), at(t, b + 3)));
  }
  return words;
}

// DEPTHWISE_CONV_2D with depth multiplier 1 and at most kNarrowDepthwiseMaxWidth output pixels
// per row (any filter up to kNarrowDepthwiseMaxTaps taps, stride, dilation), channels in fours,
// one batch, no folded activation table, every channel in requantize_channel's range: the Arm
// DSP kernel reading its int8 filter words (taps in pairs) from flash per pixel. `band`: a band stage.
void narrow_depthwise(KernelCall& k, BandInfo* band) {
  if (k.kernel != &kDepthwiseConv2DS8) return;
  const auto& p = k.params.as<DepthwiseConv2DS8Params>();
  if (!p.output_table.null() || p.batches != 1 || p.depth_multiplier != 1 || p.output_depth % 4 != 0 ||
      p.output_width > kNarrowDepthwiseMaxWidth || p.filter_height * p.filter_width > kNarrowDepthwiseMaxTaps)
    return;
  std::vector<int64_t> requant = depthwise_requant(k, p, "");
  if (requant.empty()) return;
  DepthwiseConv2DS8NarrowConstants c;
  copy_depthwise_geometry(c, p);
  c.depth = p.output_depth;
  std::vector<ConstArray> arrays = {
      int_array("Filter", DType::Int32,
                narrow_depthwise_filter(array_of(k, "Filter").ints, p.filter_height * p.filter_width, p.output_depth)),
      array_of(k, "Bias"), int_array("Requant", DType::Int32, std::move(requant))};
  const KernelArg input = k.args.front(), output = k.args.back();
  k.kernel = &kDepthwiseConv2DS8NarrowFixed;
  replace_call(k, band, c, std::move(arrays), input, output);
}

}  // namespace

// The generic kernel's int8 layout, with the parameters as template arguments: AVR's
// fully_connected_s8_fixed, Helium's fully_connected_s8_rows_fixed.
void fix_fully_connected(KernelCall& k, const KernelDef& kernel) {
  if (!fixed_requantization(k)) return;
  k.params = fully_connected_constants<FullyConnectedS8Constants>(k.params.as<FullyConnectedS8Params>());
  k.kernel = &kernel;
}

namespace {

// Host: FULLY_CONNECTED with one requantization for the whole tensor in requantize_q31's
// range becomes the outputs-in-lanes kernel (VPMADDWD on eight outputs, compile-time sizes
// and requantization): the generic kernel's parameter loads, row set-up and horizontal sums
// dominate small layers.
void lane_fully_connected(KernelCall& k) {
  if (!fixed_requantization(k)) return;
  const auto p = k.params.as<FullyConnectedS8Params>();
  const int64_t depth = p.input_depth, units = p.output_depth, w_zero = p.weights_zero_point;
  k.kernel = &kFullyConnectedS8LanesFixed;
  k.params = fully_connected_constants<FullyConnectedS8WideConstants>(p);
  // The folded bias stays (bias - Z_in * sum_k w + K * Z_in * Z_w == bias - Z_in * sum_k (w - Z_w)),
  // zero-padded to whole blocks.
  for (ConstArray& a : k.arrays) {
    if (a.suffix == "Weights") a = int_array("Weights", DType::Int16, lanes_fc_weights(a.ints, units, depth, w_zero));
    if (a.suffix == "Bias") {
      std::vector<int64_t> bias = a.ints;
      bias.resize(static_cast<size_t>((units + 7) / 8 * 8), 0);
      a = int_array("Bias", DType::Int32, std::move(bias));
    }
  }
  for (KernelArg& a : k.args)
    if (a.kind == KernelArg::Array && a.array == "Weights") a.c_type = dtype_c_type(DType::Int16);
}

}  // namespace

void specialize_kernels(const Graph& g, std::vector<KernelCall>& calls, Optimize optimize,
                        const std::string& target_family, const std::vector<std::string>& target_isa,
                        bool input_rows) {
  if (optimize == Optimize::Size) return;
  const bool mve = std::find(target_isa.begin(), target_isa.end(), "mve") != target_isa.end();
  // conv_2d_s8_wide's loop is SXTB16 + SMLAD: plain C on a core without them (Cortex-M0) would be slower.
  const bool dsp = std::find(target_isa.begin(), target_isa.end(), "dsp") != target_isa.end();
  const Conv1x1Layout wide = dsp ? Conv1x1Layout::WideDsp : Conv1x1Layout::Wide;
  for (KernelCall& k : calls) {
    // A strided output (a channel slice of a CONCATENATION view, passes/views.cpp) is
    // written by the generic kernels and the 1x1 variants (Conv2D1x1S8WideConstants::
    // output_stride), not by the FULLY_CONNECTED ones.
    const bool fc_variants = !k.strided_output;
    // AVR multiplies 8x8 bits: int16 weights would cost two MULs and twice the flash.
    // Arm Cortex-M: the int16 layout feeds SMLAD, two MACs per instruction; with Helium
    // (Cortex-M55, "isa" "mve") FC and 1x1 convolutions keep TFLite's int8 rows, which feed
    // VMLADAVA, 16 MACs per instruction. The host: FC and 1x1 convolutions (also band
    // stages) with outputs in AVX2 lanes (its other convolutions keep the generic SSE2/AVX2
    // kernels). Other 32-bit targets (RV32, Xtensa) and code for no particular target keep
    // the generic kernels.
    if (target_family == "avr") {
      if (fc_variants) fix_fully_connected(k, kFullyConnectedS8Fixed);
    } else if (target_family == "cortex-m") {
      if (mve) {
        if (fc_variants) fix_fully_connected(k, kFullyConnectedS8RowsFixed);
        widen_conv_1x1(g, k, nullptr, Conv1x1Layout::Int8Rows);
      } else {
        if (fc_variants) widen_fully_connected(k);
        widen_conv_1x1(g, k, nullptr, wide);
        if (dsp) widen_conv(g, k, nullptr);
        if (dsp) table_add(g, k);
      }
      for (size_t i = 0; i < k.stages.size(); ++i) {
        widen_conv_1x1(g, k.stages[i], &k.bands[i], wide);
        if (dsp && !mve) widen_conv(g, k.stages[i], &k.bands[i]);
      }
      // The DSP depthwise row kernels, 3x3 or narrow (Helium keeps the generic kernel's MVE blocks). A call
      // streamed from the input keeps the generic kernel, which has the row form.
      if (dsp && !mve) {
        if (!input_rows) widen_depthwise(k, nullptr), narrow_depthwise(k, nullptr);
        for (size_t i = 0; i < k.stages.size(); ++i)
          widen_depthwise(k.stages[i], &k.bands[i]), narrow_depthwise(k.stages[i], &k.bands[i]);
      }
      // The fused depthwise call is the one input rows stream (input_rows.cpp), and only
      // its generic form has a row form.
      if (!input_rows && fc_variants) widen_depthwise_fully_connected(k);
    } else if (target_family == "host") {
      if (fc_variants) lane_fully_connected(k);
      widen_conv_1x1(g, k, nullptr, Conv1x1Layout::Lanes);
      for (size_t i = 0; i < k.stages.size(); ++i) widen_conv_1x1(g, k.stages[i], &k.bands[i], Conv1x1Layout::Lanes);
    }
  }
}

Optimize parse_optimize(const std::string& s) {
  if (s == "speed") return Optimize::Speed;
  if (s == "size") return Optimize::Size;
  throw CompileError("--optimize: '" + s + "' is not one of speed, size");
}

const char* optimize_name(Optimize o) { return o == Optimize::Speed ? "speed" : "size"; }

}  // namespace microflow
