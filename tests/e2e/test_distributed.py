"""Distributed jobs on the local runtime, end to end against a real server (issue 5):

* the examples of examples/distributed run for real (Paddle PS and collective, Spark-style),
  submitted through the CLI from their JSON/YAML files: every replica checks its own env,
  they talk over the endpoints they were given, and report back in their logs;
* the env of the other frameworks (pytorch, tensorflow, mxnet) and the spark-submit mapping;
* gang admission (waits whole, starts whole), failure of one replica, stop, kill -9 and
  restart of the server while a distributed job runs;
* create validation with upstream's messages (api.md §3.1/§3.3, spelled as D16 says)."""
import json
import os
import shutil
import time

import pytest

from pfserver import wait_for, show_job as show, wait_job_status as wait_status
from test_cli_basics import Cli

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "distributed")
FINAL = {"succeeded", "failed", "terminated"}
SMALL = {"cpu": "100m", "mem": "64Mi"}


def member(role, replicas, command, **kw):
    m = {"role": role, "replicas": replicas, "image": "busybox", "command": command,
         "flavour": dict(SMALL)}
    m.update(kw)
    return m


def create(api, framework, members, queue="default-queue", **kw):
    body = {"schedulingPolicy": {"queue": queue}, "framework": framework, "members": members}
    body.update(kw)
    r = api.post("/job/distributed", body)
    assert r.status == 200, r
    return r.json["id"]




def runtimes(job):
    return {rt["name"]: rt for rt in (job.get("distributedRuntime") or {}).get("runtimes", [])}


def logs(api, jid):
    r = api.get("/log/job", query={"jobID": jid})
    assert r.status == 200, r
    return {t["taskID"]: t["logInfo"]["logContent"] for t in r.json["taskList"]}


def results(api, jid):
    """The PF-RESULT line each example replica prints, by task name."""
    out = {}
    for task, text in logs(api, jid).items():
        lines = [line for line in text.splitlines() if line.startswith("PF-RESULT ")]
        if lines:
            out[task] = json.loads(lines[-1][len("PF-RESULT "):])
    return out


def env_barrier(d, n):
    """A command that saves the task's env in d, then waits until all n tasks of the job have:
    a task that does not complete the job (a pserver, say) is stopped once the job is done,
    possibly before it got to run anything."""
    d.mkdir(exist_ok=True)
    return ("env > {d}/$PF_TASK_NAME.tmp && mv {d}/$PF_TASK_NAME.tmp {d}/$PF_TASK_NAME.env; "
            "until [ $(ls {d} | grep -c 'env$') -ge {n} ]; do sleep 0.02; done").format(d=d, n=n)


def envs(d):
    """The environments saved by env_barrier, by task name."""
    return {p.name[:-4]: dict(line.split("=", 1) for line in p.read_text().splitlines()
                              if "=" in line) for p in d.glob("*.env")}


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def examples_dir(server, tmp_path_factory):
    """A copy of examples/distributed registered as filesystem `dist-examples`, the fs the
    example job files use (scripts run with it as their working directory)."""
    d = str(tmp_path_factory.mktemp("dist") / "examples")
    shutil.copytree(EXAMPLES, d, ignore=shutil.ignore_patterns("__pycache__"))
    api = server.api()
    r = api.post("/fs", {"name": "dist-examples", "url": "local://" + d})
    assert r.status in (200, 201), r
    return d


def cli_create(server, tmp_path, path):
    out = Cli(server.port, tmp_path).ok("job", "create", "distributed", path)
    assert out.startswith("job create success, id[") and out.endswith("]\n"), out
    return out[len("job create success, id["):-2]


def check_distributed_runtime(job, expected_tasks):
    dr = job["distributedRuntime"]
    assert dr["name"] == dr["id"] == job["id"] and dr["namespace"] == "default"
    assert dr["status"] == job["status"]
    rts = runtimes(job)
    assert sorted(rts) == sorted(expected_tasks)
    for name, rt in rts.items():
        role, index = name[len(job["id"]) + 1:].rsplit("-", 1)
        assert rt["role"] == role and rt["index"] == int(index), rt
        assert rt["pid"] > 0 and rt["nodeName"] and rt["logName"] and rt["startTime"], rt
        assert "exitCode" in rt and rt["status"] in ("running", "succeeded", "failed",
                                                     "terminated"), rt
    return rts


