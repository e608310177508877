// band_stream_s8 against the same layers run whole, one after the other: every chain must
// give the identical bytes (top, middle and bottom bands, strides larger than the window,
// dilation, VALID and SAME padding, every stage kernel), and chains ending in sinks (a global
// pooling or a FULLY_CONNECTED fed row by row) against the whole-tensor pooling / FC kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "microflow/exec/band_stream.h"
#include "microflow/variants/conv_2d_1x1_lanes.h"
#include "microflow/variants/depthwise_conv_2d_wide.h"
#include "reference.h"

namespace {


struct Shape {
  int32_t h, w, c;
  int32_t bytes() const { return h * w * c; }
};

// One layer: its parameters, constants and whole-tensor kernel.
struct Layer {
  mf::BandKernel kernel;
  Shape in, out;
  int32_t stride, pad_top, span;
  mf::DepthwiseConv2DS8Params dw{};
  mf::Conv2DS8Params conv{};
  mf::Pool2DS8Params pool{};
  mf::FullyConnectedS8Params fc{};
  std::vector<int8_t> fc_weights;
  std::vector<int8_t> dw_filter;
  std::vector<int32_t> packed, bias, multiplier, shift;
  std::vector<int32_t> wide_filter, requant;  // kBandConv1x1Wide: int16 pairs, (multiplier, -shift - 1)
  mf::BandWideRowParams wide_row = {nullptr};  // kBandConv1x1Wide: wide_filter, requant
  mf::BandDepthwiseRowParams depthwise_row = {nullptr};  // kBandDepthwiseWide: dw_filter, requant

  const void* params() const {
    if (kernel == mf::kBandDepthwise) return &dw;
    if (kernel == mf::kBandDepthwiseWide) return &depthwise_row;
    if (kernel == mf::kBandConv1x1 || kernel == mf::kBandConvPacked) return &conv;
    if (kernel == mf::kBandConv1x1Wide) return &wide_row;  // sizes in the instance
    if (kernel == mf::kBandFullyConnectedSink) return &fc;
    return &pool;
  }
  const void* filter() const {
    if (kernel == mf::kBandDepthwise || kernel == mf::kBandDepthwiseWide) return dw_filter.data();
    if (kernel == mf::kBandConv1x1Wide) return wide_filter.data();
    if (kernel == mf::kBandFullyConnectedSink) return fc_weights.data();
    return packed.empty() ? nullptr : static_cast<const void*>(packed.data());
  }
  void run(const int8_t* x, int8_t* y) const {
    switch (kernel) {
      case mf::kBandDepthwise:
      case mf::kBandDepthwiseWide:  // the whole layer through the generic kernel: the reference
        mf::depthwise_conv_2d_s8(dw, x, dw_filter.data(), bias.data(), y);
        break;
      case mf::kBandConv1x1:
      case mf::kBandConv1x1Wide:  // the whole layer through the generic kernel: the reference
        mf::conv_2d_1x1_s8(conv, x, packed.data(), bias.data(), y);
        break;
      case mf::kBandConvPacked:
      case mf::kBandConvWide:  // Arm DSP only: band_stream.h has no such stage on the host
        mf::conv_2d_packed_s8(conv, x, packed.data(), bias.data(), y);
        break;
      case mf::kBandAveragePool:
      case mf::kBandAveragePoolSink: mf::average_pool_2d_s8(pool, x, y); break;
      case mf::kBandMaxPool:
      case mf::kBandMaxPoolSink: mf::max_pool_2d_s8(pool, x, y); break;
      case mf::kBandFullyConnectedSink: mf::fully_connected_s8(fc, x, fc_weights.data(), bias.data(), y); break;
    }
  }
};

int32_t out_size(int32_t in, int32_t k, int32_t s, int32_t d, bool same) {
  return same ? ref::same_out(in, s) : ref::valid_out(in, s, k, d);
}

void requantization(ref::Random& rng, Layer& l, int32_t channels) {
  l.bias = rng.s32(channels, -3000, 3000);
  l.multiplier.resize(channels), l.shift.resize(channels);
  for (int32_t c = 0; c < channels; ++c)
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-10, -6)), &l.multiplier[c], &l.shift[c]);
}

