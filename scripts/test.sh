#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds everything and runs all tests
# (kernel unit tests, compiler tests, golden tests against ../shared/models).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --targets
cmake --preset release
cmake --build --preset release
ctest --preset release "$@"
