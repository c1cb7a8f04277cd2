#!/usr/bin/env bash
# Soak test: sustained mixed job load (create/show/list/logs/update/stop/delete) against one
# server on 127.0.0.1 for N minutes, checking that its RSS, fds and threads stay flat and
# that no request fails (tests/soak/soak.py).
#   scripts/soak.sh [MINUTES] [soak.py options...]     default 10 minutes
# Environment: SOAK_BUILD (default build-rel) is built unless PF_BIN_DIR points at binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
if [[ "${1:-}" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  minutes=$1
  shift
fi
if [ -z "${PF_BIN_DIR:-}" ]; then
  build=${SOAK_BUILD:-build-rel}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$(nproc)" --target paddleflow-server paddleflow-shim >/dev/null
  export PF_BIN_DIR=$PWD/$build/bin
fi
echo "=== soak: ${minutes} min against $PF_BIN_DIR/paddleflow-server"
exec /usr/bin/python3 tests/soak/soak.py --minutes "$minutes" "$@"
