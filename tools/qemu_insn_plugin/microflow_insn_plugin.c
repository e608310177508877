/* microflow_insn_plugin: QEMU TCG plugin counting executed guest instructions, exactly.
 *
 *   qemu-system-... -plugin libmicroflow_insn_plugin.so,begin=0xADDR,end=0xADDR,out=FILE ...
 *
 * begin/end are the entry addresses of mf_bench_begin/mf_bench_end (from nm; a Thumb bit
 * is ignored). Every executed instruction adds 1 to the total (an inline add per
 * instruction, so a translation block left early by an exception is still exact); entering
 * `begin` opens a pair, entering `end` closes it and adds the instructions executed since
 * (a begin while open restarts the pair, a stray end is ignored). At exit one line goes to
 * FILE (stderr without out=):
 *     insns_total=N insns_bench=N bench_pairs=N
 * Deterministic for single-core guests: the count depends on the guest program only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

#define MF_EXPORT __attribute__((visibility("default")))

MF_EXPORT int qemu_plugin_version = MF_QEMU_PLUGIN_VERSION;

static const uint64_t kNoAddress = ~(uint64_t)0;

static struct {
  uint64_t begin_pc, end_pc;
  uint64_t total;       /* bumped by inline TCG ops */
  uint64_t pair_start;  /* total when the open pair began */
  uint64_t bench, pairs;
  int open;
  char out_path[1024];
} g;

static void on_begin(unsigned int vcpu, void* userdata) {
  (void)vcpu;
  (void)userdata;
  g.pair_start = g.total;
  g.open = 1;
}

static void on_end(unsigned int vcpu, void* userdata) {
  (void)vcpu;
  (void)userdata;
  if (!g.open) return;
  g.bench += g.total - g.pair_start;
  g.pairs++;
  g.open = 0;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t pc = qemu_plugin_insn_vaddr(insn) & ~(uint64_t)1;
    if (pc == g.begin_pc) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (pc == g.end_pc) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &g.total, 1);
  }
}

static void on_qemu_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  FILE* f = g.out_path[0] ? fopen(g.out_path, "w") : NULL;
  if (g.out_path[0] && !f) fprintf(stderr, "microflow_insn_plugin: cannot write %s\n", g.out_path);
  fprintf(f ? f : stderr, "insns_total=%" PRIu64 " insns_bench=%" PRIu64 " bench_pairs=%" PRIu64 "\n",
          g.total, g.bench, g.pairs);
  if (f) fclose(f);
}

static int parse_address(const char* text, uint64_t* out) {
  char* end;
  *out = strtoull(text, &end, 0) & ~(uint64_t)1;
  return *text != '\0' && *end == '\0';
}

MF_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv) {
  (void)info;
  g.begin_pc = g.end_pc = kNoAddress;
  for (int i = 0; i < argc; i++) {
    const char* a = argv[i];
    int ok;
    if (!strncmp(a, "begin=", 6)) ok = parse_address(a + 6, &g.begin_pc);
    else if (!strncmp(a, "end=", 4)) ok = parse_address(a + 4, &g.end_pc);
    else if (!strncmp(a, "out=", 4)) ok = snprintf(g.out_path, sizeof g.out_path, "%s", a + 4) < (int)sizeof g.out_path;
    else ok = 0;
    if (!ok) {
      fprintf(stderr, "microflow_insn_plugin: bad argument '%s' (expected begin=ADDR end=ADDR out=FILE)\n", a);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
  return 0;
}
