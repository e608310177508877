#!/usr/bin/env python3
"""Benchmarks every reference model on every target with `microflow bench`
(exact counts: callgrind on the host, simavr cycles on AVR, QEMU instruction
counts on Cortex-M / RV32 / Xtensa) and `microflow verify` (all golden vectors),
and writes docs/benchmarks.md. Numbers in the docs come only from this script.

Models: every directory under --models holding model.tflite + manifest.json
(the seed models, the audio front end and mlperf_tiny/*; the single-operator models under
ops/ and operators/ and the per-layer and application suites are the golden tests'
business). A model that does not fit a target is reported as
such by microflow's fit check before anything is built; every run has a time limit
(--timeout), so one slow simulation cannot stall the whole table. Runs go in
parallel (--jobs; each microflow call works in its own temporary directory).

Time and energy per inference come from `microflow bench` too: the count turned into
seconds at the datasheet clock and into µJ with the datasheet's active current and
voltage (targets.json "energy"). --energy-only measures just ENERGY_MODELS (no verify)
and rewrites only that section of an existing --out.

usage: bench/run_benchmarks.py [--microflow PATH] [--models DIR] [--targets host,cortex-m4,...]
                               [--only NAME,...] [--no-verify] [--jobs 2] [--timeout 1200]
                               [--optimize speed|size] [--size-targets cortex-m4] [--out docs/benchmarks.md]
                               [--energy-only]
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

from doc_sections import other_scripts_sections, replace_section

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = ["host", "atmega328p", "cortex-m4", "cortex-m7", "cortex-m55", "rv32imc", "xtensa-lx106"]
SEED = ["sine_int8", "sine_float", "micro_speech", "micro_speech_preprocessor", "person_detect"]
# Targets that run only the seed models (the MLPerf Tiny models do not fit them, or take long to simulate).
SEED_ONLY_TARGETS = {"xtensa-lx106"}
# The single-operator models (ops/, operators/) and TFLM's per-layer suite are the golden
# tests' business; applications/ holds models for the operator work, not benchmarks.
SKIP_DIRS = {"ops", "operators", "tflm_integration", "applications"}
ENERGY_MODELS = ["sine_int8", "micro_speech", "person_detect"]
ENERGY_HEADING = "## Time and energy per inference"


def find_models(models_dir):
    """Seed models first (in SEED order), then the rest sorted by path."""
    found = []
    for manifest in sorted(models_dir.glob("**/manifest.json")):
        d = manifest.parent
        rel = d.relative_to(models_dir).as_posix()
        if rel.split("/")[0] in SKIP_DIRS or not (d / "model.tflite").exists():
            continue
        found.append(rel)
    return sorted(found, key=lambda m: (SEED.index(m) if m in SEED else len(SEED), m))


def tflm_host(manifest):
    """TFLM reference kernels on the host, measured with callgrind (from the manifest)."""
    m = manifest.get("tflm_host_measurement")
    if m:
        return m["callgrind_ir_per_invoke"], m.get("input_vector")
    return manifest.get("tflm_host_callgrind_ir_per_invoke"), None


def run(cmd, timeout):
    """(returncode, stdout, stderr); the whole process group (QEMU, simavr) is killed on timeout."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None, "", f"error: no result within {timeout} s (time limit)"


def error_line(stderr):
    lines = [l for l in stderr.splitlines() if l.startswith("error:")]
    if lines:
        return lines[-1][len("error: "):]
    return stderr.strip().splitlines()[-1] if stderr.strip() else "failed"


def bench_one(args, target, name, d, optimize):
    manifest = json.loads((d / "manifest.json").read_text())
    tflm_ir, vector = tflm_host(manifest)
    vectors = manifest.get("vectors") or []
    vector = vector or (vectors[0]["name"] if vectors else None)
    row = {"name": name, "tflm_ir": tflm_ir, "tflm_arena": manifest.get("arena_used_bytes"), "optimize": optimize}
    cmd = [args.microflow, "bench", str(d / "model.tflite"), "--target", target, "--json", "--optimize", optimize]
    if vector and (d / "vectors" / f"{vector}.in.bin").exists():
        cmd += ["--input", str(d / "vectors" / f"{vector}.in.bin")]
    t0 = time.time()
    rc, out, err = run(cmd, args.timeout)
    if rc != 0:
        message = error_line(err).replace(str(d / "model.tflite"), name)
        row["error"] = message[len(name) + 2:] if message.startswith(name + ": ") else message
        return row
    row.update(json.loads(out))
    if not args.no_verify and optimize == args.optimize:
        rc, out, err = run([args.microflow, "verify", str(d / "model.tflite"), "--vectors", str(d / "vectors"),
                            "--target", target, "--optimize", optimize], args.timeout)
        lines = [l for l in out.splitlines() if l.startswith("verify:")]
        row["verify"] = lines[-1][len("verify: "):].split(" on ")[0].split(" (")[0] if lines else error_line(err)
    row["seconds"] = time.time() - t0
    return row


