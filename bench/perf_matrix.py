#!/usr/bin/env python3
"""Exact per-invoke counts of a (model x target) matrix with `microflow bench` (default zero
input), for before/after comparisons of kernel work. Prints one line per pair and, with --json,
saves {"model target": count}; --against FILE adds the ratio to an earlier run.

usage: bench/perf_matrix.py [--models sine_int8,micro_speech,...] [--targets host,cortex-m4,...]
                            [--jobs 2] [--json out.json] [--against before.json]
"""
import argparse
import concurrent.futures
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = ["sine_int8", "micro_speech", "person_detect"]
MLPERF = ["mlperf_tiny/ad01_int8", "mlperf_tiny/kws_ref_model_int8", "mlperf_tiny/str_ww_ref_model",
          "mlperf_tiny/vww_96_int8", "mlperf_tiny/ic_pretrainedResnet_quant_int8",
          "mlperf_tiny/ic_pretrainedResnet_large_int8"]


def bench(microflow, models_dir, model, target):
    p = subprocess.run([microflow, "bench", str(models_dir / model / "model.tflite"), "--target", target, "--json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
    r = json.loads(p.stdout)
    return {"count": r.get("instructions", r.get("cycles")), "flash": r["flash_bytes"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--microflow", default=str(ROOT / "build/release/compiler/microflow"))
    ap.add_argument("--models-dir", default=str(ROOT.parent / "shared/models"))
    ap.add_argument("--models", default=",".join(SEED), help="names, or 'all' (seed + MLPerf Tiny)")
    ap.add_argument("--targets", default="host,cortex-m4")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json")
    ap.add_argument("--against")
    args = ap.parse_args()
    models = SEED + MLPERF if args.models == "all" else args.models.split(",")
    models = [m if (pathlib.Path(args.models_dir) / m).exists() else "mlperf_tiny/" + m for m in models]
    pairs = [(m, t) for t in args.targets.split(",") for m in models]
    before = json.loads(pathlib.Path(args.against).read_text()) if args.against else {}
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(bench, args.microflow, pathlib.Path(args.models_dir), m, t): (m, t) for m, t in pairs}
        for f in concurrent.futures.as_completed(futures):
            m, t = futures[f]
            results[f"{m} {t}"] = f.result()
    for m, t in pairs:
        r = results[f"{m} {t}"]
        line = f"{t:11} {m:45} "
        if "error" in r:
            print(line + "ERROR " + r["error"])
            continue
        line += f"{r['count']:>13,} flash {r['flash']:>8,}"
        old = before.get(f"{m} {t}", {}).get("count")
        if old:
            line += f"   before {old:>13,}  x{r['count'] / old:.3f}"
        print(line, flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
