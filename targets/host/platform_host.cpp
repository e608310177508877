// Host (build machine) platform: the reference build of a harness.
//   console   stdout;  exit   exit(status)
//   markers   callgrind client requests: run under
//             `valgrind --tool=callgrind --collect-atstart=no`, each marker toggles
//             collection, so the profile's totals are exactly the begin..end instructions
//             (summed over pairs). Outside valgrind they cost a few instructions.
//   stack     not measured (returns 0).
//   external  stdio on a file (handles index a small table of FILE*).
//   args      main's own.
#include <stdio.h>
#include <stdlib.h>

#include "../common/platform.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MF_HOST_TOGGLE() CALLGRIND_TOGGLE_COLLECT
#endif
#endif
#ifndef MF_HOST_TOGGLE
#define MF_HOST_TOGGLE() ((void)0)  // no valgrind headers: markers are plain functions
#endif

static FILE* host_files[4];
static int host_files_used;

extern "C" {

void mf_platform_init(void) {}

void mf_platform_write(const char* s, size_t n) { fwrite(s, 1, n, stdout); }

void mf_platform_exit(int status) {
  fflush(stdout);
  exit(status);
}

__attribute__((noinline)) void mf_bench_begin(void) { MF_HOST_TOGGLE(); }
__attribute__((noinline)) void mf_bench_end(void) { MF_HOST_TOGGLE(); }

int mf_platform_open(const char* path) {
  if (host_files_used == 4) return -1;
  FILE* f = fopen(path, "rb");
  if (!f) return -1;
  host_files[host_files_used] = f;
  return host_files_used++;
}

int mf_platform_read_at(int handle, uint32_t offset, void* dst, uint32_t n) {
  FILE* f = host_files[handle];
  if (fseek(f, static_cast<long>(offset), SEEK_SET) != 0) return -1;
  return fread(dst, 1, n, f) == n ? 0 : -1;
}

int mf_platform_args(int argc, char** argv, char*** args) {
  *args = argv;
  return argc;
}

void mf_stack_paint(void) {}
size_t mf_stack_used(void) { return 0; }

}  // extern "C"
