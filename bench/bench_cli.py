#!/usr/bin/env python3
"""Wall time of `paddleflow job list` and `paddleflow job show ID` against a server holding
many jobs (issue 4: 100,000 jobs, median of 20 runs, target < 20 ms each).

Starts its own paddleflow-server on a free loopback port with a throwaway data directory and
an admission capacity of 1 milli-cpu, so the jobs it loads stay queued (init) instead of
running; loads them over the REST API with keep-alive connections from a few threads; then
runs the real CLI binary and reports median/p90/min/max per command. Usage:

    bench/bench_cli.py [--bin-dir build/bin] [--jobs 100000] [--runs 20]
"""
import argparse
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PREFIX = "/api/paddleflow/v1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(bin_dir, data_dir, port):
    log = open(os.path.join(data_dir, "server.log"), "ab")
    proc = subprocess.Popen([os.path.join(bin_dir, "paddleflow-server"), "--host", "127.0.0.1",
                             "--port", str(port), "--data-dir", data_dir, "--capacity-cpu", "1",
                             "--capacity-mem", "1", "--log-level", "warn"],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(1500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.02)
    proc.kill()
    sys.exit("server did not start")


def login(conn):
    conn.request("POST", PREFIX + "/login",
                 json.dumps({"username": "root", "password": "paddleflow"}),
                 {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["authorization"]


def load_jobs(port, total, threads=4):
    body = json.dumps({"name": "bench", "schedulingPolicy": {"queue": "default-queue"},
                       "image": "busybox", "command": "true", "labels": {"bench": "yes"},
                       "flavour": {"name": "flavour1"}})
    ids, errors = [], []

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        hdrs = {"Content-Type": "application/json", "x-pf-authorization": login(conn)}
        for _ in range(n):
            conn.request("POST", PREFIX + "/job/single", body, hdrs)
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                errors.append(data)
                return
            ids.append(json.loads(data)["id"])
        conn.close()

    per = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
    ts = [threading.Thread(target=worker, args=(n,)) for n in per]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("job creation failed: %r" % errors[0][:300])
    return ids, time.time() - t0


def summary(times):
    times = sorted(times)
    return {"median_ms": round(statistics.median(times), 2),
            "p90_ms": round(times[max(int(len(times) * 0.9) - 1, 0)], 2),
            "min_ms": round(times[0], 2), "max_ms": round(times[-1], 2)}


def time_runs(cmd, runs, env=None):
    """Wall time of each run, and the CPU time (user+sys) the CLI process itself used: on a
    busy shared machine the wall time also counts waiting for a core, the CPU time does not."""
    env = dict(os.environ, **(env or {}))
    subprocess.run(cmd, capture_output=True, check=True, env=env)  # warm-up: cache, token
    wall, cpu = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env)
        wall.append((time.perf_counter() - t0) * 1000)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        if p.returncode != 0:
            sys.exit("%s failed: %s" % (" ".join(cmd), p.stderr.decode()))
    res = summary(wall)
    res["cli_cpu_median_ms"] = round(statistics.median(cpu), 2)
    return res


def time_server(port, path, runs):
    """The server's own answer time for the same request (keep-alive, token already held)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    hdrs = {"x-pf-authorization": login(conn)}
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        conn.request("GET", PREFIX + path, headers=hdrs)
        r = conn.getresponse()
        r.read()
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return summary(times[1:])


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin-dir", default=os.path.join(here, "..", "build", "bin"))
    ap.add_argument("--jobs", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--out", default=os.path.join(here, "out", "bench_cli.json"))
    ap.add_argument("--data-dir", help="keep the server's data here; reuse it when it "
                    "already holds jobs (loading 100,000 jobs takes minutes)")
    a = ap.parse_args()
    tmp = None
    if a.data_dir:
        os.makedirs(a.data_dir, exist_ok=True)
        d = a.data_dir
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pf-bench-cli-")
        d = tmp.name
    port = free_port()
    proc = start_server(a.bin_dir, d, port)
    try:
        res = measure(a, d, port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("warning: server did not stop within 60 s of SIGTERM; killed")
            proc.kill()
            proc.wait()
        if tmp:
            tmp.cleanup()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2)


def existing_job(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", PREFIX + "/job?maxKeys=1",
                 headers={"x-pf-authorization": login(conn)})
    jobs = json.loads(conn.getresponse().read())["jobList"]
    return jobs[0]["id"] if jobs else None


def measure(a, d, port):
    some = existing_job(port)
    if some and a.data_dir:
        print("reusing the jobs in %s" % d)
        ids = [some]
    else:
        ids, load_s = load_jobs(port, a.jobs)
        print("loaded %d jobs in %.1f s (%.0f jobs/s)" % (len(ids), load_s, len(ids) / load_s))
    ini = os.path.join(d, "pf.ini")
    with open(ini, "w") as f:
        f.write("[user]\nname = root\npassword = paddleflow\n[server]\n"
                "paddleflow_server_host = 127.0.0.1\npaddleflow_server_port = %d\n" % port)
    pf = [os.path.join(a.bin_dir, "paddleflow"), "--pf_config", ini]
    show = ids[len(ids) // 2]
    res = {"jobs": a.jobs, "runs": a.runs}
    cases = [("job list", pf + ["job", "list"], None),
             ("job show", pf + ["job", "show", show], None),
             ("job list (no token cache)", pf + ["job", "list"], {"PADDLEFLOW_TOKEN_CACHE": "off"}),
             ("job show (no token cache)", pf + ["job", "show", show],
              {"PADDLEFLOW_TOKEN_CACHE": "off"}),
             ("job list -m 1000", pf + ["job", "list", "-m", "1000"], None)]
    for name, cmd, env in cases:
        r = res[name] = time_runs(cmd, a.runs, env)
        print("%-26s median %7.2f ms  p90 %7.2f ms  min %7.2f ms  max %7.2f ms  (CLI cpu %.2f ms)"
              % (name, r["median_ms"], r["p90_ms"], r["min_ms"], r["max_ms"],
                 r["cli_cpu_median_ms"]), flush=True)
    for name, path in (("server: GET /job", "/job"), ("server: GET /job/{id}", "/job/" + show)):
        r = res[name] = time_server(port, path, a.runs)
        print("%-26s median %7.2f ms  p90 %7.2f ms" % (name, r["median_ms"], r["p90_ms"]),
              flush=True)
    with open("/proc/loadavg") as f:
        res["loadavg"] = f.read().split()[:3]
    print("load average during the run: %s" % " ".join(res["loadavg"]))
    return res


if __name__ == "__main__":
    main()