Layer depthwise(ref::Random& rng, Shape in, int32_t multiplier, int32_t k, int32_t s, int32_t d, bool same) {
  Layer l;
  l.kernel = mf::kBandDepthwise;
  l.in = in;
  const int32_t oc = in.c * multiplier;
  l.out = {out_size(in.h, k, s, d, same), out_size(in.w, k, s, d, same), oc};
  const int32_t pad_top = same ? ref::same_pad(in.h, l.out.h, s, k, d) : 0;
  const int32_t pad_left = same ? ref::same_pad(in.w, l.out.w, s, k, d) : 0;
  l.stride = s, l.pad_top = pad_top, l.span = (k - 1) * d + 1;
  l.dw_filter = rng.s8(static_cast<size_t>(k * k * oc), -127, 127);
  requantization(rng, l, oc);
  l.dw = {1, in.h, in.w, in.c, l.out.h, l.out.w, oc, k, k, multiplier, s, s, d, d, pad_top, pad_left,
          -3, 2, l.multiplier.data(), l.shift.data(), -128, 127, nullptr};
  return l;
}

Layer conv(ref::Random& rng, Shape in, int32_t oc, int32_t k, int32_t s, int32_t dh, bool same) {
  Layer l;
  l.kernel = k == 1 && !same ? mf::kBandConv1x1 : mf::kBandConvPacked;
  l.in = in;
  l.out = {out_size(in.h, k, s, dh, same), out_size(in.w, k, s, 1, same), oc};
  const int32_t pad_top = same ? ref::same_pad(in.h, l.out.h, s, k, dh) : 0;
  const int32_t pad_left = same ? ref::same_pad(in.w, l.out.w, s, k, 1) : 0;
  l.stride = s, l.pad_top = pad_top, l.span = (k - 1) * dh + 1;
  l.packed = ref::pack_filter_blocks(rng.s8(static_cast<size_t>(oc * k * k * in.c), -127, 127), oc, k, k * in.c);
  requantization(rng, l, oc);
  l.conv = {1, in.h, in.w, in.c, l.out.h, l.out.w, oc, k, k, in.c, s, s, dh, 1, pad_top, pad_left,
            5, -7, l.multiplier.data(), l.shift.data(), -100, 127, oc, nullptr};
  return l;
}

// A stride-1 1x1 conv on the int16 SMLAD kernel (what the compiler picks on Cortex-M).
Layer wide_conv(ref::Random& rng, Shape in, int32_t oc) {
  Layer l = conv(rng, in, oc, 1, 1, 1, false);
  l.kernel = mf::kBandConv1x1Wide;
  const auto w = rng.s8(static_cast<size_t>(oc * in.c), -127, 127);
  l.packed = ref::pack_filter_blocks(w, oc, 1, in.c);
  l.wide_filter = ref::wide_weight_words(w, oc, in.c);
  for (int32_t c = 0; c < oc; ++c) {
    l.requant.push_back(l.multiplier[static_cast<size_t>(c)]);
    l.requant.push_back(-l.shift[static_cast<size_t>(c)] - 1);
  }
  return l;
}

// The stage table's instance for one output row of wide_conv's layers below.
template <int32_t Width, int32_t Depth, int32_t Channels>
void wide_row(const int8_t* input, const int32_t* weights, const int32_t* folded_bias, const int32_t* requant,
              int8_t* output) {
  mf::conv_2d_1x1_s8_wide_fixed<mf::Conv2D1x1S8WideConstants<Width, Depth, Channels, Channels, -7, -100, 127>>(
      input, weights, folded_bias, requant, output);
}

