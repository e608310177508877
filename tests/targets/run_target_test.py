#!/usr/bin/env python3
"""Builds and runs a firmware on one microcontroller target, with the flags and run commands
from targets/targets.json (exactly what `microflow verify/bench --target` uses).

  run_target_test.py --target NAME --test smoke|fc|depthwise|requant|toolchain|flash [--work DIR]
                     [--runner-avr PATH] [--plugin PATH] [--flash-check PATH]
                     [--cmake PATH] [--generator G]

  smoke      targets/common/smoke.cpp: output + checksum, exit 0, a forced 42 and a CPU fault
             (125), on AVR endless recursion stopped as a stack overflow (123), counts > 0
             and identical over two counted runs (two bench pairs), stack reported; also
             builds targets/common/empty.cpp (the bench baseline) and reports both footprints
  fc         tests/targets/fc_firmware.cpp (runtime kernels, params in flash): output equal
             to the host build of the same file
  depthwise  tests/targets/depthwise_firmware.cpp (the scalar cores' depthwise, in-place 1x1
             loops, the Arm DSP narrow and 3x3 depthwise): outputs equal to the host build
  requant    tests/targets/requant_firmware.cpp (AVR assembly of the fixed FC kernel: the
             requantization and the MAC loop): output equal to the host build's portable path
  toolchain  tests/targets/toolchain_project built with the target's toolchain-*.cmake, then
             run like the smoke firmware
  flash      tests/targets/flash_firmware.cpp: the flash.h backend (every size, offset and
             page size) read back right, and a direct byte load from MF_FLASH data ends the
             run as a CPU fault (xtensa-lx106: the flash-access checker plugin)

Exit status: 0 pass, 1 fail, 77 skipped (toolchain, simulator or runner not available).
The last line is `RESULT target=... key=value ...` for reports.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TARGETS_DIR = os.path.join(ROOT, "targets")
RUNTIME_INCLUDE = os.path.join(ROOT, "runtime", "include")
SKIP = 77
RUN_TIMEOUT_S = 120
TOOLCHAIN_FILES = {
    "avr": "avr/toolchain-atmega328p.cmake",
    "cortex-m": "cortex-m/toolchain-cortex-m.cmake",
    "rv32imc": "rv32imc/toolchain-rv32imc.cmake",
    "xtensa": "xtensa/toolchain-xtensa-lx106.cmake",
}


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def smoke_checksum(seed=12345, passes=2, rounds=100):
    """The value targets/common/smoke.cpp prints (same LCG, uint32 wrap-around)."""
    x = seed
    for p in range(passes):
        s = (x + p) & 0xFFFFFFFF
        scratch = [0] * 64
        for i in range(rounds):
            s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
            scratch[i & 63] = s >> 24
        x = s ^ sum(scratch)
    return x


class Target:
    def __init__(self, name, args):
        with open(os.path.join(TARGETS_DIR, "targets.json")) as f:
            targets = json.load(f)
        if name not in targets:
            raise Fail("unknown target %s" % name)
        self.name = name
        self.t = targets[name]
        self.args = args
        self.work = args.work

    def need_tool(self, tool):
        if not shutil.which(tool) and not os.path.isfile(tool):
            raise Skip("%s not found (scripts/setup.sh --targets installs the MCU packages)" % tool)

    def flags(self, key):
        """cflags / ldflags with {targets_dir} (e.g. a linker script) filled in."""
        return [f.replace("{targets_dir}", TARGETS_DIR) for f in self.t[key]]

    def build(self, sources, elf, defines=(), includes=()):
        t = self.t
        self.need_tool(t["cxx"])
        cmd = [t["cxx"]] + self.flags("cflags") + ["-Wall", "-Wextra", "-Werror"]
        cmd += ["-I" + os.path.join(TARGETS_DIR, d) for d in t["include_dirs"]]
        cmd += ["-I" + d for d in includes] + ["-D" + d for d in defines]
        cmd += list(sources) + [os.path.join(TARGETS_DIR, s) for s in t["platform_sources"]]
        cmd += ["-o", elf] + self.flags("ldflags")
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise Fail("build failed: %s\n%s" % (" ".join(cmd), r.stderr))
        return " ".join(cmd)

    def sizes(self, elf):
        """flash/ram bytes: sums of `size -A` over the sections targets.json lists."""
        out = subprocess.run([self.t["size_tool"], "-A", elf], capture_output=True, text=True, check=True).stdout
        sec = {}
        for line in out.splitlines():
            m = re.match(r"^(\.\S+)\s+(\d+)\s+\d+", line)
            if m:
                sec[m.group(1)] = int(m.group(2))
        flash = sum(sec.get(s, 0) for s in self.t["flash_sections"])
        ram = sum(sec.get(s, 0) for s in self.t["ram_sections"])
        return flash, ram

    def symbol(self, elf, name):
        out = subprocess.run([self.t["nm_tool"], elf], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[2] == name:
                return "0x" + f[0]
        raise Fail("%s: no symbol %s" % (elf, name))

    def argv(self, template, elf, out=None):
        subst = {"elf": elf, "out": out or "", "runner_avr": self.args.runner_avr or "",
                 "plugin": self.args.plugin or "", "flash_check": self.args.flash_check or ""}
        if self.t["count"] == "instructions" and out:
            subst["begin"] = self.symbol(elf, "mf_bench_begin")
            subst["end"] = self.symbol(elf, "mf_bench_end")
        for placeholder, path in (("{runner_avr}", self.args.runner_avr), ("{plugin}", self.args.plugin),
                                  ("{flash_check}", self.args.flash_check)):
            if any(placeholder in a for a in template) and not (path and os.path.isfile(path)):
                raise Skip("%s not built (%s)" % (placeholder, path))
        argv = [re.sub(r"\{(\w+)\}", lambda m: subst[m.group(1)], a) for a in template]
        self.need_tool(argv[0])
        return argv

    def run(self, elf, expect_status=0, stderr=None):
        argv = self.argv(self.t["run"], elf)
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        if r.returncode != expect_status:
            raise Fail("%s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                       % (" ".join(argv), r.returncode, expect_status, r.stdout, r.stderr))
        if stderr is not None:
            stderr.append(r.stderr)
        return r.stdout, " ".join(argv)

    def count(self, elf):
        """One counted run (bench_run); returns {'total','bench','pairs'} (None = n/a)."""
        out = os.path.join(self.work, os.path.basename(elf) + ".count")
        if os.path.exists(out):
            os.remove(out)
        argv = self.argv(self.t["bench_run"], elf, out)
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        if r.returncode != 0 or not os.path.exists(out):
            raise Fail("%s: exit %d\n%s" % (" ".join(argv), r.returncode, r.stderr))
        text = open(out).read()
        if self.t["count"] == "callgrind":
            m = re.search(r"^totals:\s+(\d+)", text, re.M)
            if not m:
                raise Fail("no totals in callgrind output %s" % out)
            return {"total": None, "bench": int(m.group(1)), "pairs": None}, " ".join(argv)
        kv = dict(re.findall(r"(\w+)=(-?\d+)", text))
        prefix = "cycles_" if self.t["count"] == "cycles" else "insns_"
        return ({"total": int(kv[prefix + "total"]), "bench": int(kv[prefix + "bench"]),
                 "pairs": int(kv["bench_pairs"])}, " ".join(argv))


def check_smoke_output(target, stdout):
    m = re.search(r"microflow smoke: checksum=(\d+) stack=(\d+)", stdout)
    if not m:
        raise Fail("smoke output missing:\n" + stdout)
    if int(m.group(1)) != smoke_checksum():
        raise Fail("checksum %s != %d" % (m.group(1), smoke_checksum()))
    stack = int(m.group(2))
    if target.t["family"] != "host":
        # the workload alone keeps a 64-byte volatile buffer on the stack
        if not 64 <= stack < target.t["ram_bytes"]:
            raise Fail("implausible stack use %d" % stack)
    return stack


def test_smoke(target):
    w = target.work
    smoke = os.path.join(TARGETS_DIR, "common", "smoke.cpp")
    elf = os.path.join(w, "smoke.elf")
    build_cmd = target.build([smoke], elf)
    stdout, run_cmd = target.run(elf, 0)
    stack = check_smoke_output(target, stdout)
    elf42 = os.path.join(w, "smoke42.elf")
    target.build([smoke], elf42, defines=["MF_SMOKE_EXIT=42"])
    check_smoke_output(target, target.run(elf42, 42)[0])
    if target.t["family"] != "host":  # a CPU fault must end the run (status 125), not hang it
        fault = os.path.join(w, "smoke_fault.elf")
        target.build([smoke], fault, defines=["MF_SMOKE_FAULT"])
        target.run(fault, 125)
    if target.t["family"] == "avr":  # the stack running into static data stops the run (123)
        overflow = os.path.join(w, "smoke_overflow.elf")
        target.build([smoke], overflow, defines=["MF_SMOKE_STACK_OVERFLOW"])
        stderr = []
        target.run(overflow, 123, stderr)
        if "state=stack_overflow" not in stderr[0]:
            raise Fail("stack overflow run did not report state=stack_overflow:\n" + stderr[0])

    first, count_cmd = target.count(elf)
    second, _ = target.count(elf)
    if first != second:
        raise Fail("counts differ between runs: %s vs %s" % (first, second))
    if first["bench"] <= 0 or (first["total"] is not None and first["total"] <= first["bench"]):
        raise Fail("implausible counts %s" % first)
    if first["pairs"] is not None and first["pairs"] != 2:
        raise Fail("expected 2 bench pairs, got %s" % first["pairs"])

    empty = os.path.join(w, "empty.elf")
    target.build([os.path.join(TARGETS_DIR, "common", "empty.cpp")], empty)
    target.run(empty, 0)
    flash, ram = target.sizes(elf)
    eflash, eram = target.sizes(empty)
    print("build: " + build_cmd)
    print("run:   " + run_cmd)
    print("count: " + count_cmd)
    return ("smoke_flash=%d smoke_ram=%d empty_flash=%d empty_ram=%d stack=%d %s=%s bench=%d total=%s"
            % (flash, ram, eflash, eram, stack, target.t["count"], "exact", first["bench"], first["total"]))


def test_fc(target, host, test="fc", labels=("hidden", "output")):
    """The firmware <test>_firmware.cpp prints the lines labels[i]=...; the target's must equal
    the host build's."""
    src = os.path.join(HERE, "%s_firmware.cpp" % test)
    results = []
    elf = None
    for t in (host, target):
        elf = os.path.join(target.work, "%s_%s.elf" % (test, t.name))  # the target's comes last
        t.build([src], elf, includes=[RUNTIME_INCLUDE])
        stdout, _ = t.run(elf, 0)
        outputs = re.findall(r"^(?:%s)=.*$" % "|".join(labels), stdout, re.M)
        if len(outputs) != len(labels):
            raise Fail("%s: %s output missing:\n%s" % (t.name, test, stdout))
        results.append(outputs)
        if t is target:
            stack = int(re.search(r"^stack=(\d+)", stdout, re.M).group(1))
    if results[0] != results[1]:
        raise Fail("target output %s != host output %s" % (results[1], results[0]))
    if not 0 < stack < target.t["ram_bytes"]:
        raise Fail("implausible stack use %d" % stack)
    counts, _ = target.count(elf)
    flash, ram = target.sizes(elf)
    if test != "fc":
        return "outputs=%d equal flash=%d ram=%d stack=%d bench=%d" % (
            len(labels), flash, ram, stack, counts["bench"])
    return "%s flash=%d ram=%d stack=%d bench=%d" % (results[1][1], flash, ram, stack, counts["bench"])


