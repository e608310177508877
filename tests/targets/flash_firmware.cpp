// On-target test of the flash-access layer (runtime/include/microflow/exec/flash.h): values of
// every size the kernels read (int8, int16, int32, float, params-like structs of odd size)
// at every offset, flash_copy of every source offset and length, and reads that alternate
// between distant arrays, all compared with RAM copies of the same initializers. Built with
// several MF_FLASH_PAGE_BYTES by run_target_test.py --test flash; prints
// "flash: checks=N failures=M" and exits 0 only when M == 0.
// -DMF_FLASH_DIRECT_LOAD instead reads one MF_FLASH byte with a plain dereference, which the
// ESP8266 answers with LoadStoreError: on xtensa-lx106 the run must end as a fault (125).
#include <microflow/exec/flash.h>

#include "platform.h"
#include "print.h"

namespace {

const int kBytes = 300;

struct Bytes {
  int8_t v[kBytes];
};
struct Halves {
  int16_t v[41];
};
struct Words {
  int32_t v[23];
  float f[7];
};
struct Odd {  // 12 bytes with padding, read whole like a params struct
  int8_t a;
  int32_t b;
  int16_t c;
  int8_t d[3];
};
struct Odds {
  Odd v[9];
};
struct Packed {  // 7 bytes, alignment 1: the generic path at every offset
  int8_t bytes[7];
};

constexpr Bytes make_bytes() {
  Bytes b{};
  for (int i = 0; i < kBytes; ++i) b.v[i] = static_cast<int8_t>((i * 37 + 11) ^ (i >> 3));
  return b;
}
constexpr Halves make_halves() {
  Halves h{};
  for (int i = 0; i < 41; ++i) h.v[i] = static_cast<int16_t>(i * 1601 - 32000);
  return h;
}
constexpr Words make_words() {
  Words w{};
  for (int i = 0; i < 23; ++i) w.v[i] = static_cast<int32_t>(i * 98765431u + 0x80000000u);
  for (int i = 0; i < 7; ++i) w.f[i] = static_cast<float>(i) * -1.25f + 0.1f;
  return w;
}
constexpr Odds make_odds() {
  Odds o{};
  for (int i = 0; i < 9; ++i) {
    o.v[i].a = static_cast<int8_t>(-i * 13);
    o.v[i].b = static_cast<int32_t>(i * 123456789 - 987654321);
    o.v[i].c = static_cast<int16_t>(i * 999 - 4000);
    for (int k = 0; k < 3; ++k) o.v[i].d[k] = static_cast<int8_t>(i * 7 + k * 50);
  }
  return o;
}

const Bytes kFlashBytes MF_FLASH = make_bytes();
const Halves kFlashHalves MF_FLASH = make_halves();
const Words kFlashWords MF_FLASH = make_words();
const Odds kFlashOdds MF_FLASH = make_odds();
const Bytes kFlashBytes2 MF_FLASH = make_bytes();  // a second copy, further away

// RAM references (mutable, so they cannot live in flash on any target).
Bytes g_bytes = make_bytes();
Halves g_halves = make_halves();
Words g_words = make_words();
Odds g_odds = make_odds();

uint32_t g_checks, g_failures;

template <typename T>
bool same(const T& a, const T& b) {
  const unsigned char* x = reinterpret_cast<const unsigned char*>(&a);
  const unsigned char* y = reinterpret_cast<const unsigned char*>(&b);
  for (unsigned i = 0; i < sizeof(T); ++i)
    if (x[i] != y[i]) return false;
  return true;
}

void check(bool ok, const char* what, int index) {
  ++g_checks;
  if (ok) return;
  if (++g_failures <= 10) {
    mf_print("FAIL ");
    mf_print(what);
    mf_print(" ");
    mf_print_i32(index);
    mf_print("\n");
  }
}

#if defined(MF_FLASH_DIRECT_LOAD)
volatile int g_index = 3;
#endif

}  // namespace

int main() {
  mf_platform_init();
#if defined(MF_FLASH_DIRECT_LOAD)
  // What a kernel must never do: dereference flash data instead of using flash_read.
  const volatile int8_t byte = kFlashBytes.v[g_index];
  mf_print_i32(byte);
  mf_print("\n");
  mf_platform_exit(0);
#endif
  for (int i = 0; i < kBytes; ++i) check(mf::flash_read(&kFlashBytes.v[i]) == g_bytes.v[i], "int8", i);
  for (int i = kBytes - 1; i >= 0; --i)  // backwards, and alternating with a distant copy
    check(mf::flash_read(&kFlashBytes.v[i]) + mf::flash_read(&kFlashBytes2.v[kBytes - 1 - i]) ==
              g_bytes.v[i] + g_bytes.v[kBytes - 1 - i],
          "int8 alternating", i);
  for (int i = 0; i < 41; ++i) check(mf::flash_read(&kFlashHalves.v[i]) == g_halves.v[i], "int16", i);
  for (int i = 0; i < 23; ++i) check(mf::flash_read(&kFlashWords.v[i]) == g_words.v[i], "int32", i);
  for (int i = 0; i < 7; ++i) check(same(mf::flash_read(&kFlashWords.f[i]), g_words.f[i]), "float", i);
  for (int i = 0; i < 9; ++i) check(same(mf::flash_load(kFlashOdds.v[i]), g_odds.v[i]), "struct", i);
  for (int i = 0; i + 7 <= kBytes; i += 3) {
    const Packed* p = reinterpret_cast<const Packed*>(&kFlashBytes.v[i]);
    const Packed got = mf::flash_read(p);
    bool ok = true;
    for (int k = 0; k < 7; ++k) ok = ok && got.bytes[k] == g_bytes.v[i + k];
    check(ok, "packed", i);
  }

  // flash_copy: every source offset 0..7, lengths 0..40, guard bytes around the copy.
  for (int offset = 0; offset < 8; ++offset) {
    for (int n = 0; n <= 40; ++n) {
      int8_t buf[48];
      for (int k = 0; k < 48; ++k) buf[k] = 0x5A;
      const int at = (offset + n) & 3;  // destination alignment varies too
      mf::flash_copy(buf + at, &kFlashBytes.v[100 + offset], static_cast<size_t>(n));
      bool ok = true;
      for (int k = 0; k < 48; ++k) {
        const bool inside = k >= at && k < at + n;
        ok = ok && buf[k] == (inside ? g_bytes.v[100 + offset + k - at] : 0x5A);
      }
      check(ok, "copy", offset * 100 + n);
    }
  }

  // flash_read of RAM (not how kernels use it, but it must not return stale data).
  for (int round = 0; round < 3; ++round) {
    g_bytes.v[5] = static_cast<int8_t>(round * 40);
    check(mf::flash_read(&g_bytes.v[5]) == round * 40, "ram", round);
  }

  mf_print("flash: checks=");
  mf_print_u32(g_checks);
  mf_print(" failures=");
  mf_print_u32(g_failures);
  mf_print("\n");
  mf_platform_exit(g_failures == 0 ? 0 : 1);
}
