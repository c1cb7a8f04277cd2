#!/usr/bin/env python3
"""Crash test: jobs keep their promises while the server is killed with SIGKILL again and again.

A load generator creates a mix of short and long single jobs (half with ids chosen by the
client, half with ids from the server) and stops some of them, while the server is killed with
SIGKILL at random moments and restarted on the same data directory. Each job's command appends
"start <id>" to a ledger when it begins and "done <id> <code>" when it ends, then exits with a
code derived from the job's name. When every job has ended, the test proves:

  * every create answered 200 made exactly one job (GET /job/{id}, and the list holds each id
    and each name once); a create whose answer was lost made at most one;
  * no job ran twice (each id at most once in the ledger) and every job that ran to its end
    (succeeded/failed) started exactly once and finished exactly once;
  * every final status matches what the process did: succeeded iff it exited 0, failed with
    "exited with code N" for the code it exited with, terminated for an acknowledged stop;
    a job that ran has a start time, every job a finish time;
  * no orphans: no process carrying this run's marker in its environment, no paddleflow-shim of
    this data directory, once the jobs have ended and again after the server stopped.

Usage: crash_test.py [--kills N] [--seed S] [--bin-dir DIR] [--clients N] [--rate R]
(PF_BIN_DIR is the default bin dir). Prints the counts; exit status 0 when every check holds.
Python 3 standard library only; the server runs on 127.0.0.1.
"""
import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from pfserver import PREFIX, ServerProc  # noqa: E402

FINAL = {"succeeded", "failed", "terminated", "skipped", "cancelled", "preempted"}


def expected_code(name):
    """The exit code a job's command uses, derived from its name (a third fail)."""
    h = sum(name.encode())
    return 0 if h % 3 else 1 + h % 7


