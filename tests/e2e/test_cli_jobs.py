"""`paddleflow job …` and `paddleflow log …` against a real server: every job command with
the seed's outputs (goldens with ids and times masked), -fl on list and show, -o json/text,
paging markers, labels, bad input (files, types, server validation), wrong password and
log show/follow."""
import json
import re
import time
import unicodedata

import pytest

from pfserver import wait_for
from test_cli_basics import JOB_ID_RE, Cli, grid, mask

FINAL = ("succeeded", "failed", "terminated")


@pytest.fixture
def cli(server, tmp_path):
    return Cli(server.port, tmp_path)


def spec(**kw):
    s = {"schedulingPolicy": {"queue": "default-queue"}, "image": "busybox",
         "flavour": {"name": "flavour1"}, "command": "echo hello"}
    s.update(kw)
    return s


def job_file(tmp_path, body, name="job.json"):
    p = tmp_path / name
    p.write_text(body if isinstance(body, str) else json.dumps(body))
    return str(p)


def create(cli, tmp_path, **kw):
    out = cli.ok("job", "create", "single", job_file(tmp_path, spec(**kw)))
    m = re.fullmatch(r"job create success, id\[(.+)\]\n", out)
    assert m, out
    return m.group(1)


def wait_status(api, job_id, statuses=FINAL):
    return wait_for(lambda: api.get("/job/" + job_id).json["status"] in statuses and
                    api.get("/job/" + job_id).json, timeout=60, what="job %s" % job_id)


def display_width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


# ---- create ----------------------------------------------------------------------------

def test_create_from_json_prints_the_seed_line(cli, api, tmp_path):
    job_id = create(cli, tmp_path, name="json-job")
    assert JOB_ID_RE.fullmatch(job_id), job_id
    assert api.get("/job/" + job_id).json["name"] == "json-job"


def test_create_with_own_id_and_json_output(cli, api, tmp_path):
    r = cli.ok("-o", "json", "job", "create", "single",
               job_file(tmp_path, spec(id="cli-own-id-1")))
    assert json.loads(r) == {"id": "cli-own-id-1"}
    assert api.get("/job/cli-own-id-1").status == 200


def test_create_from_yaml(cli, api, tmp_path):
    path = job_file(tmp_path, "# a job in YAML\nname: 中文作业\nschedulingPolicy:\n"
                    "  queue: default-queue\n  priority: high\nimage: busybox\n"
                    "command: echo yaml\nlabels:\n  team: \"42\"\n  on: yes\n"
                    "flavour:\n  name: flavour1\n", "job.yaml")
    out = cli.ok("job", "create", "single", path)
    job_id = re.fullmatch(r"job create success, id\[(.+)\]\n", out).group(1)
    job = api.get("/job/" + job_id).json
    assert job["name"] == "中文作业"
    assert job["schedulingPolicy"]["priority"] == "HIGH"
    assert job["labels"] == {"team": "42", "on": "yes"}  # YAML 1.2: strings stay strings


def test_create_bad_files(cli, tmp_path):
    r = cli("job", "create", "single", job_file(tmp_path, '{"name": "x",'))
    assert r.rc == 1 and r.out == "" and "error: invalid JSON in" in r.err, r
    r = cli("job", "create", "single", job_file(tmp_path, "name: [unclosed\n", "bad.yaml"))
    assert r.rc == 1 and "error: invalid YAML in" in r.err and "line" in r.err, r
    r = cli("job", "create", "single", job_file(tmp_path, "[1, 2]"))
    assert r.rc == 1 and "must hold one job object" in r.err, r
    r = cli("job", "create", "single", str(tmp_path / "nope.json"))
    assert r.rc == 2 and "does not exist" in r.err, r
    r = cli("job", "create", "batch", job_file(tmp_path, spec()))
    assert r.rc == 2 and "'batch' is not one of 'single', 'distributed', 'workflow'" in r.err


