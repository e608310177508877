// ATmega328P platform for tools/simavr_runner (microflow-simavr):
//   console   UART0 TX; the runner copies each transmitted byte to its stdout
//   markers   GPIOR0 <- 1 / 2; the runner sums the exact cycles between them
//   exit      GPIOR1 <- status, then `cli; sleep`: simavr stops on sleep with interrupts off
//   stack     paint/scan between __heap_start (end of .data/.bss/.noinit) and RAMEND
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

#include "../common/platform.h"

extern "C" {

extern uint8_t __heap_start;  // avr-libc linker script: first byte after static data

namespace {
const uint8_t kStackPattern = 0xA5;
// Bytes just below SP left unpainted: the paint loop itself may spill there.
const uint16_t kPaintMargin = 8;
bool g_painted;
}  // namespace

void mf_platform_init(void) {
  // 16 MHz, double speed, UBRR = 1: 1 Mbaud 8N1 (the simulator doesn't care, real boards do).
  UCSR0A = _BV(U2X0);
  UBRR0H = 0;
  UBRR0L = 1;
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
  UCSR0B = _BV(TXEN0);
}

void mf_platform_write(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    while (!(UCSR0A & _BV(UDRE0))) {
    }
    UDR0 = (uint8_t)s[i];
  }
}

void mf_platform_exit(int status) {
  while (!(UCSR0A & _BV(UDRE0))) {  // let the last byte leave the data register
  }
  GPIOR1 = (uint8_t)status;
  set_sleep_mode(SLEEP_MODE_PWR_DOWN);
  cli();
  sleep_enable();
  sleep_cpu();
  for (;;) {
  }
}

__attribute__((noinline)) void mf_bench_begin(void) { GPIOR0 = 1; }
__attribute__((noinline)) void mf_bench_end(void) { GPIOR0 = 2; }

void mf_stack_paint(void) {
  volatile uint8_t* p = &__heap_start;
  volatile uint8_t* const stop = (volatile uint8_t*)(SP - kPaintMargin);
  while (p < stop) *p++ = kStackPattern;
  g_painted = true;
}

size_t mf_stack_used(void) {
  if (!g_painted) return 0;
  const volatile uint8_t* p = &__heap_start;
  const volatile uint8_t* const top = (const volatile uint8_t*)RAMEND;
  while (p <= top && *p == kStackPattern) ++p;
  return (size_t)(top - p + 1);
}

}  // extern "C"
