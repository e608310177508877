#!/usr/bin/env python3
"""Runs examples/micro_speech as its README says, on the host or as cortex-m4 firmware under QEMU.

  micro_speech_test.py build-firmware --cmake C --generator G --build-dir B --models-dir D --work W
      `cmake --install` B into W/prefix, then examples/ configured against it with the cortex-m4
      toolchain file and built: W/cortex-m4/micro_speech/micro_speech_example.elf
  micro_speech_test.py run (--program P | --firmware ELF --targets-json J) --models-dir D --work W CASE
      stream:NAME     TFLM's test stream NAME (yes, no, silence, noise) written as a WAV file:
                      the label TFLM's micro_speech_test expects (noise: silence) and every row
                      of features bit-exact with the stream's features file
      features:NAME   the classifier alone on micro_speech/vectors/NAME.in.bin
      clip:WAV:LABEL  a WAV file (the example's espeak-ng clips) must be LABEL
      bad-wav         malformed and unsupported WAV files: exit status 2 and the reason
      sequence        the yes and no streams in one 2 s file: yes, then no
  micro_speech_test.py measure (--program P | --firmware ELF --plugin SO) --models-dir D --work W
      exact instructions of the front end per 20 ms step and of the classifier per row (markers
      around each part only): on the host with callgrind, against TFLM's figures in the
      manifests; on cortex-m4 with the QEMU plugin, with flash and RAM (size) and the share of
      each 20 ms step spent computing at the clock targets.json gives the chip
Exit status: 0 pass, 1 fail, 77 skipped."""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))
TARGET = "cortex-m4"
EXPECTED = {"yes": "yes", "no": "no", "silence": "silence", "noise": "silence"}  # micro_speech_test.cc


def run(argv, timeout=600):
    print("+ " + " ".join(argv), flush=True)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    print(r.stdout + r.stderr, flush=True)
    return r


def program_argv(a, args):
    """The host program, or QEMU with the firmware and its arguments on the semihosting command line."""
    if a.program:
        return [a.program, *args]
    if any(" " in x or "," in x for x in args):
        raise SystemExit(f"FAIL: semihosting arguments may hold no spaces or commas: {args}")
    argv = json.load(open(a.targets_json))[TARGET]["run"]
    argv = [x.replace("{elf}", a.firmware) for x in argv]
    i = next(i for i, x in enumerate(argv) if x.startswith("enable=on"))
    argv[i] += "".join(",arg=" + x for x in ["micro_speech_example", *args])
    return argv


