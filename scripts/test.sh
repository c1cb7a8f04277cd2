#!/usr/bin/env bash
# Runs every test: CTest unit tests and pytest end-to-end tests against a real server,
# first on the normal build, then again on an AddressSanitizer + UBSan build.
#   scripts/test.sh          both passes, plus a short fuzz run of every target and every
#                            benchmark once in quick mode (kept working; no timing asserted)
#   scripts/test.sh --plain  normal build only
#   scripts/test.sh --asan   sanitizer build only
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
jobs=$(nproc)

run_pass() { # build-dir cmake-flags...
  local dir=$1; shift
  echo "=== build $dir $*"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "=== unit tests ($dir)"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
  echo "=== end-to-end tests ($dir)"
  PF_BIN_DIR="$PWD/$dir/bin" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e 2>&1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ "$mode" != "--asan" ]; then
  run_pass build -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
if [ "$mode" = "all" ]; then
  echo "=== benchmarks, quick mode (sizes too small for figures)"
  scripts/deps.sh --bench
  bench/run.sh --quick build
  echo "=== fuzz targets, 5 s each"
  scripts/fuzz.sh --quick
fi
if [ "$mode" != "--plain" ]; then
  PF_SANITIZED=1 run_pass build-asan -DCMAKE_BUILD_TYPE=Debug -DPF_SANITIZE=ON
fi
