// The float helpers GCC calls that Debian 12's libgcc for xtensa-lx106 does not have (see
// soft_float.h). Listed in platform_sources of xtensa-lx106 (targets.json) and linked into
// every firmware; --gc-sections drops the ones a model does not use.
#include <string.h>

#include "soft_float.h"

namespace {
inline uint32_t to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
inline float to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
}  // namespace

extern "C" {
float __addsf3(float a, float b) { return to_float(mf_soft_float::add(to_bits(a), to_bits(b))); }
float __subsf3(float a, float b) { return to_float(mf_soft_float::subtract(to_bits(a), to_bits(b))); }
float __mulsf3(float a, float b) { return to_float(mf_soft_float::multiply(to_bits(a), to_bits(b))); }
float __floatsisf(int32_t a) { return to_float(mf_soft_float::from_int32(a)); }
float __floatunsisf(uint32_t a) { return to_float(mf_soft_float::from_uint32(a)); }
uint32_t __fixunssfsi(float a) { return mf_soft_float::to_uint32(to_bits(a)); }
}
