"""End-to-end tests of the job API and the local runtime, over HTTP against a real server."""
import os
import signal
import tempfile
import time

import pytest

from pfserver import wait_for, show_job as show, wait_job_status as wait_status

FINAL = {"succeeded", "failed", "terminated"}


def create(api, cmd="true", **kw):
    body = {"schedulingPolicy": {"queue": kw.pop("queue", "default-queue")}, "image": "busybox",
            "command": cmd, "flavour": kw.pop("flavour", {"cpu": "10m", "mem": "8Mi"})}
    body.update(kw)
    r = api.post("/job/single", body)
    assert r.status == 200, r
    return r.json["id"]




def test_single_job_runs_and_succeeds(api):
    jid = create(api, "echo hello-$PF_JOB_ID", name="hello", labels={"a": "b"})
    j = wait_status(api, jid, "succeeded")
    assert j["message"] == "job is succeeded"
    assert j["startTime"] and j["finishTime"] and j["acceptTime"]
    assert j["userName"] == "root" and j["framework"] == "standalone"
    assert j["schedulingPolicy"] == {"queue": "default-queue", "priority": "NORMAL"}
    assert j["flavour"] == {"cpu": "10m", "mem": "8Mi", "name": ""}
    assert j["env"]["PF_JOB_NAMESPACE"] == "default" and "PF_JOB_MODE" in j["env"]
    assert j["labels"] == {"a": "b"} and j["members"][0]["role"] == "worker"
    rt = j["runtime"]
    assert rt["name"].startswith(jid) and rt["exitCode"] == 0 and rt["pid"] > 0
    assert rt["role"] == "worker" and rt["index"] == 0 and rt["logName"]
    logs = api.get("/log/job", query={"jobID": jid}).json
    assert logs["jobID"] == jid and logs["eventList"] == []
    assert "hello-" + jid in logs["taskList"][0]["logInfo"]["logContent"]


def test_failing_and_signalled_jobs(api):
    a = create(api, "exit 3")
    b = create(api, "kill -9 $$")
    ja = wait_status(api, a, "failed")
    assert "exited with code 3" in ja["message"], ja["message"]
    jb = wait_status(api, b, "failed")
    assert "signal 9" in jb["message"], jb["message"]


def test_env_and_workdir_from_fs(api):
    d = tempfile.mkdtemp(prefix="pf-fs-")
    os.mkdir(os.path.join(d, "sub"))
    r = api.post("/fs", {"name": "data", "url": "local://" + d})
    assert r.status in (200, 201), r
    jid = create(api, "env > env.txt; pwd > pwd.txt", name="envjob", env={"MY": "v"},
                 fs={"name": "data", "subPath": "sub"})
    wait_status(api, jid, "succeeded")
    env = dict(line.split("=", 1) for line in open(os.path.join(d, "sub", "env.txt")).read().splitlines() if "=" in line)
    assert env["PF_JOB_ID"] == jid and env["PF_JOB_NAME"] == "envjob" and env["MY"] == "v"
    assert env["PF_JOB_QUEUE_NAME"] == "default-queue" and env["PF_USER_NAME"] == "root"
    assert env["PF_JOB_PRIORITY"] == "NORMAL" and env["PF_JOB_NAMESPACE"] == "default"
    assert env["PF_WORK_DIR"] == os.path.join(d, "sub")
    assert open(os.path.join(d, "sub", "pwd.txt")).read().strip() == os.path.join(d, "sub")


def test_stop_running_job_kills_children(api):
    d = tempfile.mkdtemp(prefix="pf-stop-")
    jid = create(api, "sleep 300 & echo $! > %s/child; trap '' TERM; sleep 300" % d)
    wait_status(api, jid, "running")
    wait_for(lambda: os.path.exists(d + "/child") and open(d + "/child").read().strip())
    child = int(open(d + "/child").read())
    r = api.put("/job/" + jid, query={"action": "stop"})
    assert r.status == 200 and r.body == "", r
    assert show(api, jid)["status"] in ("terminating", "terminated")
    j = wait_status(api, jid, "terminated", timeout=60)
    assert j["message"] == "job is terminated" and j["finishTime"]
    assert not os.path.exists("/proc/%d" % child) or open("/proc/%d/stat" % child).read().split()[2] == "Z"
    r = api.put("/job/" + jid, query={"action": "stop"})
    assert r.status == 403 and r.code == "ActionNotAllowed"
    assert "cannot be stopped" in r.json["message"]


