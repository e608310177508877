#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, compiles the project's own sine model to
# C++ (at build time, via microflow_add_model) and runs it on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target microflow sine_example
echo
./build/release/compiler/microflow inspect examples/sine/sine.tflite
echo
./build/release/examples/sine/sine_example
