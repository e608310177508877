// The AVR assembly of the fixed FULLY_CONNECTED kernel against the portable C path:
// requantize_fixed_avr (compile-time thresholds, the 24-bit multiply with nested rounding)
// and dot_s8_short_avr (three-byte MAC loop). On AVR the firmware runs the assembly; the host
// build of this same file runs the portable functions (multiply_by_quantized_multiplier,
// dot_s8); run_target_test.py compares the two outputs. Accumulators sweep +-64 around 0,
// +-2^k, +-3 * 2^k and the int32 ends, which covers INT32_MIN, both ends of 24 bits, the
// activation thresholds of small shifts and rounding ties (2^30 as multiplier halves
// exactly), the accumulators on either side of every output step (where the discarded low
// bits of the product decide), then 4096 pseudo-random ones of every magnitude.
#include <microflow/microflow.h>

#include "platform.h"
#include "print.h"

namespace {

uint32_t g_hash = 2166136261u;
uint32_t g_count = 0;

void mix(uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8) g_hash = (g_hash ^ (v & 0xFFu)) * 16777619u;
  ++g_count;
}

template <int32_t M, int32_t N, int32_t Z, int32_t Lo, int32_t Hi>
int8_t requantize(int32_t acc) {
#if defined(__AVR__)
  return mf::detail::requantize_fixed_avr<M, N, Z, Lo, Hi>(acc);
#else
  return mf::clamp_to_s8(mf::multiply_by_quantized_multiplier(acc, M, -N - 1) + Z, Lo, Hi);
#endif
}

// Not inlined: one copy of the sweep per layer's constants, as in a kernel.
template <int32_t M, int32_t N, int32_t Z, int32_t Lo, int32_t Hi>
__attribute__((noinline)) void sweep() {
  const uint32_t start = g_hash;
  mix(static_cast<uint8_t>(requantize<M, N, Z, Lo, Hi>(mf::kInt32Min)));
  mix(static_cast<uint8_t>(requantize<M, N, Z, Lo, Hi>(mf::kInt32Max)));
  for (int8_t k = 0; k <= 30; ++k) {
    const int32_t p = static_cast<int32_t>(static_cast<uint32_t>(1) << k);
    const int32_t centers[5] = {0, p, -p, k <= 29 ? 3 * p : 0, k <= 29 ? -3 * p : 0};
    for (int8_t c = 0; c < 5; ++c)
      for (int16_t d = -64; d <= 64; ++d) mix(static_cast<uint8_t>(requantize<M, N, Z, Lo, Hi>(centers[c] + d)));
  }
  // Around each output step (u = (2v - 1) 2^N, the nested rounding's boundary, at about
  // u 2^31 / M): there the product's discarded bits are all but one step from carrying.
  if (N <= 22)
    for (int16_t v = Lo - Z; v <= Hi - Z; ++v) {
      const int64_t u = (static_cast<int64_t>(2 * v - 1)) << N;
      const int64_t a = u * (static_cast<int64_t>(1) << 31) / M;
      for (int8_t d = -3; d <= 3; ++d)
        if (a + d >= mf::kInt32Min && a + d <= mf::kInt32Max)
          mix(static_cast<uint8_t>(requantize<M, N, Z, Lo, Hi>(static_cast<int32_t>(a + d))));
    }
  // 4096 pseudo-random accumulators of every magnitude (a random shift of a random word), so
  // each shift's active range between its bounds gets thousands of them.
  uint32_t state = 12345u;
  for (int16_t i = 0; i < 4096; ++i) {
    state = state * 1664525u + 1013904223u;
    const uint32_t word = state;
    state = state * 1664525u + 1013904223u;
    mix(static_cast<uint8_t>(requantize<M, N, Z, Lo, Hi>(static_cast<int32_t>(word) >> (state >> 27))));
  }
  mf_print("requant M=");
  mf_print_i32(M);
  mf_print(" N=");
  mf_print_i32(N);
  mf_print(" hash=");
  mf_print_u32(g_hash ^ start);
  mf_print("\n");
}

const int8_t kWeights[256] MF_FLASH = {
#define MF_ROW16(b) b, -128, 127, -1, 0, 1, -127, 64, -65, 100, -100, 33, -34, 7, -8, -128
    MF_ROW16(-128), MF_ROW16(127), MF_ROW16(5),   MF_ROW16(-9),  MF_ROW16(-128), MF_ROW16(-128),
    MF_ROW16(-128), MF_ROW16(-128), MF_ROW16(77), MF_ROW16(-77), MF_ROW16(-128), MF_ROW16(3),
    MF_ROW16(-2),   MF_ROW16(-128), MF_ROW16(-128), MF_ROW16(-128)};
#undef MF_ROW16
const int8_t kAllMin[256] MF_FLASH = {
#define MF_MIN16 -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128
    MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16,
    MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16, MF_MIN16};
#undef MF_MIN16
int8_t g_x[256];

template <uint16_t K>
void dot(const int8_t* w) {
#if defined(__AVR__)
  const int32_t sum = mf::dot_s8_short_avr<K>(w, g_x);
#else
  const int32_t sum = mf::dot_s8(w, g_x, K);
#endif
  mix(static_cast<uint32_t>(sum));
}

template <uint16_t K>
void dots() {
  dot<K>(kWeights);
  dot<K>(kAllMin);
}

}  // namespace

int main() {
  mf_platform_init();
  mf_stack_paint();
  mf_bench_begin();
  sweep<1073741824, 0, 0, -128, 127>();
  sweep<2147483647, 0, -128, -128, 127>();
  // 2^31 - 1 and 2^30 + 1: a*M lies within |a| of a multiple of 2^31, so every output step
  // has accumulators a few units from the rounding boundary (any carry lost shows).
  sweep<2147483647, 1, 0, -128, 127>();
  sweep<1073741825, 2, 0, -128, 127>();
  sweep<2147483647, 6, 0, -128, 127>();
  sweep<1073741824, 3, 1, -128, 127>();
  sweep<1630361784, 4, 5, -128, 127>();
  sweep<1561796740, 5, -128, -128, 127>();
  sweep<2039655759, 6, -128, -128, 127>();
  sweep<1431655765, 7, 10, -100, 100>();
  sweep<1700000000, 9, -20, -20, 20>();
  sweep<1073741824, 10, 0, -128, 127>();
  sweep<1518500250, 12, -3, -128, 127>();
  sweep<1276901417, 13, 127, -128, 127>();
  sweep<1073741824, 15, 0, -128, 127>();
  sweep<1500000000, 19, -128, -128, 127>();
  sweep<2147483647, 22, 0, -128, 127>();
  sweep<1500000000, 25, 0, -128, 127>();
  sweep<1073741825, 30, 127, -128, 127>();
  // The inputs: all -128 (with kAllMin the largest sum, 256 * 2^14 = 2^22), then a pattern.
  for (int16_t i = 0; i < 256; ++i) g_x[i] = -128;
  dots<256>();
  for (int16_t i = 0; i < 256; ++i) g_x[i] = static_cast<int8_t>(i * 37 + (i >> 3));
  dots<1>(), dots<2>(), dots<3>(), dots<4>(), dots<5>(), dots<7>(), dots<16>(), dots<17>(), dots<64>();
  dots<255>(), dots<256>();
  mf_bench_end();
  mf_print("total hash=");
  mf_print_u32(g_hash);
  mf_print(" count=");
  mf_print_u32(g_count);
  mf_print("\n");
  mf_platform_exit(0);
}
