// Proves the runtime builds and runs on a target: two int8 FULLY_CONNECTED layers whose
// weights, biases, requantization tables and params structs all live in flash (MF_FLASH =
// PROGMEM on AVR), one per-channel and one per-tensor with a weights zero point. Prints the
// outputs; run_target_test.py compares them with the host build of this same file.
#include <microflow/microflow.h>

#include "platform.h"
#include "print.h"

namespace {

const int8_t kW1[4 * 16] MF_FLASH = {
    12,  -7,  33, 127, -128, 5,   0,   -1,  64,  -64, 17,  -90, 45,  2,   -3,  101,
    -5,  88,  -19, 7,   23,  -44, 120, 9,   -77, 31,  -2,  60,  -11, 14,  99,  -100,
    70,  -70, 1,   -1,  55,  -55, 3,   -3,  8,   -8,  42,  -42, 19,  -19, 127, -127,
    -33, 0,   16,  -16, 90,  11,  -27, 38,  -49, 50,  -61, 72,  -83, 94,  -105, 116};
const int32_t kB1[4] MF_FLASH = {1500, -2300, 0, 777};
const int32_t kMul1[4] MF_FLASH = {1518500250, 1276901417, 2147483647, 1073741824};
const int32_t kShift1[4] MF_FLASH = {-8, -7, -9, -6};
const mf::FullyConnectedS8Params kFc1 MF_FLASH = {
    2, 16, 4, 0, -3, 0, 0, kMul1, kShift1, -128, 127, 4, nullptr};

const int8_t kW2[3 * 4] MF_FLASH = {25, -100, 60, 3, -17, 44, 90, -120, 127, 127, -128, 0};
const int32_t kB2[3] MF_FLASH = {-400, 250, 1000};
const mf::FullyConnectedS8Params kFc2 MF_FLASH = {
    2, 4, 3, 5, 10, 1431655765, -8, nullptr, nullptr, -100, 100, 3, nullptr};

int8_t g_input[2 * 16] = {-128, -100, -64, -32, -16, -8, -4, -1, 0,  1,  3,   7,   15,  31,  63, 127,
                          5,    -9,   77,  -61, 120, 0,  -3, 44, 90, -7, -127, 100, -50, 12,  6,  -1};
int8_t g_hidden[2 * 4];
int8_t g_output[2 * 3];

}  // namespace

int main() {
  mf_platform_init();
  mf_stack_paint();
  mf_bench_begin();
  mf::fully_connected_s8(kFc1, g_input, kW1, kB1, g_hidden);
  mf::fully_connected_s8(kFc2, g_hidden, kW2, kB2, g_output);
  mf_bench_end();
  const uint32_t stack = (uint32_t)mf_stack_used();  // before printing adds its own frames
  mf_print_s8_list("hidden=", g_hidden, 8);
  mf_print_s8_list("output=", g_output, 6);
  mf_print("stack=");
  mf_print_u32(stack);
  mf_print("\n");
  mf_platform_exit(0);
}