def log(target, row):
    if "error" in row:
        print(f"{target:12} {row['name']}: {row['error']}", file=sys.stderr, flush=True)
        return
    counter = "cycles" if "cycles" in row else "instructions"
    print(f"{target:12} {row['name']} [{row['optimize']}]: {row[counter]:,} {counter}, "
          f"{row['macs'] / max(row[counter], 1):.3f} MACs/{counter[:-1]}, flash {row['flash_bytes']:,} B, "
          f"RAM {row['ram_bytes']:,} B, {row.get('verify', '')} ({row['seconds']:.0f} s)", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--microflow", default=str(ROOT / "build/release/compiler/microflow"))
    ap.add_argument("--models", default=str(ROOT.parent / "shared/models"))
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--no-verify", action="store_true", help="skip the golden-vector runs")
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per microflow run")
    ap.add_argument("--optimize", default="speed", choices=["speed", "size"], help="the main tables' choice")
    ap.add_argument("--size-targets", default="cortex-m4",
                    help="targets that also get the other --optimize choice, for the flash/speed comparison "
                         "('' for none)")
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks.md"))
    ap.add_argument("--energy-only", action="store_true",
                    help=f"measure only {', '.join(ENERGY_MODELS)} and rewrite only the energy section of --out")
    args = ap.parse_args()
    if args.energy_only:
        args.only, args.no_verify, args.size_targets = ",".join(ENERGY_MODELS), True, ""
    models_dir = pathlib.Path(args.models)
    only = set(args.only.split(",")) if args.only else None
    models = [m for m in find_models(models_dir) if not only or m in only or m.split("/")[-1] in only]
    targets = args.targets.split(",")
    other = "size" if args.optimize == "speed" else "speed"
    jobs = []  # (target, model, optimize)
    for target in targets:
        for name in models:
            if target in SEED_ONLY_TARGETS and name not in SEED:
                continue
            jobs.append((target, name, args.optimize))
            if target in args.size_targets.split(","):
                jobs.append((target, name, other))
    results = {}
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max(args.jobs, 1)) as pool:
        futures = {pool.submit(bench_one, args, t, m, models_dir / m, o): (t, m, o) for t, m, o in jobs}
        for f in concurrent.futures.as_completed(futures):
            t, m, o = futures[f]
            results[(t, m, o)] = f.result()
            log(t, results[(t, m, o)])
    print(f"{len(jobs)} runs in {time.time() - t0:.0f} s", file=sys.stderr)
    out = pathlib.Path(args.out)
    if args.energy_only:
        replace_section(out, energy_section(results, targets, args.optimize))
        print(f"rewrote the energy section of {out}", file=sys.stderr)
        return
    write_report(results, targets, models, args, other, out)


