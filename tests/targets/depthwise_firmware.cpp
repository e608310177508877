// The RV32 / Xtensa / Arm DSP loops of the int8 depthwise and 1x1 kernels on the target, against the host
// build of this same file (run_target_test.py --test depthwise; the host kernels are checked
// against TFLM's formulation in tests/runtime):
//   A  one input channel, depth multiplier 8, 6x4 filter, stride 2, padding, a short last
//      group of pixels (RV32: depthwise_one_channel_rv32 into the StoreSink)
//   B  depth multiplier 4, 3x3, stride 1, dilation_height 2, a channel on TFLM's general
//      requantization, a folded activation table (the sink's scratch run)
//   C  one input channel into a fused FULLY_CONNECTED (3 units, weight zero point 2), again
//      with the FC weights zero point 0
//   D  1x1 convolution written over its own input 4 pixels behind (a band stage in place:
//      conv_1x1_safe_tile's short tiles), 11 pixels, and the same out of place
//   E  the narrow depthwise (depthwise_conv_2d_narrow.h; Arm DSP: the tap-pair assembly): a 5x1
//      filter padded 2 above and below on width-1 rows (an odd tap), and 2x2 with dilation_width 2
//      and pad_left 1 on 3 output pixels (windows crossing the border, clamps)
//   F  the --optimize=speed 3x3 depthwise (depthwise_conv_2d_wide.h; on Cortex-M4 its Arm DSP
//      assembly, on the host its portable form): an activation clamp (the C pass), stride 1 and
//      stride 2 with odd widths (the assembly's last pixel), one input channel
// Weights, biases, requantization and params live in flash (MF_FLASH).
#include <microflow/kernels/conv_2d_packed.h>
#include <microflow/kernels/depthwise_conv_2d.h>
#include <microflow/kernels/depthwise_conv_2d_fully_connected.h>
#include <microflow/variants/depthwise_conv_2d_narrow.h>
#include <microflow/variants/depthwise_conv_2d_wide.h>

#include "platform.h"
#include "print.h"

