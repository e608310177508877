#!/usr/bin/env python3
"""Keeps tests/golden/expected_rejections.txt (the models microflow must reject today)
in step with the compiler. The list only shrinks: this script never adds a line.

  update_rejections.py --check [--models DIR] [--list FILE]
      Lint, run by CTest (golden.batch.rejections_list): every line names a model under
      DIR, and its message part names the unsupported operator (one of the model's
      manifest) or the unsupported type or operand of a supported one.

  update_rejections.py --microflow BIN [--models DIR] [--list FILE] [--write]
      Runs `microflow verify --batch` over every model the golden batches cover and
      prints where the list and the compiler disagree:
        remove:   MODEL  it compiles now                   (--write deletes the line)
        stale:    MODEL  is no longer under DIR            (--write deletes the line)
        changed:  MODEL  rejected with another message     (edit the line by hand)
        unlisted: MODEL  rejected but not listed, or failing (fix the compiler; list it
                  by hand only if the message names an unsupported operator or type)
      Exit status 1 when anything is printed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The folders the golden batches cover (tests/golden/CMakeLists.txt).
ROOTS = ("operators", "tflm_integration", "applications")
BATCH_SIZE = 40


def read_list(path):
    """[(line index, model, message part)] of the list's entries."""
    entries = []
    with open(path) as f:
        for i, line in enumerate(f):
            text = line.strip()
            if text and not text.startswith("#"):
                model, _, part = text.partition(" ")
                entries.append((i, model, part.strip()))
    return entries


def batch_models(models_dir):
    """Every model directory under ROOTS with model.tflite and vectors/, sorted."""
    found = []
    for root in ROOTS:
        for d, dirs, files in os.walk(os.path.join(models_dir, root)):
            if "model.tflite" in files and "vectors" in dirs:
                found.append(os.path.relpath(d, models_dir))
    return sorted(found)


def lint(model, part, models_dir):
    """Why the entry is not acceptable, or None."""
    manifest = os.path.join(models_dir, model, "manifest.json")
    if not os.path.isfile(os.path.join(models_dir, model, "model.tflite")):
        return f"{model} is no longer under {models_dir}: delete the line"
    if not part:
        return "no message part after the model"
    m = re.match(r"op \d+ \(([^)]+)\): (.*)", part)
    if not m:
        return "the message part does not start with 'op N (NAME): '"
    op, what = m.groups()
    with open(manifest) as f:
        operators = json.load(f)["operators"]
    if op == "CUSTOM":
        custom = re.match(r"custom operator '([^']+)' is not supported", what)
        return None if custom and custom[1] in operators else "it does not name a custom operator of the model"
    if op not in operators:
        return f"{op} is not an operator of the model ({manifest})"
    if what.startswith(f"operator {op} is not supported"):
        return None
    if re.search(r"type [A-Z0-9]+ is not supported|type [A-Z0-9]+, expected|constant tensors are not supported", what):
        return None
    return f"it names neither an unsupported operator nor an unsupported type or operand of {op}"


def check(args):
    problems, seen = [], set()
    for i, model, part in read_list(args.list):
        why = "listed twice" if model in seen else lint(model, part, args.models)
        seen.add(model)
        if why:
            problems.append(f"{args.list}:{i + 1}: {model}: {why}")
    print("\n".join(problems) if problems else f"{args.list}: every entry names its unsupported operator or type")
    return 1 if problems else 0


def update(args):
    listed = {model: i for i, model, _ in read_list(args.list)}
    models = batch_models(args.models)
    delete, report = set(), []
    for model in sorted(set(listed) - set(models)):
        delete.add(listed[model])
        report.append(f"stale: {model}  is no longer under {args.models}")
    line_re = re.compile(r"(PASS|FAIL|REJECTED) ([^ :]+)(.*)")
    for start in range(0, len(models), BATCH_SIZE):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as batch:
            batch.write("\n".join(models[start:start + BATCH_SIZE]) + "\n")
            batch.flush()
            out = subprocess.run([args.microflow, "verify", "--batch", batch.name, "--models-dir", args.models,
                                  "--expect-rejections", args.list], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            m = line_re.fullmatch(line)
            if not m:
                continue
            kind, model, rest = m.groups()
            result, _, why = rest.partition(" -- UNEXPECTED: ")
            if why.startswith("it compiles now"):
                delete.add(listed[model])
                report.append(f"remove: {model}  it compiles now: {kind}{result}")
            elif model in listed and why:
                report.append(f"changed: {model}  rejected with another message{result} ({why})")
            elif why or kind == "FAIL":
                report.append(f"unlisted: {model}  {kind}{result}")
        if out.returncode not in (0, 1) or "verify: " not in out.stdout:
            report.append(f"error: microflow verify --batch failed:\n{out.stderr}")
    print("\n".join(report) if report else f"{args.list} matches the compiler")
    if args.write and delete:
        with open(args.list) as f:
            lines = f.readlines()
        with open(args.list, "w") as f:
            f.writelines(line for i, line in enumerate(lines) if i not in delete)
        print(f"{args.list}: deleted {len(delete)} line(s)")
    return 1 if report else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="lint the list only")
    p.add_argument("--microflow", help="the microflow binary (build/release/compiler/microflow)")
    p.add_argument("--models", default=os.path.join(HERE, "..", "..", "..", "shared", "models"),
                   help="MICROFLOW_MODELS_DIR (default: ../shared/models next to the source tree)")
    p.add_argument("--list", default=os.path.join(HERE, "expected_rejections.txt"))
    p.add_argument("--write", action="store_true", help="delete the remove: and stale: lines from the list")
    args = p.parse_args()
    args.models = os.path.normpath(args.models)
    if not args.check and not args.microflow:
        p.error("give --microflow BIN, or --check")
    return check(args) if args.check else update(args)


if __name__ == "__main__":
    sys.exit(main())
