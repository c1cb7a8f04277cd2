"""Python SDK: the seed's job methods against a real server — create (JobRequest and wire
dict; single, distributed, workflow), show, list (filters, paging), update, stop, delete,
wait_job, ownership and queue grants, and their error paths (api.md §3, §4, §5, section 0)."""
import datetime
import os
import re
import tempfile
import time

from sdkutil import (JobInfoAttrs, client, new_client, paddleflow, raises_code,  # noqa: F401
                     uniq, user_client, wait_status)

JobRequest = paddleflow.JobRequest
ID_RE = re.compile(r"^job-[0-9a-f]{16}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
Q = "default-queue"


def single(client, command="true", **kw):
    kw.setdefault("image", "busybox")
    ok, job_id = client.create_job("single", JobRequest(queue=kw.pop("queue", Q),
                                                        command=command, **kw))
    assert ok, job_id
    return job_id


def small_queue(client, cpu="1", mem="1Gi"):
    name = uniq("q")
    client.add_queue(name, "default", "default-cluster", {"cpu": cpu, "mem": mem},
                     quotaType="volcanoCapabilityQuota")
    return name


# -- create and show ----------------------------------------------------------------------------

def test_create_and_show_single_job(client):
    req = JobRequest(queue=Q, image="busybox", job_name="hello job", labels={"team": "a"},
                     annotations={"note": "x"}, priority="high", flavour={"name": "flavour1"},
                     env={"GREETING": "hi"}, command="echo $GREETING", args_list=["there"])
    ok, job_id = client.create_job("single", req)
    assert ok and ID_RE.match(job_id), job_id
    job = wait_status(client, job_id)
    assert isinstance(job, paddleflow.JobInfo)
    assert job.status == "succeeded", job.message
    assert job.job_id == job_id and job.job_name == "hello job"
    assert job.labels == {"team": "a"} and job.annotations == {"note": "x"}
    assert job.username == "root"
    assert job.queue == Q and job.priority == "HIGH"
    assert job.flavour["name"] == "flavour1"
    assert (job.flavour["cpu"], job.flavour["mem"]) == ("1", "1Gi")
    assert job.image == "busybox" and job.command == "echo $GREETING"
    assert job.args_list == ["there"]
    assert job.env["GREETING"] == "hi"
    assert job.port == 0 and not job.extra_fs_list  # §3.12: extraFS is an array or null
    assert job.framework == "standalone"
    assert [m["role"] for m in job.member_list] == ["worker"]
    assert TIME_RE.match(job.accept_time) and TIME_RE.match(job.start_time)
    assert TIME_RE.match(job.finish_time) and job.finish_time >= job.start_time
    assert job.message
    assert job.runtime is not None and job.distributed_runtime is None
    assert job.workflow_runtime is None
    for attr in JobInfoAttrs:
        assert hasattr(job, attr), attr


def test_create_from_wire_dict_with_own_id(client):
    job_id = uniq("my-job-")
    body = {"id": job_id, "name": "from dict", "schedulingPolicy": {"queue": Q},
            "image": "busybox", "command": "true", "flavour": {"cpu": "500m", "mem": "256Mi"}}
    assert client.create_job("single", body) == (True, job_id)
    job = wait_status(client, job_id)
    assert job.status == "succeeded" and job.job_name == "from dict"
    assert (job.flavour["cpu"], job.flavour["mem"]) == ("500m", "256Mi")
    e = raises_code("JobCreateFailed", client.create_job, "single", body)
    assert e.status == 400


def test_failed_job_reports_exit_code(client):
    job = wait_status(client, single(client, "exit 3"))
    assert job.status == "failed" and "3" in job.message
    assert TIME_RE.match(job.finish_time)


def test_create_errors(client):
    req = JobRequest(queue=Q, image="busybox", command="true")
    raises_code("InvalidJobType", client.create_job, "batch", req)
    raises_code("InvalidJobRequest", client.create_job, "single", JobRequest(queue=""))
    raises_code("InvalidJobRequest", client.create_job, "single", {"image": "busybox"})
    raises_code("InvalidJobRequest", client.create_job, "single", "not a request")
    raises_code("InvalidJobRequest", client.create_job, "distributed",
                JobRequest(queue=Q, framework="paddle", member_list=["worker"]))
    e = raises_code("JobCreateFailed", client.create_job, "single",
                    JobRequest(queue="no-such-queue", image="busybox"))
    assert e.status == 400
    e = raises_code("JobCreateFailed", client.create_job, "single",
                    JobRequest(queue=Q, command="true"))
    assert "image" in e.message
    raises_code("JobCreateFailed", client.create_job, "single",
                JobRequest(queue=Q, image="busybox", flavour="no-such-flavour"))
    raises_code("JobCreateFailed", client.create_job, "single",
                JobRequest(queue=Q, image="busybox", job_id="Not_Valid"))
    raises_code("MalformedJSON", client.create_job, "single",
                {"schedulingPolicy": {"queue": Q}, "image": "busybox", "port": "eighty"})
    for call in (client.show_job, client.stop_job, client.delete_job, client.update_job):
        raises_code("InvalidJobID", call, "")


def test_distributed_job(client):
    members = [
        {"role": "pserver", "replicas": 1, "image": "paddle", "command": "echo ps",
         "flavour": {"cpu": "500m", "mem": "256Mi"}},
        {"role": "worker", "replicas": 2, "image": "paddle", "command": "echo worker",
         "flavour": {"cpu": "500m", "mem": "256Mi"}},
    ]
    ok, job_id = client.create_job("distributed", JobRequest(
        queue=Q, job_name="ps demo", framework="paddle", member_list=members))
    assert ok
    job = wait_status(client, job_id)
    assert job.status == "succeeded", job.message
    assert job.framework == "paddle"
    assert sorted((m["role"], m["replicas"]) for m in job.member_list) == \
        [("pserver", 1), ("worker", 2)]
    assert job.distributed_runtime is not None and job.runtime is None
    e = raises_code("JobCreateFailed", client.create_job, "distributed",
                    JobRequest(queue=Q, framework="nope", member_list=members))
    assert "framework" in e.message


def test_workflow_job(client):
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
          "metadata": {"generateName": "hello-"},
          "spec": {"entrypoint": "main", "templates": [
              {"name": "main", "container": {"image": "busybox", "command": ["sh", "-c"],
                                             "args": ["echo from workflow"]}}]}}
    ok, job_id = client.create_job("workflow", JobRequest(queue=Q, job_name="wf",
                                                          extension_template=wf))
    assert ok
    job = wait_status(client, job_id)
    assert job.status == "succeeded", job.message
    assert job.username == "root" and job.job_name == "wf"
    assert job.workflow_runtime is not None
    e = raises_code("JobCreateFailed", client.create_job, "workflow", JobRequest(queue=Q))
    assert "ExtensionTemplate" in e.message


