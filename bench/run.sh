#!/usr/bin/env bash
# Runs every benchmark and writes bench/report.md + bench/report.json (see docs/benchmarks.md).
#   bench/run.sh [build-dir]           full run (~10-15 min), report in bench/
#   bench/run.sh --quick [build-dir]   tiny sizes (< 60 s), report in bench/out/; no timing asserted
# Extra arguments after the build dir go to bench/run.py (e.g. --only get,create).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=()
if [ "${1:-}" = "--quick" ]; then quick=(--quick); shift; fi
build=${1:-build}
[ $# -gt 0 ] && shift
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "bench: $build is not a configured build directory (run: make build)" >&2
  exit 1
fi
cmake --build "$build" -j "$(nproc)" --target paddleflow-server paddleflow-shim paddleflow \
  bench_create bench_latency bench_forkexec >/dev/null
exec /usr/bin/python3 bench/run.py "${quick[@]}" --bin-dir "$build/bin" "$@"
