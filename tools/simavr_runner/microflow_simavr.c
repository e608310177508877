/* microflow-simavr: runs an ATmega328P firmware ELF (16 MHz) under libsimavr, built against
 * targets/avr/platform_avr.cpp.
 *
 *   usage: microflow-simavr [--max-cycles N] [--out FILE] firmware.elf
 *
 * - UART0 transmit bytes are copied verbatim to stdout.
 * - GPIOR0 <- 1 / 2 are the bench begin / end markers: the exact cycles between them are
 *   summed over all pairs (a begin while inside restarts the pair, a stray end is ignored).
 * - GPIOR1 <- status followed by `cli; sleep` ends the run with that status. Reaching
 *   avr-libc's `_exit` (main returned, or exit() was called) ends it with r24 as the status.
 * - Runner statuses (firmware should keep its own below 123):
 *     123 stack overflow: SP went below __heap_start (the end of .data/.bss/.noinit), so the
 *         stack was overwriting static data; the run stops at once instead of running on
 *         with corrupted data (which can loop until the cycle limit)
 *     124 cycle limit reached (default 2e9 cycles = 125 s of ATmega time)
 *     125 crash: simavr stopped the core (bad opcode/jump), or it went to sleep for good
 *         with interrupts off without writing an exit status
 *     126 usage error or unreadable ELF
 * - At the end one line goes to stderr (and to --out FILE):
 *     cycles_total=N cycles_bench=N bench_pairs=N stack_peak=N exit=N state=S
 *   stack_peak = RAMEND - lowest SP seen (bytes); state = done|crashed|timeout|stack_overflow.
 * Everything is deterministic: no wall-clock input reaches the simulation. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <simavr/avr_uart.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/sim_io.h>

enum { STATUS_STACK_OVERFLOW = 123, STATUS_TIMEOUT = 124, STATUS_CRASH = 125, STATUS_USAGE = 126 };

/* ATmega328P data-space addresses of the marker/exit registers (I/O address + 0x20). */
#define GPIOR0_ADDR 0x3E
#define GPIOR1_ADDR 0x4A

static struct {
  avr_cycle_count_t bench_start, bench_cycles;
  uint64_t pairs;
  int inside;
  int exit_status; /* -1 until the firmware writes GPIOR1 */
} g = {0, 0, 0, 0, -1};

static void on_uart_byte(struct avr_irq_t* irq, uint32_t value, void* param) {
  (void)irq;
  (void)param;
  putchar((int)(value & 0xFF));
}

static void on_marker(avr_t* avr, avr_io_addr_t addr, uint8_t v, void* param) {
  (void)addr;
  (void)param;
  if (v == 1) {
    g.bench_start = avr->cycle;
    g.inside = 1;
  } else if (v == 2 && g.inside) {
    g.bench_cycles += avr->cycle - g.bench_start;
    g.pairs++;
    g.inside = 0;
  }
}

static void on_exit_status(avr_t* avr, avr_io_addr_t addr, uint8_t v, void* param) {
  (void)avr;
  (void)addr;
  (void)param;
  g.exit_status = v;
}

static int usage(const char* argv0) {
  fprintf(stderr, "usage: %s [--max-cycles N] [--out FILE] firmware.elf\n", argv0);
  return STATUS_USAGE;
}

static int is_avr_elf(const char* path) {
  unsigned char h[20];
  FILE* f = fopen(path, "rb");
  size_t n = f ? fread(h, 1, sizeof h, f) : 0;
  if (f) fclose(f);
  /* ELFCLASS32, little endian, e_machine == EM_AVR (83) */
  return n == sizeof h && !memcmp(h, "\177ELF", 4) && h[4] == 1 && h[5] == 1 && h[18] == 83 && h[19] == 0;
}

/* libsimavr keeps the firmware image, its symbol table and the simulated core (its IRQ
 * tables) in heap blocks it has no function to free (avr_terminate leaves the core); under
 * the sanitizer build (CMake preset asan) LeakSanitizer must not report the library's blocks
 * as this runner's leaks (whether it does depends on what the stack still points to at
 * exit). Unused in other builds. */
const char* __lsan_default_suppressions(void);
const char* __lsan_default_suppressions(void) { return "leak:elf_read_firmware\nleak:libsimavr\n"; }

/* Address of a symbol (~0 when absent). */
static uint32_t symbol_address(const elf_firmware_t* fw, const char* name) {
  for (uint32_t i = 0; fw->symbol && i < fw->symbolcount; i++)
    if (!strcmp(fw->symbol[i]->symbol, name)) return fw->symbol[i]->addr;
  return ~(uint32_t)0;
}

/* libsimavr reports ELF loading on stdout, which belongs to the firmware's UART. */
/* exit_pc: avr-libc's _exit (main's return and exit() end up there); heap_start: the first
 * data address after static data (0 when unknown). */
