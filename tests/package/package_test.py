#!/usr/bin/env python3
"""The installed CMake package: `cmake --install` this build into a fresh prefix, then configure,
build and run tests/package/project (find_package(microflow), microflow_add_model) against it:
for the host (the program runs), and with the installed cortex-m4 toolchain file (built; run under
QEMU when qemu-system-arm is there). Exit 0 pass, 1 fail, 77 skipped (no arm-none-eabi-gcc)."""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(argv):
    print("+ " + " ".join(argv), flush=True)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    print(r.stdout + r.stderr, flush=True)
    if r.returncode:
        raise SystemExit(f"FAIL: exit status {r.returncode}")
    return r.stdout


def configure_and_build(a, prefix, build, *extra):
    run([a.cmake, "-S", os.path.join(HERE, "project"), "-B", build, "-G", a.generator,
         "-DCMAKE_PREFIX_PATH=" + prefix, "-DMODEL=" + a.model, *extra])
    run([a.cmake, "--build", build])
    for generated in ("microflow_generated/sine/sine.cpp", "weights.copy"):
        if not os.path.exists(os.path.join(build, generated)):
            raise SystemExit(f"FAIL: {build} has no {generated}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cmake", required=True)
    p.add_argument("--generator", required=True)
    p.add_argument("--build-dir", required=True, help="the microflow build tree to install")
    p.add_argument("--model", required=True)
    p.add_argument("--work", required=True)
    a = p.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    prefix = os.path.join(a.work, "prefix")
    run([a.cmake, "--install", a.build_dir, "--prefix", prefix])
    for installed in ("bin/microflow", "include/microflow/microflow.h", "share/microflow/targets/targets.json",
                      "lib/cmake/microflow/microflowConfig.cmake", "lib/cmake/microflow/microflowConfigVersion.cmake",
                      "lib/cmake/microflow/MicroflowAddModel.cmake"):
        if not os.path.exists(os.path.join(prefix, installed)):
            raise SystemExit(f"FAIL: the prefix has no {installed}")

    host = os.path.join(a.work, "host")
    configure_and_build(a, prefix, host)
    out = run([os.path.join(host, "app")])
    print("PASS host: " + out.strip())
    examples = os.path.join(a.work, "examples")
    run([a.cmake, "-S", os.path.join(HERE, "../../examples"), "-B", examples, "-G", a.generator,
         "-DCMAKE_PREFIX_PATH=" + prefix])
    run([a.cmake, "--build", examples])
    run([os.path.join(examples, "sine", "sine_example")])
    print("PASS examples/ against the prefix")

    if not shutil.which("arm-none-eabi-gcc"):
        print("SKIPPED cortex-m4: no arm-none-eabi-gcc (scripts/setup.sh --targets)")
        return 77
    targets = os.path.join(prefix, "share/microflow/targets")
    m4 = os.path.join(a.work, "cortex-m4")
    configure_and_build(a, prefix, m4, "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(targets, "cortex-m/toolchain-cortex-m.cmake"),
                        "-DMICROFLOW_CORTEX_M_CPU=cortex-m4")
    ninja = open(os.path.join(m4, "build.ninja")).read() if a.generator == "Ninja" else ""
    if a.generator == "Ninja" and ("--target cortex-m4" not in ninja or "--optimize size" not in ninja):
        raise SystemExit("FAIL: TARGET / OPTIMIZE did not reach `microflow compile`")
    elf = os.path.join(m4, "app.elf")
    if shutil.which("qemu-system-arm"):
        argv = json.load(open(os.path.join(targets, "targets.json")))["cortex-m4"]["run"]
        out = run([x.replace("{elf}", elf) for x in argv])
        print("PASS cortex-m4 (QEMU): " + out.strip())
    else:
        print("PASS cortex-m4: built " + elf + " (no qemu-system-arm to run it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
