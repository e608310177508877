#!/usr/bin/env bash
# Fuzzes the whole compiler pipeline (reader -> schedule -> lowering -> planner
# -> emitter, in memory) with libFuzzer under ASan + UBSan.
#
#   tools/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# Builds build/fuzz with clang (-fsanitize=fuzzer,address,undefined), seeds it
# with every reference model under MICROFLOW_MODELS_DIR (default
# ../shared/models; copied into the build tree only, never into the source
# tree), examples/sine/sine.tflite, the writer-made models of
# tools/fuzz/seed_models.h and the regression inputs in
# tests/robustness/corpus/, then runs MICROFLOW_FUZZ_JOBS (default: nproc)
# workers for SECONDS (default 600) each and prints the total number of
# executions. The growing corpus stays in build/fuzz/corpus between runs.
# A crash leaves its input in build/fuzz/artifacts/ and makes the script exit 1:
# fix it, then copy the input to tests/robustness/corpus/ (a regression test).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
budget=${1:-600}
shift || true
jobs=${MICROFLOW_FUZZ_JOBS:-$(nproc)}
models=${MICROFLOW_MODELS_DIR:-$root/../shared/models}
build=$root/build/fuzz

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  apt-get update && apt-get install -y clang libclang-rt-14-dev
fi

flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DMICROFLOW_FUZZ=ON -DMICROFLOW_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target microflow_fuzz_compiler microflow_fuzz_seeds

seeds=$build/seeds
rm -rf "$seeds" && mkdir -p "$seeds" "$build/corpus" "$build/artifacts"
if [ -d "$models" ]; then
  while IFS= read -r m; do
    rel=${m#"$models"/}
    cp "$m" "$seeds/shared_${rel//\//_}"
  done < <(find "$models" -name model.tflite | sort)
else
  echo "fuzz.sh: $models not found, seeding without the reference models" >&2
fi
cp examples/sine/sine.tflite "$seeds/example_sine.tflite"
"$build/tools/fuzz/microflow_fuzz_seeds" "$seeds"
echo "fuzz.sh: $(ls "$seeds" | wc -l) seed models, $(ls tests/robustness/corpus | grep -vc "\.md$") regression inputs, $jobs workers x ${budget}s"

run=$build/run
rm -rf "$run" && mkdir -p "$run"
status=0
(cd "$run" && "$build/tools/fuzz/microflow_fuzz_compiler" "$build/corpus" "$seeds" "$root/tests/robustness/corpus" \
   -jobs="$jobs" -workers="$jobs" -max_total_time="$budget" -print_final_stats=1 -timeout=30 -rss_limit_mb=4096 \
   -artifact_prefix="$build/artifacts/" "$@") || status=$?

total=0
for log in "$run"/fuzz-*.log; do
  n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  total=$((total + ${n:-0}))
  if grep -q -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error:|deadly signal|microflow fuzz:' "$log"; then
    echo "fuzz.sh: $log reports a failure:" >&2
    grep -E -A30 'ERROR:|runtime error:|microflow fuzz:' "$log" | head -60 >&2
    status=1
  fi
done
echo "fuzz.sh: $total executions in total ($jobs workers x ${budget}s)"
ls "$build/artifacts" 2>/dev/null | sed 's/^/fuzz.sh: crashing input: build\/fuzz\/artifacts\//' >&2 || true
exit $status