// A 3x3 depthwise layer (multiplier 1) on the specialized row kernel (Arm DSP on Cortex-M, its
// portable form here), its instance set by the test: depthwise_row<...> below.
Layer wide_depthwise(ref::Random& rng, Shape in, int32_t s, bool same, int32_t multiplier = 1) {
  Layer l = depthwise(rng, in, multiplier, 3, s, 1, same);
  l.kernel = mf::kBandDepthwiseWide;
  for (int32_t c = 0; c < l.out.c; ++c) {
    l.requant.push_back(l.multiplier[static_cast<size_t>(c)]);
    l.requant.push_back(-l.shift[static_cast<size_t>(c)] - 1);
  }
  return l;
}

// depthwise()'s zero points (-3, 2) and activation range.
template <int32_t H, int32_t W, int32_t C, int32_t OH, int32_t OW, int32_t S, int32_t PadTop, int32_t PadLeft,
          int32_t InputC = C>
using WideDepthwise = mf::DepthwiseConv2DS8WideConstants<H, W, InputC, C, OH, OW, S, PadTop, PadLeft, -3, 2, -128, 127>;

// The same layer on the host's lanes kernel (conv_2d_1x1_lanes.h), through the same stage kind.
Layer lanes_conv(ref::Random& rng, Shape in, int32_t oc) {
  Layer l = wide_conv(rng, in, oc);
  const auto w = rng.s8(static_cast<size_t>(oc * in.c), -127, 127);
  l.packed = ref::pack_filter_blocks(w, oc, 1, in.c);
  l.wide_filter = ref::lanes_weight_words(w, oc, in.c);
  l.requant = ref::lanes_requant(l.multiplier, l.shift);
  l.bias.resize(static_cast<size_t>((oc + 7) / 8 * 8), 0);  // the generic kernel reads the first oc
  return l;
}

template <int32_t Width, int32_t Depth, int32_t Channels>
void lanes_row(const int8_t* input, const int32_t* weights, const int32_t* folded_bias, const int32_t* requant,
               int8_t* output) {
  mf::conv_2d_1x1_s8_lanes_fixed<mf::Conv2D1x1S8WideConstants<Width, Depth, Channels, Channels, -7, -100, 127>>(
      input, weights, folded_bias, requant, output);
}

Layer pool(Shape in, bool average, int32_t k, int32_t s, bool same) {
  Layer l;
  l.kernel = average ? mf::kBandAveragePool : mf::kBandMaxPool;
  l.in = in;
  l.out = {out_size(in.h, k, s, 1, same), out_size(in.w, k, s, 1, same), in.c};
  const int32_t pad_top = same ? ref::same_pad(in.h, l.out.h, s, k, 1) : 0;
  const int32_t pad_left = same ? ref::same_pad(in.w, l.out.w, s, k, 1) : 0;
  l.stride = s, l.pad_top = pad_top, l.span = k;
  l.pool = {1, in.h, in.w, in.c, l.out.h, l.out.w, k, k, s, s, pad_top, pad_left, -120, 120, nullptr};
  return l;
}

// A pooling with one output row (filter_h rows, stride_h >= the input height) as a sink:
// VALID or SAME, so edge pixels see fewer columns (and rows) than others.
Layer pool_sink(Shape in, bool average, int32_t fh, int32_t sh, int32_t fw, int32_t sw, bool same) {
  Layer l;
  l.kernel = average ? mf::kBandAveragePoolSink : mf::kBandMaxPoolSink;
  l.in = in;
  l.out = {out_size(in.h, fh, sh, 1, same), out_size(in.w, fw, sw, 1, same), in.c};
  EXPECT_EQ(l.out.h, 1);
  const int32_t pad_top = same ? ref::same_pad(in.h, l.out.h, sh, fh, 1) : 0;
  const int32_t pad_left = same ? ref::same_pad(in.w, l.out.w, sw, fw, 1) : 0;
  l.stride = sh, l.pad_top = pad_top, l.span = fh;
  l.pool = {1, in.h, in.w, in.c, l.out.h, l.out.w, fh, fw, sh, sw, pad_top, pad_left, -110, 125, nullptr};
  return l;
}

