// Cortex-M and RV32 platform on picolibc under QEMU (link with --specs=picolibc.specs
// --oslib=semihost):
//   console   semihosting SYS_WRITE0 (QEMU: -semihosting-config ...,chardev=<stdout chardev>)
//   exit      semihosting SYS_EXIT_EXTENDED: QEMU exits with the status (called directly:
//             picolibc's _exit first probes the semihosting features, ~200 B more code)
//   markers   the entry addresses of mf_bench_begin/end; tools/qemu_insn_plugin counts there
//   stack     paint/scan between __heap_start (end of .bss) and __stack (top of RAM), the
//             symbols picolibc.ld provides; the heap is unused, so it is stack headroom
//   faults    print a message and exit with 125 (picolibc's default handlers spin forever)
//   external  semihosting SYS_OPEN / SYS_SEEK / SYS_READ on a host file (the "SPI flash")
//   args      semihosting SYS_GET_CMDLINE, split at spaces (picolibc's crt0-semihost does
//             this too, but it also defines the fault handlers above)
#include "platform.h"

extern "C" {

// picolibc libsemihost
uintptr_t sys_semihost(uintptr_t op, uintptr_t param);
void sys_semihost_exit_extended(uintptr_t code) __attribute__((noreturn));
extern char __heap_start[];
extern char __stack[];

namespace {
const uintptr_t kSysOpen = 0x01;
const uintptr_t kSysWrite0 = 0x04;
const uintptr_t kSysRead = 0x06;
const uintptr_t kSysSeek = 0x0A;
const uintptr_t kSysGetCmdline = 0x15;
const int kMaxArgs = 16;
const uintptr_t kOpenReadBinary = 1;  // fopen mode "rb"
const uint32_t kStackPattern = 0xA5A5A5A5u;
const uintptr_t kPaintMargin = 32;  // bytes below SP left alone (the paint loop's own spills)
const int kFaultStatus = 125;       // same status microflow-simavr gives a crashed AVR
bool g_painted;

inline uintptr_t stack_pointer() {
  uintptr_t sp;
#if defined(__riscv)
  __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
  __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
  return sp;
}

// Lowest word painted: the first aligned word after static data.
inline volatile uint32_t* paint_floor() {
  return (volatile uint32_t*)(((uintptr_t)__heap_start + 3u) & ~(uintptr_t)3u);
}

__attribute__((noreturn)) void fault_exit() {
  static const char kMessage[] = "\n[microflow] CPU fault\n";
  mf_platform_write(kMessage, sizeof kMessage - 1);
  sys_semihost_exit_extended(kFaultStatus);
}
}  // namespace

#if defined(__arm__)
// picolibc's vector table points at these weak names; strong definitions win.
void arm_hardfault_isr(void) { fault_exit(); }
void arm_nmi_isr(void) __attribute__((alias("arm_hardfault_isr")));
void arm_memmanage_isr(void) __attribute__((alias("arm_hardfault_isr")));
void arm_busfault_isr(void) __attribute__((alias("arm_hardfault_isr")));
void arm_usagefault_isr(void) __attribute__((alias("arm_hardfault_isr")));
#elif defined(__riscv)
// `-bios none` leaves mtvec at 0; mf_platform_init points it here (direct mode: 4-aligned).
__attribute__((aligned(4))) void mf_trap_handler(void) { fault_exit(); }
#endif

// Written by the markers: distinct bodies stop identical-code folding from giving both
// markers the same address.
volatile uint8_t mf_bench_state;

void mf_platform_init(void) {
#if defined(__riscv)
  // .option arch: GCC 12's rv32imc has no Zicsr (and -march=..._zicsr selects no multilib)
  __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrw mtvec, %0\n\t.option pop"
                   :
                   : "r"(&mf_trap_handler));
#endif
}

void mf_platform_write(const char* s, size_t n) {
  char chunk[64];  // SYS_WRITE0 takes NUL-terminated strings; NUL bytes are dropped
  while (n != 0) {
    size_t k = 0;
    while (n != 0 && k < sizeof chunk - 1) {
      const char c = *s++;
      --n;
      if (c != '\0') chunk[k++] = c;
    }
    chunk[k] = '\0';
    sys_semihost(kSysWrite0, (uintptr_t)chunk);
  }
}

void mf_platform_exit(int status) { sys_semihost_exit_extended((uintptr_t)status); }

__attribute__((noinline, noclone)) void mf_bench_begin(void) {
  mf_bench_state = 1;
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline, noclone)) void mf_bench_end(void) {
  __asm__ volatile("" ::: "memory");
  mf_bench_state = 2;
}

int mf_platform_open(const char* path) {
  size_t length = 0;
  while (path[length]) ++length;
  uintptr_t args[3] = {(uintptr_t)path, kOpenReadBinary, length};
  return (int)sys_semihost(kSysOpen, (uintptr_t)args);
}

// Two semihosting calls (seek, read) per read: each is one trapping instruction plus the
// argument block; the host does the copy.
int mf_platform_read_at(int handle, uint32_t offset, void* dst, uint32_t n) {
  uintptr_t seek[2] = {(uintptr_t)handle, offset};
  if (sys_semihost(kSysSeek, (uintptr_t)seek) != 0) return -1;
  uintptr_t read[3] = {(uintptr_t)handle, (uintptr_t)dst, n};
  return sys_semihost(kSysRead, (uintptr_t)read) == 0 ? 0 : -1;  // returns the bytes NOT read
}

int mf_platform_args(int, char**, char*** args) {
  static char line[1024];
  static char* argv[kMaxArgs + 1];
  uintptr_t block[2] = {(uintptr_t)line, sizeof line};
  int argc = 0;
  if (sys_semihost(kSysGetCmdline, (uintptr_t)block) == 0) {
    for (char* p = line; *p != '\0' && argc < kMaxArgs;) {
      while (*p == ' ') *p++ = '\0';
      if (*p == '\0') break;
      argv[argc++] = p;
      while (*p != ' ' && *p != '\0') ++p;
    }
  }
  argv[argc] = 0;
  *args = argv;
  return argc;
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

#if defined(MF_PLATFORM_ENTRY)
// mps3-an547 (Cortex-M55) boots from its 512 KB ITCM, but the chip it stands for has 2 MB of
// flash, so that image is linked into the board's 2 MB SRAM at 0x11000000 and started with
// `-device loader,file=ELF,cpu-num=0`, which sets PC to the ELF entry
// (-Wl,--entry=mf_platform_entry) rather than using the (empty) ITCM vector table. This entry
// does what the reset vector would: load SP, point VTOR at picolibc's vectors, enter crt0.
__attribute__((naked, noreturn)) void mf_platform_entry(void) {
  __asm__ volatile(
      "ldr r0, =__stack\n\t"
      "mov sp, r0\n\t"
      "ldr r0, =0xE000ED08\n\t"  // SCB->VTOR
      "ldr r1, =__interrupt_vector\n\t"
      "str r1, [r0]\n\t"
      "dsb\n\t"
      "isb\n\t"
      "b _start\n\t"
      ".ltorg");
}
#endif

}  // extern "C"