namespace {

alignas(4) const int8_t kFilterA[192] MF_FLASH = {
    120, 72, -15, -98, -126, -104, 106, 114, 113, 79, 22, -119, 44, 50, -106, -102,
    69, -37, -67, -123, -120, 125, 74, -123, -39, 38, 32, -4, 30, -9, -89, -104,
    -81, 55, -98, 89, -124, 1, -3, 98, 120, -64, -111, 43, 11, 106, -8, -110,
    26, 45, -105, 4, 21, -116, -58, 84, 15, -111, 38, -50, -4, 90, -37, -59,
    -64, 40, 111, -76, -11, 97, 8, 43, -123, 114, 3, -109, -126, -42, -91, 54,
    -6, 41, -31, -85, -114, -108, 23, 0, -86, -108, 15, -72, -91, -121, 112, -39,
    70, -99, 117, 8, -91, 44, -49, -11, -117, -21, -57, 42, 79, -117, -82, -58,
    -88, -51, 117, 89, -88, 72, 86, -9, -117, 17, -29, 68, -38, -1, -40, 22,
    82, -8, -6, -116, 73, 111, -7, 95, 82, 25, 98, -84, -15, 60, 72, 5,
    81, -15, -52, -57, -96, 72, -80, -21, -16, 69, -97, 113, 8, -101, 85, 88,
    -3, -31, 82, 82, 41, -62, 37, -78, -39, -100, 52, 52, 80, 119, -87, 21,
    105, 114, -59, 121, -88, 90, 88, 124, 57, -45, 76, 74, -13, 57, -109, -107,
};
const int32_t kBiasA[8] MF_FLASH = {
    237, -1246, -2609, -656, -2689, -1203, 1151, -2282,
};
const int32_t kMulA[8] MF_FLASH = {
    1754464135, 1730065587, 2063375663, 1215964512, 1626566148, 1230507368, 1989223246, 1507311852,
};
const int32_t kShiftA[8] MF_FLASH = {
    -9, -6, -8, -6, -8, -7, -8, -6,
};
alignas(4) const int8_t kFilterB[36] MF_FLASH = {
    -83, 116, 22, -75, -50, -112, 81, -37, 9, -88, 0, 105, 70, 116, 13, -7,
    -42, -92, -94, -115, 32, -85, 109, -90, 88, 12, -110, 55, -44, -84, -127, 44,
    45, -112, 36, -105,
};
const int32_t kBiasB[4] MF_FLASH = {
    1104, 1244, -1393, 1750,
};
const int32_t kMulB[4] MF_FLASH = {
    1539818132, 1159450733, 1500000000, 1914355275,
};
const int32_t kShiftB[4] MF_FLASH = {
    -6, -7, 1, -6,
};
alignas(4) const int8_t kTableB[256] MF_FLASH = {
    27, 88, 35, -51, -81, 5, 14, 82, 76, 13, -70, 64, 12, -19, 24, 75,
    -102, 50, 97, -9, 123, -44, 66, 29, -127, -91, 117, 74, 24, 91, 117, -33,
    77, 116, -48, 16, 61, 49, -23, -42, 106, 114, -114, 111, -75, -115, 59, 115,
    -95, -57, 41, 50, 20, 24, 41, 22, -29, 14, -91, -24, 45, 43, 36, 106,
    8, -85, -67, -3, 3, 62, -58, -114, 74, -109, -106, -22, -49, 32, 53, 94,
    -93, 28, 5, 120, -16, 50, -86, -119, 41, -11, -45, 116, 127, -57, -94, -54,
    -4, -44, 73, 39, -62, 100, -108, 62, -93, 60, 81, -106, -92, 32, -12, -27,
    49, 66, 124, -102, -113, 101, -87, 22, 90, 46, -53, 120, -5, -113, 54, 62,
    84, -39, -90, -119, -20, -28, -56, -61, 2, -103, 111, 57, 62, 19, 75, 80,
    60, -9, 18, -124, 32, 8, -67, -110, -17, 61, -34, 36, 21, 57, 11, -38,
    105, -42, -127, 81, -6, -30, 99, 11, -39, 53, 81, 120, 118, 117, 99, 62,
    -76, 77, -63, -74, 112, 121, -79, -61, 3, -6, -92, 43, 72, 22, 53, 79,
    -32, 114, 110, 35, 98, -73, 109, -85, -90, -27, -38, 43, -40, 65, 11, -26,
    7, -113, -48, 33, -77, -105, -100, 5, 89, 37, 46, 29, 94, -43, 64, 74,
    -124, 20, 17, 34, -1, -49, -29, 103, 99, 85, 44, 9, 94, 72, 4, 124,
    33, -2, 18, -48, -45, 82, -48, -111, -9, 53, -23, 92, 99, -116, 79, -93,
};
alignas(4) const int8_t kFilterC[128] MF_FLASH = {
    56, 99, 56, -111, -109, 81, -65, 84, 38, -30, 55, 99, -3, -30, 72, 73,
    117, -67, 50, -50, 86, 4, -44, 120, 82, 5, 5, -12, 79, 41, 47, -111,
    -50, 79, 70, -121, 77, 89, 1, -81, -91, -90, -31, -18, -82, 8, -92, 109,
    -50, -103, -2, 11, 78, -42, 26, -93, -59, 95, 107, 72, 116, -17, 93, 63,
    -7, -56, 96, -47, -85, -111, 75, -15, -69, -14, -64, 66, -110, -59, 84, -88,
    81, 34, 85, 122, 16, -57, -90, 123, -27, 124, -72, -76, 16, 6, -90, 108,
    -73, -40, 58, 46, 31, -22, 46, -127, 5, 117, -39, 98, -79, 37, -70, 88,
    14, -123, -123, 97, -35, 82, -15, -67, 47, 68, -125, -21, -19, 0, -20, -43,
};
const int32_t kBiasC[8] MF_FLASH = {
    2312, 1775, 1247, -958, 1807, 1720, 2897, 1617,
};
const int32_t kMulC[8] MF_FLASH = {
    2114904700, 1729748011, 2080607528, 1110390391, 1117098984, 1700983805, 1338774353, 2045084486,
};
const int32_t kShiftC[8] MF_FLASH = {
    -8, -6, -6, -8, -9, -6, -6, -9,
};
alignas(4) const int8_t kFcWeightsC[384] MF_FLASH = {
    118, -22, -82, 92, -83, 29, -109, 106, 74, 57, -33, 74, -84, 64, 67, -69,
    78, -111, 4, -30, -119, -95, -59, 45, 1, -120, -39, 3, -112, 77, -57, 59,
    5, -123, 106, -116, -22, 115, -4, -120, 54, 66, -54, 99, -81, -68, 91, 32,
    -2, 20, -112, 101, -52, -65, -13, -10, -83, -60, -86, -21, 37, 62, -48, 6,
    101, -125, 106, -53, 86, 40, -44, 117, 33, 25, -75, 106, -80, 52, -119, 40,
    -49, 34, 62, 28, 0, 108, -123, -19, -86, -16, 38, -41, 31, -54, 95, -103,
    117, 100, -107, 86, 20, 60, -20, 18, 102, -42, 124, 8, 54, 27, -118, 41,
    78, -23, 115, -14, 7, -81, -24, -100, 15, 103, 5, -43, 39, 23, 5, 122,
    10, -79, 40, 5, -102, -26, -105, -46, 51, 4, -95, 36, 92, 115, -109, 37,
    37, -43, 119, 58, 86, 30, -4, -60, 90, 95, 70, -108, -111, 106, 27, -12,
    72, 29, 98, -125, -37, -118, 24, 29, -72, -100, 79, 43, -13, 52, 14, -82,
    108, 19, -117, -59, 1, 85, 45, 66, 21, 82, -25, -48, 21, 113, 31, -119,
    42, 19, 37, -41, 94, 11, -40, 62, -73, -105, 5, 70, -65, 112, -102, 71,
    -51, -123, -110, -106, -120, 88, -51, 15, 29, -39, 31, 47, 34, 81, -17, 29,
    71, -123, -27, -11, -105, -72, -107, -38, 38, -42, -37, -28, -37, 51, -103, -120,
    -94, -93, -12, -36, 53, 63, -95, -103, -112, -59, 18, -87, -119, 31, -41, 16,
    30, -1, 26, -106, 1, 75, 115, 65, -16, 45, -35, 87, -123, -20, 107, -47,
    -78, 11, -85, 32, 92, 20, -69, 54, -19, -84, 33, -17, 52, 0, 40, -92,
    -30, 1, 43, -6, 56, 20, -29, -49, 18, -57, -61, -91, -36, -94, 117, 127,
    51, 42, 95, 127, 79, -61, 30, -48, -64, -52, -85, -88, 27, 34, 21, 119,
    62, -11, -113, -61, -20, -33, 94, -115, 105, -38, 36, 74, 72, 53, 74, -125,
    2, -118, -77, 30, -49, -79, -6, 84, 46, 122, -28, 39, 98, 46, 46, 78,
    -55, -47, 109, 16, 105, -29, -21, -58, 112, 112, -13, 39, 5, -113, 118, 27,
    34, 30, -42, -62, -78, 75, 115, 120, -47, -103, -24, 32, -34, -34, -18, -52,
};
const int32_t kFcBiasC[3] MF_FLASH = {
    5480, 6776, -1532,
};
alignas(4) const int8_t kFilterD[64] MF_FLASH = {
    -62, 55, 111, 118, 28, -84, -11, 18, -36, -76, 3, 49, 112, 94, -81, -112,
    -31, 18, -11, 22, 108, 34, 86, 92, 72, 104, -94, -67, -31, -50, 109, -32,
    -22, 111, 28, 107, -62, -70, -44, 15, -14, 100, -47, 101, 42, -96, 33, 63,
    80, -85, 57, 83, 16, -63, -82, -24, -12, -61, 67, -57, -12, -104, -85, 6,
};
const int32_t kBiasD[8] MF_FLASH = {
    733, 1016, 2450, 2662, -2609, -2525, 2238, -535,
};
const int32_t kMulD[8] MF_FLASH = {
    1528774870, 1887610928, 1358600077, 1956787480, 1226618361, 1480331824, 1401661706, 1695548491,
};
const int32_t kShiftD[8] MF_FLASH = {
    -7, -7, -8, -6, -6, -9, -8, -6,
};

// E: the narrow kernel's layout (per block of four channels, per tap pair a c0, a c1, b c0, b c1,
// a c2, a c3, b c2, b c3; an odd last tap's four), (multiplier, -shift - 1) pairs.
alignas(4) const int8_t kFilterE1[40] MF_FLASH = {
    -45, 115, 10, -103, -89, -26, -34, 22, -118, -105, -19, -112, -16, -20, 84, 17, 33, 22, 115, -112,
    39, -115, -113, 105, -109, 83, 2, -73, -110, -66, -96, 115, -104, 14, -70, 34, 20, 22, -26, -115,
};
const int32_t kBiasE1[8] MF_FLASH = {
    -1189, -2619, 1560, -1910, -628, 433, -1819, 1429,
};
const int32_t kRequantE1[16] MF_FLASH = {
    1326698720, 7, 1461848773, 5, 1477191778, 7, 1282972393, 5,
    1201734362, 6, 2139783826, 8, 1748367735, 8, 2046947864, 7,
};
alignas(4) const int8_t kFilterE2[16] MF_FLASH = {
    -51, -64, 51, 72, 76, -81, -65, -107, 20, -51, 97, -40, 7, -1, 59, -13,
};
const int32_t kBiasE2[4] MF_FLASH = {
    -642, 1988, -2401, -2033,
};
const int32_t kRequantE2[8] MF_FLASH = {
    1971653748, 6, 1808301079, 6, 2123782081, 8, 1157938763, 5,
};
// H, W, depth, OH, OW, KH, KW, stride H, W, dilation H, W, pad_top, pad_left, Z_in, Z_out, act_min, act_max.
using NarrowE1 = mf::DepthwiseConv2DS8NarrowConstants<9, 1, 8, 9, 1, 5, 1, 1, 1, 1, 1, 2, 0, -3, 5, -128, 127>;
using NarrowE2 = mf::DepthwiseConv2DS8NarrowConstants<6, 5, 4, 5, 3, 2, 2, 1, 1, 1, 2, 0, 1, 7, -2, -60, 90>;
// F: kFilterA's first 72 bytes as a [3][3][8] filter, kBiasA as the folded bias, kMulA / kShiftA
// as (multiplier, -shift - 1) pairs.
const int32_t kRequantF[16] MF_FLASH = {
    1754464135, 8, 1730065587, 5, 2063375663, 7, 1215964512, 5,
    1626566148, 7, 1230507368, 6, 1989223246, 7, 1507311852, 5,
};
// H, W, input depth, depth, OH, OW, stride, pad_top, pad_left, Z_in, Z_out, act_min, act_max.
typedef mf::DepthwiseConv2DS8WideConstants<7, 9, 8, 8, 7, 9, 1, 1, 1, -3, 5, -100, 110> ConstantsF1;
typedef mf::DepthwiseConv2DS8WideConstants<5, 7, 8, 8, 5, 7, 1, 1, 1, 4, 2, -128, 127> ConstantsF2;
typedef mf::DepthwiseConv2DS8WideConstants<9, 9, 8, 8, 5, 5, 2, 1, 1, 6, -7, -128, 127> ConstantsF3;
typedef mf::DepthwiseConv2DS8WideConstants<11, 9, 1, 8, 6, 5, 2, 1, 1, -1, -128, -128, 127> ConstantsF4;

const mf::DepthwiseConv2DS8Params kParamsA MF_FLASH = {
    1, 13, 11, 1, 6, 5, 8, 6, 4, 8, 2, 2, 1, 1, 2, 1, -5, 3, kMulA, kShiftA, -128, 127, nullptr};
const mf::DepthwiseConv2DS8Params kParamsB MF_FLASH = {
    1, 7, 9, 1, 7, 9, 4, 3, 3, 4, 1, 1, 2, 1, 2, 1, 7, -4, kMulB, kShiftB, -100, 110, kTableB};
const mf::DepthwiseConv2DFullyConnectedS8Params kParamsC MF_FLASH = {
    {1, 9, 8, 1, 4, 4, 8, 4, 4, 8, 2, 2, 1, 1, 1, 1, 12, -6, kMulC, kShiftC, -128, 127, nullptr},
    {1, 128, 3, 2, 5, 1431655765, -9, nullptr, nullptr, -128, 127, 3, nullptr}};
const mf::DepthwiseConv2DFullyConnectedS8Params kParamsC0 MF_FLASH = {
    {1, 9, 8, 1, 4, 4, 8, 4, 4, 8, 2, 2, 1, 1, 1, 1, 12, -6, kMulC, kShiftC, -128, 127, nullptr},
    {1, 128, 3, 0, 5, 1431655765, -9, nullptr, nullptr, -128, 127, 3, nullptr}};
const mf::Conv2DS8Params kParamsD MF_FLASH = {
    1, 1, 11, 8, 1, 11, 8, 1, 1, 8, 1, 1, 1, 1, 0, 0, 3, -2, kMulD, kShiftD, -128, 127, 8, nullptr};

int8_t g_input_a[13 * 11];
int8_t g_output_a[6 * 5 * 8];
int8_t g_input_b[7 * 9];
int8_t g_output_b[7 * 9 * 4];
int8_t g_input_c[9 * 8];
int8_t g_output_c[3];
int8_t g_output_c0[3];
int32_t g_accumulators[3];
alignas(4) int8_t g_buffer_d[(11 + 4) * 8];
int8_t g_output_d[11 * 8];
int8_t g_input_e1[9 * 8];
int8_t g_output_e1[9 * 8];
int8_t g_input_e2[6 * 5 * 4];
int8_t g_output_e2[5 * 3 * 4];
int8_t g_input_f[9 * 9 * 8];  // every F layer's input (a prefix of it)
int8_t g_output_f1[7 * 9 * 8];
int8_t g_output_f2[5 * 7 * 8];
int8_t g_output_f3[5 * 5 * 8];
int8_t g_output_f4[6 * 5 * 8];

uint32_t g_seed = 2463534242u;
int8_t next_s8() {
  g_seed ^= g_seed << 13, g_seed ^= g_seed >> 17, g_seed ^= g_seed << 5;
  return static_cast<int8_t>(g_seed >> 24);
}

void fill(int8_t* v, int n) {
  for (int i = 0; i < n; ++i) v[i] = next_s8();
}

}  // namespace

