"""docs/benchmarks.md is written by several scripts, each owning whole "## " sections:
run_benchmarks.py the per-target tables and energy, rewrites.py and int8_tables.py one section
each. A script replaces only its own sections; a full run_benchmarks.py run keeps the others."""
import pathlib

# Sections written by the scripts other than run_benchmarks.py.
OTHER_SCRIPTS = ["## Compile-time rewrites", "## int8 LOGISTIC and TANH: tables against TFLM's arithmetic"]


def _span(lines, heading):
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def replace_section(out, section):
    """Puts `section` (its first line the heading) in place of the same section of `out`, or at its end."""
    out = pathlib.Path(out)
    lines = out.read_text().splitlines() if out.exists() else []
    if section[0] in lines:
        start, end = _span(lines, section[0])
        lines[start:end] = section
    else:
        lines += [""] + section
    out.write_text("\n".join(lines).rstrip("\n") + "\n")


def other_scripts_sections(out):
    """The lines of OTHER_SCRIPTS' sections present in `out`, in order."""
    out = pathlib.Path(out)
    lines = out.read_text().splitlines() if out.exists() else []
    kept = []
    for heading in OTHER_SCRIPTS:
        if heading in lines:
            start, end = _span(lines, heading)
            kept += lines[start:end]
    return kept