static avr_t* load(const char* path, avr_flashaddr_t* exit_pc, uint16_t* heap_start) {
  elf_firmware_t fw;
  memset(&fw, 0, sizeof fw);
  *exit_pc = ~(avr_flashaddr_t)0;
  *heap_start = 0;
  if (!is_avr_elf(path)) return NULL;
  fflush(stdout);
  int saved = dup(1), devnull = open("/dev/null", O_WRONLY);
  if (saved >= 0 && devnull >= 0) dup2(devnull, 1);
  avr_t* avr = NULL;
  if (elf_read_firmware(path, &fw) == 0) {
    *exit_pc = (avr_flashaddr_t)symbol_address(&fw, "_exit");
    /* ELF data addresses carry avr-gcc's 0x800000 data-space offset. */
    const uint32_t heap = symbol_address(&fw, "__heap_start");
    avr = avr_make_mcu_by_name("atmega328p");
    if (avr) {
      avr_init(avr);
      avr->log = LOG_WARNING;
      avr->frequency = 16000000;
      avr_load_firmware(avr, &fw);
      /* libsimavr may not keep the linker-script symbol; .data and .bss start the RAM. */
      *heap_start = heap != ~(uint32_t)0 ? (uint16_t)(heap & 0xFFFF)
                                         : (uint16_t)(avr->ioend + 1 + fw.datasize + fw.bsssize);
    }
  }
  fflush(stdout);
  if (saved >= 0) dup2(saved, 1);
  if (saved >= 0) close(saved);
  if (devnull >= 0) close(devnull);
  return avr;
}

int main(int argc, char** argv) {
  unsigned long long max_cycles = 2000000000ULL;
  const char* out_path = NULL;
  const char* elf = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--max-cycles") && i + 1 < argc) {
      char* end;
      max_cycles = strtoull(argv[++i], &end, 0);
      if (*end || max_cycles == 0) return usage(argv[0]);
    } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
      out_path = argv[++i];
    } else if (argv[i][0] == '-' || elf) {
      return usage(argv[0]);
    } else {
      elf = argv[i];
    }
  }
  if (!elf) return usage(argv[0]);

  avr_flashaddr_t exit_pc;
  uint16_t heap_start;
  avr_t* avr = load(elf, &exit_pc, &heap_start);
  if (!avr) {
    fprintf(stderr, "microflow-simavr: cannot load %s\n", elf);
    return STATUS_USAGE;
  }

  uint32_t flags = 0; /* raw bytes to stdout instead of simavr's line echo; no host sleeps */
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
                          on_uart_byte, NULL);
  avr_register_io_write(avr, GPIOR0_ADDR, on_marker, NULL);
  avr_register_io_write(avr, GPIOR1_ADDR, on_exit_status, NULL);

  const uint16_t ramend = avr->ramend;
  uint16_t min_sp = ramend;
  int state = cpu_Running, overflow = 0;
  while (state != cpu_Done && state != cpu_Crashed) {
    if (avr->cycle >= max_cycles) break;
    state = avr_run(avr); /* one instruction (plus due timers) */
    const uint16_t sp = (uint16_t)(avr->data[R_SPL] | (avr->data[R_SPH] << 8));
    if (sp != 0 && sp < min_sp) min_sp = sp;
    /* The lowest byte in use is SP + 1 (pushes store at SP, frames start at SP + 1). */
    if (sp != 0 && (uint32_t)sp + 1 < heap_start) {
      overflow = 1;
      break;
    }
    if (avr->pc == exit_pc && g.exit_status < 0) { /* about to `cli; rjmp .` forever */
      g.exit_status = avr->data[24];
      state = cpu_Done;
    }
  }
  fflush(stdout);

  const char* state_name = "done";
  int status = g.exit_status;
  if (overflow) {
    state_name = "stack_overflow";
    status = STATUS_STACK_OVERFLOW;
  } else if (state == cpu_Crashed || (state == cpu_Done && g.exit_status < 0)) {
    state_name = "crashed";
    status = STATUS_CRASH;
  } else if (state != cpu_Done) {
    state_name = "timeout";
    status = STATUS_TIMEOUT;
  }
  char line[256];
  snprintf(line, sizeof line,
           "cycles_total=%" PRIu64 " cycles_bench=%" PRIu64 " bench_pairs=%" PRIu64
           " stack_peak=%u exit=%d state=%s\n",
           (uint64_t)avr->cycle, (uint64_t)g.bench_cycles, g.pairs, (unsigned)(ramend - min_sp),
           g.exit_status, state_name);
  fputs(line, stderr);
  if (out_path) {
    FILE* f = fopen(out_path, "w");
    if (!f || fputs(line, f) < 0 || fclose(f) != 0) {
      fprintf(stderr, "microflow-simavr: cannot write %s\n", out_path);
      return STATUS_USAGE;
    }
  }
  avr_terminate(avr);
  return status;
}
