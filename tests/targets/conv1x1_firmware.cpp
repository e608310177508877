// The speed variant of the 1x1 convolution (conv_2d_1x1_s8_wide_fixed) on the target, against
// the host build of this same file (run_target_test.py --test conv1x1; the host kernel is
// checked against the generic one in tests/runtime). On the Arm DSP, depths in fours take the
// widened pixel pairs over half-major weights (odd group counts, unrolled and looped groups,
// an odd last pixel, a channel slice of a wider output); other depths the pair_rows paths.
// The weights are laid out here as the compiler lays them out (passes/specialize.cpp).
#include <microflow/variants/conv_2d_1x1_wide.h>

#include "platform.h"
#include "print.h"

namespace {

uint32_t g_seed = 12345;
int32_t next(int32_t lo, int32_t hi) {
  g_seed = g_seed * 1664525u + 1013904223u;
  return lo + static_cast<int32_t>((g_seed >> 8) % static_cast<uint32_t>(hi - lo + 1));
}

constexpr int kMaxWeights = 64 * 16, kMaxPixels = 9;
int8_t g_w[kMaxWeights], g_in[kMaxPixels * 64], g_out[kMaxPixels * 16];
int32_t g_words[kMaxWeights / 4 + 8], g_bias[16], g_requant[32];
uint8_t* g_byte;

// One halfword 256 B + A of the pair (row a, row a + 1) at input k.
void half(int k_depth, int a, int k) {
  const int8_t lo = g_w[a * k_depth + k];
  *g_byte++ = static_cast<uint8_t>(lo);
  *g_byte++ = static_cast<uint8_t>(g_w[(a + 1) * k_depth + k] - (lo < 0 ? 1 : 0));
}

// fully_connected_wide.h's channel-pair layout (half-major where the Arm DSP path reads it).
void lay_out(int depth, int rows) {
  const int groups = depth / 4;
  g_byte = reinterpret_cast<uint8_t*>(g_words);
#if defined(MF_DOT_ARM_DSP)
  const bool half_major = depth % 4 == 0 && rows % 4 == 0;
#else
  const bool half_major = false;
#endif
  for (int b = 0; b < rows / 4; ++b)
    for (int g = 0; g < groups; ++g)
      for (int i = 0; i < 4; ++i) {  // word i: pair (i / 2, i % 2 odd), or (i % 2, i / 2 odd)
        const int pair = half_major ? i % 2 : i / 2, odd = half_major ? i / 2 : i % 2;
        half(depth, 4 * b + 2 * pair, 4 * g + odd), half(depth, 4 * b + 2 * pair, 4 * g + odd + 2);
      }
  if (rows % 4 >= 2)
    for (int g = 0; g < groups; ++g)
      for (int odd = 0; odd < 2; ++odd) half(depth, rows / 4 * 4, 4 * g + odd), half(depth, rows / 4 * 4, 4 * g + odd + 2);
  if (rows % 2 != 0)
    for (int k = 0; k < depth; ++k) *g_byte++ = static_cast<uint8_t>(g_w[(rows - 1) * depth + k]);
  for (int p = 0; p < rows / 2; ++p)
    for (int k = 4 * groups; k < depth; ++k) half(depth, 2 * p, k);
}

template <int32_t Pixels, int32_t Depth, int32_t Rows, int32_t Stride>
void run(const char* label) {
  for (int i = 0; i < Pixels * Depth; ++i) g_in[i] = static_cast<int8_t>(next(-128, 127));
  for (int i = 0; i < Rows * Depth; ++i) g_w[i] = static_cast<int8_t>(next(-127, 127));
  for (int c = 0; c < Rows; ++c) {
    g_bias[c] = next(-20000, 20000);
    g_requant[2 * c] = next(1 << 30, 0x7fffffff), g_requant[2 * c + 1] = next(6, 12);
  }
  lay_out(Depth, Rows);
  for (int i = 0; i < Pixels * Stride; ++i) g_out[i] = 99;  // a slice leaves the rest alone
  mf::conv_2d_1x1_s8_wide_fixed<mf::Conv2D1x1S8WideConstants<Pixels, Depth, Rows, Stride, -3, -100, 120>>(
      g_in, g_words, g_bias, g_requant, g_out);
  mf_print_s8_list(label, g_out, Pixels * Stride);
}

}  // namespace

int main() {
  mf_platform_init();
  mf_stack_paint();
  mf_bench_begin();
  run<5, 4, 8, 8>("a=");     // one group, unrolled; odd last pixel
  run<3, 12, 4, 4>("b=");    // three groups
  run<7, 20, 12, 16>("c=");  // five groups, looped one per pass; a slice of 16 channels
  run<6, 40, 8, 8>("d=");    // ten groups, two per pass
  run<9, 64, 16, 16>("e=");  // sixteen groups, four per pass
  run<4, 10, 6, 6>("f=");    // depth tails, a last pair: pair_rows_x2
  run<3, 8, 5, 5>("g=");     // an odd row
  mf_bench_end();
  const uint32_t stack = (uint32_t)mf_stack_used();
  mf_print("stack=");
  mf_print_u32(stack);
  mf_print("\n");
  mf_platform_exit(0);
}
