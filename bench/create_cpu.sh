#!/usr/bin/env bash
# create_cpu.sh — where the server's CPU goes per created job, thread by thread.
#   bench/create_cpu.sh [build-dir] [jobs]      (defaults: build, 20000)
# Starts a server that admits nothing (every job stays pending, so only the create path
# runs), warms it with 2,000 creates, then creates `jobs` more with bench_create over 64
# connections and prints each thread's CPU time (/proc/<pid>/task/<tid>/stat) divided by the
# jobs created. Thread names: http-loop (parse, validate, answer), http-worker (requests that
# may wait), paddleflow-serv (main, store writer, job manager, runtime watcher).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=${2:-20000}
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/pf-create-cpu.XXXXXX)
"$build/bin/paddleflow-server" --host 127.0.0.1 --port "$port" --data-dir "$dir" \
  --log-level warn --capacity-cpu 1 --capacity-mem 1 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
"$build/bin/bench_create" --port "$port" --count 2000 >/dev/null
snap() { for t in /proc/$pid/task/*; do echo "$(basename "$t") $(cat "$t/comm") $(cut -d' ' -f14,15 "$t/stat")"; done; }
before=$(snap)
"$build/bin/bench_create" --port "$port" --count "$jobs"
echo
after=$(snap)
/usr/bin/python3 - "$jobs" "$(getconf CLK_TCK)" <<PY
import sys
jobs, tck = int(sys.argv[1]), int(sys.argv[2])
def parse(text):
    out = {}
    for line in text.strip().splitlines():
        tid, name, u, s = line.split()
        out[tid] = (name, int(u) + int(s))
    return out
a, b = parse("""$before"""), parse("""$after""")
total = 0
for tid, (name, t) in sorted(b.items()):
    d = t - a.get(tid, (name, 0))[1]
    total += d
    if d:
        print("%8s %-16s %7.1f us/job" % (tid, name, d / tck / jobs * 1e6))
print("%8s %-16s %7.1f us/job" % ("", "total", total / tck / jobs * 1e6))
PY