int main() {
  mf_platform_init();
  fill(g_input_a, sizeof g_input_a), fill(g_input_b, sizeof g_input_b), fill(g_input_c, sizeof g_input_c);
  fill(g_buffer_d + 4 * 8, 11 * 8);
  fill(g_input_e1, sizeof g_input_e1), fill(g_input_e2, sizeof g_input_e2);
  fill(g_input_f, sizeof g_input_f);
  mf_stack_paint();
  mf_bench_begin();
  mf::depthwise_conv_2d_s8(kParamsA, g_input_a, kFilterA, kBiasA, g_output_a);
  mf::depthwise_conv_2d_s8(kParamsB, g_input_b, kFilterB, kBiasB, g_output_b);
  mf::depthwise_conv_2d_fully_connected_s8(kParamsC, g_input_c, kFilterC, kBiasC, kFcWeightsC, kFcBiasC,
                                           g_accumulators, g_output_c);
  mf::depthwise_conv_2d_fully_connected_s8(kParamsC0, g_input_c, kFilterC, kBiasC, kFcWeightsC, kFcBiasC,
                                           g_accumulators, g_output_c0);
  mf::conv_2d_1x1_s8(kParamsD, g_buffer_d + 4 * 8, reinterpret_cast<const int32_t*>(kFilterD), kBiasD, g_output_d);
  mf::conv_2d_1x1_s8(kParamsD, g_buffer_d + 4 * 8, reinterpret_cast<const int32_t*>(kFilterD), kBiasD, g_buffer_d);
  mf::depthwise_conv_2d_s8_narrow_fixed<NarrowE1>(g_input_e1, reinterpret_cast<const int32_t*>(kFilterE1), kBiasE1,
                                                  kRequantE1, g_output_e1);
  mf::depthwise_conv_2d_s8_narrow_fixed<NarrowE2>(g_input_e2, reinterpret_cast<const int32_t*>(kFilterE2), kBiasE2,
                                                  kRequantE2, g_output_e2);
  mf::depthwise_conv_2d_s8_wide_fixed<ConstantsF1>(g_input_f, kFilterA, kBiasA, kRequantF, g_output_f1);
  mf::depthwise_conv_2d_s8_wide_fixed<ConstantsF2>(g_input_f, kFilterA, kBiasA, kRequantF, g_output_f2);
  mf::depthwise_conv_2d_s8_wide_fixed<ConstantsF3>(g_input_f, kFilterA, kBiasA, kRequantF, g_output_f3);
  mf::depthwise_conv_2d_s8_wide_fixed<ConstantsF4>(g_input_f, kFilterA, kBiasA, kRequantF, g_output_f4);
  mf_bench_end();
  const uint32_t stack = (uint32_t)mf_stack_used();
  mf_print_s8_list("a=", g_output_a, sizeof g_output_a);
  mf_print_s8_list("b=", g_output_b, sizeof g_output_b);
  mf_print_s8_list("c=", g_output_c, sizeof g_output_c);
  mf_print_s8_list("c0=", g_output_c0, sizeof g_output_c0);
  mf_print_s8_list("d=", g_output_d, sizeof g_output_d);
  mf_print_s8_list("d_in_place=", g_buffer_d, 11 * 8);
  mf_print_s8_list("e1=", g_output_e1, sizeof g_output_e1);
  mf_print_s8_list("e2=", g_output_e2, sizeof g_output_e2);
  mf_print_s8_list("f1=", g_output_f1, sizeof g_output_f1);
  mf_print_s8_list("f2=", g_output_f2, sizeof g_output_f2);
  mf_print_s8_list("f3=", g_output_f3, sizeof g_output_f3);
  mf_print_s8_list("f4=", g_output_f4, sizeof g_output_f4);
  mf_print("stack=");
  mf_print_u32(stack);
  mf_print("\n");
  mf_platform_exit(0);
}
