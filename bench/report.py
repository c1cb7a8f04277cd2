"""report.py — renders the results of bench/run.py as the Markdown report: one table of every
figure beside its target, then the details that explain it. Kept apart from run.py so the
report can be re-rendered from a saved report.json:  python3 bench/report.py report.json
"""
import json
import sys

MIB = 1024


def fmt(v, unit="", nd=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        v = round(v, nd)
        if nd == 0:
            v = int(v)
    return "{:,}{}".format(v, unit)


def verdict(value, target, higher_is_better):
    if value is None:
        return "–"
    ok = value >= target if higher_is_better else value < target
    return "met" if ok else "**MISSED**"


def scales(r):
    """(jobs stored, results) of the store benchmark, smallest first."""
    st = r.get("store") or {}
    return sorted(((k, v) for k, v in st.items() if k.isdigit()), key=lambda kv: int(kv[0]))


def rows(r):
    """(benchmark, figure, target text, verdict) for every figure that has a target."""
    out = []
    g = r.get("get")
    if g and g.get("ratio") is not None:
        out.append(("GET /queue/default-queue, 64 conns (issue 2)",
                    "%s req/s = %.2f× nginx (%s req/s)" % (fmt(g["server_rps"], nd=0), g["ratio"],
                                                          fmt(g["nginx_rps"], nd=0)),
                    "≥ 0.7× nginx", verdict(g["ratio"], 0.7, True)))
    elif g:
        out.append(("GET /queue/default-queue, 64 conns (issue 2)",
                    "%s req/s (no nginx installed: no ceiling)" % fmt(g["server_rps"], nd=0),
                    "≥ 0.7× nginx", "–"))
    c = r.get("create")
    if c:
        d = c["default"]
        out.append(("create single jobs, 64 conns, default server (3a)",
                    "%s jobs/s (p50 %s ms, p99 %s ms)" % (fmt(d["rps"], nd=0), fmt(d["p50_ms"]),
                                                          fmt(d["p99_ms"])),
                    "≥ 10,000 jobs/s", verdict(d["rps"], 10000, True)))
        t = c.get("http_threads_64")
        if t:
            out.append(("create, same, `--http-threads 64` (diagnostic)",
                        "%s jobs/s (p50 %s ms, p99 %s ms)" % (fmt(t["rps"], nd=0),
                                                              fmt(t["p50_ms"]), fmt(t["p99_ms"])),
                        "(diagnostic: creates hold no worker thread, so the pool size "
                        "should not matter)", "–"))
    for n, s in scales(r):
        out.append(("list 50 newest, status+queue filter, %s jobs (3b)" % fmt(int(n)),
                    "p99 %s ms (p50 %s)" % (fmt(s["list_filtered"]["p99_ms"], nd=2),
                                            fmt(s["list_filtered"]["p50_ms"], nd=2)),
                    "p99 < 5 ms", verdict(s["list_filtered"]["p99_ms"], 5, False)))
        out.append(("show one job, %s jobs (3b)" % fmt(int(n)),
                    "p99 %s ms (p50 %s)" % (fmt(s["show"]["p99_ms"], nd=2),
                                            fmt(s["show"]["p50_ms"], nd=2)),
                    "p99 < 1 ms", verdict(s["show"]["p99_ms"], 1, False)))
        out.append(("server RSS, %s jobs stored (3e)" % fmt(int(n)),
                    "%s MiB after the latency runs (peak %s MiB)" % (
                        fmt(s["rss_kib"] / MIB), fmt(s["hwm_kib"] / MIB)),
                    "< 64 MiB", verdict(s["rss_kib"] / MIB, 64, False)))
    e = r.get("e2e")
    if e:
        out.append(("end to end, %s `true` jobs (3c)" % fmt(e["jobs"]),
                    "%s jobs/s (fork/exec loop %s/s, ×%d parallel %s/s)" % (
                        fmt(e["jobs_per_s"], nd=0), fmt(e["forkexec_per_s"], nd=0),
                        r["machine"]["cores"], fmt(e["forkexec_parallel_per_s"], nd=0)),
                    "≥ 500 jobs/s", verdict(e["jobs_per_s"], 500, True)))
    s = r.get("sched")
    if s:
        out.append(("scheduling latency create → running, idle (3d)",
                    "p50 %s ms, p99 %s ms (server clock p50 %s ms)" % (
                        fmt(s["p50_ms"], nd=2), fmt(s["p99_ms"], nd=2), fmt(s["server_p50_ms"])),
                    "p50 < 5 ms", verdict(s["p50_ms"], 5, False)))
    d = r.get("distributed")
    if d and d.get("running"):
        out.append(("collective job, 8 workers, create → all running (issue 5)",
                    "p50 %s ms, p90 %s ms (%d runs)" % (fmt(d["running"]["p50_ms"]),
                                                       fmt(d["running"]["p90_ms"]), d["runs"]),
                    "p50 < 50 ms", verdict(d["running"]["p50_ms"], 50, False)))
    w = r.get("workflow")
    if w and w.get("chain"):
        c, f = w["chain"], w["fanout"]
        out.append(("workflow chain of %d nodes, per node (issue 6)" % c["nodes"],
                    "%s ms/node (%s s total)" % (fmt(c["ms_per_node"], nd=2),
                                                 fmt(c["wall_s"], nd=2)),
                    "< 5 ms", verdict(c["ms_per_node"], 5, False)))
        out.append(("workflow fan-out of %s nodes (issue 6)" % fmt(f["nodes"]),
                    "%s s total, %s nodes/s" % (fmt(f["wall_s"], nd=2), fmt(f["nodes_per_s"], nd=0)),
                    "(none)", "–"))
    cl = r.get("cli")
    if cl:
        for k in ("job list", "job show"):
            out.append(("`paddleflow %s`, %s jobs (issue 4)" % (k, fmt(cl["jobs"])),
                        "median %s ms (min %s, max %s)" % (fmt(cl[k]["median_ms"], nd=2),
                                                          fmt(cl[k]["min_ms"], nd=2),
                                                          fmt(cl[k]["max_ms"], nd=2)),
                        "< 20 ms", verdict(cl[k]["median_ms"], 20, False)))
    return out


def details(r):
    lines = []
    s = r.get("store")
    if s:
        lines += ["", "### Stored jobs: latency (ms, median of runs) and memory", "",
                  "| jobs | DB MiB | start s | show p50/p99 | list filtered p50/p99 | "
                  "list newest p50/p99 | list by label p50/p99 | RSS idle → after (peak) MiB |",
                  "|---:|---:|---:|---|---|---|---|---|"]
        for n, x in scales(r):
            pp = lambda k: "%s / %s" % (fmt(x[k]["p50_ms"], nd=2), fmt(x[k]["p99_ms"], nd=2))
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s → %s (%s) |" % (
                fmt(int(n)), fmt(x["db_mib"]), fmt(x["start_s"], nd=2), pp("show"),
                pp("list_filtered"), pp("list_newest"), pp("list_label"),
                fmt(x["rss_idle_kib"] / MIB), fmt(x["rss_kib"] / MIB), fmt(x["hwm_kib"] / MIB)))
    c = r.get("create")
    if c:
        lines += ["", "### Create throughput as the backlog grows (%s jobs per run, all kept "
                  "pending)" % fmt(c["count"]), "",
                  "| server | runs | jobs/s | first 10% | last 10% | p50 ms | p99 ms | server CPU "
                  "ms/job | errors |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for k in ("default", "http_threads_64"):
            if k in c:
                x = c[k]
                lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %d |" % (
                    k, len(x["runs"]), fmt(x["rps"], nd=0), fmt(x["first10_rps"], nd=0),
                    fmt(x["last10_rps"], nd=0), fmt(x["p50_ms"]), fmt(x["p99_ms"]),
                    fmt(x["cpu_ms_per_job"], nd=2), x["errors"]))
    cl = r.get("cli")
    if cl and "job show (no saved token)" in cl:
        x = cl["job show (no saved token)"]
        lines += ["", "CLI `job show` when no login token is saved yet (argon2id login): "
                  "median %s ms." % fmt(x["median_ms"], nd=2)]
    g = r.get("get")
    if g:
        lines += ["", "GET (%s, median of %d runs): server p99 %s ms, %s µs of server CPU per "
                  "request; nginx %s µs." % (g["tool"], len(g["runs"]["server"]),
                                             fmt(g["server_p99_ms"], nd=2), fmt(g["server_cpu_us"]),
                                             fmt(g.get("nginx_cpu_us")))]
    e = r.get("e2e")
    if e:
        lines += ["", "End to end (median of %d runs): submits answered at %s jobs/s; %s ms of "
                  "server CPU per job, %s ms of machine CPU per job (every process: server, "
                  "supervisors, jobs, client — and anything else running); at most %s jobs running at "
                  "once; one job started every %s ms on average; a job ran %s ms (p50, "
                  "running → finished)." % (
                      len(e["runs"]), fmt(e["submit_rps"], nd=0), fmt(e["cpu_ms_per_job"], nd=2),
                      fmt(e.get("machine_cpu_ms_per_job"), nd=2),
                      fmt(e.get("peak_running")), fmt(e.get("start_gap_mean_ms"), nd=2),
                      fmt(e.get("run_ms_p50")))]
    s = r.get("sched")
    if s:
        lines += ["", "Scheduling latency: %d samples, polling every %s µs; %d first seen already "
                  "finished. Server clock = activated_at − created_at in the database (ms)." % (
                      s["samples"], s["runs"][0].get("poll_us", "?"), s["seen_final_first"])]
        ph = s.get("phases_p50_ms") or {}
        if ph.get("accepted_to_claim") is not None:
            lines[-1] += (" Where it goes (p50, server clock): accepted → supervisor claimed the "
                          "task %s ms, claimed → process started %s ms, started → `running` "
                          "recorded %s ms." % (fmt(ph["accepted_to_claim"]),
                                               fmt(ph["claim_to_started"]),
                                               fmt(ph["started_to_running"])))
    return lines


def render(r):
    m = r["machine"]
    head = ["# paddleflow benchmark report%s" % (" (quick mode: tiny sizes, not figures)"
                                                 if r.get("quick") else ""),
            "",
            "%s · %d cores (%s) · %s GiB · kernel %s · commit %s · fsync %s ms · load average "
            "%.1f at start, %.1f at end · %s s total" % (
                m["date"], m["cores"], m["cpu"], m["mem_gib"], m["kernel"], m["commit"],
                m["fsync_ms"], m["loadavg_start"], m["loadavg_end"], r["total_s"]),
            "",
            "Rerun: `make bench` (or `bench/run.sh [build-dir]`); method in docs/benchmarks.md.",
            "",
            "| benchmark | figure | target | verdict |",
            "|---|---|---|---|"]
    for b, f, t, v in rows(r):
        head.append("| %s | %s | %s | %s |" % (b, f, t, v))
    for name, err in sorted((r.get("failed") or {}).items()):
        head.append("| %s | FAILED: %s | | **FAILED** |" % (name, err.splitlines()[-1][:200]))
    return "\n".join(head + details(r)) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(render(json.load(f)), end="")
