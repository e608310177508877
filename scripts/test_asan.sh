#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (CMake/CTest preset
# `asan`): the compiler, the host runtime tests and every host golden and robustness test,
# the golden batches (golden.batch.*) on a sample (tests/golden/CMakeLists.txt says which).
# The simulator and build-integration tests (labels mcu, targets, arduino, package) run in the
# normal pass only (scripts/test.sh): they run builders, not more of our code.
# Run after scripts/setup.sh (scripts/test.sh does it).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan
cmake --build --preset asan
ctest --preset asan "$@"
