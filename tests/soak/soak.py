#!/usr/bin/env python3
"""Soak test: sustained mixed load against one server; its memory, file descriptors and
threads must stay flat and no request may fail.

Worker threads loop until the deadline over the life of a job: create (single job, short or
long), show, list, logs, update labels, wait until it ends (long ones are stopped), show again,
delete — plus queue/flavour reads. Every answer must have the expected status. The server's
RSS, open fds and threads are sampled every few seconds; after a warm-up (the first fifth of
the run, at least 20 s), the end may exceed the warm-up level by at most --rss-slack-mib
(default 12 MiB) and the RSS slope fitted over the last half of the run must stay under
--max-slope-kib (KiB per minute, default 1024), with fds and threads back to
their warm-up level (+5). Why the slack: SQLite's page caches (8 MiB for the writer, 2 MiB per
reading thread) fill as the database grows; a 20-minute run levels off near 24 MiB, with a
last-half slope around zero.

Usage: soak.py [--minutes M] [--workers N] [--bin-dir DIR]. Loopback only, bounded loops.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import pfserver  # noqa: E402

FINAL = {"succeeded", "failed", "terminated"}


class Conn:
    """A keep-alive connection; a request that fails on a reused connection is a failure
    (the server must not drop connections under load)."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None, query=None):
        url = pfserver.PREFIX + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        hdrs = {"x-pf-authorization": self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        self.c.request(method, url, body=data, headers=hdrs)
        r = self.c.getresponse()
        text = r.read().decode()
        return r.status, (json.loads(text) if text else None)


class Soak:
    def __init__(self, args):
        self.args = args
        self.server = pfserver.ServerProc(extra_args=["--stop-grace-seconds", "2"])
        self.deadline = 0
        self.lock = threading.Lock()
        self.requests = 0
        self.jobs = 0
        self.failures = []
        self.samples = []  # (t, rss_kib, fds, threads, jobs)
        self.anon = 0
        self.out = open(args.samples_out, "w") if args.samples_out else None
        if self.out:
            self.out.write("seconds,rss_kib,rss_anon_kib,fds,threads,jobs\n")

    def expect(self, what, got, want):
        with self.lock:
            self.requests += 1
            if got[0] not in want:
                self.failures.append("%s: %s %s" % (what, got[0], str(got[1])[:300]))
                return False
        return True

    def job_life(self, api, rng, n):
        long_job = rng.random() < 0.2
        cmd = "echo soak %d; sleep %s" % (n, "60" if long_job else "%.2f" % rng.uniform(0, 0.3))
        body = {"name": "soak-%d" % n, "image": "none", "command": cmd,
                "labels": {"n": str(n % 10)}, "flavour": {"cpu": "10m", "mem": "16Mi"}}
        r = api.call("POST", "/job/single", body)
        if not self.expect("create", r, {200}):
            return
        jid = r[1]["id"]
        self.expect("show", api.call("GET", "/job/" + jid), {200})
        self.expect("list", api.call("GET", "/job", query={"maxKeys": 20}), {200})
        self.expect("list labels", api.call("GET", "/job", query={
            "labels": json.dumps({"n": str(n % 10)}), "maxKeys": 5}), {200})
        self.expect("update", api.call("PUT", "/job/" + jid, {"labels": {"seen": "1"}},
                                       query={"action": "modify"}), {200})
        if long_job:
            time.sleep(rng.uniform(0.2, 1.0))
            self.expect("stop", api.call("PUT", "/job/" + jid, query={"action": "stop"}),
                        {200, 403})
        status, limit = None, time.time() + 60
        while time.time() < limit:
            r = api.call("GET", "/job/" + jid)
            if not self.expect("poll", r, {200}):
                return
            status = r[1]["status"]
            if status in FINAL:
                break
            self.expect("logs", api.call("GET", "/log/job", query={"jobID": jid,
                                                                   "lineLimit": 10}), {200})
            time.sleep(0.1)
        if status not in FINAL:
            with self.lock:
                self.failures.append("job %s did not end within 60 s (%s)" % (jid, status))
            return
        want = "terminated" if long_job else "succeeded"
        if status != want:
            with self.lock:
                self.failures.append("job %s ended %s, not %s" % (jid, status, want))
        r = api.call("GET", "/log/job", query={"jobID": jid})
        if self.expect("final logs", r, {200}):
            logs = "".join(t["logInfo"]["logContent"] for t in r[1]["taskList"])
            if "soak %d" % n not in logs:
                with self.lock:
                    self.failures.append("job %s: log lacks its output: %r" % (jid, logs[:200]))
        self.expect("delete", api.call("DELETE", "/job/" + jid), {200})
        self.expect("show deleted", api.call("GET", "/job/" + jid), {404})
        with self.lock:
            self.jobs += 1

    def worker(self, idx, token):
        rng = random.Random(idx)
        api = Conn(self.server.port, token)
        n = idx
        while time.time() < self.deadline:
            try:
                self.job_life(api, rng, n)
                self.expect("queue", api.call("GET", "/queue/default-queue"), {200})
                self.expect("flavours", api.call("GET", "/flavour"), {200})
            except (OSError, http.client.HTTPException, ValueError) as e:
                with self.lock:
                    self.failures.append("worker %d: %r" % (idx, e))
                api = Conn(self.server.port, token)
            n += self.args.workers

    def proc_stats(self):
        pid = self.server.proc.pid
        rss = threads = anon = 0
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        self.anon = anon
        return rss, len(os.listdir("/proc/%d/fd" % pid)), threads

    def run(self):
        a = self.args
        self.server.start()
        token = self.server.api().token
        start = time.time()
        self.deadline = start + a.minutes * 60
        workers = [threading.Thread(target=self.worker, args=(i, token), daemon=True)
                   for i in range(a.workers)]
        for w in workers:
            w.start()
        while time.time() < self.deadline:
            rss, fds, threads = self.proc_stats()
            with self.lock:
                self.samples.append((time.time() - start, rss, fds, threads, self.jobs))
            if self.out:
                self.out.write("%.1f,%d,%d,%d,%d,%d\n" % (time.time() - start, rss, self.anon,
                                                         fds, threads, self.jobs))
                self.out.flush()
            time.sleep(min(a.sample_s, max(0.1, self.deadline - time.time())))
        for w in workers:
            w.join(timeout=120)
        time.sleep(1)  # let the last exits be reaped
        rss, fds, threads = self.proc_stats()
        self.samples.append((time.time() - start, rss, fds, threads, self.jobs))
        rc = self.server.stop()
        log = self.server.read_log()
        self.server.cleanup()
        return self.verdict(rc, log, time.time() - start)

    @staticmethod
    def slope(samples):
        """least-squares slope of RSS over time, KiB per minute"""
        n = len(samples)
        if n < 3:
            return 0.0
        mt = sum(x[0] for x in samples) / n
        mr = sum(x[1] for x in samples) / n
        var = sum((x[0] - mt) ** 2 for x in samples)
        return sum((x[0] - mt) * (x[1] - mr) for x in samples) / var * 60 if var else 0.0

    def verdict(self, rc, log, elapsed):
        a, s = self.args, self.samples
        warm = max(20.0, a.minutes * 60 / 5)
        after = [x for x in s if x[0] >= warm] or s[-1:]
        base, end = after[0], s[-1]
        slope = self.slope([x for x in s if x[0] >= s[-1][0] / 2])
        problems = list(self.failures[:20])
        if len(self.failures) > 20:
            problems.append("... %d failures in all" % len(self.failures))
        if end[1] - base[1] > a.rss_slack_mib * 1024:
            problems.append("RSS grew %d KiB after the warm-up (%d → %d)" % (
                end[1] - base[1], base[1], end[1]))
        if slope > a.max_slope_kib:
            problems.append("RSS slope %.0f KiB/min over the last half" % slope)
        if end[2] > base[2] + 5:
            problems.append("open fds grew %d → %d" % (base[2], end[2]))
        if end[3] > base[3] + 5:
            problems.append("threads grew %d → %d" % (base[3], end[3]))
        if rc != 0:
            problems.append("server exit code %s" % rc)
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log or \
                "ERROR: LeakSanitizer" in log:
            problems.append("sanitizer report in the server log")
        report = {
            "minutes": round(elapsed / 60, 2), "workers": a.workers,
            "requests": self.requests, "rps": round(self.requests / elapsed, 1),
            "jobs": self.jobs, "failures": len(self.failures),
            "rss_kib_start": s[0][1], "rss_kib_after_warmup": base[1], "rss_kib_end": end[1],
            "rss_kib_max": max(x[1] for x in s),
            "rss_slope_last_half_kib_per_min": round(slope, 1),
            "fds_after_warmup": base[2], "fds_end": end[2],
            "threads_after_warmup": base[3], "threads_end": end[3],
        }
        return report, problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--sample-s", type=float, default=5)
    p.add_argument("--rss-slack-mib", type=float, default=12)
    p.add_argument("--max-slope-kib", type=float, default=1024)
    p.add_argument("--bin-dir", default=os.environ.get("PF_BIN_DIR"))
    p.add_argument("--samples-out", help="CSV of the samples (seconds, RSS, fds, threads)")
    a = p.parse_args(argv)
    if a.bin_dir:
        pfserver.BIN_DIR = a.bin_dir
    report, problems = Soak(a).run()
    for k, v in report.items():
        print("%-32s %s" % (k, v))
    for pr in problems:
        print("PROBLEM:", pr)
    print("soak: %s" % ("PASS" if not problems else "FAIL"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