def test_job_with_filesystem(client):
    fs = uniq("fs")
    with tempfile.TemporaryDirectory(prefix="pf-sdk-job-fs-") as d:
        client.add_fs(fs, "local://" + d)
        job = wait_status(client, single(client, "echo data > out.txt", fs=fs))
        assert job.status == "succeeded", job.message
        assert job.fs["name"] == fs
        with open(os.path.join(d, "out.txt")) as f:
            assert f.read() == "data\n"
        raises_code("JobCreateFailed", client.create_job, "single",
                    JobRequest(queue=Q, image="busybox", fs={"name": uniq("fs")}))
        client.delete_fs(fs)


# -- list ---------------------------------------------------------------------------------------

def test_list_filters_and_paging(client):
    tag = uniq("t")
    ids = [single(client, labels={"tag": tag, "n": str(i % 2)}) for i in range(5)]
    for job_id in ids:
        wait_status(client, job_id)

    ok, jobs, marker = client.list_job(labels={"tag": tag})
    assert ok and marker is None
    assert [j.job_id for j in jobs] == ids[::-1]  # newest first
    assert all(j.username == "root" and j.runtime is None for j in jobs)
    assert all(j.queue == Q and j.status == "succeeded" for j in jobs)

    pages, marker = [], None
    while True:
        ok, page, marker = client.list_job(labels={"tag": tag}, maxkeys=2, marker=marker)
        pages.append([j.job_id for j in page])
        if marker is None:
            break
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]

    # D3: all given labels must match; the "k=v" string form works too
    assert [j.job_id for j in client.list_job(labels="tag=%s,n=0" % tag)[1]] == \
        [ids[4], ids[2], ids[0]]
    assert client.list_job(labels={"tag": tag, "n": "7"})[1] == []
    assert len(client.list_job(status="succeeded", labels={"tag": tag})[1]) == 5
    assert client.list_job(status="running", labels={"tag": tag})[1] == []
    assert client.list_job(timestamp=int(time.time()) + 3600, labels={"tag": tag})[1] == []
    assert len(client.list_job(timestamp=0, labels={"tag": tag})[1]) == 5
    past = datetime.datetime.now() - datetime.timedelta(hours=1)
    assert len(client.list_job(start_time=past, labels={"tag": tag})[1]) == 5
    assert client.list_job(start_time="2999-01-01 00:00:00", labels={"tag": tag})[1] == []


