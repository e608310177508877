/* microflow_flash_check: QEMU TCG plugin that makes qemu-system-xtensa enforce what the
 * ESP8266 enforces and QEMU does not model: the instruction bus (boot ROM, IRAM and the
 * flash window, 0x40000000..0x403FFFFF) answers only aligned 32-bit loads. On the chip an
 * l8ui/l16ui/l16si there, an unaligned l32i or any store raises LoadStoreError
 * (EXCCAUSE 3) and the program crashes; here the plugin does the same:
 *
 *   qemu-system-xtensa ... -plugin libmicroflow_flash_check.so,lo=0x40000000,hi=0x40400000
 *
 * Every load and store of every executed instruction is checked (a memory callback per
 * access; instruction fetches are not data accesses and L32R literal loads are aligned
 * words, so both pass). The first access in [lo, hi) that is not an aligned 4-byte load
 * prints
 *     [microflow] LoadStoreError: 1-byte load at 0x40201235 by the instruction at 0x40200abc
 * to stderr and ends QEMU with status 125, the status of a CPU fault on every microflow
 * target. At exit, `checked=N` (accesses inside the range) goes to stderr with verbose=on.
 * The API subset comes from tools/qemu_insn_plugin/qemu_plugin_api.h (QEMU 7.2, API v1)
 * plus the memory-callback declarations below. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu_plugin_api.h"

/* Memory callbacks of QEMU 7.2's include/qemu/qemu-plugin.h. */
typedef uint32_t qemu_plugin_meminfo_t;
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                                          void* userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void* userdata);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);

#define MF_EXPORT __attribute__((visibility("default")))

MF_EXPORT int qemu_plugin_version = MF_QEMU_PLUGIN_VERSION;

static const int kFaultStatus = 125;

static struct {
  uint64_t lo, hi;   /* checked range [lo, hi) */
  uint64_t checked;  /* accesses seen inside it */
  int verbose;
} g;

static void on_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void* userdata) {
  (void)vcpu;
  if (vaddr < g.lo || vaddr >= g.hi) return;
  g.checked++;
  const unsigned bytes = 1u << qemu_plugin_mem_size_shift(info);
  const bool store = qemu_plugin_mem_is_store(info);
  if (!store && bytes == 4 && (vaddr & 3) == 0) return;
  fprintf(stderr, "\n[microflow] LoadStoreError: %u-byte %s%s at 0x%08" PRIx64 " by the instruction at 0x%08" PRIx64
                  " (the ESP8266 flash/IRAM window allows aligned 32-bit loads only)\n",
          bytes, (vaddr & (bytes - 1)) ? "unaligned " : "", store ? "store" : "load", vaddr,
          (uint64_t)(uintptr_t)userdata);
  fflush(stderr);
  _exit(kFaultStatus); /* from a vCPU thread: no atexit handlers, like the chip's crash */
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    void* pc = (void*)(uintptr_t)qemu_plugin_insn_vaddr(insn);
    qemu_plugin_register_vcpu_mem_cb(insn, on_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, pc);
  }
}

static void on_qemu_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  if (g.verbose) fprintf(stderr, "microflow_flash_check: checked=%" PRIu64 "\n", g.checked);
}

static int parse_u64(const char* text, uint64_t* out) {
  char* end;
  *out = strtoull(text, &end, 0);
  return *text != '\0' && *end == '\0';
}

MF_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv) {
  (void)info;
  g.lo = 0x40000000u;
  g.hi = 0x40400000u;
  for (int i = 0; i < argc; i++) {
    const char* a = argv[i];
    int ok;
    if (!strncmp(a, "lo=", 3)) ok = parse_u64(a + 3, &g.lo);
    else if (!strncmp(a, "hi=", 3)) ok = parse_u64(a + 3, &g.hi);
    else if (!strcmp(a, "verbose=on")) ok = g.verbose = 1;
    else ok = 0;
    if (!ok) {
      fprintf(stderr, "microflow_flash_check: bad argument '%s' (expected lo=ADDR hi=ADDR [verbose=on])\n", a);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
  return 0;
}
