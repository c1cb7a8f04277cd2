#!/usr/bin/env python3
"""run.py — runs every benchmark of bench/ and writes the report (Markdown + JSON).

Each benchmark starts its own paddleflow-server on a free loopback port with a throwaway data
directory under /tmp (removed afterwards) and measures it with the programs of this folder
(bench_create, bench_latency, bench_forkexec), wrk, nginx and hyperfine:

  get      authenticated GET /queue/default-queue, wrk -t2 -c64, beside nginx `return 200`
  create   POST /job/single over 64 keep-alive connections, each answered after its commit
  store    show / filtered list latency with 10^4, 10^5, 10^6 stored jobs; server RSS
  cli      `paddleflow job list` / `job show ID` wall time with 10^5 jobs (hyperfine)
  e2e      10,000 `true` jobs from first submit to all succeeded, beside fork/exec/wait
  sched    create -> running on an idle server
  distributed, workflow   bench_distributed.py and bench_workflow.py (issues 5 and 6)

Usage: bench/run.py [--quick] [--bin-dir DIR] [--out-dir DIR] [--only NAME,...]
--quick uses tiny sizes (seconds, no timing asserted) so `make test` keeps the code working.
Standard library only; run with /usr/bin/python3.
"""
import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

PREFIX = "/api/paddleflow/v1"
HERE = os.path.dirname(os.path.abspath(__file__))

# *_budget_s: further runs of a slow benchmark are skipped once its runs took that long (at
# least one run always happens); the report says how many runs each median is of.
FULL = dict(get_secs=10, get_runs=3, create_count=10000, create_runs=3, create_budget_s=300,
            scales=[10**4, 10**5, 10**6], lat_count=2000, lat_runs=3, cli_jobs=10**5, cli_runs=20,
            e2e_jobs=10000, e2e_runs=3, e2e_budget_s=600, sched_count=100, sched_runs=3,
            dist_runs=20)
QUICK = dict(get_secs=1, get_runs=1, create_count=1000, create_runs=1, create_budget_s=0,
             scales=[1000], lat_count=200, lat_runs=1, cli_jobs=1000, cli_runs=3, e2e_jobs=100,
             e2e_runs=1, e2e_budget_s=0, sched_count=5, sched_runs=1, dist_runs=3)


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(xs):
    return statistics.median(xs) if xs else None


def cpu_secs(pid):
    """User + system CPU seconds of a process (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_secs(pid):
    """CPU seconds of a process and its live children (nginx master + workers)."""
    total = cpu_secs(pid)
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        kids = []
    return total + sum(cpu_secs(k) for k in kids)


def machine_busy_secs():
    """CPU seconds all cores spent not idle since boot (/proc/stat), every process counted."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def budget_left(t0, budget, done):
    return done == 0 or time.time() - t0 < budget


