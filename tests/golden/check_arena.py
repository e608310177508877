#!/usr/bin/env python3
"""check_arena.py MICROFLOW MODEL LIMIT: fails unless `microflow inspect --json MODEL`
plans an arena of at most LIMIT bytes (a RAM bar; bit-exactness is golden.*'s job)."""
import json
import subprocess
import sys


def main() -> int:
    microflow, model, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    out = subprocess.run([microflow, "inspect", "--json", model], check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    arena, s = j["arena_bytes"], j["streaming"]
    print(f"{model}: arena {arena} B (limit {limit} B); without patch streaming {s['arena_before']} B, "
          f"{len(s['regions'])} streamed region(s)")
    return 0 if arena <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