// FULLY_CONNECTED on the flattened input as a sink; per-channel or per-tensor
// requantization, optionally a nonzero weight zero point (the input-sum term).
Layer fc_sink(ref::Random& rng, Shape in, int32_t units, bool per_channel, int32_t weights_zero_point) {
  Layer l;
  l.kernel = mf::kBandFullyConnectedSink;
  l.in = in;
  l.out = {1, 1, units};
  l.stride = 1, l.pad_top = 0, l.span = in.h;
  l.fc_weights = rng.s8(static_cast<size_t>(units * in.bytes()), -127, 127);
  requantization(rng, l, units);
  for (int32_t& m : l.multiplier) m /= 8;  // K up to a few thousand products: keep outputs off the clamps
  l.fc = {1, in.bytes(), units, weights_zero_point, -9, per_channel ? 0 : l.multiplier[0], per_channel ? 0 : l.shift[0],
          per_channel ? l.multiplier.data() : nullptr, per_channel ? l.shift.data() : nullptr, -128, 120, units, nullptr};
  return l;
}

int32_t accumulator_count(const Layer& l) {
  if (l.kernel == mf::kBandFullyConnectedSink) return l.out.c + 1;  // and the input sum
  if (l.kernel == mf::kBandAveragePoolSink || l.kernel == mf::kBandMaxPoolSink) return l.out.w * l.out.c;
  return 0;
}

// How check_chain runs the region.
enum class Mode {
  kPlain,      // every stage after the first with its own line buffer, the whole input
  kInPlace,    // 1x1 stages between plain stages with equal row sizes in place (stream.cpp's rule)
  kInputRows,  // kInPlace, the input pushed row by row through a ring (twice: state carries over)
};

bool in_place_stage(const std::vector<Layer>& layers, size_t i) {
  if (i == 0 || i + 1 >= layers.size()) return false;
  const Layer& l = layers[i];
  const bool pointwise = l.kernel == mf::kBandConv1x1 || l.kernel == mf::kBandConv1x1Wide;
  return pointwise && l.stride == 1 && l.in.w * l.in.c == l.out.w * l.out.c && accumulator_count(layers[i + 1]) == 0 &&
         !in_place_stage(layers, i - 1);
}

// The stage table's row function, as the compiler's emitter writes it (nullptr for a sink).
mf::BandRow row_of(int32_t kernel) {
  switch (kernel) {
    case mf::kBandDepthwise: return &mf::band_row<mf::kBandDepthwise>;
    case mf::kBandConv1x1: return &mf::band_row<mf::kBandConv1x1>;
    case mf::kBandConvPacked: return &mf::band_row<mf::kBandConvPacked>;
    case mf::kBandAveragePool: return &mf::band_row<mf::kBandAveragePool>;
    case mf::kBandMaxPool: return &mf::band_row<mf::kBandMaxPool>;
    case mf::kBandConv1x1Wide: return &mf::band_row<mf::kBandConv1x1Wide>;
    case mf::kBandDepthwiseWide: return &mf::band_row<mf::kBandDepthwiseWide>;
    default: return nullptr;
  }
}

