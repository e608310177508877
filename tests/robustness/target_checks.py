#!/usr/bin/env python3
"""Checks of generated code and firmware images on every toolchain of targets/targets.json.

  target_checks.py warnings --target T --flags wall|wconversion --models M...
      Generated code (and a small program using the generated API) compiled with the
      target's cflags plus -Wall -Wextra [-Wconversion] -Werror, for every model that fits
      the target. Each warning is judged by its location: in the generated code it fails the
      test; in the runtime headers too (each file:line is listed).

  target_checks.py symbols --target T --models M...
      Builds the firmware of each model with `microflow bench --target T` and scans the ELF
      with the target's nm for heap, exception and RTTI support: malloc/free/calloc/realloc,
      operator new/delete, __cxa_*, _Unwind_*, __gxx_personality*, typeinfo (_ZTI/_ZTS).

Exit status: 0 pass, 1 fail, 77 skipped (toolchain / simulator missing, no model fits).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SKIP = 77
ROOT = Path(__file__).resolve().parents[2]


def skip(msg):
    print(f"SKIPPED: {msg}")
    sys.exit(SKIP)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def load_target(args):
    targets = json.loads(Path(args.targets_json).read_text())
    if args.target not in targets:
        skip(f"target {args.target} is not in {args.targets_json}")
    t = targets[args.target]
    if not shutil.which(t["cxx"]):
        skip(f"{t['cxx']} not found (bash scripts/setup.sh --targets)")
    if "--specs=picolibc.specs" in t["cflags"]:
        specs = run([t["cxx"], "-print-file-name=picolibc.specs"]).stdout.strip()
        if not os.path.isabs(specs):
            skip(f"picolibc for {t['cxx']} not found (bash scripts/setup.sh --targets)")
    return t


def model_name(path):
    p = Path(path)
    stem = p.parent.name if p.name == "model.tflite" else p.stem
    return "m_" + re.sub(r"[^A-Za-z0-9]", "_", stem)


def fits(args, t, model):
    """The model's constants and arena fit the chip (0 = no limit)."""
    r = run([args.microflow, "inspect", model, "--json"])
    if r.returncode != 0:
        raise SystemExit(f"microflow inspect {model} failed:\n{r.stdout}")
    info = json.loads(r.stdout)
    return (t["flash_bytes"] == 0 or info["weight_bytes"] <= t["flash_bytes"]) and (
        t["ram_bytes"] == 0 or info["arena_bytes"] <= t["ram_bytes"])


def models_that_fit(args, t):
    """The --models that exist and fit the target; the others are named and left out."""
    for model in args.models:
        if not Path(model).exists():
            print(f"note: {model} not found, left out")
        elif not fits(args, t, model):
            print(f"note: {model} does not fit {args.target}, left out")
        else:
            yield model


API_USE = """// Uses every part of the generated API, so its templates are compiled too.
#include "{name}.h"

static {name}::Model model;

void use_model() {{
  float in[{name}::kInput0Elements] = {{}};
  float out[{name}::kOutput0Elements];
  model.set_input<0>(in);
  model.set_input(in, 0);
  model.invoke();
  model.get_output<0>(out);
  model.get_output(out, 0);
  uint8_t* arena = model.arena();
  (void){name}::input0(arena);
  (void){name}::output0(arena);
  (void)model.input(0);
  (void)model.output(0);
}}
"""

API_USE_ROWS = """// Uses every part of the streaming-input API (compile --streaming-input on).
#include "{name}.h"

static {name}::Model model;

void use_model() {{
  float row[{name}::kInputRowElements] = {{}};
  int8_t raw[{name}::kInputRowElements] = {{}};
  float out[{name}::kOutput0Elements];
  model.begin();
  (void)model.push_row(row);
  (void)model.push_row(raw);
  (void)model.row_buffer();
  if (model.push_row()) model.get_output<0>(out);
  model.get_output(out, 0);
  uint8_t* arena = model.arena();
  {name}::begin_rows(arena);
  (void){name}::row_buffer(arena);
  (void){name}::push_row(arena);
  (void){name}::output0(arena);
  (void)model.output(0);
}}
"""

WARNING_RE = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:\d+:)? (?:warning|error): (?P<msg>.*)$")


