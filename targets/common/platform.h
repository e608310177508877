// Platform API every microflow firmware (smoke tests, generated verify/bench harnesses) is
// written against. One implementation per target family:
//   avr/platform_avr.cpp            ATmega328P under tools/simavr_runner (UART, GPIOR markers)
//   common/platform_picolibc.cpp    Cortex-M and RV32 under QEMU (semihosting)
//   host/platform_host.cpp          the build machine (stdout, callgrind markers)
// Plain C linkage and C headers only: this must compile with avr-g++ 5.4, which has no C++
// standard library at all.
#ifndef MICROFLOW_TARGETS_PLATFORM_H_
#define MICROFLOW_TARGETS_PLATFORM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Console and clocks. Call once, first thing in main.
void mf_platform_init(void);

// Console output: UART0 on AVR, the semihosting console on QEMU, stdout on the host.
void mf_platform_write(const char* s, size_t n);

// Ends the program; `status` (0..255; keep it below 124, see targets/README.md) becomes the
// exit code of the simulator runner. Firmware must end here rather than return from main.
void mf_platform_exit(int status) __attribute__((noreturn));

// Benchmark markers. Everything executed between a begin and the next end is counted
// (cycles on AVR, instructions on QEMU/host), summed over all begin..end pairs. They are
// real, never-inlined, externally visible functions because the counters key on them.
void mf_bench_begin(void);
void mf_bench_end(void);

// Peak-stack measurement: mf_stack_paint fills the free RAM between the end of static data
// and the current stack pointer with a pattern (call it early in main); mf_stack_used returns
// how many bytes below the top of RAM have been touched since (0 where not supported).
void mf_stack_paint(void);
size_t mf_stack_used(void);

// External memory for weights paged from outside the firmware (microflow --weights
// external): a file on the machine that runs the simulator stands for the SPI flash or SD
// card. Semihosting SYS_OPEN/SYS_SEEK/SYS_READ under QEMU, stdio on the host; not on AVR.
// mf_platform_open returns a handle (< 0: failure); mf_platform_read_at copies n bytes at
// `offset` to dst and returns 0, or non-zero when fewer were read.
int mf_platform_open(const char* path);
int mf_platform_read_at(int handle, uint32_t offset, void* dst, uint32_t n);

// Command-line arguments: `argc = mf_platform_args(argc, argv, &argv);` first in main. The host
// passes main's own through; under QEMU they come from the semihosting command line
// (`-semihosting-config ...,arg=PROG,arg=...`, SYS_GET_CMDLINE; arguments may not contain
// spaces). Not on AVR/Xtensa.
int mf_platform_args(int argc, char** argv, char*** args);

#ifdef __cplusplus
}
#endif

#endif  // MICROFLOW_TARGETS_PLATFORM_H_
