// Flash-access layer: the only way kernels read constant data.
//
// Weights, biases, requantization tables and the params structs themselves are
// placed in program memory by the generated code (`static const T x[] MF_FLASH`).
// On Harvard targets such as AVR that memory is not reachable by a plain pointer
// dereference, so every kernel goes through flash_read / flash_load / flash_copy.
// Porting to another constant storage (external SPI flash, word-aligned flash)
// means replacing the backend block below; kernels stay unchanged.
#ifndef MICROFLOW_FLASH_H_
#define MICROFLOW_FLASH_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#endif

namespace mf {

#if defined(__AVR__)

#define MF_FLASH PROGMEM

inline void flash_copy(void* dst, const void* src, size_t n) { memcpy_P(dst, src, n); }

namespace detail {
// Dispatch on size so that elements of 1, 2 and 4 bytes use single LPM sequences
// instead of a memcpy_P call.
template <typename T, size_t Size = sizeof(T)>
struct FlashReader {
  static T read(const T* p) {
    T value;
    memcpy_P(&value, p, Size);
    return value;
  }
};
template <typename T>
struct FlashReader<T, 1> {
  static T read(const T* p) {
    const uint8_t raw = pgm_read_byte(p);
    T value;
    memcpy(&value, &raw, 1);
    return value;
  }
};
template <typename T>
struct FlashReader<T, 2> {
  static T read(const T* p) {
    const uint16_t raw = pgm_read_word(p);
    T value;
    memcpy(&value, &raw, 2);
    return value;
  }
};
template <typename T>
struct FlashReader<T, 4> {
  static T read(const T* p) {
    const uint32_t raw = pgm_read_dword(p);
    T value;
    memcpy(&value, &raw, 4);
    return value;
  }
};
}  // namespace detail

template <typename T>
inline T flash_read(const T* p) {
  return detail::FlashReader<T>::read(p);
}

#else  // Von Neumann targets: flash is memory-mapped and const data already lives there.

#define MF_FLASH

inline void flash_copy(void* dst, const void* src, size_t n) { memcpy(dst, src, n); }

template <typename T>
inline T flash_read(const T* p) {
  return *p;
}

#endif

// Params structs are read once per kernel call into a local copy.
template <typename T>
inline T flash_load(const T& obj) {
  return flash_read(&obj);
}

}  // namespace mf

#endif  // MICROFLOW_FLASH_H_
