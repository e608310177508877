#!/usr/bin/env python3
"""Weights from external memory: page size vs. speed. Runs `microflow bench --weights external
--page-bytes N` for each page size (and once with the weights internal, the baseline) and
prints a Markdown table: exact instructions per invoke() (QEMU plugin / callgrind; they include
the read_weights() calls' own instructions, not the transfer time, which the simulator does not
model), the read() calls and bytes per invoke(), internal flash and static RAM (the page is in it).

usage: bench/weight_paging.py [--model person_detect] [--target cortex-m4]
                              [--pages 1280,2048,4096,16384,65536] [--json out.json]
"""
import argparse
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def bench(microflow, model, target, extra):
    cmd = [microflow, "bench", str(model), "--target", target, "--json"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--microflow", default=str(ROOT / "build/release/compiler/microflow"))
    ap.add_argument("--models-dir", default=str(ROOT.parent / "shared/models"))
    ap.add_argument("--model", default="person_detect")
    ap.add_argument("--target", default="cortex-m4")
    ap.add_argument("--pages", default="1280,2048,4096,16384,65536")
    ap.add_argument("--json")
    args = ap.parse_args()
    model = pathlib.Path(args.models_dir) / args.model / "model.tflite"
    rows = [("internal", bench(args.microflow, model, args.target, []))]
    for page in args.pages.split(","):
        rows.append((page, bench(args.microflow, model, args.target, ["--weights", "external", "--page-bytes", page])))
    counter = "instructions" if "instructions" in rows[0][1] else "cycles"
    base = rows[0][1][counter]
    print(f"{args.model} on {args.target} (`microflow bench --weights external --page-bytes N`):\n")
    print(f"| page B | {counter} | vs internal | read() calls | bytes read | flash B | static RAM B |")
    print("|---|---|---|---|---|---|---|")
    for page, r in rows:
        print(f"| {page} | {r[counter]:,} | x{r[counter] / base:.3f} | {r.get('weight_reads', 0):,} | "
              f"{r.get('weight_read_bytes', 0):,} | {r['flash_bytes']:,} | {r['static_ram_bytes']:,} |")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({p: r for p, r in rows}, indent=2))


if __name__ == "__main__":
    main()