// Runs the chain whole and streamed; the streamed line buffers sit in a scratch area with
// guard bytes around it that must stay untouched.
void check_chain(const std::vector<Layer>& layers, uint32_t seed, Mode mode) {
  ref::Random rng(seed);
  const auto input = rng.s8(static_cast<size_t>(layers.front().in.bytes()));
  std::vector<int8_t> a = input, b;
  for (const Layer& l : layers) {
    b.assign(static_cast<size_t>(l.out.bytes()), 0);
    l.run(a.data(), b.data());
    a.swap(b);
  }
  std::vector<mf::BandStage> stages;
  std::vector<int32_t> shifts(layers.size(), 0);
  for (size_t i = 0; mode != Mode::kPlain && i < layers.size(); ++i)
    if (in_place_stage(layers, i)) shifts[i] = mf::kBandInPlacePixels * layers[i].in.c;
  int32_t scratch_bytes = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const int32_t offset = i == 0 || shifts[i] ? -1 : scratch_bytes;
    const int32_t row = l.in.w * l.in.c;
    const int32_t sums = accumulator_count(l);  // a sink: one row, then its accumulators
    if (i > 0 && !shifts[i])
      scratch_bytes += sums ? (row + 3) / 4 * 4 + 4 * sums : (l.span * row + shifts[i - 1] + 3) / 4 * 4;
    stages.push_back({l.kernel, l.params(), l.filter(), l.bias.empty() ? nullptr : l.bias.data(),
                      l.requant.empty() ? nullptr : l.requant.data(), row_of(l.kernel), l.in.h, l.in.w * l.in.c, l.out.h,
                      l.out.w * l.out.c, l.stride, l.pad_top, l.span, offset, shifts[i]});
  }
  constexpr int32_t kGuard = 64;
  // Whole words: a sink's int32 accumulators follow its row at a multiple of 4.
  std::vector<int32_t> words(static_cast<size_t>((scratch_bytes + 2 * kGuard) / 4 + 1));
  int8_t* const base = reinterpret_cast<int8_t*>(words.data());
  memset(base, 0x5a, static_cast<size_t>(scratch_bytes + 2 * kGuard));
  std::vector<int8_t> streamed(static_cast<size_t>(layers.back().out.bytes()), 0);
  const int32_t count = static_cast<int32_t>(stages.size());
  if (mode != Mode::kInputRows) {
    std::vector<mf::BandState> state(layers.size());
    mf::band_stream_s8(stages.data(), count, state.data(), input.data(), base + kGuard, streamed.data());
    EXPECT_EQ(streamed, a) << "seed " << seed;
  } else {
    const Layer& first = layers.front();
    const int32_t row = first.in.w * first.in.c;
    const int32_t window = first.span < first.in.h ? first.span : first.in.h;
    const mf::BandStreamInputRowsS8Params params = {
        {first.in.h, row, window, first.out.h, first.stride, first.pad_top, first.span}, stages.data(), count};
    std::vector<int8_t> ring(static_cast<size_t>(window * row));
    std::vector<int32_t> state(static_cast<size_t>(mf::kInputRowsStateWords + 3 * count), -1);
    mf::input_rows_begin(state.data());
    for (int pass = 0; pass < 2; ++pass) {
      for (int32_t r = 0; r < first.in.h; ++r) {
        memcpy(mf::input_row_slot(params.rows, ring.data(), state.data()), input.data() + r * row,
               static_cast<size_t>(row));
        const bool done =
            mf::band_stream_input_rows_s8(params, ring.data(), state.data(), base + kGuard, streamed.data());
        ASSERT_EQ(done, r == first.in.h - 1) << "row " << r << ", seed " << seed;
      }
      EXPECT_EQ(streamed, a) << "input rows, pass " << pass << ", seed " << seed;
      std::fill(streamed.begin(), streamed.end(), 0);
    }
  }
  for (int32_t i = 0; i < kGuard; ++i) {
    ASSERT_EQ(base[i], 0x5a) << "below the scratch, seed " << seed;
    ASSERT_EQ(base[kGuard + scratch_bytes + i], 0x5a) << "above the scratch, seed " << seed;
  }
}

// Every mode.
void check_chain(const std::vector<Layer>& layers, uint32_t seed) {
  for (Mode mode : {Mode::kPlain, Mode::kInPlace, Mode::kInputRows}) check_chain(layers, seed, mode);
}

TEST(BandStream, MobileNetBlocksAreBitExact) {
  // person_detect's first layers in small: dw s2 with depth multiplier, dw s1, 1x1, dw s2.
  ref::Random rng(1);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {19, 11, 1}, 8, 3, 2, 1, true));
  l.push_back(depthwise(rng, l.back().out, 1, 3, 1, 1, true));
  l.push_back(conv(rng, l.back().out, 16, 1, 1, 1, false));
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  l.push_back(conv(rng, l.back().out, 12, 1, 1, 1, false));
  check_chain(l, 10);
}

