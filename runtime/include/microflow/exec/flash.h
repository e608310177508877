// Flash-access layer: the only way kernels read constant data.
//
// Weights, biases, requantization tables and the params structs themselves are
// placed in program memory by the generated code (`static const T x[] MF_FLASH`).
// On Harvard targets such as AVR that memory is not reachable by a plain pointer
// dereference, so every kernel goes through flash_read / flash_load / flash_copy.
// Porting to another constant storage (external SPI flash, word-aligned flash)
// means replacing the backend block below; kernels stay unchanged.
//
// Backends: AVR (program memory, LPM), Xtensa LX106 / ESP8266 (flash mapped for
// aligned 32-bit loads only, below), and plain memory-mapped flash (everything else).
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

#elif defined(__XTENSA__)

// ESP8266 (Xtensa LX106): the SPI flash is mapped at 0x40200000 through the instruction
// cache, and that window answers only aligned 32-bit loads; an l8ui/l16ui/l16si there
// raises LoadStoreError (EXCCAUSE 3) on the chip. So MF_FLASH objects go to their own
// sections (.flash.rodata.N, placed in flash by targets/xtensa/xtensa-lx106.ld; all
// other constants, .rodata, stay in DRAM), and every read of them below is an `l32i`
// written in inline assembly, which the compiler can neither narrow nor split:
//   - 4-byte, 4-aligned values (int32 biases, multipliers, shifts, floats): one l32i;
//   - 1- and 2-byte values (int8 weights): with MF_FLASH_PAGE_BYTES == 0 (default) the
//     l32i of the containing word and a shift in registers; with a power of two >= 4, from
//     a RAM page buffer of that size, refilled with l32i when a read leaves the page;
//   - anything else (params structs, flash_copy): whole aligned words, bytes picked out
//     in registers.
// QEMU does not model the restriction; targets/xtensa/flash_check_plugin.c does (every
// `microflow verify/bench --target xtensa-lx106` run fails on a sub-word flash access).

// Page size, measured on sine_int8 / micro_speech / person_detect (targets/README.md,
// Xtensa): no buffer (0) executes the fewest instructions (a page buffer's tag check and
// refills cost +15..115%); a 4-byte page reads flash least often on 1x1 convolutions
// (~0.4x the flash loads) but gains nothing on strided filter reads.
#ifndef MF_FLASH_PAGE_BYTES
#define MF_FLASH_PAGE_BYTES 0
#endif

#define MF_FLASH_STRINGIZE2(x) #x
#define MF_FLASH_STRINGIZE(x) MF_FLASH_STRINGIZE2(x)
// One section per object (like -fdata-sections) so --gc-sections still drops unused ones.
#define MF_FLASH __attribute__((section(".flash.rodata." MF_FLASH_STRINGIZE(__COUNTER__)), aligned(4)))

