// Streaming input (input_rows.h): each *_rows_s8 kernel, fed the input one row at a
// time through a ring of window_rows rows, must give exactly the whole-input kernel's
// output, for SAME and VALID padding, strides above and below the window height, and
// dilation; and the ring must be reusable for the next input right away.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "microflow/kernels/conv_2d.h"
#include "microflow/kernels/depthwise_conv_2d_fully_connected.h"
#include "microflow/kernels/pooling.h"
#include "reference.h"

namespace {

struct Geometry {
  int32_t ih, iw, ic, kh, kw, sh, sw, dh, dw, oh, ow, pad_top, pad_left;
};

Geometry random_geometry(ref::Random& rng, bool same, bool dilation) {
  Geometry g = {};
  g.ih = rng.uniform(1, 12), g.iw = rng.uniform(1, 7), g.ic = rng.uniform(1, 5);
  g.kh = rng.uniform(1, 5), g.kw = rng.uniform(1, 3), g.sh = rng.uniform(1, 4), g.sw = rng.uniform(1, 2);
  g.dh = dilation ? rng.uniform(1, 3) : 1, g.dw = dilation ? rng.uniform(1, 2) : 1;
  if (!same) {  // VALID needs the window to fit
    g.ih = std::max(g.ih, g.dh * (g.kh - 1) + 1), g.iw = std::max(g.iw, g.dw * (g.kw - 1) + 1);
  }
  g.oh = same ? ref::same_out(g.ih, g.sh) : ref::valid_out(g.ih, g.sh, g.kh, g.dh);
  g.ow = same ? ref::same_out(g.iw, g.sw) : ref::valid_out(g.iw, g.sw, g.kw, g.dw);
  g.pad_top = same ? ref::same_pad(g.ih, g.oh, g.sh, g.kh, g.dh) : 0;
  g.pad_left = same ? ref::same_pad(g.iw, g.ow, g.sw, g.kw, g.dw) : 0;
  return g;
}

// What the compiler emits for the layer's input rows.
mf::InputRowsParams rows_params(const Geometry& g) {
  const int32_t window = g.dh * (g.kh - 1) + 1;
  return {g.ih, g.iw * g.ic, std::min(g.ih, window), g.oh, g.sh, g.pad_top, window};
}

// Feeds `x` row by row through `push` (which writes nothing itself: the row is copied to
// the slot first); true only after the last row. Twice, to check the state resets.
void stream(const mf::InputRowsParams& rows, const std::vector<int8_t>& x,
            const std::function<bool(int8_t*, int32_t*)>& push, const std::function<void()>& check_output) {
  std::vector<int8_t> ring(static_cast<size_t>(rows.window_rows * rows.row_elements));
  int32_t state[mf::kDepthwiseFullyConnectedRowsStateWords] = {};
  mf::input_rows_begin(state);
  // A first input abandoned half-way: begin() must discard it.
  for (int32_t r = 0; r < rows.input_height / 2; ++r) {
    std::fill_n(mf::input_row_slot(rows, ring.data(), state), rows.row_elements, int8_t{99});
    ASSERT_FALSE(push(ring.data(), state));
  }
  mf::input_rows_begin(state);
  for (int pass = 0; pass < 2; ++pass) {
    for (int32_t r = 0; r < rows.input_height; ++r) {
      std::copy_n(x.begin() + r * rows.row_elements, rows.row_elements, mf::input_row_slot(rows, ring.data(), state));
      ASSERT_EQ(push(ring.data(), state), r == rows.input_height - 1) << "row " << r;
    }
    check_output();
  }
}

std::vector<int32_t> random_requant(ref::Random& rng, int32_t channels, std::vector<int32_t>& shift) {
  std::vector<int32_t> m(static_cast<size_t>(channels));
  shift.resize(static_cast<size_t>(channels));
  for (int32_t c = 0; c < channels; ++c)
    ref::quantize_multiplier(std::ldexp(rng.uniform_f(0.5f, 1.f), rng.uniform(-9, -5)), &m[static_cast<size_t>(c)],
                             &shift[static_cast<size_t>(c)]);
  return m;
}

void check_depthwise(bool same, bool dilation, uint32_t seed) {
  ref::Random rng(seed);
  for (int i = 0; i < 80; ++i) {
    const Geometry g = random_geometry(rng, same, dilation);
    // depth_multiplier 4 exercises the four-channel blocks; 1..3 the per-channel loop.
    const int32_t dm = rng.uniform(1, 4), oc = g.ic * dm;
    const auto filter = rng.s8(static_cast<size_t>(g.kh * g.kw * oc), -127, 127);
    const auto bias = rng.s32(static_cast<size_t>(oc), -3000, 3000);
    std::vector<int32_t> shift;
    const auto multiplier = random_requant(rng, oc, shift);
    const mf::DepthwiseConv2DS8Params p = {1,    g.ih, g.iw, g.ic, g.oh, g.ow, oc, g.kh, g.kw, dm,
                                           g.sh, g.sw, g.dh, g.dw, g.pad_top, g.pad_left, rng.uniform(-128, 127),
                                           rng.uniform(-128, 127), multiplier.data(), shift.data(), -128, 127, nullptr};
    const auto x = rng.s8(static_cast<size_t>(g.ih * g.iw * g.ic));
    std::vector<int8_t> whole(static_cast<size_t>(g.oh * g.ow * oc)), streamed(whole.size(), 0);
    mf::depthwise_conv_2d_s8(p, x.data(), filter.data(), bias.data(), whole.data());
    const mf::DepthwiseConv2DInputRowsS8Params rp = {rows_params(g), p};
    stream(
        rp.rows, x,
        [&](int8_t* ring, int32_t* state) {
          return mf::depthwise_conv_2d_input_rows_s8(rp, ring, state, filter.data(), bias.data(), streamed.data());
        },
        [&] { ASSERT_EQ(streamed, whole) << "case " << i; });
  }
}

TEST(DepthwiseConv2DInputRowsS8, SameEqualsWholeInput) { check_depthwise(true, false, 11); }
TEST(DepthwiseConv2DInputRowsS8, ValidEqualsWholeInput) { check_depthwise(false, false, 12); }
TEST(DepthwiseConv2DInputRowsS8, DilatedEqualsWholeInput) { check_depthwise(true, true, 13); }

void check_conv(bool same, bool dilation, uint32_t seed) {
  ref::Random rng(seed);
  for (int i = 0; i < 80; ++i) {
    const Geometry g = random_geometry(rng, same, dilation);
    const int32_t oc = rng.uniform(1, 5);
    const auto filter = rng.s8(static_cast<size_t>(oc * g.kh * g.kw * g.ic), -127, 127);
    const auto bias = rng.s32(static_cast<size_t>(oc), -3000, 3000);
    std::vector<int32_t> shift;
    const auto multiplier = random_requant(rng, oc, shift);
    const mf::Conv2DS8Params p = {1,    g.ih, g.iw, g.ic, g.oh, g.ow, oc, g.kh, g.kw, g.ic,
                                  g.sh, g.sw, g.dh, g.dw, g.pad_top, g.pad_left, rng.uniform(-128, 127),
                                  rng.uniform(-128, 127), multiplier.data(), shift.data(), -128, 127, oc, nullptr};
    const auto x = rng.s8(static_cast<size_t>(g.ih * g.iw * g.ic));
    std::vector<int8_t> whole(static_cast<size_t>(g.oh * g.ow * oc)), streamed(whole.size(), 0);
    mf::conv_2d_s8(p, x.data(), filter.data(), bias.data(), whole.data());
    const mf::Conv2DInputRowsS8Params rp = {rows_params(g), p};
    stream(
        rp.rows, x,
        [&](int8_t* ring, int32_t* state) {
          return mf::conv_2d_input_rows_s8(rp, ring, state, filter.data(), bias.data(), streamed.data());
        },
        [&] { ASSERT_EQ(streamed, whole) << "case " << i; });
  }
}

TEST(Conv2DInputRowsS8, SameEqualsWholeInput) { check_conv(true, false, 21); }
TEST(Conv2DInputRowsS8, ValidEqualsWholeInput) { check_conv(false, false, 22); }
TEST(Conv2DInputRowsS8, DilatedEqualsWholeInput) { check_conv(true, true, 23); }

void check_pool(bool average, bool same, uint32_t seed) {
  ref::Random rng(seed);
  for (int i = 0; i < 80; ++i) {
    const Geometry g = random_geometry(rng, same, false);
    const mf::Pool2DS8Params p = {1,    g.ih, g.iw, g.ic,      g.oh,       g.ow, g.kh, g.kw,
                                  g.sh, g.sw, g.pad_top, g.pad_left, -100, 120, nullptr};
    const auto x = rng.s8(static_cast<size_t>(g.ih * g.iw * g.ic));
    std::vector<int8_t> whole(static_cast<size_t>(g.oh * g.ow * g.ic)), streamed(whole.size(), 0);
    if (average) mf::average_pool_2d_s8(p, x.data(), whole.data());
    else mf::max_pool_2d_s8(p, x.data(), whole.data());
    const mf::Pool2DInputRowsS8Params rp = {rows_params(g), p};
    stream(
        rp.rows, x,
        [&](int8_t* ring, int32_t* state) {
          return average ? mf::average_pool_2d_input_rows_s8(rp, ring, state, streamed.data())
                         : mf::max_pool_2d_input_rows_s8(rp, ring, state, streamed.data());
        },
        [&] { ASSERT_EQ(streamed, whole) << "case " << i; });
  }
}

TEST(AveragePool2DInputRowsS8, SameEqualsWholeInput) { check_pool(true, true, 31); }
TEST(AveragePool2DInputRowsS8, ValidEqualsWholeInput) { check_pool(true, false, 32); }
TEST(MaxPool2DInputRowsS8, SameEqualsWholeInput) { check_pool(false, true, 33); }
TEST(MaxPool2DInputRowsS8, ValidEqualsWholeInput) { check_pool(false, false, 34); }

void check_fused(bool same, bool per_channel, int32_t z_w, uint32_t seed) {
  ref::Random rng(seed);
  for (int i = 0; i < 60; ++i) {
    const Geometry g = random_geometry(rng, same, false);
    const int32_t dm = rng.uniform(1, 4), oc = g.ic * dm;
    const auto filter = rng.s8(static_cast<size_t>(g.kh * g.kw * oc), -127, 127);
    const auto bias = rng.s32(static_cast<size_t>(oc), -3000, 3000);
    std::vector<int32_t> shift;
    const auto multiplier = random_requant(rng, oc, shift);
    const int32_t depth = g.oh * g.ow * oc, units = rng.uniform(1, 6);
    const auto fc_w = rng.s8(static_cast<size_t>(units * depth), -127, 127);
    const auto fc_bias = rng.s32(static_cast<size_t>(units), -5000, 5000);
    std::vector<int32_t> fc_shift;
    const auto fc_multiplier = random_requant(rng, units, fc_shift);
    const mf::DepthwiseConv2DFullyConnectedS8Params p = {
        {1, g.ih, g.iw, g.ic, g.oh, g.ow, oc, g.kh, g.kw, dm, g.sh, g.sw, 1, 1, g.pad_top, g.pad_left,
         rng.uniform(-128, 127), rng.uniform(-128, 127), multiplier.data(), shift.data(), -128, 127, nullptr},
        {1, depth, units, z_w, rng.uniform(-128, 127), fc_multiplier[0], fc_shift[0],
         per_channel ? fc_multiplier.data() : nullptr, per_channel ? fc_shift.data() : nullptr, -128, 127, units,
         nullptr}};
    const auto x = rng.s8(static_cast<size_t>(g.ih * g.iw * g.ic));
    std::vector<int32_t> accumulators(static_cast<size_t>(units));
    std::vector<int8_t> whole(static_cast<size_t>(units)), streamed(whole.size(), 0);
    mf::depthwise_conv_2d_fully_connected_s8(p, x.data(), filter.data(), bias.data(), fc_w.data(), fc_bias.data(),
                                             accumulators.data(), whole.data());
    const mf::DepthwiseConv2DFullyConnectedInputRowsS8Params rp = {rows_params(g), p.depthwise, p.fully_connected};
    stream(
        rp.rows, x,
        [&](int8_t* ring, int32_t* state) {
          return mf::depthwise_conv_2d_fully_connected_input_rows_s8(rp, ring, state, filter.data(), bias.data(), fc_w.data(),
                                                               fc_bias.data(), accumulators.data(), streamed.data());
        },
        [&] { ASSERT_EQ(streamed, whole) << "case " << i; });
  }
}

TEST(DepthwiseConv2DFullyConnectedInputRowsS8, SameEqualsWholeInput) { check_fused(true, true, 0, 41); }
TEST(DepthwiseConv2DFullyConnectedInputRowsS8, ValidEqualsWholeInput) { check_fused(false, true, 0, 42); }
// A nonzero weight zero point needs the running input sum kept across rows.
TEST(DepthwiseConv2DFullyConnectedInputRowsS8, WeightZeroPointEqualsWholeInput) { check_fused(true, false, 5, 43); }

// micro_speech's geometry: 49 rows of 40, a 10x8 filter, stride 2, SAME (pad_top 4).
TEST(InputRows, MicroSpeechRowSchedule) {
  const mf::InputRowsParams rows = {49, 40, 10, 25, 2, 4, 10};
  struct Recorder {
    std::vector<std::vector<int32_t>> calls;  // {oy, held, first}
    void begin() {}
    void row(int32_t oy, const int8_t*, int32_t held, int32_t first) { calls.push_back({oy, held, first}); }
    void end() {}
  } recorder;
  std::vector<int8_t> ring(400);
  int32_t state[mf::kInputRowsStateWords] = {};
  for (int32_t r = 0; r < 49; ++r) mf::detail::input_rows_push(rows, ring.data(), state, recorder);
  ASSERT_EQ(recorder.calls.size(), 25u);
  // Output row 0 spans rows -4..5: ready at row 5, holding rows 0..5.
  EXPECT_EQ(recorder.calls[0], (std::vector<int32_t>{0, 6, 0}));
  // Output row 3 spans rows 2..11: ready at row 11, holding rows 2..11.
  EXPECT_EQ(recorder.calls[3], (std::vector<int32_t>{3, 10, 2}));
  // Output rows 22..24 reach past the last row (48): all at the end, holding 39..48.
  EXPECT_EQ(recorder.calls[22], (std::vector<int32_t>{22, 10, 39}));
  EXPECT_EQ(recorder.calls[24], (std::vector<int32_t>{24, 10, 39}));
}

}  // namespace