def energy_section(results, targets, optimize):
    """Time and energy per inference of ENERGY_MODELS on every target with datasheet figures."""
    spec = json.loads((ROOT / "targets/targets.json").read_text())
    lines = [ENERGY_HEADING, "",
             "One `invoke()` as `microflow bench` measures it, at the clock, active current and supply voltage of "
             "the chip each target stands for (targets.json `energy`, with its datasheet source): time = cycles / "
             "clock, energy = voltage x current x time. AVR cycles are exact (simavr); on the other targets QEMU "
             "counts instructions and cycles = instructions x the stated cycles per instruction (1.0, an "
             "assumption: wait states, multi-cycle loads and cache misses make real chips slower, dual issue "
             "faster). The host is left out. Each current's source note in targets.json names the datasheet "
             "table it was checked against (ESP8266EX Table 3-4, nRF5340 ICPU0_FLASH) or says it is an estimate "
             "(the others: the datasheet search did not return their tables).", "",
             "| target | part | clock MHz | mA | V | cycles/instr. | model | count | time µs | energy µJ |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for target in targets:
        e = spec.get(target, {}).get("energy")
        if not e:
            continue
        cpi = "exact cycles" if spec[target].get("count") == "cycles" else f"{e.get('cycles_per_instruction', 1.0):.1f}"
        for m in ENERGY_MODELS:
            r = results.get((target, m, optimize))
            if not r:
                continue
            head = f"| {target} | {e['part']} | {e['clock_hz'] / 1e6:g} | {e['active_current_ma']:g} | {e['voltage_v']:g} | {cpi} | {m} |"
            if "error" in r:
                lines.append(f"{head} does not fit: {r['error']} | | |")
                continue
            counter = "cycles" if "cycles" in r else "instructions"
            lines.append(f"{head} {r[counter]:,} | {r['energy']['time_us']:,.1f} | {r['energy']['energy_uj']:,.3f} |")
    return lines + [""]


def arena_cell(r):
    """The arena; with streaming input (chosen by bench when the whole input does not fit) also the
    whole-input arena it replaces."""
    if r.get("streaming_input"):
        return f"{r['arena_bytes']:,} (input row by row; whole input {r['whole_input_arena_bytes']:,})"
    return f"{r['arena_bytes']:,}"


def write_report(results, targets, models, args, other, out):
    lines = ["# Benchmarks", "",
             "Generated by `bench/run_benchmarks.py` (do not edit by hand). Counts are exact: callgrind "
             "instructions on the host (x86-64, g++ -O2), simavr cycles on atmega328p (16 MHz), QEMU "
             "instruction counts (TCG plugin) on Cortex-M, RV32 and Xtensa, for one `invoke()` on the "
             "manifest's benchmark input. Flash and RAM come from the target's `size` tool on the whole "
             "firmware (harness included, the embedded input vector excluded); RAM is static RAM plus the "
             "peak stack, measured at run time by stack painting. `verify` runs every golden vector on the "
             f"target. Code generated with `--optimize={args.optimize}`.", ""]
    for target in targets:
        rows = [results[(target, m, args.optimize)] for m in models if (target, m, args.optimize) in results]
        if not rows:
            continue
        counter = "cycles" if target == "atmega328p" else "instructions"
        lines += [f"## {target}", ""]
        empty = next((r["empty_harness"] for r in rows if "empty_harness" in r), None)
        if empty:
            lines += [f"Empty harness (platform only): flash {empty['flash_bytes']:,} B, static RAM "
                      f"{empty['static_ram_bytes']:,} B, peak stack {empty['stack_bytes']:,} B.", ""]
        cols = ["model", "MACs", counter, f"MACs/{counter[:-1]}", "flash B", "RAM B", "static RAM B",
                "peak stack B", "arena B", "verify"]
        if target == "host":
            cols += ["TFLM ref. instructions", "ratio", "TFLM arena B"]
        lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in rows:
            if "error" in r:
                cells = [r["name"], f"does not run: {r['error']}"] + [""] * (len(cols) - 2)
            else:
                count = r[counter]
                cells = [r["name"], f"{r['macs']:,}", f"{count:,}", f"{r['macs'] / max(count, 1):.3f}",
                         f"{r['flash_bytes']:,}", f"{r['ram_bytes']:,}", f"{r['static_ram_bytes']:,}",
                         f"{r['stack_bytes']:,}", arena_cell(r), r.get("verify", "not run")]
                if target == "host":
                    tflm = r["tflm_ir"]
                    cells += [f"{tflm:,}" if tflm else "", f"{count / tflm:.3f}" if tflm else "",
                              f"{r['tflm_arena']:,}" if r["tflm_arena"] else ""]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    compared = [t for t in targets if any((t, m, other) in results for m in models)]
    for target in compared:
        counter = "cycles" if target == "atmega328p" else "instructions"
        lines += [f"## --optimize={args.optimize} vs --optimize={other} on {target}", "",
                  f"speed: kernels specialized per layer (re-laid-out constants, template instances); size: the "
                  f"shared generic kernels.", "",
                  f"| model | {counter} ({args.optimize}) | {counter} ({other}) | flash B ({args.optimize}) | "
                  f"flash B ({other}) |", "|---|---|---|---|---|"]
        for m in models:
            a, b = results.get((target, m, args.optimize)), results.get((target, m, other))
            if not a or not b or "error" in a or "error" in b:
                continue
            lines.append(f"| {m} | {a[counter]:,} | {b[counter]:,} | {a['flash_bytes']:,} | {b['flash_bytes']:,} |")
        lines.append("")
    lines += energy_section(results, targets, args.optimize)
    lines += other_scripts_sections(out)
    out.write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
