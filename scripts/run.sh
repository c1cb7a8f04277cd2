#!/usr/bin/env bash
# `make run`: starts paddleflow-server in the foreground on 127.0.0.1 with its data directory,
# after printing how to log in and use it. Ctrl-C stops it cleanly (running jobs keep running
# and are re-adopted at the next start).
set -euo pipefail
build=${1:-build} port=${2:-8999} data=${3:-$HOME/.paddleflow/server}
bin="$(cd "$(dirname "$0")/.." && pwd)/$build/bin"
cat <<MSG
paddleflow-server on http://127.0.0.1:$port/api/paddleflow/v1  (data: $data)

  Log in as root / paddleflow (change it: $bin/paddleflow user set root <new-password>).
  CLI:   $bin/paddleflow job create single job.json     # see README.md for a job.json
         $bin/paddleflow job list
         $bin/paddleflow log show <job-id> -f
  curl:  curl -s -XPOST 127.0.0.1:$port/api/paddleflow/v1/login \\
              -d '{"username":"root","password":"paddleflow"}'
         then send the returned token as header  x-pf-authorization: <token>
  SDK:   PYTHONPATH=python /usr/bin/python3 -c 'import paddleflow; c = paddleflow.Client("127.0.0.1", "root", "paddleflow", port=$port); print(c.login())'

  Stop with Ctrl-C.
MSG
exec "$bin/paddleflow-server" --host 127.0.0.1 --port "$port" --data-dir "$data"