def test_create_rejected_by_server_shows_code_message_request_id(cli, tmp_path):
    r = cli("job", "create", "single",
            job_file(tmp_path, spec(schedulingPolicy={"queue": "no-such-queue"})))
    assert r.rc == 1 and r.out == "", r
    m = re.fullmatch(r"\[PaddleFlowSDKException\] code:JobCreateFailed message:(.*) "
                     r"requestId:(\S+)\n", r.err)
    assert m, r
    assert "no-such-queue" in m.group(1) or "record not found" in m.group(1), r
    r = cli("job", "create", "single", job_file(tmp_path, spec(image=None, command="x")))
    assert r.rc == 1 and "code:JobCreateFailed" in r.err and "image" in r.err, r


def test_create_routes_distributed_and_workflow(cli, tmp_path):
    """The job type picks the endpoint; the server's own validation proves where it went."""
    r = cli("job", "create", "distributed", job_file(tmp_path, spec(framework="nope", members=[
        {"role": "worker", "replicas": 2, "image": "busybox", "command": "true"}])))
    assert r.rc == 1 and "code:JobCreateFailed" in r.err and "invalid framework nope" in r.err, r
    r = cli("job", "create", "workflow", job_file(tmp_path, "name: wf\n", "wf.yaml"))
    assert r.rc == 1 and "code:JobCreateFailed" in r.err and "ExtensionTemplate" in r.err, r


# ---- show ------------------------------------------------------------------------------

SHOW_HEADERS = ["job id", "job name", "queue", "priority", "status", "accept time",
                "start time", "finish time"]


def test_show_golden(cli, api, tmp_path):
    job_id = create(cli, tmp_path, id="cli-show-golden", name="show-me",
                    labels={"a": "b"}, command="echo shown")
    job = wait_status(api, job_id, ("succeeded",))
    out = cli.ok("job", "show", job_id)
    table, _, block = out.partition("job config and runtime info:\n")
    assert mask(table) == grid(SHOW_HEADERS, [
        ["cli-show-golden", "show-me", "default-queue", "NORMAL", "succeeded",
         "YYYY-MM-DD hh:mm:ss", "YYYY-MM-DD hh:mm:ss", "YYYY-MM-DD hh:mm:ss"]])
    assert block.startswith("[\n    {\n        \"flavour\": {\n"), block
    info = json.loads(block)
    assert len(info) == 1
    keys = list(info[0])
    assert keys[:9] == ["flavour", "fs", "extraFS", "labels", "annotations", "image",
                        "command", "args", "port"], keys
    assert keys[9:12] == ["framework", "members", "message"], keys
    assert info[0]["labels"] == {"a": "b"} and info[0]["command"] == "echo shown"
    assert info[0]["flavour"]["name"] == "flavour1" and info[0]["message"] == job["message"]
    assert "runtime" in keys and info[0]["runtime"] == job["runtime"]


def test_show_fieldlist_json_text_and_missing(cli, api, tmp_path):
    job_id = create(cli, tmp_path, id="cli-show-fl", name="fl", command="echo fl",
                    labels={"k": "v"})
    wait_status(api, job_id, ("succeeded",))
    out = cli.ok("job", "show", job_id, "-fl", "id,status,labels,image")
    assert out == grid(["job id", "status", "labels", "image"],
                       [["cli-show-fl", "succeeded", '{"k": "v"}', "busybox"]])
    assert cli.ok("job", "show", job_id, "--fieldlist=user,priority") == grid(
        ["user", "priority"], [["root", "NORMAL"]])
    raw = json.loads(cli.ok("-o", "json", "job", "show", job_id))
    assert raw == api.get("/job/" + job_id).json
    assert json.loads(cli.ok("job", "show", job_id, "-fl", "id,queue", "-o", "json")) == {
        "id": "cli-show-fl", "queue": "default-queue"}
    text = cli.ok("-o", "text", "job", "show", job_id)
    assert text.startswith("job id \tjob name \tqueue \tpriority \tstatus \t"), text
    assert "job config and runtime info:\n[\n" in text
    r = cli("job", "show", "job-0000000000000000")
    assert r.rc == 1 and r.out == "", r
    assert re.fullmatch(r"\[PaddleFlowSDKException\] code:JobNotFound message:.*"
                        r"job-0000000000000000.* requestId:[0-9a-f-]{36}\n", r.err), r