def warnings(args):
    t = load_target(args)
    flags = ["-Wall", "-Wextra"] + (["-Wconversion"] if args.flags == "wconversion" else []) + ["-Werror"]
    runtime = str(ROOT / "runtime" / "include")
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    checked, runtime_findings, failures = [], {}, []
    for model in models_that_fit(args, t):
        name = model_name(model)
        forms = [(name, [], API_USE)]
        # Models that can take their input row by row: the streaming form too.
        rows_probe = run([args.microflow, "compile", model, "-o", str(work / (name + "_probe")), "--name",
                          name + "_rows", "--streaming-input", "on"])
        if rows_probe.returncode == 0:
            forms.append((name + "_rows", ["--streaming-input", "on"], API_USE_ROWS))
        # Also with weights paged from external memory (not on AVR / the Xtensa platform,
        # which reject it): the paging loops and page-relative params.
        if t["family"] not in ("avr", "xtensa"):
            forms.append((name + "_ext", ["--weights", "external", "--page-bytes", "4096"], API_USE))
        for form_name, form_flags, api_use in forms:
            out = work / form_name
            # With the target: its kernel variants (--optimize=speed) are the code it gets.
            r = run([args.microflow, "compile", model, "-o", str(out), "--name", form_name, "--target", args.target] +
                    form_flags)
            if r.returncode != 0 and form_name.endswith("_ext") and "raise --page-bytes" in r.stdout:
                print(f"note: {model}: a layer does not fit a 4096 B page, external weights left out")
                continue
            if r.returncode != 0:
                raise SystemExit(f"microflow compile {model} failed:\n{r.stdout}")
            (out / "use_api.cpp").write_text(api_use.format(name=form_name))
            checked.append(model + form_name[len(name):])
            for src in ("use_api.cpp", f"{form_name}.cpp"):
                # One build with the runtime as ordinary includes; each warning is judged by
                # where it is: in the runtime headers (-isystem would hide those, but avr-g++
                # wraps system headers in extern "C") or in the generated code.
                r = run([t["cxx"]] + t["cflags"] + flags +
                        ["-I", str(out), "-I", runtime, "-c", str(out / src), "-o", os.devnull])
                if r.returncode == 0:
                    continue
                located = False
                for line in r.stdout.splitlines():
                    m = WARNING_RE.match(line)
                    if not m:
                        continue
                    located = True
                    f = os.path.normpath(m["file"])
                    if f.startswith(runtime + os.sep):
                        key = f"{os.path.relpath(f, ROOT)}:{m['line']}"
                        runtime_findings.setdefault(key, m["msg"])
                    else:
                        failures.append(f"{model} ({form_name}): {line}")
                if not located:
                    failures.append(f"{model} ({src}) failed to compile:\n{r.stdout}")
    combo = f"{t['cxx']} ({args.target}) {' '.join(flags)}"
    if not checked:
        skip(f"no model fits {args.target}")
    print(f"{combo}: {len(checked)} models: {', '.join(checked)}")
    if failures:
        print("FAIL: warnings in generated code or failed builds:\n" + "\n".join(failures))
        return 1
    if runtime_findings:
        listing = "\n".join(f"  {k}: {v}" for k, v in sorted(runtime_findings.items(),
                                                              key=lambda kv: (kv[0].split(':')[0], int(kv[0].split(':')[1]))))
        print(f"FAIL: the runtime headers warn under {combo}:\n{listing}")
        return 1
    print("PASS")
    return 0


FORBIDDEN = re.compile(
    r"^(malloc|free|calloc|realloc|_malloc_r|_free_r|_calloc_r|_realloc_r|__malloc_\w+|"
    r"_Zn[wa][jmy]\w*|_Zd[la]Pv\w*|__cxa_\w+|_Unwind_\w+|__gxx_personality\w*|_ZTI\w+|_ZTS\w+)$")


def symbols(args):
    t = load_target(args)
    if t["family"] == "host":
        skip("host is not an MCU target")
    runner = t["run"][0]
    if runner == "{runner_avr}":
        if not (args.runner_avr and Path(args.runner_avr).exists()):
            skip("microflow-simavr was not built (libsimavr-dev; bash scripts/setup.sh --targets)")
    elif runner.startswith("{"):
        skip(f"unknown runner {runner} in targets.json")
    for tool in [t["nm_tool"]] + ([] if runner.startswith("{") else [runner]):
        if not shutil.which(tool):
            skip(f"{tool} not found (bash scripts/setup.sh --targets)")
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    bad, checked = [], 0
    for model in models_that_fit(args, t):
        d = work / model_name(model)
        r = run([args.microflow, "bench", model, "--target", args.target, "--work-dir", str(d), "--json"])
        if r.returncode != 0:
            if "was built without" in r.stdout:  # a simulator plugin this build does not have
                skip(f"microflow bench --target {args.target} cannot run here:\n{r.stdout[-2000:]}")
            print(f"FAIL: microflow bench {model} --target {args.target}:\n{r.stdout[-4000:]}")
            return 1
        for elf in sorted(d.rglob("firmware.elf")):
            nm = run([t["nm_tool"], str(elf)])
            if nm.returncode != 0:
                print(f"FAIL: {t['nm_tool']} {elf}:\n{nm.stdout}")
                return 1
            found = sorted({line.split()[-1] for line in nm.stdout.splitlines()
                            if line.split() and FORBIDDEN.match(line.split()[-1])})
            checked += 1
            print(f"{elf.relative_to(work)}: {len(nm.stdout.splitlines())} symbols, forbidden: {found or 'none'}")
            if found:
                bad.append(f"{model} ({elf.parent.name}): {', '.join(found)}")
    if not checked:
        skip(f"no model fits {args.target}")
    if bad:
        print("FAIL: firmware links heap / exception / RTTI support:\n  " + "\n  ".join(bad))
        return 1
    print("PASS")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("check", choices=["warnings", "symbols"])
    p.add_argument("--target", required=True)
    p.add_argument("--microflow", required=True)
    p.add_argument("--targets-json", default=str(ROOT / "targets" / "targets.json"))
    p.add_argument("--work", required=True)
    p.add_argument("--flags", choices=["wall", "wconversion"], default="wconversion")
    p.add_argument("--runner-avr", default="", help="microflow-simavr (symbols check on atmega328p)")
    p.add_argument("--models", nargs="+", required=True)
    args = p.parse_args()
    return warnings(args) if args.check == "warnings" else symbols(args)


if __name__ == "__main__":
    sys.exit(main())