def run_json(cmd, timeout=1800):
    """Runs a bench program and returns the JSON object it prints."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


class Server:
    """A paddleflow-server on a free loopback port; data dir removed on stop unless kept."""

    def __init__(self, bin_dir, data_dir=None, args=()):
        self.bin_dir = bin_dir
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="pf-bench-")
        self.port = free_port()
        self.args = list(args)
        self.proc = None
        self.start_secs = None

    def start(self):
        log_f = open(os.path.join(self.data_dir, "server.log"), "ab")
        cmd = [os.path.join(self.bin_dir, "paddleflow-server"), "--host", "127.0.0.1",
               "--port", str(self.port), "--data-dir", self.data_dir, "--log-level", "warn"]
        t0 = time.time()
        self.proc = subprocess.Popen(cmd + self.args, stdout=log_f, stderr=subprocess.STDOUT)
        log_f.close()
        while time.time() - t0 < 120:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                self.start_secs = time.time() - t0
                return self
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("server did not start: " + self.read_log())

    def read_log(self):
        with open(os.path.join(self.data_dir, "server.log"), errors="replace") as f:
            return f.read()[-3000:]

    def status(self, key):
        """A line of /proc/<pid>/status in KiB (VmRSS, VmHWM)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return None

    def stop(self, remove=True):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if remove and self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def api(self, method, path, body=None, token=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        hdrs = {"Content-Type": "application/json"}
        if token:
            hdrs["x-pf-authorization"] = token
        conn.request(method, PREFIX + path, json.dumps(body) if body is not None else None, hdrs)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, (json.loads(data) if data else None)

    def login(self):
        st, body = self.api("POST", "/login", {"username": "root", "password": "paddleflow"})
        assert st == 200, body
        return body["authorization"]


# ---- machine ----

def fsync_ms(directory, n=30):
    """Median fsync latency of a 4 KiB append in directory (what one durable commit costs)."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    ts = []
    try:
        for _ in range(n):
            os.write(fd, b"x" * 4096)
            t = time.perf_counter()
            os.fsync(fd)
            ts.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return round(median(ts), 2)


def machine_info():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": model, "mem_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(), "commit": commit or "unknown",
            "loadavg_start": os.getloadavg()[0], "fsync_ms": fsync_ms(tempfile.gettempdir()),
            "date": time.strftime("%Y-%m-%d %H:%M")}


# ---- 1. GET beside nginx (issue 2) ----

NGINX_CONF = """daemon off; worker_processes %(workers)d; pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi; uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  server { listen 127.0.0.1:%(port)d; location / { return 200 "ok\\n"; } }
}
"""


def start_nginx(tmp):
    port = free_port()
    d = os.path.join(tmp, "nginx")
    os.makedirs(d)
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF % {"d": d, "port": port, "workers": os.cpu_count()})
    proc = subprocess.Popen(["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e",
                             os.path.join(d, "error.log")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.01)
    proc.kill()
    raise RuntimeError("nginx did not start")


def wrk_run(port, path, secs, lua=None, token=None):
    cmd = ["wrk", "-t2", "-c64", "-d%ds" % secs, "--latency"]
    if lua:
        cmd += ["-s", lua]
    env = dict(os.environ, PF_TOKEN=token or "")
    out = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                         text=True, env=env, timeout=secs + 60).stdout
    res = {"tool": "wrk"}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            res["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            res["p%s_ms" % parts[0][:-1]] = to_ms(parts[1])
        elif "Non-2xx" in line:
            res["non2xx"] = int(parts[-1])
    if "rps" not in res:
        raise RuntimeError("wrk output not understood:\n" + out)
    return res


def to_ms(s):
    for suffix, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if s.endswith(suffix):
            return round(float(s[:-len(suffix)]) * f, 3)
    return None


def gen_run(bins, port, path, secs):
    """Fallback when wrk is missing: bench_create as a closed-loop GET generator."""
    r = run_json([os.path.join(bins, "bench_create"), "--port", str(port), "--conns", "64",
                  "--duration", str(secs), "--method", "GET", "--path", path, "--body", ""])
    return {"tool": "bench_create", "rps": r["rps"], "p50_ms": r["latency"]["p50_ms"],
            "p99_ms": r["latency"]["p99_ms"]}


def bench_get(cfg, bins, tmp):
    use_wrk = shutil.which("wrk") is not None
    use_nginx = shutil.which("nginx") is not None
    srv = Server(bins).start()
    ngx = None
    try:
        token = srv.login()
        lua = os.path.join(HERE, "wrk_auth.lua")
        if use_nginx:
            ngx, nport = start_nginx(tmp)
        path = PREFIX + "/queue/default-queue"
        runs = {"server": [], "nginx": []}
        for _ in range(cfg["get_runs"]):
            if ngx:
                c0 = tree_cpu_secs(ngx.pid)
                r = (wrk_run(nport, "/", cfg["get_secs"]) if use_wrk else
                     gen_run(bins, nport, "/", cfg["get_secs"]))
                r["cpu_us_per_req"] = per_req_us(tree_cpu_secs(ngx.pid) - c0, r, cfg)
                runs["nginx"].append(r)
            c0 = cpu_secs(srv.proc.pid)
            if use_wrk:
                r = wrk_run(srv.port, path, cfg["get_secs"], lua, token)
            else:
                r = gen_run(bins, srv.port, path, cfg["get_secs"])
            r["cpu_us_per_req"] = per_req_us(cpu_secs(srv.proc.pid) - c0, r, cfg)
            runs["server"].append(r)
    finally:
        if ngx:
            ngx.send_signal(signal.SIGQUIT)
            ngx.wait(timeout=30)
        srv.stop()
    res = {"runs": runs, "tool": "wrk -t2 -c64 -d%ds" % cfg["get_secs"] if use_wrk
           else "bench_create --conns 64"}
    res["server_rps"] = median([r["rps"] for r in runs["server"]])
    res["server_p99_ms"] = median([r.get("p99_ms") or 0 for r in runs["server"]])
    res["server_cpu_us"] = median([r["cpu_us_per_req"] for r in runs["server"]])
    if runs["nginx"]:
        res["nginx_rps"] = median([r["rps"] for r in runs["nginx"]])
        res["nginx_cpu_us"] = median([r["cpu_us_per_req"] for r in runs["nginx"]])
        res["ratio"] = round(res["server_rps"] / res["nginx_rps"], 3)
    return res


def per_req_us(cpu, r, cfg):
    n = r["rps"] * cfg["get_secs"]
    return round(cpu / n * 1e6, 1) if n else None


# ---- 2. create throughput (issue 3a) ----

def bench_create(cfg, bins, tmp):
    """Fresh server per run; capacity 1 milli-cpu so no job runs (all wait pending) and only
    the create path (HTTP, validation, commit, scheduler bookkeeping) is measured."""
    out = {}
    for label, extra in (("default", []), ("http_threads_64", ["--http-threads", "64"])):
        runs, t0 = [], time.time()
        while len(runs) < cfg["create_runs"] and budget_left(t0, cfg["create_budget_s"], len(runs)):
            srv = Server(bins, args=["--capacity-cpu", "1", "--capacity-mem", "1"] + extra).start()
            try:
                c0 = cpu_secs(srv.proc.pid)
                r = run_json([os.path.join(bins, "bench_create"), "--port", str(srv.port),
                              "--conns", "64", "--count", str(cfg["create_count"])])
                r["server_cpu_ms_per_job"] = round(
                    (cpu_secs(srv.proc.pid) - c0) / r["requests"] * 1e3, 3)
                runs.append(r)
            finally:
                srv.stop()
        out[label] = {"runs": runs, "rps": median([r["rps"] for r in runs]),
                      "p50_ms": median([r["latency"]["p50_ms"] for r in runs]),
                      "p99_ms": median([r["latency"]["p99_ms"] for r in runs]),
                      "first10_rps": median([r["rps_first10"] for r in runs]),
                      "last10_rps": median([r["rps_last10"] for r in runs]),
                      "cpu_ms_per_job": median([r["server_cpu_ms_per_job"] for r in runs]),
                      "errors": sum(r["errors"] for r in runs)}
        log("create %s: %.0f jobs/s" % (label, out[label]["rps"]))
    out["count"] = cfg["create_count"]
    return out


# ---- stored jobs: a real template job, copied N times with SQL ----

def make_template(bins, tmp):
    """A data dir holding queues queue-a/queue-b and one real job that ran `true` and
    succeeded (its config, runtime and task rows are the copies' template)."""
    d = os.path.join(tmp, "template")
    os.makedirs(d)
    srv = Server(bins, data_dir=d).start()
    try:
        token = srv.login()
        for q in ("queue-a", "queue-b"):
            st, body = srv.api("POST", "/queue", {"name": q, "namespace": "default",
                                                  "clusterName": "default-cluster",
                                                  "maxResources": {"cpu": "20", "mem": "20Gi"}},
                               token)
            assert st == 200, body
        st, body = srv.api("POST", "/job/single", {
            "name": "bench-template", "image": "busybox", "command": "true",
            "labels": {"team": "bench"}, "schedulingPolicy": {"queue": "default-queue"},
            "flavour": {"cpu": "10m", "mem": "8Mi"}}, token)
        assert st == 200, body
        jid = body["id"]
        for _ in range(1000):
            st, job = srv.api("GET", "/job/" + jid, token=token)
            if job["status"] == "succeeded":
                break
            time.sleep(0.02)
        else:
            raise RuntimeError("template job did not succeed: %r" % job)
    finally:
        srv.stop(remove=False)
    return d


POPULATE_SQL = """
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n),
q(k, name, qid) AS (SELECT 0, 'default-queue', (SELECT id FROM queue WHERE name = 'default-queue')
    UNION ALL SELECT 1, 'queue-a', (SELECT id FROM queue WHERE name = 'queue-a')
    UNION ALL SELECT 2, 'queue-b', (SELECT id FROM queue WHERE name = 'queue-b')),
t AS (SELECT job.*, s.config, s.runtime FROM job JOIN job_spec s ON s.pk = job.pk
      ORDER BY job.pk LIMIT 1)
INSERT INTO job(id, name, user_name, queue_name, queue_id, type, framework, status, message,
                priority, created_at, updated_at, activated_at, finished_at)
SELECT printf('job-%016x', :base + x), t.name, t.user_name, q.name, q.qid, t.type, t.framework,
       CASE WHEN x % 10 < 7 THEN 'succeeded' WHEN x % 10 < 9 THEN 'failed' ELSE 'terminated' END,
       CASE WHEN x % 10 < 7 THEN 'job is succeeded'
            WHEN x % 10 < 9 THEN 'job is failed, task worker exited with code 1'
            ELSE 'job is terminated' END,
       t.priority, :t0 + x * 10, :t0 + x * 10 + 5, :t0 + x * 10 + 1, :t0 + x * 10 + 5
FROM c JOIN q ON q.k = c.x % 3, t;
"""

# each copy's spec: the template's, with its queue's name and id (job_spec, schema v3)
SPEC_SQL = """
INSERT INTO job_spec(pk, config, runtime)
SELECT j.pk, replace(replace(t.config, '"default-queue"', '"' || j.queue_name || '"'),
                     t.queue_id, j.queue_id), t.runtime
FROM job j, (SELECT job.queue_id, s.config, s.runtime FROM job JOIN job_spec s ON s.pk = job.pk
             ORDER BY job.pk LIMIT 1) t
WHERE j.pk > 1;
"""

TASK_SQL = """
INSERT INTO job_task(name, job_id, job_pk, role, idx, status, info, created_at, updated_at)
SELECT j.id || '-worker-0', j.id, j.pk, 'worker', 0, j.status,
       CASE j.status WHEN 'failed' THEN replace(t.info, '"exitCode":0', '"exitCode":1')
                     ELSE t.info END,
       j.created_at, j.updated_at
FROM job j, (SELECT info FROM job_task ORDER BY rowid LIMIT 1) t WHERE j.pk > 1;
INSERT INTO job_label(job_pk, key, value) SELECT pk, 'team', 'bench' FROM job WHERE pk > 1;
"""

ID_BASE = 0x100000


def populate(template, dest, n):
    """Copies the template data dir to dest and adds n-1 finished jobs (70% succeeded, 20%
    failed, 10% terminated, spread over three queues), each with its task and label rows,
    straight into SQLite while no server runs."""
    shutil.copytree(template, dest, ignore=shutil.ignore_patterns("tasks", "server.log"))
    t0 = time.time()
    db = sqlite3.connect(os.path.join(dest, "paddleflow.db"))
    db.executescript("PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; "
                     "PRAGMA cache_size=-262144;")
    start_ms = int((time.time() - 86400 * 30) * 1000)
    with db:
        db.execute(POPULATE_SQL, {"n": n - 1, "base": ID_BASE, "t0": start_ms})
        db.executescript(SPEC_SQL + TASK_SQL)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    return time.time() - t0


def sample_ids(n, k, path):
    import random
    rnd = random.Random(42)
    with open(path, "w") as f:
        for _ in range(k):
            f.write("job-%016x\n" % (ID_BASE + rnd.randint(1, max(1, n - 1))))


# ---- 3. show / list latency and RSS at 10^4..10^6 stored jobs (issue 3b, 3e) ----

def latency(bins, port, mode, count, runs, **kw):
    res = []
    for i in range(runs):
        cmd = [os.path.join(bins, "bench_latency"), "--port", str(port), "--mode", mode,
               "--count", str(count), "--warmup", "100", "--seed", str(i + 1)]
        for k, v in kw.items():
            cmd += ["--" + k, v]
        r = run_json(cmd)
        if r.get("status_errors"):
            raise RuntimeError("%s: %d non-200 answers" % (mode, r["status_errors"]))
        res.append(r["latency"])
    return {k: median([r[k] for r in res]) for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")}


def bench_store(cfg, bins, tmp, template):
    out = {}
    for n in cfg["scales"]:
        d = os.path.join(tmp, "jobs-%d" % n)
        secs = populate(template, d, n)
        log("populated %d jobs in %.1f s" % (n, secs))
        ids = os.path.join(tmp, "ids-%d.txt" % n)
        sample_ids(n, 10000, ids)
        srv = Server(bins, data_dir=d).start()
        try:
            r = {"jobs": n, "populate_s": round(secs, 1), "start_s": round(srv.start_secs, 3),
                 "rss_idle_kib": srv.status("VmRSS"),
                 "db_mib": round(os.path.getsize(os.path.join(d, "paddleflow.db")) / 2**20)}
            c, k = cfg["lat_count"], cfg["lat_runs"]
            r["show"] = latency(bins, srv.port, "show", c, k, ids=ids)
            r["list_filtered"] = latency(bins, srv.port, "get", c, k,
                                         path=PREFIX + "/job?status=failed&queue=queue-b")
            r["list_newest"] = latency(bins, srv.port, "get", c, k, path=PREFIX + "/job")
            r["list_label"] = latency(bins, srv.port, "get", max(20, c // 20), 1,
                                      path=PREFIX + "/job?labels=%7B%22team%22%3A%22bench%22%7D")
            r["rss_kib"] = srv.status("VmRSS")
            r["hwm_kib"] = srv.status("VmHWM")
        finally:
            srv.stop(remove=False)
        out[str(n)] = r
        log("%d jobs: show p99 %.2f ms, list p99 %.2f ms, RSS %d MiB" % (
            n, r["show"]["p99_ms"], r["list_filtered"]["p99_ms"], r["rss_kib"] // 1024))
        if n != cfg["cli_jobs"]:
            shutil.rmtree(d, ignore_errors=True)
    return out


# ---- 4. CLI wall time (issue 4) ----

def bench_cli(cfg, bins, tmp, template):
    d = os.path.join(tmp, "jobs-%d" % cfg["cli_jobs"])
    if not os.path.isdir(d):
        populate(template, d, cfg["cli_jobs"])
    home = os.path.join(tmp, "cli-home")
    os.makedirs(home, exist_ok=True)
    srv = Server(bins, data_dir=d).start()
    try:
        ini = os.path.join(tmp, "pf.ini")
        with open(ini, "w") as f:
            f.write("[user]\nname = root\npassword = paddleflow\n[server]\n"
                    "paddleflow_server_host = 127.0.0.1\npaddleflow_server_port = %d\n" % srv.port)
        pf = [os.path.join(bins, "paddleflow"), "--pf_config", ini]
        job_id = "job-%016x" % (ID_BASE + cfg["cli_jobs"] // 2)
        env = dict(os.environ, HOME=home)
        cases = {"job list": pf + ["job", "list"], "job show": pf + ["job", "show", job_id]}
        out = {"jobs": cfg["cli_jobs"], "runs": cfg["cli_runs"]}
        for name, cmd in cases.items():
            p = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if p.returncode != 0:
                raise RuntimeError("%s failed: %s" % (name, p.stderr))
            out[name] = time_cmd(cmd, cfg["cli_runs"], env, tmp)
        # the first call of a new host/user pays an argon2id login; shown for context
        tok = os.path.join(home, ".paddleflow", "tokens")
        out["job show (no saved token)"] = time_cmd(cases["job show"], max(3, cfg["cli_runs"] // 4),
                                                   env, tmp, remove_first=tok)
    finally:
        srv.stop(remove=False)
    return out


def time_cmd(cmd, runs, env, tmp, remove_first=None):
    """Wall time of cmd (hyperfine, else a Python loop); remove_first: a path deleted before
    every run."""
    if shutil.which("hyperfine"):
        js = os.path.join(tmp, "hyperfine.json")
        hf = ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", js,
              "--style", "none"]
        if remove_first:
            hf += ["--prepare", "rm -rf " + remove_first]
        subprocess.run(hf + [subprocess.list2cmdline(cmd)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        with open(js) as f:
            r = json.load(f)["results"][0]
        return {"tool": "hyperfine", "median_ms": round(r["median"] * 1e3, 2),
                "mean_ms": round(r["mean"] * 1e3, 2), "min_ms": round(r["min"] * 1e3, 2),
                "max_ms": round(r["max"] * 1e3, 2)}
    times = []
    for _ in range(runs + 3):
        if remove_first and os.path.isdir(remove_first):
            shutil.rmtree(remove_first)
        elif remove_first and os.path.exists(remove_first):
            os.unlink(remove_first)
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1e3)
    times = sorted(times[3:])
    return {"tool": "python loop", "median_ms": round(median(times), 2),
            "mean_ms": round(sum(times) / len(times), 2), "min_ms": round(times[0], 2),
            "max_ms": round(times[-1], 2)}


# ---- 5. end to end (issue 3c) ----

def bench_e2e(cfg, bins, tmp):
    n = cfg["e2e_jobs"]
    runs, fork1, forkp, t0 = [], [], [], time.time()
    while len(runs) < cfg["e2e_runs"] and budget_left(t0, cfg["e2e_budget_s"], len(runs)):
        fork1.append(run_json([os.path.join(bins, "bench_forkexec"), "--runs", str(n)]))
        forkp.append(run_json([os.path.join(bins, "bench_forkexec"), "--runs", str(n),
                               "--parallel", str(os.cpu_count())]))
        srv = Server(bins).start()
        try:
            c0, m0 = cpu_secs(srv.proc.pid), machine_busy_secs()
            r = run_json([os.path.join(bins, "bench_create"), "--port", str(srv.port), "--conns",
                          "64", "--count", str(n), "--command", "true", "--wait-done"])
            r["server_cpu_ms_per_job"] = round((cpu_secs(srv.proc.pid) - c0) / n * 1e3, 3)
            r["machine_cpu_ms_per_job"] = round((machine_busy_secs() - m0) / n * 1e3, 3)
            r["hwm_kib"] = srv.status("VmHWM")
        finally:
            srv.stop(remove=False)
        r.update(e2e_timeline(srv.data_dir))
        shutil.rmtree(srv.data_dir, ignore_errors=True)
        if r["succeeded"] != n:
            raise RuntimeError("e2e: %d of %d jobs succeeded" % (r["succeeded"], n))
        runs.append(r)
        log("e2e: %.0f jobs/s (fork/exec loop %.0f/s)" % (r["e2e_jobs_per_s"], fork1[-1]["per_s"]))
    return {"jobs": n, "runs": runs, "jobs_per_s": median([r["e2e_jobs_per_s"] for r in runs]),
            "submit_rps": median([r["rps"] for r in runs]),
            "cpu_ms_per_job": median([r["server_cpu_ms_per_job"] for r in runs]),
            "machine_cpu_ms_per_job": median([r["machine_cpu_ms_per_job"] for r in runs]),
            "peak_running": median([r["peak_running"] for r in runs]),
            "start_gap_mean_ms": median([r["start_gap_mean_ms"] for r in runs]),
            "run_ms_p50": median([r["run_ms_p50"] for r in runs]),
            "forkexec_per_s": median([r["per_s"] for r in fork1]),
            "forkexec_parallel_per_s": median([r["per_s"] for r in forkp])}


def e2e_timeline(data_dir):
    """From the jobs' millisecond timestamps: how many ran at once at most, and the median gap
    between consecutive starts (serialised starts show up as a gap near the cost of one)."""
    db = sqlite3.connect(os.path.join(data_dir, "paddleflow.db"))
    rows = db.execute("SELECT activated_at, finished_at FROM job WHERE activated_at > 0").fetchall()
    db.close()
    events = sorted([(a, 1) for a, _ in rows] + [(f, -1) for _, f in rows if f])
    running = peak = 0
    for _, d in events:
        running += d
        peak = max(peak, running)
    starts = sorted(a for a, _ in rows)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    runs = sorted(f - a for a, f in rows if f)
    return {"peak_running": peak, "start_gap_mean_ms": round(sum(gaps) / len(gaps), 2)
            if gaps else None, "run_ms_p50": median(runs)}


# ---- 6. scheduling latency (issue 3d) ----

def bench_sched(cfg, bins, tmp):
    srv = Server(bins).start()
    runs, ids = [], []
    try:
        for i in range(cfg["sched_runs"]):
            r = run_json([os.path.join(bins, "bench_latency"), "--port", str(srv.port), "--mode",
                          "sched", "--count", str(cfg["sched_count"]), "--warmup", "3",
                          "--command", "sleep 0.05"])
            runs.append(r)
            ids += r.pop("ids")
    finally:
        srv.stop(remove=False)
    # the server's own millisecond clock: accepted (created_at) -> running (activated_at)
    db = sqlite3.connect(os.path.join(srv.data_dir, "paddleflow.db"))
    server_ms, phases = [], {"accepted_to_claim": [], "claim_to_started": [],
                             "started_to_running": []}
    for jid in ids:
        row = db.execute("SELECT created_at, activated_at FROM job WHERE id = ?", (jid,)).fetchone()
        if not row or not row[1]:
            continue
        server_ms.append(row[1] - row[0])
        claim = task_file_ms(srv.data_dir, jid, "claim")
        started = task_file_ms(srv.data_dir, jid, "task.pid")
        if claim and started:
            phases["accepted_to_claim"].append(claim - row[0])
            phases["claim_to_started"].append(started - claim)
            phases["started_to_running"].append(row[1] - started)
    db.close()
    shutil.rmtree(srv.data_dir, ignore_errors=True)
    server_ms.sort()
    return {"samples": len(ids), "runs": runs,
            "p50_ms": median([r["latency"]["p50_ms"] for r in runs]),
            "p99_ms": median([r["latency"]["p99_ms"] for r in runs]),
            "seen_final_first": sum(r["seen_final_first"] for r in runs),
            "server_p50_ms": median(server_ms),
            "server_p99_ms": server_ms[min(len(server_ms) - 1, int(len(server_ms) * 0.99))]
            if server_ms else None,
            "phases_p50_ms": {k: median(v) for k, v in phases.items()}}


def task_file_ms(data_dir, job_id, name):
    """The millisecond timestamp the local runtime writes as the last field of a task's claim
    (the supervisor took the task) and task.pid (its process started) files; None if the
    runtime's file layout differs."""
    try:
        with open(os.path.join(data_dir, "tasks", job_id + "-worker-0", name)) as f:
            return int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


# ---- 7. distributed and workflow jobs (issues 5, 6): their own scripts, run from here ----

def bench_distributed(cfg, bins, tmp):
    """bench_distributed.py: a collective job of 8 workers, create -> all replicas running.
    Its exit status says whether the target was met, which is not an error here."""
    p = subprocess.run([sys.executable, os.path.join(HERE, "bench_distributed.py"), "--bin-dir",
                        bins, "--runs", str(cfg["dist_runs"])], capture_output=True, text=True,
                       timeout=1800)
    res = {"runs": cfg["dist_runs"]}
    for line in p.stdout.splitlines():
        m = re.match(r"(\w+)\s+p50\s+([\d.]+) ms\s+p90\s+([\d.]+)", line)
        if m:
            res[m.group(1)] = {"p50_ms": float(m.group(2)), "p90_ms": float(m.group(3))}
    if p.returncode not in (0, 1) or "running" not in res:
        raise RuntimeError("bench_distributed.py failed (%d): %s" % (p.returncode,
                                                                     (p.stderr or p.stdout)[-1500:]))
    return res


def bench_workflow(cfg, bins, tmp):
    """bench_workflow.py: a 1,000-node fan-out and a 100-node chain (quick: 50 and 10)."""
    js = os.path.join(tmp, "workflow.json")
    cmd = [sys.executable, os.path.join(HERE, "bench_workflow.py"), "--bin-dir", bins,
           "--json", js] + (["--quick"] if cfg is QUICK else [])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if p.returncode != 0 or not os.path.exists(js):
        raise RuntimeError("bench_workflow.py failed (%d): %s" % (p.returncode,
                                                                  (p.stderr or p.stdout)[-1500:]))
    with open(js) as f:
        return json.load(f)


# ---- report ----

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--bin-dir", default=os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--only", default="get,create,store,cli,e2e,sched,distributed,workflow")
    a = ap.parse_args()
    cfg = QUICK if a.quick else FULL
    bins = os.path.abspath(a.bin_dir)
    out_dir = a.out_dir or (os.path.join(HERE, "out") if a.quick else HERE)
    os.makedirs(out_dir, exist_ok=True)
    only = a.only.split(",")
    res = {"quick": a.quick, "machine": machine_info(), "config": cfg}
    log("machine: %d cores, load %.1f, fsync %.1f ms" % (
        res["machine"]["cores"], res["machine"]["loadavg_start"], res["machine"]["fsync_ms"]))
    tmp = tempfile.mkdtemp(prefix="pf-bench-run-")
    t_all = time.time()
    try:
        steps = [("get", bench_get), ("create", bench_create), ("e2e", bench_e2e),
                 ("sched", bench_sched), ("distributed", bench_distributed),
                 ("workflow", bench_workflow)]
        template = None
        for name, fn in steps + [("store", bench_store), ("cli", bench_cli)]:
            if name not in only:
                continue
            log("running %s" % name)
            try:
                if name in ("store", "cli"):
                    template = template or make_template(bins, tmp)
                    res[name] = fn(cfg, bins, tmp, template)
                else:
                    res[name] = fn(cfg, bins, tmp)
                res[name]["loadavg"] = os.getloadavg()[0]
            except Exception as ex:  # one broken benchmark must not lose the others' figures
                log("%s FAILED: %s" % (name, ex))
                res.setdefault("failed", {})[name] = str(ex)[-1000:]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["total_s"] = round(time.time() - t_all, 1)
    res["machine"]["loadavg_end"] = os.getloadavg()[0]
    with open(os.path.join(out_dir, "report-quick.json" if a.quick else "report.json"), "w") as f:
        json.dump(res, f, indent=1)
    sys.path.insert(0, HERE)
    from report import render
    md = render(res)
    with open(os.path.join(out_dir, "report-quick.md" if a.quick else "report.md"), "w") as f:
        f.write(md)
    print(md)
    log("done in %.0f s" % res["total_s"])
    if res.get("failed"):
        sys.exit("benchmarks failed: " + ", ".join(sorted(res["failed"])))


if __name__ == "__main__":
    main()
