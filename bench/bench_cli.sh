#!/usr/bin/env bash
# CLI latency benchmark (issue 4): `paddleflow job list` / `job show` against 100,000 jobs.
#   bench/bench_cli.sh [build-dir] [jobs] [runs] [data-dir to keep and reuse]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
exec /usr/bin/python3 bench/bench_cli.py --bin-dir "$build/bin" --jobs "${2:-100000}" --runs "${3:-20}" ${4:+--data-dir "$4"}
