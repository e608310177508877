#!/usr/bin/env python3
"""`microflow export arduino` through the real Arduino builder (Debian's arduino-builder and AVR core).

  --case sine     export sine_int8 with golden input vectors, build each example sketch for
                  arduino:avr:uno, run the .elf under microflow-simavr and compare the printed
                  outputs with the golden outputs; print the builder's flash / RAM lines.
  --case too_big  person_detect on an Uno: `export --target atmega328p` refuses with the sizes,
                  and the library exported without a target fails in the builder with the
                  sketch's static_assert message.
Exit 0 pass, 1 fail, 77 skipped (no arduino-builder / AVR core).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

HARDWARE = ["/usr/share/arduino-builder", "/usr/share/arduino/hardware"]
# Debian's AVR core uses DECIMAL_DIG, which Debian's avr-gcc 5.4 only defines as __DECIMAL_DIG__.
PREFS = "compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__"
# The sketch prints once in setup() and idles in loop(): run 1 s of Uno time, then stop (status 124).
MAX_CYCLES = 16_000_000
SKIP = 77


def run(argv, **kw):
    print("+ " + " ".join(argv), flush=True)
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def export(a, model, lib_dir, name, *extra):
    return run([a.microflow, "export", "arduino", model, "-o", lib_dir, "--name", name, *extra])


def build(a, libraries, sketch, build_path):
    os.makedirs(build_path, exist_ok=True)
    argv = ["arduino-builder", "-compile", "-tools", "/usr/bin", "-libraries", libraries, "-fqbn", "arduino:avr:uno",
            "-build-path", build_path, "-prefs", PREFS, sketch]
    for h in HARDWARE:
        argv[2:2] = ["-hardware", h]
    return run(argv)


def case_sine(a):
    model_dir = os.path.join(a.models_dir, "sine_int8")
    manifest = json.load(open(os.path.join(model_dir, "manifest.json")))
    assert manifest["outputs"][0]["dtype"] == "int8"
    failures = 0
    for vector in ("x_1.57", "rand_000"):
        libs = os.path.join(a.work, "libraries")  # re-exported per vector: only the sketch changes
        lib = os.path.join(libs, "sine")
        r = export(a, os.path.join(model_dir, "model.tflite"), lib, "sine", "--target", "atmega328p", "--input",
                   os.path.join(model_dir, "vectors", vector + ".in.bin"))
        if r.returncode:
            print(r.stdout + r.stderr)
            return 1
        for required in ("library.properties", "library.json", "src/sine.h", "src/sine.cpp",
                         "src/microflow/kernels/fully_connected.h", "examples/sine/sine.ino"):
            if not os.path.exists(os.path.join(lib, required)):
                print(f"FAIL: the library has no {required}")
                return 1
        if os.path.exists(os.path.join(lib, "src/microflow/kernels/conv_2d.h")):
            print("FAIL: the library carries runtime headers the model does not use (conv_2d.h)")
            return 1
        b = build(a, libs, os.path.join(lib, "examples/sine/sine.ino"), os.path.join(a.work, "build"))
        print(b.stdout + b.stderr)
        if b.returncode:
            return 1
        for line in b.stdout.splitlines():
            if line.startswith(("Sketch uses", "Global variables use")):
                print("BUILDER: " + line)
        elf = os.path.join(a.work, "build", "sine.ino.elf")
        s = run([a.runner, "--max-cycles", str(MAX_CYCLES), elf])
        print(s.stdout + s.stderr)
        if s.returncode != 124:  # anything but "still idling in loop()" is a crash or an exit
            print(f"FAIL: simavr status {s.returncode}")
            return 1
        printed = {int(m[1]): int(m[2]) for m in re.finditer(r"^output0\[(\d+)\] = (-?\d+)\r?$", s.stdout, re.M)}
        golden = open(os.path.join(model_dir, "vectors", vector + ".out.bin"), "rb").read()
        expected = {i: (v - 256 if v > 127 else v) for i, v in enumerate(golden)}
        if printed != expected or not re.search(r"^invoke_us = \d+", s.stdout, re.M):
            print(f"FAIL {vector}: printed {printed}, golden {expected}")
            failures += 1
        else:
            print(f"PASS {vector}: {printed} == golden")
    return 1 if failures else 0


def case_too_big(a):
    model = os.path.join(a.models_dir, "person_detect", "model.tflite")
    r = export(a, model, os.path.join(a.work, "refused"), "person_detect", "--target", "atmega328p")
    print(r.stdout + r.stderr)
    if r.returncode == 0 or "does not fit atmega328p" not in r.stderr or "B of flash" not in r.stderr:
        print("FAIL: export --target atmega328p should refuse person_detect, naming flash")
        return 1
    libs = os.path.join(a.work, "libraries")
    r = export(a, model, os.path.join(libs, "person_detect"), "person_detect")
    if r.returncode:
        print(r.stdout + r.stderr)
        return 1
    b = build(a, libs, os.path.join(libs, "person_detect/examples/person_detect/person_detect.ino"),
              os.path.join(a.work, "build"))
    print(b.stdout + b.stderr)
    if b.returncode == 0 or "the model's constants do not fit this board's flash" not in b.stdout + b.stderr:
        print("FAIL: the builder should stop at the sketch's flash check")
        return 1
    print("PASS: both refusals name the problem")
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", choices=["sine", "too_big"], required=True)
    p.add_argument("--microflow", required=True)
    p.add_argument("--runner", required=True)
    p.add_argument("--models-dir", required=True)
    p.add_argument("--work", required=True)
    a = p.parse_args()
    missing = [x for x in ("arduino-builder", "ctags", "avr-g++") if not shutil.which(x)]
    if not os.path.exists("/usr/share/arduino/hardware/arduino/avr/platform.txt"):
        missing.append("arduino-core-avr")
    if missing:
        print("SKIPPED: missing " + " ".join(missing) + " (scripts/setup.sh --targets)")
        return SKIP
    if not os.path.isdir(a.models_dir):
        print("SKIPPED: no models dir " + a.models_dir)
        return SKIP
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    return case_sine(a) if a.case == "sine" else case_too_big(a)


if __name__ == "__main__":
    sys.exit(main())
