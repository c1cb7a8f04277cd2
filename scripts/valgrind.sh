#!/usr/bin/env bash
# Runs end-to-end tests against paddleflow-server under valgrind memcheck: every server the
# tests start runs as `valgrind --leak-check=full --error-exitcode=99 paddleflow-server ...`
# (a wrapper script in a temporary bin dir; the shim and the CLI are linked next to it, the
# shim itself runs natively). A server with a memory error or a definite leak exits 99, which
# fails its test module; the script also reads every valgrind log and prints a summary.
#   scripts/valgrind.sh [BUILD_DIR]                  the representative subset below
#   scripts/valgrind.sh [BUILD_DIR] tests/e2e/...    pytest arguments of your choice
# BUILD_DIR (default $VALGRIND_BUILD, else build-rel) is configured and built first;
# VALGRIND_KEEP=1 keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${VALGRIND_BUILD:-build-rel}
if [ $# -gt 0 ] && [[ "$1" != -* ]] && [[ "$1" != tests/* ]] &&
  { [ -f "$1/CMakeCache.txt" ] || [ ! -e "$1" ]; }; then
  build=$1
  shift
fi

# The representative subset: every route except the ones that need a job's process to run.
# The local runtime watches tasks with pidfd_open(2), which valgrind 3.19 (Debian 12) does not
# implement (ENOSYS): under valgrind every task fails at start, so tests that need a job to
# run are deselected. The CLI/SDK suites (a login per command, ~1 s each under valgrind), the
# crash test (SIGKILL: no exit report) and the timing-bound abuse test are left out.
subset=(tests/e2e/test_jobs.py tests/e2e/test_queues.py tests/e2e/test_flavours.py
  tests/e2e/test_clusters.py tests/e2e/test_fs.py tests/e2e/test_auth_users.py)
needs_running_jobs=(test_single_job_runs_and_succeeds test_failing_and_signalled_jobs
  test_env_and_workdir_from_fs test_stop_running_job_kills_children test_delete_rules
  test_update_labels_priority test_kill9_server_keeps_jobs_and_exit_status
  test_capacity_wait_and_priority_order test_deleted_job_files_are_removed_after_retention
  test_reused_id_runs_its_own_command test_stop_in_init_and_terminating
  test_kill9_with_running_and_pending_jobs test_queue_quota_never_exceeded test_log_limits
  test_used_idle_and_delete_while_in_use)
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  for t in "${subset[@]}"; do [ -f "$t" ] && args+=("$t"); done
  k=$(printf ' or %s' "${needs_running_jobs[@]}")
  args+=(-k "not (${k# or })")
fi

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is needed" >&2; exit 1; }
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target paddleflow-server paddleflow-shim paddleflow >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pf-valgrind.XXXXXX")
cleanup() { [ -n "${VALGRIND_KEEP:-}" ] && echo "logs kept: $tmp/logs" || rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/bin" "$tmp/logs"
real=$(cd "$build/bin" && pwd)
for f in "$real"/*; do
  [ "$(basename "$f")" = paddleflow-server ] || ln -s "$f" "$tmp/bin/"
done
cat >"$tmp/bin/paddleflow-server" <<EOF
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite \\
  --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=30 \\
  --log-file=$tmp/logs/vg.%p.log $real/paddleflow-server --shim $real/paddleflow-shim "\$@"
EOF
chmod +x "$tmp/bin/paddleflow-server"

echo "=== valgrind memcheck: ${args[*]}"
start=$(date +%s)
set +e
PF_BIN_DIR=$tmp/bin PF_VALGRIND=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider "${args[@]}"
rc=$?
set -e
servers=$(ls "$tmp/logs" | wc -l)
bad=0
for log in "$tmp"/logs/vg.*.log; do
  [ -e "$log" ] || continue
  if grep -qE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid (read|write)|uninitialised' \
    "$log"; then
    bad=$((bad + 1))
    echo "--- $log"
    head -80 "$log"
  fi
done
echo "valgrind.sh: $servers server processes under memcheck in $(($(date +%s) - start))s," \
  "$bad with errors or definite leaks; pytest exit $rc"
[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]