def test_requant(target, host):
    src = os.path.join(HERE, "requant_firmware.cpp")
    results = []
    for t in (host, target):
        elf = os.path.join(target.work, "requant_%s.elf" % t.name)
        t.build([src], elf, includes=[RUNTIME_INCLUDE])
        stdout, _ = t.run(elf, 0)
        lines = re.findall(r"^(?:requant|total) .*$", stdout, re.M)
        if len(lines) < 2 or not lines[-1].startswith("total"):
            raise Fail("%s: requant output missing:\n%s" % (t.name, stdout))
        results.append(lines)
    if results[0] != results[1]:
        diff = [a + "  !=  " + b for a, b in zip(results[1], results[0]) if a != b]
        raise Fail("target != host (target, host):\n" + "\n".join(diff))
    return results[1][-1].replace(" ", "_")


def test_toolchain(target):
    family = target.t["family"]
    if family not in TOOLCHAIN_FILES:
        raise Skip("no toolchain file for family %s" % family)
    target.need_tool(target.t["cxx"])
    cmake = target.args.cmake or "cmake"
    build = os.path.join(target.work, "cmake")
    cmd = [cmake, "-S", os.path.join(HERE, "toolchain_project"), "-B", build,
           "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(TARGETS_DIR, TOOLCHAIN_FILES[family])]
    if target.args.generator:
        cmd += ["-G", target.args.generator]
    if family == "cortex-m":
        cmd.append("-DMICROFLOW_CORTEX_M_CPU=" + target.name)
    for c in (cmd, [cmake, "--build", build]):
        r = subprocess.run(c, capture_output=True, text=True)
        if r.returncode != 0:
            raise Fail("%s\n%s%s" % (" ".join(c), r.stdout, r.stderr))
    stdout, _ = target.run(os.path.join(build, "smoke.elf"), 0)
    check_smoke_output(target, stdout)
    return "toolchain=ok"


def test_flash(target):
    """flash.h on the target: reads of every size and offset equal the RAM copy, for several
    page sizes; a byte load straight from MF_FLASH data must end the run as a fault (125)."""
    src = os.path.join(HERE, "flash_firmware.cpp")
    results = []
    for page in (0, 4, 16, 64, 256):  # 0 = no page buffer (the default)
        elf = os.path.join(target.work, "flash_p%d.elf" % page)
        target.build([src], elf, defines=["MF_FLASH_PAGE_BYTES=%d" % page], includes=[RUNTIME_INCLUDE])
        stdout, _ = target.run(elf, 0)
        m = re.search(r"^flash: checks=(\d+) failures=0$", stdout, re.M)
        if not m:
            raise Fail("page %d: %s" % (page, stdout))
        results.append("p%d=ok" % page)
    elf = os.path.join(target.work, "flash_fault.elf")
    target.build([src], elf, defines=["MF_FLASH_DIRECT_LOAD"], includes=[RUNTIME_INCLUDE])
    stderr = []
    stdout, _ = target.run(elf, 125, stderr)
    if "LoadStoreError: 1-byte load" not in stderr[0] + stdout:
        raise Fail("the direct flash load was not reported as a LoadStoreError:\n%s%s" % (stdout, stderr[0]))
    return "checks=%s %s direct_load=fault" % (m.group(1), " ".join(results))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", required=True)
    ap.add_argument("--test", required=True, choices=["smoke", "fc", "depthwise", "requant", "toolchain", "flash"])
    ap.add_argument("--work", help="build folder (default: a temporary one)")
    ap.add_argument("--runner-avr", help="path of microflow-simavr")
    ap.add_argument("--plugin", help="path of libmicroflow_insn_plugin.so")
    ap.add_argument("--flash-check", help="path of libmicroflow_flash_check.so (xtensa-lx106)")
    ap.add_argument("--cmake", help="cmake executable for --test toolchain")
    ap.add_argument("--generator", help="CMake generator for --test toolchain")
    args = ap.parse_args()
    tmp = None
    if not args.work:
        tmp = tempfile.mkdtemp(prefix="mf-target-")
        args.work = tmp
    os.makedirs(args.work, exist_ok=True)
    try:
        target = Target(args.target, args)
        if args.test == "smoke":
            result = test_smoke(target)
        elif args.test == "fc":
            result = test_fc(target, Target("host", args))
        elif args.test == "depthwise":
            result = test_fc(target, Target("host", args), "depthwise",
                             ("a", "b", "c", "c0", "d", "d_in_place", "e1", "e2", "f1", "f2", "f3", "f4"))
        elif args.test == "requant":
            result = test_requant(target, Target("host", args))
        elif args.test == "flash":
            result = test_flash(target)
        else:
            result = test_toolchain(target)
        print("RESULT target=%s test=%s %s" % (args.target, args.test, result))
        return 0
    except Skip as e:
        print("SKIPPED: %s" % e)
        return SKIP
    except (Fail, subprocess.TimeoutExpired) as e:
        print("FAILED: %s" % e)
        return 1
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
