#!/usr/bin/env bash
# Soak test: sustained mixed job load (create/show/list/logs/update/stop/delete) against one
# server on 127.0.0.1 for N minutes, checking that its RSS, fds and threads stay flat and
# that no request fails (tests/soak/soak.py).
#   scripts/soak.sh [BUILD_DIR] [MINUTES] [soak.py options...]   default build-rel, 10 min
# BUILD_DIR is configured and built first (`make soak` passes its build dir); without one,
# PF_BIN_DIR may point at ready binaries. SOAK_MINUTES is the default for MINUTES.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${SOAK_MINUTES:-10}
build=
while [ $# -gt 0 ]; do
  if [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    minutes=$1
  elif [ -z "$build" ] && [[ "$1" != -* ]]; then
    build=$1
  else
    break
  fi
  shift
done
if [ -n "$build" ] || [ -z "${PF_BIN_DIR:-}" ]; then
  build=${build:-build-rel}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$(nproc)" --target paddleflow-server paddleflow-shim >/dev/null
  export PF_BIN_DIR=$(cd "$build/bin" && pwd)
fi
echo "=== soak: ${minutes} min against $PF_BIN_DIR/paddleflow-server"
exec /usr/bin/python3 tests/soak/soak.py --minutes "$minutes" "$@"
