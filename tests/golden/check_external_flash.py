#!/usr/bin/env python3
"""Weights from external memory keep the firmware small: `microflow bench --weights external`
on a simulated MCU must report less internal flash than --max-flash (the firmware without the
input vector the bench harness embeds) and a non-zero number of read_weights() calls.
Bit-exactness is the job of the verify tests (golden.<target>.<model>.external).

usage: check_external_flash.py --microflow EXE --model M --target T --page-bytes N --max-flash B
"""
import argparse
import json
import subprocess
import sys


def bench(args, extra):
    p = subprocess.run([args.microflow, "bench", args.model, "--target", args.target, "--json"] + extra,
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL: microflow bench {' '.join(extra)}:\n{p.stderr}")
        sys.exit(1)
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    for a in ("--microflow", "--model", "--target"):
        ap.add_argument(a, required=True)
    ap.add_argument("--page-bytes", type=int, required=True)
    ap.add_argument("--max-flash", type=int, required=True)
    args = ap.parse_args()
    r = bench(args, ["--weights", "external", "--page-bytes", str(args.page_bytes)])
    print(f"{args.target}, {args.page_bytes} B page: flash {r['flash_bytes']} B (limit {args.max_flash}), "
          f"static RAM {r['static_ram_bytes']} B, {r['instructions' if 'instructions' in r else 'cycles']} counted, "
          f"{r['weight_reads']} read_weights() calls, {r['weight_read_bytes']} B read")
    if r["flash_bytes"] >= args.max_flash:
        print("FAIL: internal flash is not below the limit")
        return 1
    if r["weight_reads"] <= 0 or r["external_weight_bytes"] <= 0:
        print("FAIL: nothing was read from external memory")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