// Equal row sizes around the 1x1 stages: they run in place in the next stage's buffer.
TEST(BandStream, InPlacePointwiseStages) {
  ref::Random rng(7);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {17, 9, 8}, 1, 3, 1, 1, true));
  l.push_back(conv(rng, l.back().out, 8, 1, 1, 1, false));   // in place (generic kernel)
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  l.push_back(conv(rng, l.back().out, 8, 1, 1, 1, false));   // in place before a packed conv
  l.push_back(conv(rng, l.back().out, 8, 3, 1, 1, true));
  l.push_back(conv(rng, l.back().out, 8, 1, 1, 1, false));   // last: its own buffer
  ASSERT_TRUE(in_place_stage(l, 1) && in_place_stage(l, 3) && !in_place_stage(l, 5));
  check_chain(l, 70);
}

// The specialized 1x1 row kernels in place too (Cortex-M int16 SMLAD, host lanes).
TEST(BandStream, InPlaceWideAndLanesPointwiseStages) {
  ref::Random rng(8);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {12, 7, 8}, 1, 3, 1, 1, true));
  l.push_back(wide_conv(rng, l.back().out, 8));
  l.back().wide_row.row = &wide_row<7, 8, 8>;
  l.push_back(depthwise(rng, l.back().out, 1, 3, 1, 1, true));
  l.push_back(lanes_conv(rng, l.back().out, 8));
  l.back().wide_row.row = &lanes_row<7, 8, 8>;
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  ASSERT_TRUE(in_place_stage(l, 1) && in_place_stage(l, 3));
  check_chain(l, 72);
}

// The 3x3 depthwise row kernel as stages, stride 1 and 2, SAME and VALID, odd sizes: every
// border (left, right, top and bottom rows, a window past the last column) and in place after a 1x1.
TEST(BandStream, WideDepthwiseStagesEqualTheGenericKernel) {
  ref::Random rng(11);
  std::vector<Layer> l;
  l.push_back(wide_depthwise(rng, {21, 17, 1}, 2, true, 8));  // one input channel: 21x17x1 -> 11x9x8
  l.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<21, 17, 8, 11, 9, 2, 1, 1, 1>>;
  l.push_back(wide_depthwise(rng, l.back().out, 1, true));  // 11x9 -> 11x9
  l.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<11, 9, 8, 11, 9, 1, 1, 1>>;
  l.push_back(conv(rng, l.back().out, 8, 1, 1, 1, false));  // in place before the next
  l.push_back(wide_depthwise(rng, l.back().out, 2, true));  // 11x9 -> 6x5, pad 1 / 1
  l.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<11, 9, 8, 6, 5, 2, 1, 1>>;
  l.push_back(wide_depthwise(rng, l.back().out, 1, false));  // 6x5 -> 4x3
  l.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<6, 5, 8, 4, 3, 1, 0, 0>>;
  l.push_back(wide_depthwise(rng, l.back().out, 2, false));  // 4x3 -> 1x1
  l.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<4, 3, 8, 1, 1, 2, 0, 0>>;
  check_chain(l, 73);
  // Even sizes with SAME at stride 2: padding only at the bottom / right.
  std::vector<Layer> e;
  e.push_back(wide_depthwise(rng, {8, 10, 12}, 2, true));  // 8x10 -> 4x5, pad 0 / 0
  e.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<8, 10, 12, 4, 5, 2, 0, 0>>;
  e.push_back(wide_depthwise(rng, e.back().out, 1, true));
  e.back().depthwise_row.row = &mf::depthwise_conv_2d_s8_wide_row<WideDepthwise<4, 5, 12, 4, 5, 1, 1, 1>>;
  check_chain(e, 74);
}

TEST(BandStream, PersonDetectFirstRegionShapes) {
  ref::Random rng(5);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {96, 96, 1}, 8, 3, 2, 1, true));
  l.push_back(depthwise(rng, l.back().out, 1, 3, 1, 1, true));
  l.push_back(conv(rng, l.back().out, 16, 1, 1, 1, false));
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  check_chain(l, 50);
}

