#!/usr/bin/env python3
"""check_arena.py MICROFLOW MODEL LIMIT [COMPILE OPTIONS...]: fails unless the model's arena is
at most LIMIT bytes (a RAM bar; bit-exactness is golden.*'s job). Without options the plan of
`microflow inspect --json MODEL`; with options (e.g. --streaming-input on) the kArenaBytes of
`microflow compile MODEL OPTIONS`."""
import json
import pathlib
import re
import subprocess
import sys
import tempfile


def main() -> int:
    microflow, model, limit, options = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    if options:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([microflow, "compile", model, "-o", out, *options], check=True, capture_output=True)
            header = next(pathlib.Path(out).glob("*.h")).read_text()
        arena = int(re.search(r"kArenaBytes = (\d+);", header).group(1))
        print(f"{model} ({' '.join(options)}): arena {arena} B (limit {limit} B)")
        return 0 if arena <= limit else 1
    out = subprocess.run([microflow, "inspect", "--json", model], check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    arena, s = j["arena_bytes"], j["streaming"]
    print(f"{model}: arena {arena} B (limit {limit} B); without patch streaming {s['arena_before']} B, "
          f"{len(s['regions'])} streamed region(s)")
    return 0 if arena <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