def test_list_by_queue(client):
    q = small_queue(client, cpu="2", mem="2Gi")
    job_id = single(client, queue=q)
    wait_status(client, job_id)
    ok, jobs, _ = client.list_job(queue=q)
    assert ok and [j.job_id for j in jobs] == [job_id]


def test_list_errors(client):
    raises_code("QueueNameNotFound", client.list_job, queue=uniq("q"))
    raises_code("InvalidMarker", client.list_job, marker="not-a-marker")
    raises_code("InvalidURI", client.list_job, maxkeys=5000)
    raises_code("InvalidArgument", client.list_job, maxkeys=0)
    raises_code("InvalidArgument", client.list_job, labels="novalue")
    raises_code("InvalidArgument", client.list_job, timestamp="yesterday")


# -- update, stop, delete -----------------------------------------------------------------------

def test_update_labels_and_annotations(client):
    job_id = single(client, labels={"a": "1", "b": "2"}, annotations={"x": "1"})
    wait_status(client, job_id)
    # D8: an empty value deletes the key; others are added or overwritten; any status
    assert client.update_job(job_id, labels={"a": "9", "b": "", "c": "3"},
                             annotations="y=2,x=") == (True, None)
    job = client.show_job(job_id)[1]
    assert job.labels == {"a": "9", "c": "3"} and job.annotations == {"y": "2"}
    assert client.update_job(job_id) == (True, None)  # nothing to change
    e = raises_code("ActionNotAllowed", client.update_job, job_id, priority="low")
    assert e.status == 403
    raises_code("InvalidArguments", client.update_job, job_id, priority="urgent")
    raises_code("JobNotFound", client.update_job, "job-0000000000000000", labels={"a": "b"})


def test_update_priority_while_waiting(client):
    q = small_queue(client)
    blocker = single(client, "sleep 30", queue=q, flavour="flavour1")
    wait_status(client, blocker, ("running",))
    waiting = single(client, "true", queue=q, flavour="flavour1", priority="normal")
    time.sleep(0.5)
    job = client.show_job(waiting)[1]
    assert job.status in ("init", "pending"), job.status
    assert client.update_job(waiting, priority="low") == (True, None)
    assert client.show_job(waiting)[1].priority == "LOW"
    for job_id in (waiting, blocker):
        client.stop_job(job_id)
        assert wait_status(client, job_id).status == "terminated"


def test_stop_and_delete(client):
    job_id = single(client, "sleep 30")
    wait_status(client, job_id, ("running",))
    e = raises_code("ActionNotAllowed", client.delete_job, job_id)
    assert e.status == 403
    assert client.stop_job(job_id) == (True, None)
    job = wait_status(client, job_id)
    assert job.status == "terminated" and TIME_RE.match(job.finish_time)
    # D4: stopping a finished job is a 403 ActionNotAllowed
    e = raises_code("ActionNotAllowed", client.stop_job, job_id)
    assert e.message == ("job %s status is already terminated, and job cannot be stopped"
                         % job_id), e.message
    assert client.delete_job(job_id) == (True, None)
    raises_code("JobNotFound", client.show_job, job_id)
    raises_code("JobNotFound", client.delete_job, job_id)
    raises_code("JobNotFound", client.stop_job, job_id)
    assert job_id not in [j.job_id for j in client.list_job(maxkeys=1000)[1]]


def test_wait_job(client):
    job = client.wait_job(single(client, "sleep 0.3"), timeout=30)
    assert job.status == "succeeded"
    slow = single(client, "sleep 30")
    raises_code("Timeout", client.wait_job, slow, timeout=0.3)
    client.stop_job(slow)
    assert client.wait_job(slow, timeout=30).status == "terminated"


# -- users, ownership and grants ----------------------------------------------------------------

def test_ownership(client, user_client):
    root_job = single(client)
    user_job = single(user_client)
    wait_status(client, user_job)
    raises_code("ActionNotAllowed", user_client.show_job, root_job)
    raises_code("ActionNotAllowed", user_client.update_job, root_job, labels={"a": "b"})
    assert root_job not in [j.job_id for j in user_client.list_job()[1]]
    assert user_client.show_job(user_job)[1].username == user_client.user_id
    assert client.show_job(user_job)[1].username == user_client.user_id
    assert user_job in [j.job_id for j in client.list_job(maxkeys=1000)[1]]


def test_queue_grant_needed_for_jobs(client, user_client):
    q = small_queue(client, cpu="2", mem="2Gi")
    e = raises_code("JobCreateFailed", user_client.create_job, "single",
                    JobRequest(queue=q, image="busybox", command="true"))
    assert q in e.message
    client.grant_queue(user_client.user_id, q)
    job = wait_status(user_client, single(user_client, queue=q))
    assert job.status == "succeeded" and job.queue == q