TEST(BandStream, PointwiseFirstReadsTheWholeInputRowByRow) {
  // The first stage reads the region input in place: its band is the row its window needs.
  ref::Random rng(6);
  std::vector<Layer> l;
  l.push_back(conv(rng, {13, 6, 8}, 12, 1, 1, 1, false));
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  l.push_back(conv(rng, l.back().out, 8, 1, 2, 1, false));
  check_chain(l, 60);
}

TEST(BandStream, PackedConvAndPoolingWithValidAndSamePadding) {
  ref::Random rng(2);
  std::vector<Layer> l;
  l.push_back(conv(rng, {17, 9, 3}, 8, 3, 2, 1, true));
  l.push_back(pool(l.back().out, true, 2, 2, false));
  l.push_back(conv(rng, l.back().out, 5, 3, 1, 1, false));
  l.push_back(pool(l.back().out, false, 3, 1, true));
  check_chain(l, 20);
}

TEST(BandStream, StrideLargerThanWindowSkipsRows) {
  // A strided 1x1 and a 1x1/stride-3 pooling read only some rows; the others are never computed.
  ref::Random rng(3);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {23, 7, 4}, 1, 3, 1, 1, true));
  l.push_back(conv(rng, l.back().out, 8, 1, 2, 1, false));
  l.push_back(pool(l.back().out, false, 1, 3, false));
  l.push_back(depthwise(rng, l.back().out, 2, 3, 1, 1, true));
  check_chain(l, 30);
}

TEST(BandStream, DilatedWindowsAndTallFilters) {
  ref::Random rng(4);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {21, 8, 4}, 1, 3, 1, 2, true));  // span 5
  l.push_back(conv(rng, l.back().out, 4, 3, 1, 2, true));     // dilated rows in the packed conv
  l.push_back(depthwise(rng, l.back().out, 1, 5, 2, 1, false));
  check_chain(l, 40);
}

TEST(BandStream, WidePointwiseStagesEqualTheGenericKernel) {
  // Channel counts that leave every remainder of the wide layout (depth % 4, channels % 4),
  // first in the region (reads the region input) and later (reads a line buffer).
  ref::Random rng(7);
  std::vector<Layer> l;
  l.push_back(wide_conv(rng, {9, 5, 7}, 6));
  l.back().wide_row.row = &wide_row<5, 7, 6>;
  l.push_back(depthwise(rng, l.back().out, 1, 3, 1, 1, true));
  l.push_back(wide_conv(rng, l.back().out, 9));
  l.back().wide_row.row = &wide_row<5, 6, 9>;
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  l.push_back(wide_conv(rng, l.back().out, 4));
  l.back().wide_row.row = &wide_row<3, 9, 4>;
  check_chain(l, 70);
}

TEST(BandStream, LanesPointwiseStagesOnWidthOneRowsEqualTheGenericKernel) {
  // str_ww_ref_model's shape in small: H x 1 rows, a dilated depthwise between 1x1 stages
  // whose rows are one pixel; odd depths and part blocks of eight channels.
  ref::Random rng(8);
  std::vector<Layer> l;
  l.push_back(lanes_conv(rng, {12, 1, 5}, 19));
  l.back().wide_row.row = &lanes_row<1, 5, 19>;
  l.push_back(depthwise(rng, l.back().out, 1, 3, 1, 2, true));
  l.push_back(lanes_conv(rng, l.back().out, 8));
  l.back().wide_row.row = &lanes_row<1, 19, 8>;
  l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
  l.push_back(lanes_conv(rng, l.back().out, 3));
  l.back().wide_row.row = &lanes_row<1, 8, 3>;
  check_chain(l, 71);
}

TEST(BandStream, ManySeedsOnOneChain) {
  for (uint32_t seed = 100; seed < 110; ++seed) {
    ref::Random rng(seed);
    std::vector<Layer> l;
    const int32_t h = rng.uniform(5, 20), w = rng.uniform(3, 9);
    l.push_back(depthwise(rng, {h, w, 4}, 1, 3, rng.uniform(1, 2), 1, seed % 2 == 0));
    l.push_back(conv(rng, l.back().out, 8, 1, 1, 1, false));
    l.push_back(depthwise(rng, l.back().out, 1, 3, 2, 1, true));
    check_chain(l, seed);
  }
}