def test_show_chinese_name_lines_up(cli, api, tmp_path):
    job_id = create(cli, tmp_path, name="训练作业-中文名", command="echo zh")
    lines = cli.ok("job", "show", job_id).split("job config")[0].splitlines()
    assert "训练作业-中文名" in lines[3]
    assert len({display_width(line) for line in lines}) == 1, lines
    assert all(line.startswith(("+", "|")) for line in lines)


def test_long_cells_wrap_in_tables_but_not_in_json(cli, api, tmp_path):
    name = "n" * 70 + " " + "m" * 50
    job_id = create(cli, tmp_path, name=name, command="echo long")
    table = cli.ok("job", "show", job_id).split("job config")[0]
    lines = table.splitlines()
    assert lines[3].split("|")[2].strip() == "n" * 60, lines
    assert lines[4].split("|")[2].strip() == "n" * 10, lines
    assert lines[5].split("|")[2].strip() == "m" * 50, lines
    assert len({len(line) for line in lines}) == 1
    assert json.loads(cli.ok("-o", "json", "job", "show", job_id))["name"] == name


# ---- list ------------------------------------------------------------------------------

LIST_HEADERS = ["job id", "job name", "queue", "status", "accept time", "start time",
                "finish time"]


def test_list_golden_with_label_filter_and_paging(cli, api, tmp_path):
    ids = [create(cli, tmp_path, id="cli-list-%d" % i, name="list-%d" % i,
                  labels={"suite": "cli-list"}, command="echo %d" % i) for i in range(3)]
    for job_id in ids:
        wait_status(api, job_id, ("succeeded",))
    out = cli.ok("job", "list", "-l", "suite=cli-list")
    T = "YYYY-MM-DD hh:mm:ss"
    rows = [["cli-list-%d" % i, "list-%d" % i, "default-queue", "succeeded", T, T, T]
            for i in (2, 1, 0)]  # newest first
    assert mask(out) == grid(LIST_HEADERS, rows) + "marker: None\n"

    page1 = cli.ok("job", "list", "--labels", "suite=cli-list", "-m", "2")
    marker = re.search(r"^marker: (\S+)\n\Z", page1, re.M).group(1)
    assert marker != "None" and mask(page1) == grid(LIST_HEADERS, rows[:2]) + \
        "marker: %s\n" % marker
    page2 = cli.ok("job", "list", "-l", "suite=cli-list", "-m", "2", "-mk", marker)
    assert mask(page2) == grid(LIST_HEADERS, rows[2:]) + "marker: None\n"

    fl = cli.ok("job", "list", "-l", "suite=cli-list", "-fl", "id,name,labels,status")
    assert fl == grid(["job id", "job name", "labels", "status"],
                      [["cli-list-%d" % i, "list-%d" % i, '{"suite": "cli-list"}', "succeeded"]
                       for i in (2, 1, 0)]) + "marker: None\n"


def test_list_empty_filters_and_json(cli, api, tmp_path):
    assert cli.ok("job", "list", "-l", "suite=nothing-matches") == \
        grid(LIST_HEADERS, []) + "marker: None\n"
    assert cli.ok("job", "list", "-s", "no-such-status") == grid(LIST_HEADERS, []) + \
        "marker: None\n"
    job_id = create(cli, tmp_path, labels={"suite": "cli-json"})
    doc = json.loads(cli.ok("-o", "json", "job", "list", "-l", "suite=cli-json"))
    assert doc["isTruncated"] is False and [j["id"] for j in doc["jobList"]] == [job_id]
    shown = api.get("/job/" + job_id).json
    assert all(doc["jobList"][0][k] == shown[k] for k in ("id", "name", "labels", "image"))
    doc = json.loads(cli.ok("job", "list", "-l", "suite=cli-json", "-fl", "id,labels",
                            "--output", "json"))
    assert doc["jobList"] == [{"id": job_id, "labels": {"suite": "cli-json"}}]
    via_env = json.loads(cli.ok("job", "list", "-l", "suite=cli-json",
                                env={"PADDLEFLOW_OUTPUT": "json"}))
    assert [j["id"] for j in via_env["jobList"]] == [job_id]
    future = int(time.time()) + 3600
    assert "cli-json" not in cli.ok("job", "list", "-t", future, "-fl", "labels")
    assert cli.ok("job", "list", "-q", "default-queue", "-l", "suite=cli-json",
                  "-fl", "id") == grid(["job id"], [[job_id]]) + "marker: None\n"
    assert cli.ok("job", "list", "-st", "2999-01-01 00:00:00", "-fl", "id") == \
        grid(["job id"], []) + "marker: None\n"