# ---- the examples, for real ------------------------------------------------------------

def test_paddle_ps_example_trains_through_the_pservers(server, api, examples_dir, tmp_path):
    jid = cli_create(server, tmp_path, os.path.join(examples_dir, "ps.json"))
    job = wait_status(api, jid, FINAL, timeout=60)
    assert job["status"] == "succeeded", (job["message"], logs(api, jid))
    assert job["message"] == "job is succeeded" and job["env"]["PF_JOB_MODE"] == "PS"
    names = ["%s-%s-%d" % (jid, role, i) for role in ("pserver", "worker") for i in (0, 1)]
    rts = check_distributed_runtime(job, names)
    for n in names[2:]:
        assert rts[n]["status"] == "succeeded" and rts[n]["exitCode"] == 0
    res = results(api, jid)
    assert sorted(res) == names, logs(api, jid)
    pservers, trainers = res[names[0]]["pservers"], res[names[0]]["trainers"]
    assert len(set(pservers + trainers)) == 4
    for i, n in enumerate(names):  # every replica saw the same cluster, and itself in it
        assert res[n]["pservers"] == pservers and res[n]["trainers"] == trainers
        assert res[n]["endpoint"] == (pservers + trainers)[i]
    for n in names[:2]:  # each pserver applied 40 synchronous steps of both trainers' pushes
        assert res[n]["steps"] == 40 and res[n]["pushes"] == 80, res[n]
        assert res[n]["finished"] == [0, 1], res[n]
    assert res[names[0]]["shard"] == [0, 2, 4, 6] and res[names[1]]["shard"] == [1, 3, 5, 7]
    for n in names[2:]:
        assert res[n]["loss"] < res[n]["loss0"] * 1e-6, res[n]
    # logs are per task, labelled with the task
    assert all("serving" in text for t, text in logs(api, jid).items() if "pserver" in t)


def test_paddle_collective_example_all_reduces(server, api, examples_dir, tmp_path):
    jid = cli_create(server, tmp_path, os.path.join(examples_dir, "collective.yaml"))
    job = wait_status(api, jid, FINAL, timeout=60)
    assert job["status"] == "succeeded", (job["message"], logs(api, jid))
    assert job["env"]["PF_JOB_MODE"] == "Collective" and job["name"] == "paddle-collective-demo"
    names = ["%s-worker-%d" % (jid, i) for i in range(3)]
    check_distributed_runtime(job, names)
    res = results(api, jid)
    assert sorted(res) == names, logs(api, jid)
    assert [res[n]["rank"] for n in names] == [0, 1, 2]
    assert all(res[n]["sum_ok"] and res[n]["world"] == 3 for n in names)
    assert len({res[n]["digest"] for n in names}) == 1  # one view of the job everywhere
    assert len({tuple(res[n]["endpoints"]) for n in names}) == 1
    assert len(set(res[names[0]]["endpoints"])) == 3


def test_spark_style_example_driver_and_executors(server, api, examples_dir, tmp_path):
    jid = cli_create(server, tmp_path, os.path.join(examples_dir, "spark.json"))
    job = wait_status(api, jid, FINAL, timeout=60)
    assert job["status"] == "succeeded", (job["message"], logs(api, jid))
    names = [jid + "-driver-0", jid + "-executor-0", jid + "-executor-1"]
    check_distributed_runtime(job, names)
    res = results(api, jid)
    assert res[names[0]]["master"] == "local[2]" and res[names[0]]["executors"] == [0, 1]
    assert res[names[0]]["words"] == sum(res[names[0]]["per_executor"].values()) > 0
    assert res[names[1]]["partitions"] == [0] and res[names[2]]["partitions"] == [1]


