// Xtensa LX106 (ESP8266 core) platform for `qemu-system-xtensa -M sim -cpu lx106 -semihosting`,
// linked with xtensa-lx106.ld (no picolibc crt0; picolibc only supplies memcpy/memset):
//   entry     mf_platform_reset (the ELF entry; QEMU's `-device loader` starts there): sets the
//             stack pointer a1 = __stack (registers are 0 at reset) and VECBASE, then
//             mf_platform_start copies .rodata/.data from flash with aligned word loads (the
//             flash window allows nothing else), zeroes .bss, runs constructors and main
//   console   SIMCALL 4 = write(a3 = fd, a4 = buf, a5 = len); QEMU sends fd 1 to the sim
//             machine's first serial port (`-serial stdio`)
//   exit      SIMCALL 1 = exit(a3 = status): QEMU exits with the status
//   markers   the entry addresses of mf_bench_begin/end; tools/qemu_insn_plugin counts there
//   stack     paint/scan between the end of .bss and __stack (top of the 80 KB DRAM)
//   faults    every exception vector (VECBASE table below) prints EXCCAUSE/EPC1/EXCVADDR and
//             exits with 125, like a crashed AVR under microflow-simavr
//   libgcc    Debian 12's libgcc for lx106 lacks the assembly helpers (lib1funcs): the integer
//             division and 64-bit multiply that C code needs are defined at the end of this file
#include "platform.h"

#include <string.h>

extern "C" {

int main(void);

// xtensa-lx106.ld
extern uint32_t __mf_rodata_start[], __mf_rodata_end[], __mf_rodata_load[];
extern uint32_t __mf_data_start[], __mf_data_end[], __mf_data_load[];
extern uint32_t __mf_bss_start[], __mf_bss_end[];
extern char __stack[];
typedef void (*mf_init_fn)(void);
extern mf_init_fn __preinit_array_start[], __preinit_array_end[];
extern mf_init_fn __init_array_start[], __init_array_end[];

namespace {
const int kSimcallExit = 1;
const int kSimcallWrite = 4;
const uint32_t kStackPattern = 0xA5A5A5A5u;
const uintptr_t kPaintMargin = 32;  // bytes below SP left alone (the paint loop's own spills)
const int kFaultStatus = 125;       // same status microflow-simavr gives a crashed AVR
bool g_painted;

inline int simcall(int number, int a, int b, int c) {
  register int a2 __asm__("a2") = number;
  register int a3 __asm__("a3") = a;
  register int a4 __asm__("a4") = b;
  register int a5 __asm__("a5") = c;
  __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
  return a2;
}

inline uintptr_t stack_pointer() {
  uintptr_t sp;
  __asm__ volatile("mov %0, a1" : "=r"(sp));
  return sp;
}

// Lowest word painted: the first word after static data.
inline volatile uint32_t* paint_floor() { return (volatile uint32_t*)__mf_bss_end; }

// Flash -> DRAM in aligned words: `volatile` keeps each access an l32i (no memcpy call, no
// narrowing), which is all the flash window answers.
void copy_from_flash(uint32_t* dst, uint32_t* end, const uint32_t* src) {
  const volatile uint32_t* s = src;
  while (dst < end) *dst++ = *s++;
}

void write_hex32(uint32_t v) {
  static const char kDigits[] = "0123456789abcdef";
  char buf[10] = {'0', 'x'};
  for (int i = 0; i < 8; ++i) buf[2 + i] = kDigits[(v >> (28 - 4 * i)) & 15u];
  mf_platform_write(buf, sizeof buf);
}
}  // namespace

// Reset entry and the exception vectors (offsets from VECBASE fixed by the LX106 core:
// debug 0x10, NMI 0x20, kernel 0x30, user 0x50, double 0x70). Every vector jumps to the
// fault exit; nothing returns from an exception here.
__asm__(
    ".section .text.mf_platform_reset, \"ax\"\n"
    ".global mf_platform_reset\n"
    ".type mf_platform_reset, @function\n"
    ".align 4\n"
    "mf_platform_reset:\n"
    "  movi a1, __stack\n"
    "  movi a2, mf_vectors\n"
    "  wsr a2, vecbase\n"
    "  movi a2, 0x2f\n"  // PS: UM = 1, EXCM = 0 (reset has EXCM = 1: every fault would be a
    "  wsr a2, ps\n"     // double exception, without EPC1), INTLEVEL = 15 (no interrupts)
    "  rsync\n"
    "  call0 mf_platform_start\n"
    "\n"
    ".section .mf_vectors, \"ax\"\n"
    ".align 1024\n"
    "mf_vectors:\n"
    "  j mf_vector_fault\n"
    ".org 0x10\n"
    "  j mf_vector_fault\n"
    ".org 0x20\n"
    "  j mf_vector_fault\n"
    ".org 0x30\n"
    "  j mf_vector_fault\n"
    ".org 0x50\n"
    "  j mf_vector_fault\n"
    ".org 0x70\n"
    "  j mf_vector_fault\n"
    ".align 4\n"
    "mf_vector_fault:\n"
    "  rsr a2, exccause\n"
    "  rsr a3, epc1\n"
    "  rsr a4, excvaddr\n"
    "  call0 mf_platform_fault\n");

__attribute__((noreturn, used)) void mf_platform_fault(uint32_t cause, uint32_t pc, uint32_t address) {
  static const char kMessage[] = "\n[microflow] CPU fault: EXCCAUSE ";
  mf_platform_write(kMessage, sizeof kMessage - 1);
  write_hex32(cause);
  mf_platform_write(" EPC1 ", 6);
  write_hex32(pc);
  mf_platform_write(" EXCVADDR ", 10);
  write_hex32(address);
  mf_platform_write("\n", 1);
  mf_platform_exit(kFaultStatus);
}

__attribute__((noreturn, used)) void mf_platform_start(void) {
  copy_from_flash(__mf_rodata_start, __mf_rodata_end, __mf_rodata_load);
  copy_from_flash(__mf_data_start, __mf_data_end, __mf_data_load);
  memset(__mf_bss_start, 0, (size_t)((char*)__mf_bss_end - (char*)__mf_bss_start));
  for (mf_init_fn* f = __preinit_array_start; f != __preinit_array_end; ++f) (*f)();
  for (mf_init_fn* f = __init_array_start; f != __init_array_end; ++f) (*f)();
  mf_platform_exit(main());
}

// Written by the markers: distinct bodies stop identical-code folding from giving both
// markers the same address.
volatile uint8_t mf_bench_state;

void mf_platform_init(void) {}

void mf_platform_write(const char* s, size_t n) {
  if (n != 0) simcall(kSimcallWrite, 1, (int)(uintptr_t)s, (int)n);
}

void mf_platform_exit(int status) {
  simcall(kSimcallExit, status, 0, 0);
  for (;;) {
  }
}

__attribute__((noinline, noclone)) void mf_bench_begin(void) {
  mf_bench_state = 1;
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline, noclone)) void mf_bench_end(void) {
  __asm__ volatile("" ::: "memory");
  mf_bench_state = 2;
}

