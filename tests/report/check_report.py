#!/usr/bin/env python3
"""`microflow report` rendered in a real browser: writes the report of a small model
(sine_int8 on the host target), opens it in headless Chromium, and checks that the
rendered DOM holds the summary and per-layer tables, the bar charts and the arena plan,
that the page's script ran (data-rendered="ok") and no script error was recorded
(data-script-error, set by the page's window.onerror) or logged on the console.
Exits 77 (skipped) when chromium is not installed (scripts/setup.sh --targets).

usage: check_report.py --microflow PATH --model MODEL.tflite --work DIR
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--microflow", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIPPED: chromium is not installed (scripts/setup.sh --targets installs it)")
        return SKIP
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    page = work / "report.html"
    subprocess.run([args.microflow, "report", args.model, "-o", str(page), "--target", "host"], check=True)
    text = page.read_text()
    if re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text):
        sys.exit("FAIL: the report refers to the network")
    with tempfile.TemporaryDirectory() as profile:
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom",
                            page.as_uri()], capture_output=True, text=True, timeout=120)
    dom = p.stdout
    checks = {
        "targets table with the host row": re.search(r'<table id="targets".*?<td class="l">host</td>', dom, re.S),
        "per-layer table with FULLY_CONNECTED rows": re.search(r'<table class="sortable" id="layers".*?FULLY_CONNECTED',
                                                               dom, re.S),
        "a measured count per layer": re.search(r"<th>instructions on host</th>", dom),
        "bar charts (time and flash)": len(re.findall(r'<svg class="chart"', dom)) >= 2,
        "the arena plan SVG": "x = execution step, y = offset" in dom,
        "the page's script ran": 'data-rendered="ok"' in dom,
        "no script error in the page": not re.search(r"<body[^>]*data-script-error", dom),
        "no script error on the console": not re.search(r"Uncaught|CONSOLE.*Error", p.stderr),
    }
    failed = [name for name, ok in checks.items() if not ok]
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    if failed:
        print(p.stderr[-2000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