def test_list_server_errors(cli):
    r = cli("job", "list", "-q", "no-such-queue")
    assert r.rc == 1 and "code:QueueNameNotFound" in r.err, r
    r = cli("job", "list", "-mk", "garbage")
    assert r.rc == 1 and "code:InvalidMarker" in r.err, r
    r = cli("job", "list", "-m", "5000")
    assert r.rc == 1 and "code:InvalidURI" in r.err, r


# ---- update / stop / delete -------------------------------------------------------------

def test_update_labels_priority_and_annotations(cli, api, tmp_path):
    job_id = create(cli, tmp_path, labels={"a": "1", "gone": "x"}, command="echo u")
    wait_status(api, job_id, ("succeeded",))
    out = cli.ok("job", "update", job_id, "-l", "a=2,b=3,gone=", "-a", "note=hi")
    assert out == "job[%s] update success\n" % job_id
    job = api.get("/job/" + job_id).json
    assert job["labels"] == {"a": "2", "b": "3"} and job["annotations"] == {"note": "hi"}
    r = cli("job", "update", job_id, "-p", "high")  # too late: the job has finished
    assert r.rc == 1 and "code:ActionNotAllowed" in r.err, r
    r = cli("job", "update", job_id, "--priority", "urgent")
    assert r.rc == 1 and "code:InvalidArguments" in r.err, r
    assert json.loads(cli.ok("-o", "json", "job", "update", job_id, "-l", "c=4")) == {
        "id": job_id, "action": "update", "success": True}


def test_update_priority_of_waiting_job(cli, api, tmp_path):
    # a queue with room for one job: the second one waits (init/pending) behind the first
    r = api.post("/queue", {"name": "cli-small", "namespace": "default",
                            "quotaType": "volcanoCapabilityQuota",
                            "maxResources": {"cpu": "1", "mem": "1Gi"}})
    assert r.status == 200, r
    small = {"queue": "cli-small"}
    first = create(cli, tmp_path, command="sleep 60", schedulingPolicy=small)
    wait_status(api, first, ("running",))
    second = create(cli, tmp_path, command="sleep 60", schedulingPolicy=small)
    assert api.get("/job/" + second).json["status"] in ("init", "pending")
    assert cli.ok("job", "update", second, "-p", "low") == "job[%s] update success\n" % second
    assert api.get("/job/" + second).json["schedulingPolicy"]["priority"] == "LOW"
    # the seed's literal command, typo included: paddleflow job update jobid --prority high ...
    assert cli.ok("job", "update", second, "--prority", "high", "--labels",
                  "label1=value1,label2=value2") == "job[%s] update success\n" % second
    job = api.get("/job/" + second).json
    assert job["schedulingPolicy"]["priority"] == "HIGH"
    assert job["labels"] == {"label1": "value1", "label2": "value2"}
    for job_id in (second, first):
        assert cli.ok("job", "stop", job_id) == "job[%s] stop success\n" % job_id
    for job_id in (second, first):
        wait_status(api, job_id, ("terminated",))


def test_stop_and_delete(cli, api, tmp_path):
    job_id = create(cli, tmp_path, command="sleep 60")
    wait_status(api, job_id, ("running",))
    r = cli("job", "delete", job_id)
    assert r.rc == 1 and "code:ActionNotAllowed" in r.err and "stop it first" in r.err, r
    assert cli.ok("job", "stop", job_id) == "job[%s] stop success\n" % job_id
    wait_status(api, job_id, ("terminated",))
    r = cli("job", "stop", job_id)
    assert r.rc == 1 and "code:ActionNotAllowed" in r.err and "cannot be stopped" in r.err, r
    assert cli.ok("job", "delete", job_id) == "job[%s] delete success\n" % job_id
    r = cli("job", "show", job_id)
    assert r.rc == 1 and "code:JobNotFound" in r.err, r
    r = cli("job", "delete", job_id)
    assert r.rc == 1 and "code:JobNotFound" in r.err, r