void mf_stack_paint(void) {
  volatile uint32_t* p = paint_floor();
  volatile uint32_t* const stop = (volatile uint32_t*)((stack_pointer() - kPaintMargin) & ~(uintptr_t)3u);
  while (p < stop) *p++ = kStackPattern;
  g_painted = true;
}

size_t mf_stack_used(void) {
  if (!g_painted) return 0;
  const volatile uint32_t* p = paint_floor();
  const volatile uint32_t* const top = (const volatile uint32_t*)__stack;
  while (p < top && *p == kStackPattern) ++p;
  return (size_t)((uintptr_t)top - (uintptr_t)p);
}

// ---- libgcc helpers missing from Debian 12's xtensa-lx106 libgcc -------------------------
// The LX106 has no divider and no 32x32->64 multiply (MUL32_HIGH); GCC calls these.

// Unsigned 32-bit division by normalised shift-and-subtract: one step per quotient bit
// (NSAU gives the bit counts), so small quotients are cheap.
static uint32_t mf_udivmod32(uint32_t n, uint32_t d, uint32_t* remainder) {
  if (d > n || d == 0) {  // division by zero is undefined; answer 0 rather than loop
    *remainder = n;
    return 0;
  }
  const int steps = __builtin_clz(d) - __builtin_clz(n);
  d <<= steps;
  uint32_t q = 0;
  for (int i = 0; i <= steps; ++i, d >>= 1) {
    q <<= 1;
    if (n >= d) {
      n -= d;
      q |= 1u;
    }
  }
  *remainder = n;
  return q;
}

uint32_t __udivsi3(uint32_t n, uint32_t d) {
  uint32_t r;
  return mf_udivmod32(n, d, &r);
}

uint32_t __umodsi3(uint32_t n, uint32_t d) {
  uint32_t r;
  mf_udivmod32(n, d, &r);
  return r;
}

// C semantics: the quotient truncates toward zero, the remainder has the dividend's sign.
int32_t __divsi3(int32_t a, int32_t b) {
  uint32_t r;
  const uint32_t q = mf_udivmod32(a < 0 ? 0u - (uint32_t)a : (uint32_t)a, b < 0 ? 0u - (uint32_t)b : (uint32_t)b, &r);
  return (a < 0) != (b < 0) ? (int32_t)(0u - q) : (int32_t)q;
}

// libgcc has __udivmoddi4/__divmoddi4 (C code) but not the plain 64-bit entry points.
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t* remainder);
int64_t __divmoddi4(int64_t a, int64_t b, int64_t* remainder);
uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }
uint64_t __umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  __udivmoddi4(n, d, &r);
  return r;
}
int64_t __divdi3(int64_t a, int64_t b) {
  int64_t r;
  return __divmoddi4(a, b, &r);
}

// Low 64 bits of a 64x64 product (the int64 products of the fixed-point requantization):
// 32x32->64 from four 16x16 partial products (MULL gives only the low 32 bits).
int64_t __muldi3(int64_t a, int64_t b) {
  const uint32_t a_lo = (uint32_t)a, a_hi = (uint32_t)((uint64_t)a >> 32);
  const uint32_t b_lo = (uint32_t)b, b_hi = (uint32_t)((uint64_t)b >> 32);
  const uint32_t a0 = a_lo & 0xFFFFu, a1 = a_lo >> 16, b0 = b_lo & 0xFFFFu, b1 = b_lo >> 16;
  const uint32_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const uint32_t mid = (p00 >> 16) + (p01 & 0xFFFFu) + (p10 & 0xFFFFu);
  const uint32_t lo = (mid << 16) | (p00 & 0xFFFFu);
  const uint32_t hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16) + a_hi * b_lo + a_lo * b_hi;
  return (int64_t)(((uint64_t)hi << 32) | lo);
}

}  // extern "C"
