#!/usr/bin/env python3
"""What the compile-time rewrites save: each model compiled with `--rewrites on` (PAD folded into
the next layer, zero-copy views, activations folded into the layer before them) and `--rewrites
off` (the plain form), with the same streaming choice. Prints arena bytes and exact instructions
per invoke on each target (`microflow bench`, one run each, so the ratio is exact).

usage: bench/rewrites.py [--targets host,cortex-m4] [--patch-streaming auto|on|off] [MODEL.tflite ...]

Without models: operators/GRAPHS/* from the models directory and the writer-made graphs of
bench/models/write_bench_models.cpp (MobileNetV2 blocks, an inception concatenation, CONV_2D +
LEAKY_RELU, CONV_2D + LOGISTIC), written to a temporary directory.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def bench(microflow, model, target, rewrites, streaming):
    p = subprocess.run([microflow, "bench", str(model), "--target", target, "--json", "--rewrites", rewrites,
                        "--patch-streaming", streaming], capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr.strip().splitlines() or ["failed"])[-1]
    r = json.loads(p.stdout)
    return r, None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--microflow", default=str(ROOT / "build/release/compiler/microflow"))
    ap.add_argument("--bench-models", default=str(ROOT / "build/release/bench/microflow_bench_models"))
    ap.add_argument("--models-dir", default=str(ROOT.parent / "shared/models"))
    ap.add_argument("--targets", default="host,cortex-m4")
    ap.add_argument("--patch-streaming", default="auto", choices=["auto", "on", "off"])
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        models = [pathlib.Path(m) for m in args.models]
        if not models:
            models = sorted(pathlib.Path(args.models_dir, "operators/GRAPHS").glob("*/model.tflite"))
            written = subprocess.run([args.bench_models, tmp], capture_output=True, text=True, check=True)
            models += [pathlib.Path(line) for line in written.stdout.split()]
        print(f"{'model':<36} {'target':<10} {'arena off':>10} {'arena on':>10} "
              f"{'instr off':>12} {'instr on':>12} {'ratio':>6}")
        failed = False
        for model in models:
            name = model.parent.name if model.name == "model.tflite" else model.stem
            for target in args.targets.split(","):
                off, error_off = bench(args.microflow, model, target, "off", args.patch_streaming)
                on, error_on = bench(args.microflow, model, target, "on", args.patch_streaming)
                if error_off or error_on:
                    print(f"{name:<36} {target:<10} {error_on or error_off}")
                    failed = True
                    continue
                count = "instructions" if "instructions" in on else "cycles"
                print(f"{name:<36} {target:<10} {off['arena_bytes']:>10,} {on['arena_bytes']:>10,} "
                      f"{off[count]:>12,} {on[count]:>12,} {on[count] / off[count]:>6.3f}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