class Client:
    """One request per connection, no retries: a lost answer must stay visible as lost."""

    def __init__(self, port, token=None, timeout=15):
        self.port, self.token, self.timeout = port, token, timeout

    def call(self, method, path, body=None, query=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            url = PREFIX + path
            if query:
                url += "?" + "&".join("%s=%s" % kv for kv in query.items())
            hdrs = {"Connection": "close"}
            if self.token:
                hdrs["x-pf-authorization"] = self.token
            data = json.dumps(body).encode() if body is not None else None
            if data is not None:
                hdrs["Content-Type"] = "application/json"
            conn.request(method, url, body=data, headers=hdrs)
            r = conn.getresponse()
            text = r.read().decode()
            return r.status, (json.loads(text) if text else None)
        finally:
            conn.close()

    def login(self):
        st, body = self.call("POST", "/login", {"username": "root", "password": "paddleflow"})
        if st != 200:
            raise RuntimeError("login failed: %s %s" % (st, body))
        self.token = body["authorization"]
        return self


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.tmp = tempfile.TemporaryDirectory(prefix="pf-crash-")
        self.data_dir = os.path.join(self.tmp.name, "data")
        self.ledger = os.path.join(self.tmp.name, "ledger")
        self.marker = "pfcrash%d%d" % (os.getpid(), self.rng.randrange(1 << 30))
        open(self.ledger, "w").close()
        os.mkdir(self.data_dir, 0o700)
        env = {"PF_BIN_DIR": args.bin_dir} if args.bin_dir else {}
        self.server = ServerProc(data_dir=self.data_dir, env=env,
                                 extra_args=["--stop-grace-seconds", "3"])
        self.lock = threading.Lock()
        self.stop_load = threading.Event()
        self.jobs = {}  # name -> record
        self.counts = {"creates": 0, "acked": 0, "lost": 0, "retried": 0, "dup_on_retry": 0,
                       "stops": 0, "stops_acked": 0, "stops_lost": 0, "kills": 0}
        self.restart_s = []
        self.errors = []

    # ---- load ----
    def job_body(self, name, client_id):
        long_job = self.rng.random() < 0.35
        sleep = self.rng.uniform(1.5, 4.0) if long_job else self.rng.uniform(0, 0.3)
        code = expected_code(name)
        cmd = ('echo "start $PF_JOB_ID" >> %s; sleep %.2f; echo "done $PF_JOB_ID %d" >> %s; '
               'exit %d' % (self.ledger, sleep, code, self.ledger, code))
        body = {"name": name, "image": "none", "command": cmd,
                "flavour": {"cpu": "10m", "mem": "16Mi"},
                "env": {"CRASH_MARKER": self.marker},
                "schedulingPolicy": {"queue": "default-queue"}}
        if client_id:
            body["id"] = client_id
        return body, long_job

    def create(self, api, n):
        name = "crash-%05d" % n
        client_id = "crash-%05d-%s" % (n, self.marker[-6:]) if n % 2 else None
        body, long_job = self.job_body(name, client_id)
        rec = {"name": name, "id": client_id, "acked": False, "long": long_job, "stop": None}
        with self.lock:
            self.jobs[name] = rec
            self.counts["creates"] += 1
        for attempt in range(50):
            try:
                st, resp = api.call("POST", "/job/single", body)
            except (OSError, http.client.HTTPException):
                if not client_id:  # the answer is lost: the job may or may not exist
                    with self.lock:
                        self.counts["lost"] += 1
                    return
                with self.lock:
                    self.counts["retried"] += 1
                time.sleep(0.1)
                continue
            if st == 200:
                rec["acked"], rec["id"] = True, resp["id"]
                with self.lock:
                    self.counts["acked"] += 1
                if client_id and resp["id"] != client_id:
                    self.errors.append("create %s answered id %s" % (client_id, resp["id"]))
            elif attempt and client_id and st == 400 and "already exists" in resp["message"]:
                # the first attempt was committed but its answer was lost: the id exists
                rec["acked"] = True
                with self.lock:
                    self.counts["acked"] += 1
                    self.counts["dup_on_retry"] += 1
            else:
                self.errors.append("create %s: %s %s" % (name, st, resp))
            break
        if rec["acked"] and rec["long"] and self.rng.random() < 0.25:
            time.sleep(self.rng.uniform(0, 1.0))
            self.stop(api, rec)

    def stop(self, api, rec):
        with self.lock:
            self.counts["stops"] += 1
        for _ in range(50):
            try:
                st, resp = api.call("PUT", "/job/" + rec["id"], query={"action": "stop"})
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.counts["stops_lost"] += 1
                time.sleep(0.1)
                continue  # stop is idempotent while the job runs: ask again
            if st == 200:
                rec["stop"] = "acked"
                with self.lock:
                    self.counts["stops_acked"] += 1
            elif st == 403:
                rec["stop"] = "final"  # it had already ended
            else:
                self.errors.append("stop %s: %s %s" % (rec["id"], st, resp))
            return

    def load(self, idx, token):
        api = Client(self.server.port, token)
        n = idx
        while not self.stop_load.is_set():
            self.create(api, n)
            n += self.args.clients
            time.sleep(self.rng.uniform(0, 2.0 / self.args.rate))

    # ---- chaos ----
    def kill_loop(self):
        for _ in range(self.args.kills):
            time.sleep(self.rng.uniform(0.05, self.args.max_uptime))
            self.server.kill9()
            self.counts["kills"] += 1
            t = time.time()
            self.server.start()
            self.restart_s.append(time.time() - t)

    # ---- checks ----
    def list_all(self, api):
        items, marker = [], None
        while True:
            q = {"maxKeys": 1000}
            if marker:
                q["marker"] = marker
            st, body = api.call("GET", "/job", query=q)
            if st != 200:
                raise RuntimeError("list: %s %s" % (st, body))
            items += body["jobList"]
            marker = body.get("nextMarker")
            if not body["isTruncated"]:
                return items

    def wait_final(self, api, timeout):
        deadline = time.time() + timeout
        while True:
            items = self.list_all(api)
            busy = [j for j in items if j["status"] not in FINAL]
            if not busy:
                return items
            if time.time() > deadline:
                raise RuntimeError("%d jobs still not final, e.g. %s" % (
                    len(busy), [(j["id"], j["status"], j["message"]) for j in busy[:5]]))
            time.sleep(0.5)

    def orphans(self):
        found = []
        needle = ("CRASH_MARKER=" + self.marker).encode()
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open("/proc/%s/environ" % pid, "rb") as f:
                    env = f.read()
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if needle in env.split(b"\0"):
                found.append((int(pid), cmd.replace(b"\0", b" ").decode(errors="replace")))
            elif b"paddleflow-shim" in cmd and self.data_dir.encode() in cmd:
                found.append((int(pid), cmd.replace(b"\0", b" ").decode(errors="replace")))
        return found

    def ledger_counts(self):
        starts, dones = {}, {}
        with open(self.ledger) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "start":
                    starts[parts[1]] = starts.get(parts[1], 0) + 1
                elif len(parts) == 3 and parts[0] == "done":
                    dones.setdefault(parts[1], []).append(int(parts[2]))
        return starts, dones

    def check(self, items, api):
        err = self.errors
        by_id, by_name = {}, {}
        for j in items:
            by_id.setdefault(j["id"], []).append(j)
            by_name.setdefault(j["name"], []).append(j)
        err += ["id %s listed %d times" % (i, len(v)) for i, v in by_id.items() if len(v) > 1]
        err += ["name %s listed %d times" % (n, len(v)) for n, v in by_name.items()
                if len(v) > 1]
        for rec in self.jobs.values():
            found = by_name.get(rec["name"], [])
            if rec["acked"]:
                st, body = api.call("GET", "/job/" + rec["id"])
                if st != 200 or body["name"] != rec["name"]:
                    err.append("acked job %s (%s): GET %s %s" % (rec["id"], rec["name"], st,
                                                               body))
                if len(found) != 1:
                    err.append("acked job %s listed %d times" % (rec["name"], len(found)))
        starts, dones = self.ledger_counts()
        err += ["job %s started %d times" % (i, n) for i, n in starts.items() if n > 1]
        err += ["job %s finished %d times" % (i, len(c)) for i, c in dones.items() if len(c) > 1]
        stats = {}
        for j in items:
            rec = self.jobs.get(j["name"])
            if rec is None:
                err.append("unknown job in list: %s %s" % (j["id"], j["name"]))
                continue
            stats[j["status"]] = stats.get(j["status"], 0) + 1
            self.check_status(j, rec, starts.get(j["id"], 0), dones.get(j["id"], []))
        return stats, sum(starts.values()), sum(len(v) for v in dones.values())

    def check_status(self, j, rec, started, done_codes):
        err, status, msg = self.errors, j["status"], j["message"]
        code = expected_code(rec["name"])
        where = "job %s (%s): status %s, message %r, started %d, done %s" % (
            j["id"], rec["name"], status, msg, started, done_codes)
        if not j["finishTime"]:
            err.append("no finish time (D15): " + where)
        if status in ("succeeded", "failed") and not j["startTime"]:
            err.append("ran without a start time: " + where)
        if rec["stop"] == "acked":
            if status != "terminated":
                err.append("acknowledged stop, " + where)
            return
        if status == "succeeded":
            if code != 0 or started != 1 or done_codes != [0]:
                err.append("succeeded but " + where)
        elif status == "failed":
            if code == 0 or started != 1 or done_codes != [code] or \
                    ("exited with code %d" % code) not in msg:
                err.append("failed but " + where)
        elif not (status == "terminated" and rec["stop"]):
            err.append("unexpected final status: " + where)

    # ---- the run ----
    def run(self):
        t0 = time.time()
        self.server.start()
        token = Client(self.server.port).login().token
        loaders = [threading.Thread(target=self.load, args=(i, token), daemon=True)
                   for i in range(self.args.clients)]
        for t in loaders:
            t.start()
        try:
            self.kill_loop()
        finally:
            self.stop_load.set()
            for t in loaders:
                t.join(timeout=120)
        chaos_s = time.time() - t0
        api = Client(self.server.port, token, timeout=60)
        items = self.wait_final(api, self.args.settle)
        stats, ledger_starts, ledger_dones = self.check(items, api)
        orphans_running = self.orphans()
        rc = self.server.stop()
        time.sleep(0.2)
        orphans_after = self.orphans()
        log = self.server.read_log()
        if orphans_running or orphans_after:
            self.errors.append("orphan processes: %s" % (orphans_running + orphans_after)[:10])
        if rc != 0:
            self.errors.append("server exit code %s on SIGTERM" % rc)
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
            self.errors.append("sanitizer report in the server log")
        report = dict(self.counts)
        report.update({
            "listed": len(items), "statuses": stats, "ledger_starts": ledger_starts,
            "ledger_dones": ledger_dones, "orphans": len(orphans_running + orphans_after),
            "restart_ms_median": round(1000 * sorted(self.restart_s)[len(self.restart_s) // 2])
            if self.restart_s else None,
            "restart_ms_max": round(1000 * max(self.restart_s)) if self.restart_s else None,
            "chaos_s": round(chaos_s, 1), "total_s": round(time.time() - t0, 1),
            "errors": len(self.errors)})
        return report

    def cleanup(self):
        try:
            self.server.stop()
        except Exception:
            pass
        # a failed run may leave processes: end only this run's (marked) ones
        for pid, _ in self.orphans():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.tmp.cleanup()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kills", type=int, default=20, help="SIGKILLs of the server (default 20)")
    p.add_argument("--max-uptime", type=float, default=2.5,
                   help="longest server uptime between kills, seconds (default 2.5)")
    p.add_argument("--clients", type=int, default=3, help="concurrent creating clients")
    p.add_argument("--rate", type=float, default=8.0, help="creates per second per client")
    p.add_argument("--settle", type=float, default=180, help="seconds to wait for the jobs")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--bin-dir", default=os.environ.get("PF_BIN_DIR"))
    a = p.parse_args(argv)
    if a.seed is None:
        a.seed = random.randrange(1 << 31)
    return a


def run(argv=None):
    """Runs the crash test; returns (report dict, list of violations)."""
    args = parse_args(argv)
    if args.bin_dir:
        os.environ["PF_BIN_DIR"] = args.bin_dir
        import pfserver
        pfserver.BIN_DIR = args.bin_dir
    r = Run(args)
    try:
        report = r.run()
        report["seed"] = args.seed
        return report, r.errors
    finally:
        r.cleanup()


def main():
    report, errors = run()
    for k, v in report.items():
        print("%-18s %s" % (k, v))
    for e in errors[:50]:
        print("VIOLATION:", e)
    print("crash test: %s" % ("PASS" if not errors else "FAIL (%d violations)" % len(errors)))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