namespace detail {

static_assert(MF_FLASH_PAGE_BYTES == 0 ||
                  (MF_FLASH_PAGE_BYTES >= 4 && (MF_FLASH_PAGE_BYTES & (MF_FLASH_PAGE_BYTES - 1)) == 0),
              "MF_FLASH_PAGE_BYTES must be 0 (no page buffer) or a power of two >= 4");

// Flash is read only by the `l32i` in this function and in FlashReader's 1/2-byte path.
// The "m" operand tells the compiler which word the asm reads (ordering against stores);
// the asm body fixes the access width.
inline uint32_t flash_word(uintptr_t aligned_address) {
  uint32_t word;
  __asm__("l32i %0, %1, 0"
          : "=r"(word)
          : "r"(aligned_address), "m"(*reinterpret_cast<const uint32_t*>(aligned_address)));
  return word;
}

// Bytes [a, a + n) of flash to RAM, in aligned words.
inline void flash_copy_words(uint8_t* dst, uintptr_t a, size_t n) {
  if (((a | reinterpret_cast<uintptr_t>(dst)) & 3u) == 0) {  // the common case: both aligned
    uint32_t* d = static_cast<uint32_t*>(__builtin_assume_aligned(dst, 4));
    for (; n >= 4; n -= 4, a += 4) *d++ = flash_word(a);
    dst = reinterpret_cast<uint8_t*>(d);
  }
  while (n != 0) {
    const uintptr_t base = a & ~static_cast<uintptr_t>(3);
    const unsigned skip = static_cast<unsigned>(a - base);
    uint32_t word = flash_word(base) >> (8u * skip);  // little endian
    size_t k = 4u - skip;
    if (k > n) k = n;
    n -= k;
    a += k;
    for (; k != 0; --k, word >>= 8) *dst++ = static_cast<uint8_t>(word);
  }
}

template <typename T, size_t Size = sizeof(T),
          bool Word = sizeof(T) == 4 && alignof(T) >= 4,
          bool Small = (sizeof(T) <= 2 && alignof(T) >= sizeof(T))>
struct FlashReader {  // any other size or alignment: whole words
  static T read(const T* p) {
    T value;
    flash_copy_words(reinterpret_cast<uint8_t*>(&value), reinterpret_cast<uintptr_t>(p), sizeof(T));
    return value;
  }
};
template <typename T, size_t Size>
struct FlashReader<T, Size, true, false> {  // one aligned word
  static T read(const T* p) {
    const uint32_t word = flash_word(reinterpret_cast<uintptr_t>(p));
    T value;
    memcpy(&value, &word, 4);
    return value;
  }
};
#if MF_FLASH_PAGE_BYTES == 0
template <typename T, size_t Size>
struct FlashReader<T, Size, false, true> {  // 1 or 2 bytes, never across a word: the
  static T read(const T* p) {                // containing word, shifted in registers
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    const uintptr_t base = a & ~static_cast<uintptr_t>(3);
    uint32_t bits;
    // word >> 8 * (a & 3): SSA8L takes the byte offset from `a` itself (GCC's own shift needs
    // an extra EXTUI). GCC never keeps a value in SAR between instructions (its shift
    // patterns set it right before use), so using it here needs no clobber.
    __asm__("l32i %0, %1, 0\n\tssa8l %2\n\tsrl %0, %0"
            : "=&r"(bits)
            : "r"(base), "r"(a), "m"(*reinterpret_cast<const uint32_t*>(base)));
    T value;
    memcpy(&value, &bits, sizeof(T));  // little endian: the low bytes
    return value;
  }
};
#else
// The page buffer (one per program: static members of a class template are defined in
// the header and merged by the linker, like C++17 inline variables).
template <typename Unused = void>
struct FlashPage {
  static uintptr_t base;  // flash address of words[0]; 1 = nothing cached
  static uint32_t words[MF_FLASH_PAGE_BYTES / 4];

  // Loads the page starting at `page`. Only flash is cached: a RAM address
  // is copied for this one read but not remembered, so later writes there stay visible.
  // Inlined: a call would make every caller spill its loop registers (measured: up to
  // 1.6x more instructions than inline with 4-byte pages).
  __attribute__((always_inline)) static void fill(uintptr_t page) {
    base = 1;
    for (unsigned i = 0; i < MF_FLASH_PAGE_BYTES / 4; ++i) words[i] = flash_word(page + 4u * i);
    if (page >= 0x40000000u) base = page;
  }
};
template <typename Unused>
uintptr_t FlashPage<Unused>::base = 1;
template <typename Unused>
uint32_t FlashPage<Unused>::words[MF_FLASH_PAGE_BYTES / 4];

template <typename T, size_t Size>
struct FlashReader<T, Size, false, true> {  // 1 or 2 bytes (never across a word, so never
  static T read(const T* p) {                // across a page): from the page buffer
    typedef FlashPage<> Page;
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    const uintptr_t page = a & ~static_cast<uintptr_t>(MF_FLASH_PAGE_BYTES - 1);
    if (page != Page::base) Page::fill(page);
    T value;
    const void* in_page = reinterpret_cast<const uint8_t*>(Page::words) + (a - page);
    memcpy(&value, __builtin_assume_aligned(in_page, sizeof(T)), sizeof(T));
    return value;
  }
};
#endif

}  // namespace detail

inline void flash_copy(void* dst, const void* src, size_t n) {
  detail::flash_copy_words(static_cast<uint8_t*>(dst), reinterpret_cast<uintptr_t>(src), n);
}

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
