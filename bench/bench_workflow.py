#!/usr/bin/env python3
"""bench_workflow.py — workflow jobs (issue 6) on a real paddleflow-server:

  fanout   one workflow of N trivial nodes (`true`) run as a wide fan-out: a DAG task with
           withItems of N items (--fanout-kind items, default) or N independent DAG tasks
           (--fanout-kind dag). Wall time from create to succeeded, nodes/s.
  chain    one workflow of M nodes, each depending on the previous one: wall time from
           create to succeeded, and the per-node overhead (chain - one-node workflow) / (M-1);
           target < 5 ms per node.

Beside each figure: the server's own CPU time (utime+stime of the server process), the
machine's busy share (from /proc/stat) and, for the chain, the floor of what each node runs
anyway (`sh -c true`, run M times in a plain shell loop, no server) and the chain's per-node time split into spawn / command / reap / react from the
task directories' timestamps (see chain_breakdown). The server runs with a big
--capacity-cpu/--capacity-mem and the workflows on a queue with big maxResources, so only the
machine bounds parallelism (each node needs cpu 1 / mem 1Gi: a workflow job has no flavour of
its own, see the probe below).

The flavour probe: a workflow created with "flavour": {"cpu": "100m", "mem": "64Mi"} on a
queue of cpu 1 runs two parallel nodes that wait for each other; if the flavour were the
nodes' need both would start, else only one does (printed, not asserted).

Usage: /usr/bin/python3 bench/bench_workflow.py [--bin-dir build/bin] [--fanout 1000]
         [--chain 100] [--runs 3] [--fanout-kind items|dag] [--json FILE] [--quick]
Standard library only. Prints a table and a JSON summary (also to --json FILE).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import pfserver  # noqa: E402  (the e2e helper: starts a real server, tiny HTTP client)

TARGET_MS_PER_NODE = 5.0
BIG_QUEUE = {"name": "bench-wf", "namespace": "default", "clusterName": "default-cluster",
             "quotaType": "volcanoCapabilityQuota",
             "maxResources": {"cpu": "100000", "mem": "100000Gi"}}


def log(msg):
    print("[bench_workflow %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def wf(templates, entrypoint="main"):
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": "bench-"},
            "spec": {"entrypoint": entrypoint, "templates": templates}}


TRUE = {"name": "t", "container": {"image": "busybox", "command": ["true"]}}


def fanout_items(n):
    return wf([{"name": "main", "dag": {"tasks": [
        {"name": "f", "template": "t", "withItems": list(range(n))}]}}, TRUE])


def fanout_dag(n):
    return wf([{"name": "main", "dag": {"tasks": [
        {"name": "f%d" % i, "template": "t"} for i in range(n)]}}, TRUE])


def chain(m):
    tasks = [{"name": "c0", "template": "t"}]
    tasks += [{"name": "c%d" % i, "dependencies": ["c%d" % (i - 1)], "template": "t"}
              for i in range(1, m)]
    return wf([{"name": "main", "dag": {"tasks": tasks}}, TRUE])


def cpu_ticks_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def machine_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v), idle


class Meter:
    """Server CPU and machine busy share over an interval."""

    def __init__(self, pid):
        self.pid = pid
        self.hz = os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self.t0 = time.monotonic()
        self.c0 = cpu_ticks_of(self.pid)
        self.m0 = machine_ticks()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        self.server_cpu = (cpu_ticks_of(self.pid) - self.c0) / self.hz
        total, idle = machine_ticks()
        dt = total - self.m0[0]
        self.busy = 1.0 - (idle - self.m0[1]) / dt if dt else 0.0


def run_workflow(api, srv, tpl, poll, timeout):
    """Creates the workflow and polls until it ends; returns (seconds, Meter, job)."""
    body = {"name": "bench", "schedulingPolicy": {"queue": BIG_QUEUE["name"]},
            "extensionTemplate": tpl}
    with Meter(srv.proc.pid) as m:
        t0 = time.monotonic()
        r = api.post("/job/workflow", body)
        if r.status != 200:
            raise RuntimeError("create failed: %r" % r)
        jid = r.json["id"]
        deadline = t0 + timeout
        while True:
            # GET /job?... without the runtime view would be cheaper, but the show of one job
            # is what a client polls; keep the interval coarse enough not to compete
            j = api.get("/job/" + jid).json
            if j["status"] in ("succeeded", "failed", "terminated"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("workflow %s did not end in %ss" % (jid, timeout))
            time.sleep(poll)
        wall = time.monotonic() - t0
    if j["status"] != "succeeded":
        raise RuntimeError("workflow %s ended %s: %s" % (jid, j["status"], j["message"]))
    return wall, m, j


def claim_ms(d):
    """The millisecond the node's supervisor claimed its task: the last field of the claim
    file (its last line is "<shim pid> <starttime> <ms>")."""
    with open(os.path.join(d, "claim")) as f:
        return int(f.read().split()[-1])


def chain_breakdown(data_dir, jid):
    """Where each chain node's time goes, from its task directory (ms, medians over nodes):
    spawn   the supervisor claimed the node's task -> node command started (cgroup, fork)
    command node command started -> it exited (`sh -c true`: the runtime keeps stdout apart
            for outputs.result, no wrapper)
    reap    command exited -> exit.json written (shim: kill what is left, record the exit)
    react   exit.json written -> next node's claim (server: see the exit, step the engine,
            persist the state, schedule, admit, spawn the next shim, which claims)
    exit.json's mtime comes from the kernel's coarse clock (one jiffy, ~4 ms): single values
    can be off by that much (even negative), medians over the chain are close."""
    root = os.path.join(data_dir, "tasks")
    rows = []
    for t in os.listdir(root):
        if not t.startswith(jid + "-"):
            continue
        d = os.path.join(root, t)
        with open(os.path.join(d, "exit.json")) as f:
            ex = json.load(f)
        rows.append((claim_ms(d), ex["started_ms"], ex["finished_ms"],
                     os.stat(os.path.join(d, "exit.json")).st_mtime_ns / 1e6))
    rows.sort()
    parts = {"spawn": [], "command": [], "reap": [], "react": []}
    for i, (claim, start, end, exited) in enumerate(rows):
        parts["spawn"].append(start - claim)
        parts["command"].append(end - start)
        parts["reap"].append(exited - end)
        if i + 1 < len(rows):
            parts["react"].append(rows[i + 1][0] - exited)
    return {k: statistics.median(v) if v else None for k, v in parts.items()}


def wrapper_floor(m, tmp):
    """m runs of what one node executes (`sh -c true`; there is no wrapper any more: the
    runtime keeps the node's stdout apart), no server. Returned twice for the report's two
    columns (node, plain)."""
    t0 = time.monotonic()
    subprocess.run(["/bin/sh", "-c", "i=0; while [ $i -lt %d ]; do /bin/sh -c true || exit 1; "
                    "i=$((i+1)); done" % m], check=True)
    plain = time.monotonic() - t0
    return plain / m * 1000, plain / m * 1000


def flavour_probe(api, tmp):
    q = dict(BIG_QUEUE, name="bench-probe", maxResources={"cpu": "1", "mem": "1Gi"})
    r = api.post("/queue", q)
    if r.status != 200:
        return "probe failed: %r" % r
    d = os.path.join(tmp, "probe")
    os.makedirs(d)
    wait = ("touch %s/$PF_TASK_NAME; i=0; while [ $(ls %s | wc -l) -lt 2 ]; do i=$((i+1)); "
            "[ $i -gt 100 ] && exit 0; sleep 0.02; done" % (d, d))
    tpl = wf([{"name": "main", "dag": {"tasks": [{"name": "a", "template": "w"},
                                                 {"name": "b", "template": "w"}]}},
              {"name": "w", "container": {"command": ["sh", "-c", wait]}}])
    r = api.post("/job/workflow", {"name": "probe", "schedulingPolicy": {"queue": "bench-probe"},
                                   "flavour": {"cpu": "100m", "mem": "64Mi"},
                                   "extensionTemplate": tpl})
    if r.status != 200:
        return "flavour in the body rejected: %r" % r
    jid = r.json["id"]
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30:
        if api.get("/job/" + jid).json["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    started_together = time.monotonic() - t0 < 1.5
    return ("honoured (both nodes ran at once)" if started_together else
            "NOT honoured (nodes ran one at a time: each needs the default cpu 1 / mem 1Gi)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", default=os.environ.get("PF_BIN_DIR") or
                    os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--fanout", type=int, default=1000)
    ap.add_argument("--fanout-kind", choices=["items", "dag"], default="items")
    ap.add_argument("--chain", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", help="also write the summary here")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one run (smoke test)")
    a = ap.parse_args()
    if a.quick:
        a.fanout, a.chain, a.runs = 50, 10, 1
    pfserver.BIN_DIR = os.path.abspath(a.bin_dir)
    tmp = tempfile.mkdtemp(prefix="pf-bench-wf-")
    srv = pfserver.ServerProc(extra_args=["--capacity-cpu", str(10**8),
                                          "--capacity-mem", str(1 << 50),
                                          "--log-level", "warn"]).start()
    try:
        api = srv.api()
        r = api.post("/queue", BIG_QUEUE)
        if r.status != 200:
            raise RuntimeError("queue: %r" % r)
        run_workflow(api, srv, chain(3), 0.01, 60)  # warm up (page cache, first spawns)
        res = {"bin_dir": os.path.abspath(a.bin_dir), "cores": os.cpu_count(),
               "loadavg_at_start": os.getloadavg()[0]}

        ones = [run_workflow(api, srv, chain(1), 0.005, 60)[0] for _ in range(max(3, a.runs))]
        res["one_node_s"] = statistics.median(ones)

        runs = []
        for _ in range(a.runs):
            wall, m, job = run_workflow(api, srv, chain(a.chain), 0.01, 600)
            parts = chain_breakdown(srv.data_dir, job["id"])
            runs.append({"wall_s": wall, "server_cpu_s": m.server_cpu, "busy": m.busy,
                         "breakdown_ms": parts})
            log("chain %d: %.3f s (%.2f ms/node), server cpu %.3f s, machine busy %.0f%%; per "
                "node (median ms): %s" % (a.chain, wall, wall / a.chain * 1000, m.server_cpu,
                                          m.busy * 100, ", ".join("%s %.2f" % kv for kv in
                                                                  parts.items() if kv[1])))
        wall = statistics.median(r["wall_s"] for r in runs)
        per_node = (wall - res["one_node_s"]) / max(1, a.chain - 1) * 1000
        floor_wrapped, floor_plain = wrapper_floor(a.chain, tmp)
        mid = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
        res["chain"] = {"nodes": a.chain, "runs": runs, "wall_s": wall,
                        "breakdown_ms": mid["breakdown_ms"],
                        "ms_per_node": per_node, "ms_per_node_raw": wall / a.chain * 1000,
                        "server_cpu_ms_per_node": statistics.median(
                            r["server_cpu_s"] for r in runs) / a.chain * 1000,
                        "node_wrapper_floor_ms": floor_wrapped, "sh_true_floor_ms": floor_plain,
                        "target_ms_per_node": TARGET_MS_PER_NODE,
                        "meets_target": per_node < TARGET_MS_PER_NODE}

        make = fanout_items if a.fanout_kind == "items" else fanout_dag
        runs = []
        for _ in range(a.runs):
            wall, m, job = run_workflow(api, srv, make(a.fanout), 0.1, 1800)
            pods = sum(1 for n in job["workflowRuntime"]["nodes"] if n["type"] == "Pod")
            if pods != a.fanout:
                raise RuntimeError("fan-out ran %d nodes, not %d" % (pods, a.fanout))
            runs.append({"wall_s": wall, "server_cpu_s": m.server_cpu, "busy": m.busy})
            log("fan-out %d (%s): %.2f s (%.0f nodes/s), server cpu %.2f s, machine busy %.0f%%"
                % (a.fanout, a.fanout_kind, wall, a.fanout / wall, m.server_cpu, m.busy * 100))
        wall = statistics.median(r["wall_s"] for r in runs)
        res["fanout"] = {"nodes": a.fanout, "kind": a.fanout_kind, "runs": runs, "wall_s": wall,
                         "nodes_per_s": a.fanout / wall, "ms_per_node": wall / a.fanout * 1000,
                         "server_cpu_ms_per_node": statistics.median(
                             r["server_cpu_s"] for r in runs) / a.fanout * 1000}
        res["flavour_in_body"] = flavour_probe(api, tmp)
        with open("/proc/%d/status" % srv.proc.pid) as f:
            hwm = [ln for ln in f if ln.startswith("VmHWM")][0]
        res["server_rss_hwm_kib"] = int(hwm.split()[1])
    finally:
        srv.cleanup()
        subprocess.run(["rm", "-rf", tmp])

    c, f = res["chain"], res["fanout"]
    print()
    print("| case | nodes | wall | per node | server cpu/node | note |")
    print("|---|---|---|---|---|---|")
    print("| one-node workflow | 1 | %.1f ms | | | create → succeeded |"
          % (res["one_node_s"] * 1000))
    print("| chain | %d | %.3f s | %.2f ms (target < %.0f ms: %s) | %.2f ms | raw %.2f ms/node; "
          "node command alone %.2f ms, sh -c true %.2f ms |"
          % (c["nodes"], c["wall_s"], c["ms_per_node"], TARGET_MS_PER_NODE,
             "met" if c["meets_target"] else "MISSED", c["server_cpu_ms_per_node"],
             c["ms_per_node_raw"], c["node_wrapper_floor_ms"], c["sh_true_floor_ms"]))
    print("| chain, per node | | | %s | | spawn: supervisor claimed -> command runs; "
          "command: `sh -c true`; reap: shim after exit; react: server from exit to the next "
          "node's claim |" % ", ".join("%s %.2f ms" % kv for kv in c["breakdown_ms"].items()
                                              if kv[1] is not None))
    print("| fan-out (%s) | %d | %.2f s | %.2f ms (%.0f nodes/s) | %.2f ms | |"
          % (f["kind"], f["nodes"], f["wall_s"], f["ms_per_node"], f["nodes_per_s"],
             f["server_cpu_ms_per_node"]))
    print("\nload average at start: %.1f on %d cores (figures are only meaningful on an idle "
          "machine)" % (res["loadavg_at_start"], res["cores"]))
    print("flavour in the create body: %s" % res["flavour_in_body"])
    print("server RSS high-water mark: %d KiB" % res["server_rss_hwm_kib"])
    print(json.dumps(res))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
