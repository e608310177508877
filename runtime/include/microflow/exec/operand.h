// Kernel operands that are either a tensor in RAM or a constant array in flash.
//
// Index and data-movement kernels (gather, select, cast, ...) take operands that a
// model may hold as constants (an embedding table, constant indices, a constant branch
// of a select). The compiler passes those as flash arrays and sets the operand's
// `*_in_flash` flag in the params; on AVR flash needs program-memory reads, elsewhere
// both branches are the same plain load and the compiler merges them.
#ifndef MICROFLOW_OPERAND_H_
#define MICROFLOW_OPERAND_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "microflow/exec/flash.h"

namespace mf {

template <typename T>
inline T load_operand(const T* p, int32_t in_flash) {
  return in_flash ? flash_read(p) : *p;
}

inline void copy_operand(void* dst, const void* src, size_t bytes, int32_t in_flash) {
  if (in_flash) {
    flash_copy(dst, src, bytes);
  } else {
    memcpy(dst, src, bytes);
  }
}

}  // namespace mf

#endif  // MICROFLOW_OPERAND_H_