def test_wrong_password_and_other_users_jobs(cli, api, tmp_path, server):
    r = Cli(server.port, tmp_path, password="wrong-password", name="bad.ini")("job", "list")
    assert r.rc == 1 and r.out == "", r
    assert re.fullmatch(r"\[PaddleFlowSDKException\] code:AuthFailed message:.+ "
                        r"requestId:\S+\n", r.err), r
    assert api.post("/user", {"username": "clijobs1", "password": "secret123"}).status == 200
    job_id = create(cli, tmp_path, command="echo mine")
    other = cli.as_user("clijobs1", "secret123")
    assert other.ok("job", "list", "-fl", "id") == grid(["job id"], []) + "marker: None\n"
    r = other("job", "show", job_id)
    assert r.rc == 1 and "code:ActionNotAllowed" in r.err, r


# ---- logs ------------------------------------------------------------------------------

def test_log_show_and_tail(cli, api, tmp_path):
    job_id = create(cli, tmp_path, command="for i in 1 2 3 4 5; do echo line-$i; done")
    wait_status(api, job_id, ("succeeded",))
    out = cli.ok("log", "show", job_id)
    assert [l for l in out.splitlines() if l.startswith("line-")] == \
        ["line-%d" % i for i in range(1, 6)], out
    tail = cli.ok("log", "show", job_id, "--tail", "2")
    assert [l for l in tail.splitlines() if l.startswith("line-")] == ["line-4", "line-5"]
    followed = cli.ok("log", "show", job_id, "-f", timeout=60)  # already ended: whole log
    assert [l for l in followed.splitlines() if l.startswith("line-")] == \
        ["line-%d" % i for i in range(1, 6)], followed
    doc = json.loads(cli.ok("-o", "json", "log", "show", job_id))
    assert doc["jobID"] == job_id and doc["taskList"] and doc["eventList"] == []
    r = cli("log", "show", "job-0000000000000000")
    assert r.rc == 1 and "code:JobNotFound" in r.err, r


def test_log_follow_streams_until_the_job_ends(cli, api, tmp_path):
    job_id = create(cli, tmp_path,
                    command="for i in 1 2 3; do echo follow-$i; sleep 0.5; done")
    t0 = time.time()
    out = cli.ok("log", "show", job_id, "-f", timeout=60)
    assert [l for l in out.splitlines() if l.startswith("follow-")] == \
        ["follow-1", "follow-2", "follow-3"], out
    assert api.get("/job/" + job_id).json["status"] in FINAL
    assert time.time() - t0 < 30


def test_version(cli):
    out = cli.ok("version")
    assert re.match(r"client version: \d+\.\d+\.\d+\nserver version: \S+", out), out
    doc = json.loads(cli.ok("-o", "json", "version"))
    assert "gitVersion" in doc["server"]


def test_token_cache(cli, server, tmp_path):
    tokens = tmp_path / ".paddleflow" / "tokens"
    cli.ok("job", "list", "-m", "1")
    files = list(tokens.iterdir())
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert oct(tokens.stat().st_mode & 0o777) == "0o700"
    token = files[0].read_text()
    cli.ok("job", "list", "-m", "1")
    assert files[0].read_text() == token  # reused, not renewed
    files[0].write_text("garbage-token\n")  # rejected by the server: log in again, re-cache
    cli.ok("job", "list", "-m", "1")
    assert files[0].read_text() not in ("garbage-token\n", "")
    # a wrong password never reuses the token obtained with the right one
    r = Cli(server.port, tmp_path, password="not-the-password", name="other.ini")("job", "list")
    assert r.rc == 1 and "code:AuthFailed" in r.err, r
    assert len(list(tokens.iterdir())) == 1
    files[0].unlink()
    cli.ok("job", "list", "-m", "1", env={"PADDLEFLOW_TOKEN_CACHE": "off"})
    assert list(tokens.iterdir()) == []
