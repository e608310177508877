// Smoke firmware for every target (tests/targets): prints a checksum, runs a small integer
// workload twice between bench markers (so counters must sum two pairs), reports the peak
// stack and exits with MF_SMOKE_EXIT. The checksum is recomputed by tests/targets/run_target_test.py.
// -DMF_SMOKE_FAULT crashes instead, to check that a CPU fault ends the run with status 125.
// -DMF_SMOKE_STACK_OVERFLOW recurses without end (AVR: the runner must stop it with 123).
#include "platform.h"
#include "print.h"

#ifndef MF_SMOKE_EXIT
#define MF_SMOKE_EXIT 0
#endif

namespace {

// Volatile inputs keep the compiler from folding the workload into a constant.
volatile uint32_t g_seed = 12345u;
volatile uint8_t g_rounds = 100;

// LCG over a 64-byte stack buffer (volatile: it must really occupy stack).
__attribute__((noinline)) uint32_t workload(uint32_t seed) {
  volatile uint8_t scratch[64];
  for (uint8_t i = 0; i < 64; ++i) scratch[i] = 0;
  uint32_t x = seed;
  const uint8_t rounds = g_rounds;
  for (uint8_t i = 0; i < rounds; ++i) {
    x = x * 1664525u + 1013904223u;
    scratch[i & 63u] = (uint8_t)(x >> 24);
  }
  uint32_t sum = 0;
  for (uint8_t i = 0; i < 64; ++i) sum += scratch[i];
  return x ^ sum;
}

}  // namespace

#if defined(MF_SMOKE_STACK_OVERFLOW)
// Each level keeps 32 volatile bytes on the stack; never returns.
__attribute__((noinline)) uint32_t descend(uint32_t depth) {
  volatile uint8_t frame[32];
  frame[depth & 31u] = (uint8_t)depth;
  return descend(depth + 1) + frame[0];
}
#endif

int main() {
  mf_platform_init();
#if defined(MF_SMOKE_STACK_OVERFLOW)
  mf_print_u32(descend(0));
#endif
#if defined(MF_SMOKE_FAULT)
#if defined(__AVR__)
  ((void (*)(void))0x3F00)();  // erased flash (0xFFFF): simavr stops the core
#else
  __builtin_trap();  // undefined instruction / illegal-instruction trap
#endif
#endif
  mf_stack_paint();
  uint32_t checksum = g_seed;
  for (uint8_t pass = 0; pass < 2; ++pass) {
    mf_bench_begin();
    checksum = workload(checksum + pass);
    mf_bench_end();
  }
  const uint32_t stack = (uint32_t)mf_stack_used();  // before printing adds its own frames
  mf_print("microflow smoke: checksum=");
  mf_print_u32(checksum);
  mf_print(" stack=");
  mf_print_u32(stack);
  mf_print("\n");
  mf_platform_exit(MF_SMOKE_EXIT);
}