def stream_wav(a, *names):
    """TFLM's stream audio (raw int16 LE), one after the other, as a 16 kHz mono 16-bit WAV file."""
    path = os.path.join(a.work, "stream_" + "_".join(names) + ".wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        for name in names:
            w.writeframes(open(os.path.join(a.models_dir, "micro_speech_preprocessor/vectors",
                                            f"stream_{name}_1000ms.audio.bin"), "rb").read())
    return path


def expect_label(a, args, label):
    r = run(program_argv(a, ["--expect", label, *args]))
    if r.returncode != 0:
        raise SystemExit(f"FAIL: exit status {r.returncode} (expected {label})")
    if not re.search(r"^0-990 ms: " + label + r" \(", r.stdout, re.M):
        raise SystemExit(f"FAIL: no '0-990 ms: {label}' line")


def case_stream(a, name):
    features = os.path.join(a.models_dir, "micro_speech_preprocessor/vectors", f"stream_{name}_1000ms.features.bin")
    expect_label(a, ["--check-features", features, stream_wav(a, name)], EXPECTED[name])
    print(f"PASS stream_{name}_1000ms: {EXPECTED[name]}, 49 rows of features bit-exact")


def case_sequence(a):
    """Two seconds, yes then no: one result per 980 ms with the front end's state carried on."""
    r = run(program_argv(a, [stream_wav(a, "yes", "no")]))
    want = ["0-990 ms: yes (", "980-1970 ms: no (", "rows after the last result, too few to classify: 1"]
    if r.returncode != 0 or any(w not in r.stdout for w in want):
        raise SystemExit(f"FAIL: exit status {r.returncode}, wanted the lines {want}")
    print("PASS yes + no streams: yes, then no")


def case_features(a, name):
    expect_label(a, ["--features", os.path.join(a.models_dir, "micro_speech/vectors", f"{name}.in.bin")], EXPECTED[name])
    print(f"PASS micro_speech/vectors/{name}: {EXPECTED[name]}")


def wav_bytes(tag=1, channels=1, rate=16000, bits=16, subformat=None, data=b"\0\0" * 16000, order=("fmt", "data"),
              magic=b"RIFF", form=b"WAVE"):
    def chunk(cid, body):
        return cid + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    if subformat is not None:  # WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, channel mask, GUID
        fmt += struct.pack("<HHIH", 22, bits, 4, subformat) + bytes.fromhex("000000001000800000aa00389b71")
    chunks = {"fmt": chunk(b"fmt ", fmt), "data": chunk(b"data", data), "list": chunk(b"LIST", b"INFOabc")}
    body = form + b"".join(chunks[c] for c in order)
    return magic + struct.pack("<I", len(body)) + body


BAD_WAVS = {  # name: (file bytes, the message the example must print)
    "stereo": (wav_bytes(channels=2), "need mono audio; channels: 2"),
    "rate_44100": (wav_bytes(rate=44100), "need 16000 Hz audio; sample rate: 44100"),
    "8bit": (wav_bytes(bits=8), "need 16-bit samples; bits per sample: 8"),
    "float": (wav_bytes(tag=3, bits=32), "not integer PCM (need format 1, or extensible with PCM subformat); format tag 3"),
    "extensible_float": (wav_bytes(tag=0xFFFE, subformat=3), "format tag 3"),
    "rifx": (wav_bytes(magic=b"RIFX"), "not a RIFF file"),
    "avi": (wav_bytes(form=b"AVI "), "a RIFF file but not WAVE"),
    "data_first": (wav_bytes(order=("data", "fmt")), "\"data\" chunk before the \"fmt \" chunk"),
    "no_data": (wav_bytes(order=("fmt",)), "no \"data\" chunk"),
    "odd_data": (wav_bytes(data=b"\0" * 3001), "\"data\" chunk is not whole 16-bit samples; bytes: 3001"),
    "truncated": (wav_bytes()[:20000], "file ends inside its \"data\" chunk"),
    "header_only": (b"RIFF", "file ends inside a header"),
    "short": (wav_bytes(data=b"\0\0" * 15839), "too short: the classifier needs 49 steps, 15840 samples (990 ms)"),
}
GOOD_WAVS = {  # layouts the reader must accept
    "list_chunk_first": wav_bytes(order=("list", "fmt", "data")),
    "extensible_pcm": wav_bytes(tag=0xFFFE, subformat=1),
    "odd_chunk_padding": wav_bytes(order=("fmt", "list", "data"), data=b"\0\0" * 16100),
}


def case_bad_wav(a):
    failures = []
    for name, (data, message) in BAD_WAVS.items():
        path = os.path.join(a.work, f"bad_{name}.wav")
        open(path, "wb").write(data)
        r = run(program_argv(a, [path]))
        if r.returncode != 2 or f"error: {path}: " not in r.stdout or message not in r.stdout:
            failures.append(f"{name}: exit {r.returncode}, wanted 2 and '{message}'")
    for name, data in GOOD_WAVS.items():
        path = os.path.join(a.work, f"good_{name}.wav")
        open(path, "wb").write(data)
        r = run(program_argv(a, [path]))
        if r.returncode != 0 or "0-990 ms: " not in r.stdout:
            failures.append(f"{name}: exit {r.returncode}, wanted 0 and a result")
    if failures:
        raise SystemExit("FAIL: " + "; ".join(failures))
    print(f"PASS {len(BAD_WAVS)} bad WAV files rejected with their reason, {len(GOOD_WAVS)} unusual layouts read")


def build_firmware(a):
    if not shutil.which("arm-none-eabi-gcc"):
        print("SKIPPED: no arm-none-eabi-gcc (scripts/setup.sh --targets)")
        return 77
    shutil.rmtree(a.work, ignore_errors=True)
    prefix = os.path.join(a.work, "prefix")
    build = os.path.join(a.work, TARGET)
    toolchain = os.path.join(prefix, "share/microflow/targets/cortex-m/toolchain-cortex-m.cmake")
    for argv in ([a.cmake, "--install", a.build_dir, "--prefix", prefix],
                 [a.cmake, "-S", os.path.join(ROOT, "examples"), "-B", build, "-G", a.generator,
                  "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_TOOLCHAIN_FILE=" + toolchain,
                  "-DMICROFLOW_CORTEX_M_CPU=" + TARGET, "-DMICROFLOW_MODELS_DIR=" + a.models_dir],
                 [a.cmake, "--build", build, "--target", "micro_speech_example"]):
        if run(argv).returncode:
            raise SystemExit("FAIL: " + argv[1])
    print("PASS built " + os.path.join(build, "micro_speech/micro_speech_example.elf"))
    return 0


def section_sizes(size_tool, elf):
    sizes = {}
    for line in subprocess.run([size_tool, "-A", elf], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


TFLM = {  # tflm_host_measurement in the manifests: x86-64 instructions per Invoke (callgrind)
    "front-end": ("micro_speech_preprocessor", 1),  # one Invoke = one 20 ms step
    "classifier": ("micro_speech", 49),             # one Invoke = 49 rows
}


def tflm_per_row(a, part):
    model, rows = TFLM[part]
    m = json.load(open(os.path.join(a.models_dir, model, "manifest.json")))["tflm_host_measurement"]
    return m["callgrind_ir_per_invoke"] / rows


def bench_run(a, part, wav, count_argv, read_count):
    """Runs the example with --bench PART under a counter; (count, rows, peak stack)."""
    r = run(count_argv(program_argv(a, ["--bench", part, wav])))
    if r.returncode != 0:
        raise SystemExit(f"FAIL: --bench {part}: exit status {r.returncode}")
    m = re.search(r"bracketed for (\d+) rows; peak stack (\d+) B", r.stdout)
    return read_count(), int(m.group(1)), int(m.group(2))


def measure(a):
    wav = stream_wav(a, "yes")
    result = {}
    for part in ("front-end", "classifier"):
        out = os.path.join(a.work, f"count.{part}")
        if a.program:  # callgrind between the markers (the host glue toggles collection there)
            def count_argv(argv):
                return ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--callgrind-out-file=" + out, *argv]

            def read_count():
                return int(re.search(r"(?:summary|totals):\s+(\d+)", open(out).read()).group(1))
        else:  # the QEMU plugin between the markers' addresses
            t = json.load(open(a.targets_json))[TARGET]
            nm = subprocess.run([t["nm_tool"], a.firmware], capture_output=True, text=True, check=True).stdout
            marker = {f[2]: "0x" + f[0] for f in (line.split() for line in nm.splitlines()) if len(f) == 3}

            def count_argv(argv):
                return argv + [x.replace("{plugin}", a.plugin).replace("{begin}", marker["mf_bench_begin"])
                               .replace("{end}", marker["mf_bench_end"]).replace("{out}", out) for x in t["plugin_args"]]

            def read_count():
                return int(dict(kv.split("=") for kv in open(out).read().split())["insns_bench"])
        result[part] = bench_run(a, part, wav, count_argv, read_count)
    fe_total, steps, stack = result["front-end"]
    cl_total, rows, cl_stack = result["classifier"]
    fe, cl = fe_total / steps, cl_total / rows
    where = "host x86-64 (callgrind)" if a.program else "cortex-m4 (QEMU)"
    print(f"{where}, exact instructions, {os.path.basename(wav)}:")
    print(f"  front end:  {fe_total} for {steps} steps = {fe:.0f} per 20 ms step")
    print(f"  classifier: {cl_total} for {rows} rows = {cl:.0f} per row (the last row also runs the softmax)")
    if a.program:
        for part, ours in (("front-end", fe), ("classifier", cl)):
            tflm = tflm_per_row(a, part)
            print(f"  TFLM reference kernels, same measure (manifest tflm_host_measurement): {part} "
                  f"{tflm:.0f} per row; microflow {ours / tflm:.3f} of that")
        return 0
    t = json.load(open(a.targets_json))[TARGET]
    sizes = section_sizes(t["size_tool"], a.firmware)
    flash = sum(sizes.get(s, 0) for s in t["flash_sections"])
    ram = sum(sizes.get(s, 0) for s in t["ram_sections"])
    clock = t["energy"]["clock_hz"]
    share = (fe + cl) / (clock * 0.020)
    print(f"  flash {flash} B, static RAM {ram} B, peak stack {max(stack, cl_stack)} B (whole firmware; size -A)")
    print(f"  at {clock / 1e6:.0f} MHz, 1 instruction per cycle: {100 * share:.1f}% of each 20 ms step computing "
          f"(front end {100 * fe / (clock * 0.020):.1f}%, classifier {100 * cl / (clock * 0.020):.1f}%), "
          f"{100 * (1 - share):.1f}% headroom")
    if share >= 1:
        raise SystemExit("FAIL: not real time")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["build-firmware", "run", "measure"])
    p.add_argument("case", nargs="?")
    p.add_argument("--program")
    p.add_argument("--firmware")
    p.add_argument("--targets-json", default=os.path.join(ROOT, "targets/targets.json"))
    p.add_argument("--plugin")
    p.add_argument("--models-dir", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cmake")
    p.add_argument("--generator")
    p.add_argument("--build-dir")
    a = p.parse_args()
    if a.command == "build-firmware":
        return build_firmware(a)
    if a.firmware and not os.path.exists(a.firmware):
        print(f"SKIPPED: no firmware {a.firmware} (its build was skipped)")
        return 77
    os.makedirs(a.work, exist_ok=True)
    if a.command == "measure":
        return measure(a)
    kind, _, rest = (a.case or "").partition(":")
    if kind == "stream":
        case_stream(a, rest)
    elif kind == "features":
        case_features(a, rest)
    elif kind == "clip":
        path, _, label = rest.rpartition(":")
        expect_label(a, [path], label)
        print(f"PASS {path}: {label}")
    elif kind == "bad-wav":
        case_bad_wav(a)
    elif kind == "sequence":
        case_sequence(a)
    else:
        p.error("unknown case " + repr(a.case))
    return 0


if __name__ == "__main__":
    sys.exit(main())
