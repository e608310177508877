// Tiny formatting helpers on top of mf_platform_write (no printf: it costs kilobytes on AVR).
#ifndef MICROFLOW_TARGETS_PRINT_H_
#define MICROFLOW_TARGETS_PRINT_H_

#include <string.h>

#include "platform.h"

static inline void mf_print(const char* s) { mf_platform_write(s, strlen(s)); }

static inline void mf_print_u32(uint32_t v) {
  char buf[10];
  size_t i = sizeof buf;
  do {
    buf[--i] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0u);
  mf_platform_write(buf + i, sizeof buf - i);
}

static inline void mf_print_i32(int32_t v) {
  if (v < 0) {
    mf_platform_write("-", 1);
    mf_print_u32(0u - (uint32_t)v);  // well-defined for INT32_MIN too
  } else {
    mf_print_u32((uint32_t)v);
  }
}

// "label" then the values comma-separated, then a newline (the target tests' output lines).
static inline void mf_print_s8_list(const char* label, const int8_t* v, int n) {
  mf_print(label);
  for (int i = 0; i < n; ++i) {
    if (i) mf_print(",");
    mf_print_i32(v[i]);
  }
  mf_print("\n");
}

#endif  // MICROFLOW_TARGETS_PRINT_H_