def test_delete_rules(api):
    jid = create(api, "sleep 30")
    wait_status(api, jid, "running")
    r = api.delete("/job/" + jid)
    assert r.status == 403 and r.code == "ActionNotAllowed" and "please stop it first" in r.json["message"]
    api.put("/job/" + jid, query={"action": "stop"})
    wait_status(api, jid, "terminated", timeout=60)
    r = api.delete("/job/" + jid)
    assert r.status == 200 and r.body == ""
    for resp in (api.get("/job/" + jid), api.delete("/job/" + jid),
                 api.put("/job/" + jid, query={"action": "stop"})):
        assert resp.status == 404 and resp.code == "JobNotFound"


def test_update_labels_priority(api):
    jid = create(api, "true", labels={"a": "1", "b": "2"}, annotations={"x": "y"})
    wait_status(api, jid, "succeeded")
    r = api.put("/job/" + jid, {"labels": {"a": "9", "b": "", "c": "3"}, "annotations": {"x": ""}},
                query={"action": "modify"})
    assert r.status == 200 and r.body == "", r
    j = show(api, jid)
    assert j["labels"] == {"a": "9", "c": "3"} and j["annotations"] is None
    r = api.put("/job/" + jid, {"priority": "high"}, query={"action": "modify"})
    assert r.status == 403 and r.code == "ActionNotAllowed"
    r = api.put("/job/" + jid, {"priority": "urgent"}, query={"action": "modify"})
    assert r.status == 400 and r.code == "InvalidArguments"
    r = api.put("/job/" + jid, {"labels": {"a": 1}}, query={"action": "modify"})
    assert r.status == 400 and r.code == "MalformedJSON"
    r = api.put("/job/" + jid, query={"action": "bogus"})
    assert r.status == 403 and r.code == "ActionNotAllowed"


def test_list_paging_and_label_filter(api):
    tag = str(time.time())
    ids = [create(api, "true", labels={"run": tag, "n": str(i % 2)}) for i in range(7)]
    seen, marker, pages = [], None, 0
    while True:
        q = {"maxKeys": 3, "labels": '{"run": "%s"}' % tag}
        if marker:
            q["marker"] = marker
        r = api.get("/job", query=q)
        assert r.status == 200, r
        pages += 1
        seen += [j["id"] for j in r.json["jobList"]]
        assert "runtime" not in (r.json["jobList"] or [{}])[0]
        if not r.json["isTruncated"]:
            assert "nextMarker" not in r.json
            break
        marker = r.json["nextMarker"]
    assert pages == 3 and seen == list(reversed(ids))
    r = api.get("/job", query={"labels": '{"run": "%s", "n": "1"}' % tag})
    assert sorted(j["id"] for j in r.json["jobList"]) == sorted(ids[1::2])
    for q, code in (({"marker": "garbage"}, "InvalidMarker"), ({"maxKeys": "0"}, "InvalidURI"),
                    ({"maxKeys": "1001"}, "InvalidURI"), ({"timestamp": "x"}, "InvalidURI"),
                    ({"startTime": "yesterday"}, "InvalidURI"), ({"labels": "{bad"}, "InvalidURI"),
                    ({"queue": "nope"}, "QueueNameNotFound")):
        r = api.get("/job", query=q)
        assert r.status == 400 and r.code == code, (q, r)
    r = api.get("/job", query={"status": "no-such-status"})
    assert r.status == 200 and r.json["jobList"] == []