def test_spark_submit_mapping(api, examples_dir, tmp_path):
    """A driver without command but with PF_JOB_SPARK_MAIN_FILE runs spark-submit (here a
    stand-in that records what it got) with --master local[executors × cores]; executors
    without a command have no process of their own and lend their resources to the driver."""
    fake = tmp_path / "spark" / "bin"
    fake.mkdir(parents=True)
    (fake / "spark-submit").write_text(
        "#!/bin/sh\nfor a in \"$@\"; do echo \"ARG=$a\"; done\nenv\n")
    (fake / "spark-submit").chmod(0o755)
    spec = json.load(open(os.path.join(examples_dir, "spark-submit.json")))
    spec["members"][0]["env"].update({"SPARK_HOME": str(tmp_path / "spark"),
                                      "PF_JOB_SPARK_MAIN_CLASS": "org.example.Main",
                                      "PF_JOB_SPARK_ARGUMENTS": "in.txt  out dir"})
    spec["members"][1].update(replicas=3, flavour={"cpu": "250m", "mem": "256Mi"})
    jid = create(api, "spark", spec["members"])
    job = wait_status(api, jid, FINAL)
    assert job["status"] == "succeeded", (job["message"], logs(api, jid))
    text = logs(api, jid)[jid + "-driver-0"]
    args = [line[4:] for line in text.splitlines() if line.startswith("ARG=")]
    assert args == ["--master", "local[3]", "--name", jid, "--class", "org.example.Main",
                    "wordcount_pyspark.py", "in.txt", "out", "dir"], text
    text = logs(api, jid)[jid + "-driver-0"]
    env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    assert env["MASTER"] == env["PF_SPARK_MASTER"] == "local[3]"
    assert env["SPARK_EXECUTOR_INSTANCES"] == "3" and env["SPARK_EXECUTOR_CORES"] == "1"
    assert env["SPARK_EXECUTOR_MEMORY"] == "256m" and env["SPARK_DRIVER_MEMORY"] == "1g"
    assert env["SPARK_DRIVER_CORES"] == "1" and env["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert env["SPARK_DRIVER_ENDPOINT"] == env["PF_TASK_ENDPOINT"]
    rts = runtimes(job)
    for i in range(3):  # nothing to run: ended at once, or stopped with the driver
        assert rts["%s-executor-%d" % (jid, i)]["status"] in ("succeeded", "terminated")
    enforced = rts[jid + "-driver-0"].get("enforced", "")
    if enforced.startswith("cgroup"):  # driver 500m/1Gi + 3 executors × 250m/256Mi
        assert "cpu 1250m" in enforced and "memory 1792Mi" in enforced, enforced


# ---- the env of the other frameworks ---------------------------------------------------

def test_pytorch_tensorflow_mxnet_env_shape(api, tmp_path):
    dt, dtf, dmx = tmp_path / "torch", tmp_path / "tf", tmp_path / "mx"
    torch = create(api, "pytorch", [member("worker", 2, env_barrier(dt, 3)),
                                    member("master", 1, env_barrier(dt, 3))])
    tf = create(api, "tensorflow", [member("pserver", 2, env_barrier(dtf, 5)),
                                    member("master", 1, env_barrier(dtf, 5)),
                                    member("worker", 2, env_barrier(dtf, 5))])
    mx = create(api, "mxnet", [member("master", 1, env_barrier(dmx, 4)),
                               member("pserver", 1, env_barrier(dmx, 4)),
                               member("worker", 2, env_barrier(dmx, 4))])
    for jid in (torch, tf, mx):
        assert wait_status(api, jid, FINAL)["status"] == "succeeded"
    # pytorch: every replica is a rank and must succeed; tensorflow: ps servers are stopped
    assert {rt["status"] for rt in runtimes(show(api, torch)).values()} == {"succeeded"}
    tf_rts = runtimes(show(api, tf))
    assert {tf_rts["%s-%s" % (tf, t)]["status"] for t in ("master-0", "worker-0", "worker-1")} \
        == {"succeeded"}

    e = envs(dt)
    master = e[torch + "-master-0"]
    assert master["RANK"] == "0" and master["MASTER_ADDR"] == "127.0.0.1"
    assert master["PF_TASK_ENDPOINT"] == "127.0.0.1:" + master["MASTER_PORT"]
    assert sorted(int(v["RANK"]) for v in e.values()) == [0, 1, 2]
    assert {v["WORLD_SIZE"] for v in e.values()} == {"3"}
    assert {v["MASTER_PORT"] for v in e.values()} == {master["MASTER_PORT"]}
    assert e[torch + "-worker-1"]["RANK"] == "2"

    e = envs(dtf)
    configs = {t: json.loads(v["TF_CONFIG"]) for t, v in e.items()}
    cluster = configs[tf + "-master-0"]["cluster"]
    assert sorted(cluster) == ["chief", "ps", "worker"]
    assert [len(cluster[k]) for k in ("ps", "chief", "worker")] == [2, 1, 2]
    for t, c in configs.items():
        role, index = t[len(tf) + 1:].rsplit("-", 1)
        kind = {"pserver": "ps", "master": "chief", "worker": "worker"}[role]
        assert c["cluster"] == cluster and c["environment"] == "cloud"
        assert c["task"] == {"type": kind, "index": int(index)}
        assert cluster[kind][int(index)] == e[t]["PF_TASK_ENDPOINT"]

    e = envs(dmx)
    roles = {t[len(mx) + 1:]: v["DMLC_ROLE"] for t, v in e.items()}
    assert roles == {"master-0": "scheduler", "pserver-0": "server", "worker-0": "worker",
                     "worker-1": "worker"}
    root = e[mx + "-master-0"]["PF_TASK_ENDPOINT"]
    for v in e.values():
        assert "%s:%s" % (v["DMLC_PS_ROOT_URI"], v["DMLC_PS_ROOT_PORT"]) == root
        assert v["DMLC_NUM_SERVER"] == "1" and v["DMLC_NUM_WORKER"] == "2"
        assert "PADDLE_TRAINER_ENDPOINTS" not in v


def test_paddle_env_is_consistent_across_replicas(api, tmp_path):
    """Without the examples: the raw env of a PS job with a `pworker` member (rewritten to
    worker), user env kept, PF_* identity per task."""
    d = tmp_path / "env"
    jid = create(api, "paddle", [member("pserver", 2, env_barrier(d, 5), env={"MY": "1"}),
                                 member("pworker", 3, env_barrier(d, 5))], name="raw-env")
    assert wait_status(api, jid, FINAL)["status"] == "succeeded"
    e = envs(d)
    assert len(e) == 5
    ps = [e["%s-pserver-%d" % (jid, i)] for i in range(2)]
    wk = [e["%s-worker-%d" % (jid, i)] for i in range(3)]
    shared = ("PADDLE_PSERVERS_IP_PORT_LIST", "PADDLE_TRAINER_ENDPOINTS", "PADDLE_TRAINERS_NUM",
              "PADDLE_TRAINERS", "PF_TASK_ENDPOINTS", "PADDLE_JOB_ID", "PF_JOB_MODE")
    for k in shared:
        assert len({v[k] for v in ps + wk}) == 1, k
    assert wk[0]["PADDLE_TRAINERS_NUM"] == "3" and wk[0]["PADDLE_JOB_ID"] == jid
    assert wk[0]["PADDLE_PSERVERS_IP_PORT_LIST"].split(",") == [
        v["PADDLE_CURRENT_ENDPOINT"] for v in ps]
    assert wk[0]["PADDLE_TRAINER_ENDPOINTS"].split(",") == [
        v["PADDLE_CURRENT_ENDPOINT"] for v in wk]
    for group, role, training in ((ps, "pserver", "PSERVER"), (wk, "worker", "TRAINER")):
        for i, v in enumerate(group):
            assert v["PF_TASK_ROLE"] == role and v["PF_TASK_INDEX"] == str(i)
            assert v["TRAINING_ROLE"] == v["PADDLE_TRAINING_ROLE"] == training
            assert v["PADDLE_TRAINER_ID"] == str(i) and v["POD_IP"] == "127.0.0.1"
            assert v["PADDLE_CURRENT_ENDPOINT"] == "127.0.0.1:" + v["PADDLE_PORT"]
            assert v["PADDLE_CURRENT_ENDPOINT"] == v["PF_TASK_ENDPOINT"]
            assert v["PF_TASK_NAME"] == "%s-%s-%d" % (jid, role, i)
            assert v["PF_JOB_NAME"] == "raw-env" and v["PF_JOB_TYPE"] == "distributed"
            assert v["PF_JOB_FRAMEWORK"] == "paddle" and v["PF_JOB_MODE"] == "PS"
    assert all(v["PADDLE_PSERVER_ID"] == str(i) for i, v in enumerate(ps))
    assert all("PADDLE_PSERVER_ID" not in v for v in wk)
    assert all(v["MY"] == "1" for v in ps) and all("MY" not in v for v in wk)
    ports = [int(v["PADDLE_PORT"]) for v in ps + wk]
    assert len(set(ports)) == 5 and all(0 < p < 65536 for p in ports)


# ---- gang admission --------------------------------------------------------------------

def test_gang_admission_waits_whole_and_starts_whole(api, tmp_path):
    q = "gang-q"
    r = api.post("/queue", {"name": q, "namespace": "default",
                            "maxResources": {"cpu": "1", "mem": "1Gi"}})
    assert r.status == 200, r
    gate, released = tmp_path / "gate", tmp_path / "released"
    blocker = api.post("/job/single", {
        "schedulingPolicy": {"queue": q}, "image": "busybox",
        "flavour": {"cpu": "500m", "mem": "256Mi"},
        "command": "while [ ! -e %s ]; do sleep 0.02; done; touch %s" % (gate, released)})
    assert blocker.status == 200, blocker
    blocker = blocker.json["id"]
    wait_status(api, blocker, "running")
    # 3 replicas × 250m = 750m; 500m of the queue's 1 cpu are taken: none may start
    cmd = "test -e %s && echo ON-TIME || echo EARLY; sleep 0.3" % released
    jid = create(api, "paddle", [member("worker", 3, cmd, flavour={"cpu": "250m",
                                                                    "mem": "128Mi"})], queue=q)
    job = wait_for(lambda: (lambda j: j if "waiting" in j["message"] else None)(show(api, jid)))
    assert job["status"] == "pending", job
    assert job["message"] == "waiting for queue %s: cpu 500m/1 in use, job needs 750m" % q
    time.sleep(0.3)
    job = show(api, jid)
    assert job["status"] == "pending" and "distributedRuntime" not in job and not job["startTime"]
    assert api.get("/log/job", query={"jobID": jid}).json["taskList"] == []
    # a waiting distributed job that is stopped never starts any of its replicas
    dropped = create(api, "paddle", [member("worker", 2, "touch %s/dropped-$PF_TASK_INDEX"
                                            % tmp_path)], queue=q)
    wait_for(lambda: "waiting" in show(api, dropped)["message"])
    assert api.put("/job/" + dropped, query={"action": "stop"}).status == 200
    job = wait_status(api, dropped, "terminated")
    assert "distributedRuntime" not in job and job["message"] == "job is terminated"
    gate.write_text("x")
    # the first view with any task must already hold all three (one transaction)
    seen = wait_for(lambda: runtimes(show(api, jid)), interval=0.005)
    assert len(seen) == 3, seen
    job = wait_status(api, jid, FINAL)
    assert job["status"] == "succeeded", job["message"]
    assert all(text.strip() == "ON-TIME" for text in logs(api, jid).values()), logs(api, jid)
    assert wait_status(api, blocker, FINAL)["status"] == "succeeded"
    assert not list(tmp_path.glob("dropped-*"))


# ---- failure, stop ---------------------------------------------------------------------

def test_failure_of_one_replica_fails_the_job_and_stops_the_others(api):
    slow = 'if [ "$PF_TASK_INDEX" = 1 ]; then sleep 0.3; exit 3; fi; exec sleep 60'
    coll = create(api, "paddle", [member("worker", 3, slow)])
    ps_fail = 'if [ "$PF_TASK_ROLE" = pserver ]; then sleep 0.3; kill -9 $$; fi; exec sleep 60'
    ps = create(api, "paddle", [member("pserver", 1, ps_fail), member("worker", 2, ps_fail)])
    job = wait_status(api, coll, FINAL)
    assert job["status"] == "failed"
    assert job["message"] == "job is failed, task %s-worker-1 exited with code 3" % coll
    rts = runtimes(job)
    assert rts[coll + "-worker-1"]["status"] == "failed"
    assert rts[coll + "-worker-1"]["exitCode"] == 3
    for i in (0, 2):
        assert rts["%s-worker-%d" % (coll, i)]["status"] == "terminated"
    job = wait_status(api, ps, FINAL)
    assert job["status"] == "failed"
    assert job["message"] == ("job is failed, task %s-pserver-0 was killed by signal 9 (Killed)"
                              % ps)
    rts.update(runtimes(job))
    assert [rts["%s-worker-%d" % (ps, i)]["status"] for i in (0, 1)] == ["terminated"] * 2
    assert not any(alive(rt["pid"]) for rt in rts.values())


def test_stop_running_distributed_job(api, tmp_path):
    cmd = "sleep 300 & echo $! > %s/$PF_TASK_NAME.child; wait" % tmp_path
    jid = create(api, "paddle", [member("pserver", 1, cmd), member("worker", 2, cmd)])
    job = wait_status(api, jid, "running")
    wait_for(lambda: len(list(tmp_path.glob("*.child"))) == 3 and
             all(p.read_text().strip() for p in tmp_path.glob("*.child")))
    children = [int(p.read_text()) for p in tmp_path.glob("*.child")]
    assert all(alive(pid) for pid in children)
    r = api.put("/job/" + jid, query={"action": "stop"})
    assert r.status == 200 and r.body == "", r
    assert show(api, jid)["status"] in ("terminating", "terminated")
    job = wait_status(api, jid, "terminated")
    assert job["message"] == "job is terminated" and job["finishTime"]
    rts = runtimes(job)
    assert len(rts) == 3 and {rt["status"] for rt in rts.values()} == {"terminated"}
    assert not any(alive(pid) for pid in children + [rt["pid"] for rt in rts.values()])
    r = api.put("/job/" + jid, query={"action": "stop"})
    assert r.status == 403 and r.code == "ActionNotAllowed"


# ---- restart -----------------------------------------------------------------------------

def test_running_distributed_job_survives_kill9_and_restart(make_server, tmp_path):
    s = make_server()
    api = s.api()
    d = tmp_path / "examples"
    shutil.copytree(EXAMPLES, str(d), ignore=shutil.ignore_patterns("__pycache__"))
    assert api.post("/fs", {"name": "ex", "url": "local://%s" % d}).status in (200, 201)
    gate = tmp_path / "gate"
    ok = create(api, "paddle", [member("worker", 3, "/usr/bin/python3 allreduce.py",
                                       fs={"name": "ex"}, env={"WAIT_FOR_FILE": str(gate)})])
    bad = create(api, "paddle", [member(
        "worker", 2, "while [ ! -e %s ]; do sleep 0.02; done; exit $((PF_TASK_INDEX * 5))"
        % gate)])
    pids = {}
    for jid in (ok, bad):
        wait_status(api, jid, "running")
        rts = wait_for(lambda: (lambda r: r if len(r) in (2, 3) and all(
            x["status"] == "running" for x in r.values()) else None)(runtimes(show(api, jid))))
        pids.update({n: rt["pid"] for n, rt in rts.items()})
    s.kill9()
    gate.write_text("x")  # the replicas go on and end while no server watches them
    wait_for(lambda: not any(alive(p) for p in pids.values()), timeout=30)
    s.restart()
    api = s.api()
    job = wait_status(api, ok, FINAL)
    assert job["status"] == "succeeded", (job["message"], logs(api, ok))
    rts = runtimes(job)
    assert {n: rt["pid"] for n, rt in rts.items()} == {n: p for n, p in pids.items()
                                                       if n.startswith(ok)}
    assert all(rt["status"] == "succeeded" and rt["exitCode"] == 0 for rt in rts.values())
    assert all(r["sum_ok"] for r in results(api, ok).values()) and len(results(api, ok)) == 3
    job = wait_status(api, bad, FINAL)
    assert job["status"] == "failed"
    assert job["message"] == "job is failed, task %s-worker-1 exited with code 5" % bad
    # the restarted server runs new distributed jobs as before
    again = create(api, "paddle", [member("worker", 2, "true")])
    assert wait_status(api, again, FINAL)["status"] == "succeeded"


def test_replicas_started_after_a_crash_mid_start_share_one_view(make_server, tmp_path):
    s = make_server()
    api = s.api()
    d = tmp_path / "env"
    d.mkdir()
    jid = create(api, "paddle", [member(
        "worker", 8, "env > %s/$PF_TASK_NAME.tmp && mv %s/$PF_TASK_NAME.tmp %s/$PF_TASK_NAME.env; "
        "exec sleep 30" % (d, d, d))])
    wait_for(lambda: list(d.glob("*.env")), interval=0.0005)
    s.kill9()  # while the manager is still starting the other replicas
    s.restart()
    api = s.api()
    try:
        wait_for(lambda: len(list(d.glob("*.env"))) == 8)
        views = {p.name: dict(line.split("=", 1) for line in p.read_text().splitlines()
                              if "=" in line)["PF_TASK_ENDPOINTS"] for p in d.glob("*.env")}
        assert len(set(views.values())) == 1, views
    finally:
        api.put("/job/" + jid, query={"action": "stop"})
        wait_status(api, jid, FINAL)


# ---- validation ----------------------------------------------------------------------------

W2 = [member("worker", 2, "true")]


@pytest.mark.parametrize("body,msg", [
    ({"framework": "caffe", "members": W2}, "invalid framework caffe for distributed job"),
    ({"members": W2}, "invalid framework  for distributed job"),
    ({"framework": "paddle", "members": []}, "request.Members is empty"),
    ({"framework": "paddle"}, "request.Members is empty"),
    ({"framework": "paddle", "members": [member("chief", 1, "true")] + W2},
     "the role[chief] for framework paddle is not supported"),
    ({"framework": "spark", "members": W2},
     "the role[worker] for framework spark is not supported"),
    ({"framework": "paddle", "members": [member("worker", 2, "true"), member("pworker", 1, "x")]},
     "the role[pworker] is set by more than one member"),
    ({"framework": "paddle", "members": [member("worker", 1, "true")]},
     "framework paddle in collective mode, only setting role worker"),
    ({"framework": "pytorch", "members": [member("pserver", 2, "true")]},
     "framework pytorch in parameter server mode, role worker must be set"),
    ({"framework": "spark", "members": [member("executor", 2, "true")]},
     "spark application must be set role driver"),
    ({"framework": "ray", "members": W2}, "ray job must be set a master role and a worker role"),
    ({"framework": "mpi", "members": [member("master", 1, "true")]},
     "mpi job must be set a master role and a worker role"),
    ({"framework": "paddle", "members": [member("worker", 0, "true")]},
     "the replicas of member is less than 1"),
    ({"framework": "paddle", "members": [dict(W2[0], image="")]},
     "required fields in {image} are empty, please fill it"),
    ({"framework": "paddle", "members": [dict(W2[0], schedulingPolicy={"queue": "other"})]},
     "schedulingPolicy.Queue should be the same, there are default-queue and other"),
    ({"framework": "paddle", "members": [member("worker", 30, "true", flavour={"cpu": "1"})]},
     "is larger than queue's"),
])
def test_distributed_create_validation(api, body, msg):
    before = len(api.get("/job", query={"maxKeys": 1000}).json["jobList"])
    body = dict(body, schedulingPolicy={"queue": "default-queue"})
    r = api.post("/job/distributed", body)
    assert r.status == 400 and r.code == "JobCreateFailed", r
    assert msg in r.json["message"], r.json["message"]
    assert len(api.get("/job", query={"maxKeys": 1000}).json["jobList"]) == before


def test_two_members_with_the_same_role(api):
    body = {"schedulingPolicy": {"queue": "default-queue"}, "framework": "paddle",
            "members": [member("worker", 2, "true"), member("worker", 2, "true")]}
    r = api.post("/job/distributed", body)
    if r.status == 400:  # rejecting it at create would be a fix as well
        assert r.code == "JobCreateFailed"
        return
    try:
        job = wait_status(api, r.json["id"], FINAL, timeout=5)
        assert job["status"] == "succeeded" and len(runtimes(job)) == 4
    finally:
        api.put("/job/" + r.json["id"], query={"action": "stop"})