TEST(BandStream, GlobalAveragePoolSinkIsBitExact) {
  // kws's end in small: the pooling's whole input is never held, only one row and the sums.
  for (uint32_t seed = 200; seed < 206; ++seed) {
    ref::Random rng(seed);
    std::vector<Layer> l;
    const int32_t h = rng.uniform(3, 13), w = rng.uniform(3, 7);
    l.push_back(depthwise(rng, {h, w, 5}, 1, 3, rng.uniform(1, 2), 1, seed % 2 == 0));
    l.push_back(conv(rng, l.back().out, 7, 1, 1, 1, false));
    l.push_back(pool_sink(l.back().out, true, l.back().out.h, l.back().out.h, l.back().out.w, 1, false));
    check_chain(l, seed);
  }
}

TEST(BandStream, PoolSinksWithPaddingAndUnreadRows) {
  // SAME widths: edge pixels average fewer columns; a window taller than the image (rows
  // above it padded) and one that ends before the last row (never folded in).
  ref::Random rng(8);
  for (bool average : {true, false}) {
    std::vector<Layer> l;
    l.push_back(conv(rng, {5, 9, 3}, 6, 3, 1, 1, true));
    l.push_back(pool_sink(l.back().out, average, 7, 5, 3, 2, true));  // pad_top 1, rows 0..4
    check_chain(l, average ? 80 : 81);
    l.clear();
    l.push_back(depthwise(rng, {6, 7, 4}, 1, 3, 1, 1, true));
    l.push_back(pool_sink(l.back().out, average, 3, 6, 2, 2, true));  // rows 0..2 only
    check_chain(l, average ? 82 : 83);
  }
}

TEST(BandStream, MaxPoolSinkIsBitExact) {
  ref::Random rng(9);
  std::vector<Layer> l;
  l.push_back(conv(rng, {11, 5, 2}, 9, 3, 2, 1, true));
  l.push_back(depthwise(rng, l.back().out, 1, 3, 1, 1, false));
  l.push_back(pool_sink(l.back().out, false, l.back().out.h, l.back().out.h, l.back().out.w, 1, false));
  check_chain(l, 90);
}

TEST(BandStream, FullyConnectedSinkIsBitExact) {
  // The FC reads the last stage's rows flattened: every row meets its slice of the weights.
  ref::Random rng(10);
  for (int32_t units : {1, 3, 4, 9}) {
    std::vector<Layer> l;
    l.push_back(depthwise(rng, {9, 5, 3}, 2, 3, 1, 1, true));
    l.push_back(conv(rng, l.back().out, 5, 1, 1, 1, false));
    l.push_back(fc_sink(rng, l.back().out, units, units % 2 == 1, 0));
    check_chain(l, static_cast<uint32_t>(100 + units));
  }
  std::vector<Layer> l;  // a nonzero weight zero point: the input sum's term
  l.push_back(depthwise(rng, {7, 3, 2}, 1, 3, 2, 1, true));
  l.push_back(fc_sink(rng, l.back().out, 6, false, 3));
  check_chain(l, 120);
}

TEST(BandStream, PoolSinkThenFullyConnectedSink) {
  // vww / kws: global average pool, then the FC on its one output row; and a pooling as
  // the first stage (it reads the whole input) feeding the FC sink.
  ref::Random rng(11);
  std::vector<Layer> l;
  l.push_back(depthwise(rng, {8, 6, 4}, 1, 3, 2, 1, true));
  l.push_back(conv(rng, l.back().out, 12, 1, 1, 1, false));
  l.push_back(pool_sink(l.back().out, true, l.back().out.h, l.back().out.h, l.back().out.w, 1, false));
  l.push_back(fc_sink(rng, l.back().out, 5, true, 0));
  check_chain(l, 130);
  l.clear();
  l.push_back(pool({6, 6, 8}, true, 6, 6, false));
  l.push_back(fc_sink(rng, l.back().out, 3, false, 0));
  check_chain(l, 131);
}

}  // namespace
