#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/fuzz_<name>.c, clang + ASan + UBSan, in build-fuzz) and
# runs each for a fixed time, starting from a scratch copy of its seed corpus
# fuzz/corpus/<name>/ (the committed seeds are never written to).
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target SECONDS (default 60)
#   scripts/fuzz.sh --quick [TARGET...]     5 s each (what `make test` runs)
# Environment: FUZZ_BUILD (default build-fuzz), FUZZ_KEEP=1 keeps the scratch corpora,
# FUZZ_ARGS extra libFuzzer flags. A crash leaves its reproducer and the fuzzer's log in
# fuzz/artifacts/<name>/ (ignored by git) and makes the script exit 1 after the remaining
# targets ran.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
if [ "${1:-}" = "--quick" ]; then
  seconds=5
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
build=${FUZZ_BUILD:-build-fuzz}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    targets+=("${n#fuzz_}")
  done
fi

if ! command -v clang >/dev/null; then
  echo "fuzz.sh: clang is needed (apt-get install clang)" >&2
  exit 1
fi
echo "=== build $build (clang, libFuzzer, ASan+UBSan)"
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPF_FUZZ=ON -DPF_SANITIZE=ON \
  >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

# tmpfs when there is one: fuzz_http's store commits (fsync) on every write
tmpbase=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then tmpbase=/dev/shm; fi
scratch=$(mktemp -d "$tmpbase/pf-fuzz.XXXXXX")
cleanup() { [ -n "${FUZZ_KEEP:-}" ] && echo "scratch kept: $scratch" || rm -rf "$scratch"; }
trap cleanup EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin=$build/bin/fuzz_$t
  corpus=$scratch/corpus/$t
  art=fuzz/artifacts/$t
  mkdir -p "$corpus" "$art" "$scratch/tmp/$t"
  if [ -d "fuzz/corpus/$t" ]; then cp -r "fuzz/corpus/$t/." "$corpus/"; fi
  echo "=== fuzz_$t for ${seconds}s"
  start=$(date +%s)
  # TMPDIR: fuzz_http keeps its throwaway store there
  if TMPDIR=$scratch/tmp/$t "$bin" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$art/" ${FUZZ_ARGS:-} "$corpus" >"$scratch/$t.log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$t.log" | grep -o '[0-9]*$' | tail -1 || true)
  cov=$(grep -Eo 'cov: [0-9]+' "$scratch/$t.log" | tail -1 || true)
  echo "    $status: ${runs:-?} inputs in $(($(date +%s) - start))s, ${cov:-cov: ?}," \
    "corpus $(ls "$corpus" | wc -l) files"
  if [ "$status" = FAILED ]; then
    cp "$scratch/$t.log" "$art/fuzz.log"
    grep -E 'ERROR|SUMMARY|check failed|runtime error|artifact_prefix|Test unit written' \
      "$scratch/$t.log" | head -20 | sed 's/^/    /'
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failures in: ${failed[*]} (reproducers in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds}s each without a finding"
