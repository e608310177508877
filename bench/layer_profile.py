#!/usr/bin/env python3
"""Exact count of every layer of one model on one target: builds the model's bench
firmware once with `microflow bench --work-dir`, then rebuilds it once per kernel call
with the bench markers around that call only, and runs each on the target's counter.
A band-streamed region is measured per stage (built with MF_BAND_PROFILE: the markers
around that stage's rows, band_stream.h), then whole; its own line is the remainder, the
band executor (row moves, scheduling), as profile_calls in compiler/src/targets/firmware.cpp.

usage: bench/layer_profile.py MODEL.tflite [--target cortex-m4] [--patch-streaming auto|on|off] [--microflow PATH]
                              [--only 3,5]
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = ROOT / "targets"


def expand(args, values):
    return [re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), a) for a in args]


def symbol(nm, elf, name):
    out = subprocess.run([nm, str(elf)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return "0x" + f[0]
    raise SystemExit(f"{elf}: no symbol {name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--target", default="cortex-m4")
    ap.add_argument("--microflow", default=str(ROOT / "build/release/compiler/microflow"))
    ap.add_argument("--build", default=str(ROOT / "build/release"), help="build tree with the plugin / runner")
    ap.add_argument("--patch-streaming", default="auto", choices=["auto", "on", "off"])
    ap.add_argument("--only", default="", help="comma-separated call numbers (default: all)")
    args = ap.parse_args()
    t = json.loads((TARGETS / "targets.json").read_text())[args.target]
    work = pathlib.Path(tempfile.mkdtemp(prefix="layer_profile_"))
    subprocess.run([args.microflow, "bench", args.model, "--target", args.target, "--work-dir", str(work),
                    "--patch-streaming", args.patch_streaming],
                   check=True, capture_output=True)
    model_dir = work / "model"
    src = (model_dir / "mf_model.cpp").read_text()
    harness = (model_dir / "harness.cpp").read_text()
    harness = harness.replace("  mf_bench_begin();\n", "").replace("  mf_bench_end();\n", "")
    (model_dir / "harness_layers.cpp").write_text(harness)
    lines = src.splitlines()
    # Each call's first and last line: one `  mf::` line, or a band-streamed region's block
    # (`  {` ... `  }`), as profile_calls in compiler/src/targets/firmware.cpp.
    calls = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("  mf::"):
            calls.append((i, i))
        elif lines[i] == "  {":
            end = next(j for j in range(i + 1, len(lines)) if lines[j] == "  }")
            calls.append((i, end))
            i = end
        i += 1
    only = {int(x) for x in args.only.split(",")} if args.only else None
    values = {"runner_avr": str(pathlib.Path(args.build) / "tools/simavr_runner/microflow-simavr"),
              "plugin": str(pathlib.Path(args.build) / "tools/qemu_insn_plugin/libmicroflow_insn_plugin.so"),
              "out": str(model_dir / "counts.txt")}
    def stage_labels(i, last):
        """A region's stages: the comments of its stage table's rows."""
        for line in lines[i:last + 1]:
            m = re.search(r"band_stream_s8\((\w+),", line)
            if m:
                start = next(j for j, l in enumerate(lines) if l.startswith(f"const mf::BandStage {m.group(1)}["))
                end = lines.index("};", start)
                return [l.split("},  // ", 1)[1] for l in lines[start:end] if l.startswith("    {mf::") and "},  // " in l]
        return []

    def source(i, last, stage):
        """The model source counting call (i, last) whole (stage None) or one stage of its region."""
        if stage is None:
            edited = lines[:i] + ["  mf_bench_begin();", *lines[i:last + 1], "  mf_bench_end();"] + lines[last + 1:]
            head = '#include "mf_model.h"\n#include "platform.h"'
        else:
            edited = lines[:i + 1] + [f"    mf_band_profile_stage = {stage};", *lines[i + 1:last],
                                      "    mf_band_profile_stage = -1;"] + lines[last:]
            edited.insert(0, "#define MF_BAND_PROFILE 1")
            head = '#include "mf_model.h"\n#include "platform.h"\nextern "C" {\nint32_t mf_band_profile_stage = -1;\n}'
        return "\n".join(edited).replace('#include "mf_model.h"', head, 1) + "\n"

    def measure(text):
        (model_dir / "layer.cpp").write_text(text)
        elf = model_dir / "layer.elf"
        cmd = [t["cxx"], *expand(t["cflags"], {"targets_dir": str(TARGETS)}), "-I", str(model_dir),
               "-I", str(ROOT / "runtime/include"), *[f"-I{TARGETS / d}" for d in t["include_dirs"]],
               str(model_dir / "layer.cpp"), str(model_dir / "harness_layers.cpp"),
               *[str(TARGETS / s) for s in t["platform_sources"]], *expand(t["ldflags"], {"targets_dir": str(TARGETS)}),
               "-o", str(elf)]
        subprocess.run(cmd, check=True)
        values["elf"] = str(elf)
        if t["count"] == "instructions":
            values["begin"] = symbol(t["nm_tool"], elf, "mf_bench_begin")
            values["end"] = symbol(t["nm_tool"], elf, "mf_bench_end")
        p = subprocess.run(expand(t["bench_run"], values), capture_output=True, text=True)
        text = pathlib.Path(values["out"]).read_text() if pathlib.Path(values["out"]).exists() else p.stdout + p.stderr
        m = re.search(r"(insns_bench|cycles_bench|summary|totals)[=:]\s*(\d+)", text)
        return int(m.group(2)) if m else -1

    total = 0
    for n, (i, last) in enumerate(calls):
        if only and n not in only:
            continue
        stages = stage_labels(i, last)
        in_stages = 0
        for k, label in enumerate(stages):
            count = measure(source(i, last, k))
            in_stages += max(count, 0)
            print(f"{n:3}.{k:<2} {count:>12,}  {label[:110]}", flush=True)
        count = measure(source(i, last, None)) - in_stages
        total += in_stages + max(count, 0)
        comment = lines[i - 1].strip("/ ")
        if stages:
            comment = comment.replace(": ", ": band executor (row moves, scheduling) of the region ", 1)
        print(f"{n:3}    {count:>12,}  {comment[:110]}", flush=True)
    print(f"    {total:>12,}  total")


if __name__ == "__main__":
    sys.exit(main())