@pytest.mark.parametrize("body,msg", [
    ({"image": "x", "id": "Bad_ID"}, "of Job is invalid"),
    ({"image": "x", "name": "n" * 513}, "must be no more than 512 characters"),
    ({"image": "x", "schedulingPolicy": {"queue": "nope"}}, "get queue failed"),
    ({"image": "x", "schedulingPolicy": {"queue": "default-queue", "priority": "urgent"}}, "invalid job priority URGENT"),
    ({"schedulingPolicy": {"queue": "default-queue"}}, "required fields in {image} are empty"),
    ({"image": "x", "port": 70000}, "port must be in range"),
    ({"image": "x", "flavour": {"name": "nope"}}, "get flavour[nope] failed"),
    ({"image": "x", "flavour": {"cpu": "1KB"}}, "quantities must match"),
    ({"image": "x", "flavour": {"cpu": "100", "mem": "1Gi"}}, "is larger than queue's"),
    ({"image": "x", "fs": {"name": "missing"}}, "find file system missing failed"),
])
def test_create_validation(api, body, msg):
    r = api.post("/job/single", body)
    assert r.status == 400 and r.code == "JobCreateFailed", r
    assert msg in r.json["message"], r.json["message"]


@pytest.mark.parametrize("raw,ctype", [
    (b"{not json", None), (b"", None), (b"[1,2]", None),
    (b'{"image": 5}', None), (b'{"labels": {"a": 1}}', None), (b'{"port": 2.5}', None),
    (b'{"schedulingPolicy": "q"}', None), (b'{"args": [1]}', None),
])
def test_create_malformed(api, raw, ctype):
    before = api.get("/job", query={"maxKeys": 1000}).json["jobList"]
    r = api.request("POST", "/job/single", raw=raw, headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.code == "MalformedJSON", r
    assert set(r.json) == {"requestID", "code", "message"}
    assert api.get("/job", query={"maxKeys": 1000}).json["jobList"] == before


def test_case_insensitive_keys_null_and_unknown(api):
    r = api.post("/job/single", {"SchedulingPolicy": {"QUEUE": "default-queue"}, "IMAGE": "x",
                                 "Command": "true", "members": [{"role": "x"}], "unknownKey": 1,
                                 "labels": None, "flavour": {"cpu": "10m", "mem": "8Mi"}})
    assert r.status == 200, r
    assert show(api, r.json["id"])["image"] == "x"


def test_non_owner_gets_403(server, api):
    assert api.post("/user", {"username": "alice1", "password": "passw0rd"}).status == 200
    alice = api.as_user("alice1", "passw0rd")
    mine = create(api, "true")
    hers = create(alice, "true")
    for r in (alice.get("/job/" + mine), alice.put("/job/" + mine, query={"action": "stop"}),
              alice.delete("/job/" + mine), alice.put("/job/" + mine, {}, query={"action": "modify"})):
        assert r.status == 403 and r.code == "ActionNotAllowed", r
    ids = [j["id"] for j in alice.get("/job", query={"maxKeys": 1000}).json["jobList"]]
    assert hers in ids and mine not in ids
    assert show(api, hers)["userName"] == "alice1"
    # D13: a non-root user may use default-queue or a granted queue only
    r = alice.post("/job/single", {"image": "x", "userName": "root"})
    assert r.status == 400 and r.code == "AuthIllegalUser"


def test_kill9_server_keeps_jobs_and_exit_status(make_server, tmp_path):
    s = make_server()
    api = s.api()
    flag = tmp_path / "go"
    running = create(api, "while [ ! -e %s ]; do sleep 0.05; done; exit 7" % flag)
    wait_status(api, running, "running")
    s.kill9()
    flag.write_text("x")  # the job ends while no server watches it
    time.sleep(0.5)
    s.restart()
    api = s.api()
    j = wait_status(api, running, "failed")
    assert "exited with code 7" in j["message"]
    quick = create(api, "echo again")
    wait_status(api, quick, "succeeded")


def test_capacity_wait_and_priority_order(make_server, tmp_path):
    s = make_server(extra_args=["--capacity-cpu", "1000"])
    api = s.api()
    order = tmp_path / "order"
    gate = tmp_path / "gate"
    blocker = create(api, "while [ ! -e %s ]; do sleep 0.05; done" % gate, flavour={"cpu": "1", "mem": "8Mi"})
    wait_status(api, blocker, "running")
    low = create(api, "echo low >> %s" % order, flavour={"cpu": "1", "mem": "8Mi"},
                 schedulingPolicy={"queue": "default-queue", "priority": "LOW"})
    normal = create(api, "echo normal >> %s" % order, flavour={"cpu": "1", "mem": "8Mi"})
    j = wait_for(lambda: (lambda j: j if j["status"] == "pending" and "waiting" in j["message"] else None)(show(api, normal)))
    assert "machine capacity" in j["message"] and "cpu" in j["message"]
    r = api.put("/job/" + low, {"priority": "high"}, query={"action": "modify"})
    assert r.status == 200, r
    waiting = create(api, "true", flavour={"cpu": "1", "mem": "8Mi"})
    wait_status(api, waiting, "pending")
    assert api.put("/job/" + waiting, query={"action": "stop"}).status == 200
    assert wait_status(api, waiting, "terminated")["finishTime"]
    gate.write_text("x")
    for jid in (blocker, low, normal):
        wait_status(api, jid, "succeeded")
    assert order.read_text().split() == ["low", "normal"]


def test_deleted_job_files_are_removed_after_retention(make_server):
    s = make_server(extra_args=["--log-retention-seconds", "1"])
    api = s.api()
    jid = create(api, "echo bye")
    wait_status(api, jid, "succeeded")
    task_dir = os.path.join(s.data_dir, "tasks", jid + "-worker-0")
    assert os.path.isdir(task_dir)
    assert api.delete("/job/" + jid).status == 200
    wait_for(lambda: not os.path.exists(task_dir), timeout=15, what="task dir removed")
    # the id is free again and the new job's files are untouched by the clean-up
    again = create(api, "echo again", id=jid)
    assert again == jid
    wait_status(api, jid, "succeeded")
    time.sleep(2)
    log = api.get("/log/job", query={"jobID": jid}).json["taskList"][0]["logInfo"]["logContent"]
    assert log == "again\n"


def test_reused_id_runs_its_own_command(api):
    jid = create(api, "echo first", id="reuse-me")
    wait_status(api, jid, "succeeded")
    assert api.delete("/job/" + jid).status == 200
    assert create(api, "echo second; exit 4", id="reuse-me") == jid
    j = wait_status(api, jid, "failed")
    assert "exited with code 4" in j["message"]
    log = api.get("/log/job", query={"jobID": jid}).json["taskList"][0]["logInfo"]["logContent"]
    assert log == "second\n"


def test_reused_id_leftovers_go_at_create(make_server, tmp_path):
    """A deleted job's files stay for the retention period; a new job taking its id removes
    them when it is created (in the same transaction), so even a server killed before the new
    job starts cannot adopt the old task as the new one's."""
    s = make_server(extra_args=["--capacity-cpu", "1000"])
    api = s.api()
    one = {"cpu": "1", "mem": "8Mi"}
    tasks = os.path.join(s.data_dir, "tasks")
    mine = lambda: [p for p in os.listdir(tasks) if p.startswith("reuse-kill9-")]
    old = create(api, "echo old", id="reuse-kill9", flavour=one)
    wait_status(api, old, "succeeded")
    assert api.delete("/job/" + old).status == 200
    assert mine()  # kept for the retention period
    gate = tmp_path / "gate"
    blocker = create(api, "while [ ! -e %s ]; do sleep 0.05; done" % gate, flavour=one)
    wait_status(api, blocker, "running")
    assert create(api, "echo new", id="reuse-kill9", flavour=one) == old
    wait_status(api, old, "pending")
    assert mine() == []
    s.kill9()
    s.restart()
    api = s.api()
    gate.write_text("x")
    wait_status(api, old, "succeeded")
    log = api.get("/log/job", query={"jobID": old}).json["taskList"][0]["logInfo"]["logContent"]
    assert log == "new\n"


def test_stop_in_init_and_terminating(make_server, tmp_path):
    s = make_server(extra_args=["--stop-grace-seconds", "2"])
    api = s.api()
    # a job with nothing this runtime can run stays in init: stop ends it at once
    r = api.post("/job/distributed", {"schedulingPolicy": {"queue": "default-queue"},
                                      "framework": "paddle", "extensionTemplate": {"kind": "PaddleJob"}})
    assert r.status == 200, r
    init = r.json["id"]
    j = show(api, init)
    assert j["status"] == "init" and "waits in init" in wait_for(lambda: show(api, init)["message"])
    assert api.put("/job/" + init, query={"action": "stop"}).status == 200
    j = show(api, init)
    assert j["status"] == "terminated" and j["message"] == "job is terminated." and j["finishTime"]
    # a job that ignores SIGTERM stays terminating for the grace period; a second stop is fine
    armed = tmp_path / "armed"
    stubborn = create(api, "trap '' TERM; touch %s; while true; do sleep 0.1; done" % armed)
    wait_status(api, stubborn, "running")
    wait_for(armed.exists, what="trap set")
    assert api.put("/job/" + stubborn, query={"action": "stop"}).status == 200
    assert show(api, stubborn)["status"] == "terminating"
    assert api.put("/job/" + stubborn, query={"action": "stop"}).status == 200
    assert show(api, stubborn)["status"] == "terminating"
    t0 = time.time()
    j = wait_status(api, stubborn, "terminated", timeout=20)
    assert time.time() - t0 < 10
    assert j["runtime"]["signal"] == 9 or j["runtime"]["exitCode"] == 137


def test_kill9_with_running_and_pending_jobs(make_server, tmp_path):
    s = make_server(extra_args=["--capacity-cpu", "1000"])
    api = s.api()
    ledger = tmp_path / "ledger"
    gate = tmp_path / "gate"
    one = {"cpu": "1", "mem": "8Mi"}
    first = create(api, "echo $PF_JOB_ID >> %s; while [ ! -e %s ]; do sleep 0.05; done" % (ledger, gate), flavour=one)
    wait_status(api, first, "running")
    waiting = [create(api, "echo $PF_JOB_ID >> %s" % ledger, flavour=one) for _ in range(3)]
    for w in waiting:
        wait_status(api, w, "pending")
    s.kill9()
    s.restart()
    api = s.api()
    assert show(api, first)["status"] == "running"
    assert all(show(api, w)["status"] == "pending" for w in waiting)
    gate.write_text("x")
    for jid in [first] + waiting:
        wait_status(api, jid, "succeeded")
    ran = ledger.read_text().split()
    assert sorted(ran) == sorted([first] + waiting), ran  # each exactly once


def test_queue_quota_never_exceeded(api, tmp_path):
    r = api.post("/queue", {"name": "q-quota", "namespace": "default", "clusterName": "default-cluster",
                            "quotaType": "volcanoCapabilityQuota",
                            "maxResources": {"cpu": "100m", "mem": "1Gi"}})
    assert r.status == 200, r
    log = tmp_path / "spans"
    cmd = "echo start $(date +%%s%%N) >> %s; sleep 0.3; echo end $(date +%%s%%N) >> %s" % (log, log)
    ids = [create(api, cmd, queue="q-quota", flavour={"cpu": "50m", "mem": "8Mi"}) for _ in range(6)]
    j = wait_for(lambda: [x for x in (show(api, i) for i in ids) if x["status"] == "pending" and "waiting for queue q-quota" in x["message"]])
    assert "cpu" in j[0]["message"]
    q = api.get("/queue/q-quota").json
    assert q["usedResources"]["cpu"] in ("100m", "50m")
    for i in ids:
        wait_status(api, i, "succeeded")
    events = sorted((int(t), kind) for kind, t in (line.split() for line in log.read_text().splitlines()))
    running = peak = 0
    for _, kind in events:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak <= 2, peak


def test_log_limits(api):
    jid = create(api, "for i in $(seq 1 50); do echo line-$i; done")
    wait_status(api, jid, "succeeded")
    def content(**q):
        r = api.get("/log/job", query=dict(jobID=jid, **q))
        assert r.status == 200, r
        return r.json["taskList"][0]["logInfo"]
    assert content(lineLimit=5)["logContent"].split() == ["line-%d" % i for i in range(1, 6)]
    assert content(lineLimit=5)["hasNextPage"] is True
    assert content(lineLimit=3, readFromTail="true")["logContent"].split() == ["line-48", "line-49", "line-50"]
    assert len(content(sizeLimit="20")["logContent"]) <= 20
    r = api.get("/log/job", query={"jobID": "job-nope"})
    assert r.status == 404 and r.code == "JobNotFound"
    r = api.get("/log/job")
    assert r.status == 400 and r.code == "InvalidURI"
