"""Workflow jobs end to end against a real server (issue 6): POST /job/workflow with an Argo
Workflow in extensionTemplate, every node a real process on the local runtime.

* one test per supported feature: container, script (python3, sh), steps with parallel
  groups, dag with dependencies and every `depends` operator, workflow and input parameters,
  outputs.result between tasks and steps, withItems / withParam / {{item}}, when,
  retryStrategy.limit, activeDeadlineSeconds, onExit with {{workflow.status}};
* a failing branch (downstream nodes skipped, job failed), nodes waiting for queue quota,
  stop (terminated, no node process left), kill -9 of the server mid-workflow (finished
  nodes do not run again), the workflowRuntime shape, node logs via GET /log/job;
* every validation error at create, and the four examples of examples/workflow (through
  the CLI, from their YAML files) ending as their comments say.

Parallelism is proved with barriers (each parallel node waits until all its siblings have
started, else exits 9), not with timings. The module's server is started with a large
machine capacity, so only the queue's quota (default-queue: cpu 20) bounds parallelism."""
import json
import os
import signal
import time

import pytest
import yaml

from pfserver import ServerProc, wait_for, show_job as show, wait_job_status as wait_status
from test_cli_basics import Cli

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "workflow")
FINAL = {"succeeded", "failed", "terminated"}
BIG = ["--capacity-cpu", "64000", "--capacity-mem", str(256 << 30), "--stop-grace-seconds", "5"]
NODE_KEYS = {"id", "name", "displayName", "template", "type", "phase", "status", "startedAt",
             "finishedAt", "message", "children"}
TIME_FMT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(scope="module")
def server():
    s = ServerProc(extra_args=BIG).start()
    yield s
    s.finish()


# ---- helpers -----------------------------------------------------------------------------

def workflow(templates, entrypoint="main", **spec):
    s = {"entrypoint": entrypoint, "templates": templates}
    s.update(spec)
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": "t-"}, "spec": s}


def container(name, command, args=None, **kw):
    c = {"image": "alpine:3.19", "command": command}
    if args is not None:
        c["args"] = args
    t = {"name": name, "container": c}
    t.update(kw)
    return t


def sh(name, text, **kw):
    """A container template running `sh -c text`."""
    return container(name, ["sh", "-c", text], **kw)


def script(name, command, source, **kw):
    t = {"name": name, "script": {"image": "python:3.11", "command": command, "source": source}}
    t.update(kw)
    return t


def params(**kv):
    return {"parameters": [{"name": k, "value": v} for k, v in kv.items()]}


def inputs(*names, **defaults):
    ps = [{"name": n} for n in names] + [{"name": k, "default": v} for k, v in defaults.items()]
    return {"parameters": ps}


CREATED = []


@pytest.fixture(autouse=True)
def reap():
    """A failed test may leave node processes waiting on a gate: kill what its jobs left."""
    yield
    while CREATED:
        for pid in job_procs(CREATED.pop()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def create(api, tpl, name="wf", queue="default-queue", **kw):
    body = {"name": name, "schedulingPolicy": {"queue": queue}, "extensionTemplate": tpl}
    body.update(kw)
    r = api.post("/job/workflow", body)
    assert r.status == 200, r
    CREATED.append(r.json["id"])
    return r.json["id"]




def run(api, tpl, want="succeeded", timeout=30, **kw):
    jid = create(api, tpl, **kw)
    job = wait_status(api, jid, timeout=timeout)
    assert job["status"] == want, (job["message"], phases(job), logs(api, jid))
    return job


def nodes(job):
    return (job.get("workflowRuntime") or {}).get("nodes", [])


def by_name(job):
    """Nodes by name without the "<job id>" prefix: "" is the root, ".A" a DAG task,
    "[0].a" a step, ".onExit" the exit handler."""
    jid = job["id"]
    return {n["name"][len(jid):]: n for n in nodes(job)}


def phases(job):
    return {k: n["phase"] for k, n in by_name(job).items()}


def fnv1a(text):
    h = 2166136261
    for b in text.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def task_of(job, node):
    """The runtime task of a node (its log's taskID): "<job>-n<fnv1a(node id) hex>-0"."""
    return "%s-n%08x-0" % (job["id"], fnv1a(node["id"]))


def logs(api, jid):
    r = api.get("/log/job", query={"jobID": jid})
    assert r.status == 200, r
    return {t["taskID"]: t["logInfo"]["logContent"] for t in r.json["taskList"]}


def outputs(api, job):
    """Each task node's log by short node name."""
    lg = logs(api, job["id"])
    return {k: lg.get(task_of(job, n)) for k, n in by_name(job).items() if n["type"] == "Pod"}


def job_procs(jid):
    """Pids of live processes started for this job (PF_JOB_ID in their environment)."""
    found = []
    needle = ("PF_JOB_ID=%s" % jid).encode()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%s/stat" % p) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        if needle in env:
            found.append(int(p))
    return found


def barrier(d, tag, n):
    """Shell text: mark this node started in d, then wait until n nodes of tag have (10 s)."""
    return ("touch {d}/{tag}-$PF_TASK_NAME; i=0; "
            "while [ $(ls {d} | grep -c '^{tag}-') -lt {n} ]; do "
            "i=$((i+1)); [ $i -gt 500 ] && exit 9; sleep 0.02; done").format(d=d, tag=tag, n=n)


# ---- container and script templates ------------------------------------------------------

def test_container_command_args_env(api):
    tpl = workflow([container(
        "main", ["sh", "-c"],
        ['echo "$GREETING from $PF_JOB_TYPE $PF_JOB_ID"; echo "$0" "$1" >&2', "a b",
         "{{workflow.name}}"])])
    tpl["spec"]["templates"][0]["container"]["env"] = [
        {"name": "GREETING", "value": "hello {{workflow.namespace}}"}]
    job = run(api, tpl)
    root = by_name(job)[""]
    assert root["type"] == "Pod" and root["template"] == "main" and root["exitCode"] == 0
    # stdout passes through a tee (for outputs.result): its order against stderr is not kept
    assert sorted(outputs(api, job)[""].splitlines()) == [
        "a b %s" % job["id"], "hello default from workflow %s" % job["id"]]


def test_reused_id_runs_its_own_nodes(api):
    """A new workflow taking a deleted one's id: the old node's files go at create, so the
    node runs again rather than being adopted as already done."""
    first = run(api, workflow([sh("main", "echo first")]), id="wf-reuse")
    assert api.delete("/job/wf-reuse").status == 200
    second = run(api, workflow([sh("main", "echo second")]), id="wf-reuse")
    assert outputs(api, second)[""] == "second\n"
    assert first["id"] == second["id"] == "wf-reuse"


def test_script_python3(api):
    src = "import sys\nprint('py', sys.version_info[0], {{inputs.parameters.n}} * 7)\n"
    tpl = workflow([{"name": "main", "steps": [[{"name": "calc", "template": "py",
                                                 "arguments": params(n="6")}]]},
                    script("py", ["python3"], src, inputs=inputs("n"))])
    job = run(api, tpl)
    assert outputs(api, job)["[0].calc"] == "py 3 42\n"


def test_script_sh_with_args(api):
    # Argo's order: <command...> <script file> <args...>
    tpl = workflow([script("main", ["sh"], 'echo "sh:$1:$2"\nexit 0\n')])
    tpl["spec"]["templates"][0]["script"]["args"] = ["x", "y z"]
    job = run(api, tpl)
    assert outputs(api, job)[""] == "sh:x:y z\n"
    # a script that fails gives its exit code to the node and fails the job
    job = run(api, workflow([script("main", ["sh"], "echo no >&2\nexit 4\n")]), want="failed")
    root = by_name(job)[""]
    assert root["phase"] == "Failed" and root["exitCode"] == 4, root
    assert root["message"] == "Error (exit code 4)"


# ---- steps and dag -----------------------------------------------------------------------

def test_steps_groups_run_in_order_and_in_parallel(api, tmp_path):
    d = tmp_path
    par = [{"name": "p%d" % i, "template": "par"} for i in range(3)]
    tpl = workflow([
        {"name": "main", "steps": [[{"name": "first", "template": "first"}], par,
                                   [{"name": "last", "template": "last"}]]},
        sh("first", "touch %s/first-done" % d),
        # all three of group 1 run at once, and only after group 0 ended
        sh("par", "[ -e %s/first-done ] || exit 7; %s; touch %s/done-$PF_TASK_NAME"
           % (d, barrier(d, "par", 3), d)),
        sh("last", "[ $(ls %s | grep -c '^done-') -eq 3 ] || exit 8; echo last" % d)])
    job = run(api, tpl)
    ph = phases(job)
    assert ph == {"": "Succeeded", "[0]": "Succeeded", "[0].first": "Succeeded",
                  "[1]": "Succeeded", "[1].p0": "Succeeded", "[1].p1": "Succeeded",
                  "[1].p2": "Succeeded", "[2]": "Succeeded", "[2].last": "Succeeded"}, ph
    n = by_name(job)
    assert n[""]["type"] == "Steps" and n["[1]"]["type"] == "StepGroup"
    assert n["[1]"]["displayName"] == "[1]" and n["[1].p1"]["displayName"] == "p1"
    assert n[""]["children"] == [n["[0]"]["id"], n["[1]"]["id"], n["[2]"]["id"]]
    assert n["[1]"]["children"] == [n["[1].p%d" % i]["id"] for i in range(3)]


def test_failed_step_omits_later_groups(api, tmp_path):
    tpl = workflow([
        {"name": "main", "steps": [[{"name": "ok", "template": "ok"},
                                    {"name": "bad", "template": "bad"}],
                                   [{"name": "never", "template": "mark"}]]},
        sh("ok", "true"), sh("bad", "exit 3"), sh("mark", "touch %s/ran" % tmp_path)])
    job = run(api, tpl, want="failed")
    n = by_name(job)
    assert n["[0].bad"]["phase"] == "Failed" and n["[0].bad"]["exitCode"] == 3
    assert n["[1]"]["phase"] == "Omitted" and n["[1].never"]["phase"] == "Omitted"
    assert n["[1].never"]["status"] == "skipped"
    assert not (tmp_path / "ran").exists()
    assert job["message"].startswith("job is failed"), job["message"]


def test_dag_dependencies_diamond(api, tmp_path):
    d = tmp_path
    tpl = workflow([
        {"name": "main", "dag": {"tasks": [
            {"name": "A", "template": "a"},
            {"name": "B", "dependencies": ["A"], "template": "mid"},
            {"name": "C", "dependencies": ["A"], "template": "mid"},
            {"name": "D", "dependencies": ["B", "C"], "template": "d"}]}},
        sh("a", "touch %s/a-done" % d),
        sh("mid", "[ -e %s/a-done ] || exit 7; %s; touch %s/mid-done-$PF_TASK_NAME"
           % (d, barrier(d, "mid", 2), d)),
        sh("d", "[ $(ls %s | grep -c '^mid-done-') -eq 2 ] || exit 8" % d)])
    job = run(api, tpl)
    n = by_name(job)
    assert {k: v["phase"] for k, v in n.items()} == {
        "": "Succeeded", ".A": "Succeeded", ".B": "Succeeded", ".C": "Succeeded",
        ".D": "Succeeded"}
    # Argo's graph: the DAG holds its root tasks, each task its dependents
    assert n[""]["type"] == "DAG" and n[""]["children"] == [n[".A"]["id"]]
    assert sorted(n[".A"]["children"]) == sorted([n[".B"]["id"], n[".C"]["id"]])
    assert n[".B"]["children"] == [n[".D"]["id"]] == n[".C"]["children"]
    assert n[".D"]["children"] == []


DEPENDS = {
    # target task: (depends expression, phase it ends in)
    "s": ("ok.Succeeded", "Succeeded"),
    "f": ("bad.Failed", "Succeeded"),
    "c": ("ok.Completed && bad.Completed", "Succeeded"),
    "sk": ("skipped.Skipped", "Succeeded"),
    "bare": ("skipped && ok", "Succeeded"),  # a bare name: Succeeded or Skipped
    "not": ("!bad.Succeeded", "Succeeded"),
    "or": ("ok.Failed || bad.Failed", "Succeeded"),
    "paren": ("(ok.Failed || bad.Completed) && !skipped.Succeeded", "Succeeded"),
    "x1": ("ok.Failed", "Omitted"),
    "x2": ("bad.Succeeded", "Omitted"),
    "x3": ("ok.Succeeded && bad.Succeeded", "Omitted"),
    "x4": ("!ok.Succeeded || skipped.Failed", "Omitted"),
    "x5": ("skipped.Succeeded", "Omitted"),
    "any": ("loop.AnySucceeded", "Succeeded"),  # loops: one item of two succeeded
    "allf": ("loop.AllFailed", "Omitted"),
}


def test_dag_depends_operators(api, tmp_path):
    tasks = [{"name": "ok", "template": "ok"},
             {"name": "bad", "template": "bad"},
             {"name": "skipped", "template": "ok", "when": "1 == 2"},
             {"name": "loop", "template": "code", "withItems": [0, 1],
              "arguments": params(c="{{item}}")}]
    tasks += [{"name": t, "depends": dep, "template": "mark"} for t, (dep, _) in DEPENDS.items()]
    # the failure of `bad` is handled by f; the omitted x2/x3 would carry it to a leaf, so
    # a final task joins every branch with .Completed/.Omitted to make the outcome explicit
    tpl = workflow([{"name": "main", "dag": {"tasks": tasks}},
                    sh("ok", "true"), sh("bad", "exit 1"),
                    sh("code", "exit {{inputs.parameters.c}}", inputs=inputs("c")),
                    sh("mark", "touch %s/$PF_TASK_NAME" % tmp_path)])
    jid = create(api, tpl)
    job = wait_status(api, jid)
    n = by_name(job)
    assert n[".ok"]["phase"] == "Succeeded" and n[".bad"]["phase"] == "Failed"
    assert n[".skipped"]["phase"] == "Skipped" and n[".skipped"]["status"] == "skipped"
    got = {t: n["." + t]["phase"] for t in DEPENDS}
    assert got == {t: want for t, (_, want) in DEPENDS.items()}, got
    for t, (_, want) in DEPENDS.items():
        ran = (tmp_path / task_of(job, n["." + t])).exists()
        assert ran == (want == "Succeeded"), t
        if want == "Omitted":
            assert n["." + t]["status"] == "skipped" and n["." + t]["type"] == "Skipped"
    # `bad` failed and the omitted x2/x3 inherit its failure at a leaf: the DAG fails
    # (Argo's assessDAGPhase)
    assert job["status"] == "failed", job["message"]
    assert n[""]["phase"] == "Failed"


def test_handled_failure_does_not_fail_the_dag(api):
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "bad", "template": "bad"},
        {"name": "cleanup", "depends": "bad.Failed", "template": "ok"}]}},
        sh("ok", "true"), sh("bad", "exit 1")])
    job = run(api, tpl)
    assert phases(job) == {"": "Succeeded", ".bad": "Failed", ".cleanup": "Succeeded"}


def test_failing_branch_skips_downstream_and_fails_the_job(api, tmp_path):
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "a", "template": "bad"},
        {"name": "b", "dependencies": ["a"], "template": "mark"},
        {"name": "c", "dependencies": ["b"], "template": "mark"},
        {"name": "other", "template": "mark"}]}},
        sh("bad", "echo failing; exit 2"), sh("mark", "touch %s/$PF_TASK_NAME" % tmp_path)])
    job = run(api, tpl, want="failed")
    n = by_name(job)
    assert n[".a"]["phase"] == "Failed" and n[".a"]["status"] == "failed"
    assert n[".a"]["exitCode"] == 2 and n[".a"]["message"] == "Error (exit code 2)"
    for k in (".b", ".c"):
        assert n[k]["phase"] == "Omitted" and n[k]["status"] == "skipped", n[k]
        assert n[k]["type"] == "Skipped" and "exitCode" not in n[k]
        assert n[k]["message"] == "omitted: depends condition not met"
        assert not (tmp_path / task_of(job, n[k])).exists()
    assert n[".other"]["phase"] == "Succeeded"  # independent branches keep running
    assert (tmp_path / task_of(job, n[".other"])).exists()
    assert job["workflowRuntime"]["status"] == "Failed"
    assert job["message"].startswith("job is failed"), job["message"]
    assert job["finishTime"] != ""


# ---- parameters, results, loops, when ----------------------------------------------------

def test_workflow_and_input_parameters(api):
    tpl = workflow(
        [{"name": "main", "inputs": inputs("who", "n"), "steps": [[
            {"name": "show", "template": "show",
             "arguments": params(a="{{inputs.parameters.who}}-{{inputs.parameters.n}}")}]]},
         sh("show", 'echo "a={{inputs.parameters.a}} b={{inputs.parameters.b}} '
            'w={{workflow.parameters.who}} name={{workflow.name}}"',
            inputs=inputs("a", b="dflt"))],
        arguments=params(who="PaddleFlow", n=3))  # a number is taken as text
    job = run(api, tpl)
    assert outputs(api, job)["[0].show"] == "a=PaddleFlow-3 b=dflt w=PaddleFlow name=%s\n" % (
        job["id"])


def test_outputs_result_between_dag_tasks(api):
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "gen", "template": "gen"},
        {"name": "use", "dependencies": ["gen"], "template": "echo",
         "arguments": params(m="got [{{tasks.gen.outputs.result}}]")}]}},
        # the result is stdout only (stderr goes to the log), trailing newlines trimmed
        sh("gen", "echo noise >&2; printf 'line1\\nline2\\n\\n'"),
        container("echo", ["echo", "{{inputs.parameters.m}}"], inputs=inputs("m"))])
    job = run(api, tpl)
    out = outputs(api, job)
    assert out[".use"] == "got [line1\nline2]\n"
    assert "noise" in out[".gen"] and "line1" in out[".gen"]


def test_outputs_result_between_steps(api):
    tpl = workflow([
        {"name": "main", "steps": [
            [{"name": "gen", "template": "gen"}],
            [{"name": "use", "template": "echo",
              "arguments": params(m="{{steps.gen.outputs.result}}+1")}]]},
        script("gen", ["python3"], "print(20 + 21)"),
        container("echo", ["echo", "{{inputs.parameters.m}}"], inputs=inputs("m"))])
    job = run(api, tpl)
    assert outputs(api, job)["[1].use"] == "41+1\n"


def test_with_items_and_with_param(api):
    tpl = workflow([
        {"name": "main", "steps": [
            [{"name": "gen", "template": "gen"}],
            [{"name": "s", "template": "echo", "withItems": ["a", 2, True],
              "arguments": params(m="s={{item}}")},
             {"name": "o", "template": "echo", "withItems": [{"k": "x", "n": 1}],
              "arguments": params(m="{{item.k}}-{{item.n}}")},
             {"name": "p", "template": "echo", "withParam": "{{steps.gen.outputs.result}}",
              "arguments": params(m="p={{item}}")}],
            [{"name": "all", "template": "echo",
              "arguments": params(m="{{steps.p.outputs.result}}")}]]},
        sh("gen", "echo '[\"u\", \"v\"]'"),
        container("echo", ["echo", "{{inputs.parameters.m}}"], inputs=inputs("m"))])
    job = run(api, tpl)
    out = outputs(api, job)
    assert out == {"[0].gen": '["u", "v"]\n', "[1].s(0:a)": "s=a\n", "[1].s(1:2)": "s=2\n",
                   "[1].s(2:true)": "s=true\n", "[1].o(0:k:x,n:1)": "x-1\n",
                   "[1].p(0:u)": "p=u\n", "[1].p(1:v)": "p=v\n", "[2].all": '["p=u","p=v"]\n'}, out


def test_with_items_in_a_dag(api):
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "sq", "template": "sq", "withItems": [2, 3], "arguments": params(n="{{item}}")},
        {"name": "sum", "dependencies": ["sq"], "template": "echo",
         "arguments": params(m="{{tasks.sq.outputs.result}}")}]}},
        sh("sq", "echo $(( {{inputs.parameters.n}} * {{inputs.parameters.n}} ))",
           inputs=inputs("n")),
        container("echo", ["echo", "{{inputs.parameters.m}}"], inputs=inputs("m"))])
    job = run(api, tpl)
    n = by_name(job)
    assert n[".sq"]["type"] == "TaskGroup"
    assert outputs(api, job) == {".sq(0:2)": "4\n", ".sq(1:3)": "9\n", ".sum": "[4,9]\n"}


def test_when_conditions(api, tmp_path):
    tpl = workflow([
        {"name": "main", "steps": [
            [{"name": "coin", "template": "coin"}],
            [{"name": "heads", "template": "mark",
              "when": "{{steps.coin.outputs.result}} == heads"},
             {"name": "tails", "template": "mark",
              "when": "{{steps.coin.outputs.result}} == tails"},
             {"name": "num", "template": "mark", "when": "2 > 10 || ('a' != 'b' && true)"}]]},
        sh("coin", "echo heads"), sh("mark", "touch %s/$PF_TASK_NAME" % tmp_path)])
    job = run(api, tpl)
    n = by_name(job)
    assert n["[1].heads"]["phase"] == "Succeeded" and n["[1].num"]["phase"] == "Succeeded"
    tails = n["[1].tails"]
    assert tails["phase"] == "Skipped" and tails["status"] == "skipped"
    assert tails["type"] == "Skipped" and "when" in tails["message"], tails
    assert not (tmp_path / task_of(job, tails)).exists()
    assert (tmp_path / task_of(job, n["[1].heads"])).exists()


# ---- retries, deadlines, exit handler ----------------------------------------------------

def counter(path, succeed_at):
    """Shell text: count this attempt in path; fail until attempt succeed_at."""
    return ('n=$(cat {p} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {p}; '
            'echo attempt $n; [ $n -ge {k} ]').format(p=path, k=succeed_at)


def test_retry_strategy_limit(api, tmp_path):
    cnt = tmp_path / "count"
    tpl = workflow([sh("main", counter(cnt, 3), retryStrategy={"limit": 2})])
    job = run(api, tpl)
    assert cnt.read_text() == "3\n"
    n = by_name(job)
    assert n[""]["type"] == "Retry" and n[""]["phase"] == "Succeeded"
    assert [n["(%d)" % i]["phase"] for i in range(3)] == ["Failed", "Failed", "Succeeded"]
    assert n[""]["children"] == [n["(%d)" % i]["id"] for i in range(3)]
    assert outputs(api, job)["(2)"] == "attempt 3\n"
    # one retry is not enough: Failed, no more retries left
    cnt2 = tmp_path / "count2"
    job = run(api, workflow([sh("main", counter(cnt2, 3), retryStrategy={"limit": "1"})]),
              want="failed")
    assert cnt2.read_text() == "2\n"
    root = by_name(job)[""]
    assert root["phase"] == "Failed" and "No more retries left" in root["message"], root


def test_workflow_active_deadline_fails_the_job(api):
    tpl = workflow([sh("main", "exec sleep 60"),
                    sh("bye", "echo {{workflow.status}}")], activeDeadlineSeconds=1, onExit="bye")
    t0 = time.time()
    jid = create(api, tpl)
    job = wait_status(api, jid, timeout=20)
    assert job["status"] == "failed", job
    assert time.time() - t0 < 10
    msg = "workflow exceeded its activeDeadlineSeconds (1s)"
    assert job["message"] == "job is failed: " + msg
    assert job["workflowRuntime"]["message"] == msg
    n = by_name(job)
    assert n[""]["phase"] == "Failed", n[""]
    # the main flow is stopped, the exit handler still runs and sees Failed
    assert n[".onExit"]["phase"] == "Succeeded" and outputs(api, job)[".onExit"] == "Failed\n"
    assert not job_procs(jid)


def test_template_active_deadline_fails_the_node(api):
    tpl = workflow([{"name": "main", "steps": [[{"name": "slow", "template": "slow"}]]},
                    sh("slow", "exec sleep 60", activeDeadlineSeconds=1)])
    jid = create(api, tpl)
    job = wait_status(api, jid, timeout=20)
    assert job["status"] == "failed"
    slow = by_name(job)["[0].slow"]
    assert slow["phase"] == "Failed"
    assert slow["message"] == "Pod was active on the node longer than the specified deadline"
    assert not job_procs(jid)


@pytest.mark.parametrize("main_cmd,status,seen", [("true", "succeeded", "Succeeded"),
                                                  ("exit 5", "failed", "Failed")])
def test_on_exit_sees_workflow_status(api, main_cmd, status, seen):
    tpl = workflow([sh("main", main_cmd),
                    sh("bye", "echo exit {{workflow.status}} {{workflow.name}}")], onExit="bye")
    job = run(api, tpl, want=status)
    n = by_name(job)
    assert n[".onExit"]["phase"] == "Succeeded" and n[".onExit"]["template"] == "bye"
    assert outputs(api, job)[".onExit"] == "exit %s %s\n" % (seen, job["id"])


def test_failing_exit_handler_fails_a_successful_workflow(api):
    job = run(api, workflow([sh("main", "true"), sh("bye", "exit 1")], onExit="bye"),
              want="failed")
    assert by_name(job)[""]["phase"] == "Succeeded"
    assert "exit handler" in job["workflowRuntime"]["message"], job["workflowRuntime"]


def test_node_that_cannot_start_fails_the_job(api):
    """A node whose task the runtime refuses (command over the runtime's 1 MiB spec limit)
    is an Error node and the workflow goes on to fail, instead of hanging in running."""
    tpl = workflow([{"name": "main", "steps": [[{"name": "big", "template": "big"}],
                                               [{"name": "after", "template": "ok"}]]},
                    container("big", ["echo", "x" * (1100 * 1024)]), sh("ok", "true")])
    jid = create(api, tpl)
    job = wait_status(api, jid, timeout=10)
    assert job["status"] == "failed", job["message"]
    big = by_name(job)["[0].big"]
    assert big["phase"] == "Error" and big["status"] == "failed", big
    assert "exceed" in big["message"], big
    assert by_name(job)["[1]"]["phase"] == "Omitted"


# ---- quota, stop, restart ----------------------------------------------------------------

def test_nodes_wait_for_queue_quota(api, tmp_path):
    q = {"name": "wfq", "namespace": "default", "clusterName": "default-cluster",
         "quotaType": "volcanoCapabilityQuota", "maxResources": {"cpu": "2", "mem": "2Gi"}}
    assert api.post("/queue", q).status == 200
    gate = tmp_path / "gate"
    d = tmp_path / "started"
    d.mkdir()
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "t%d" % i, "template": "w"} for i in range(4)]}},
        sh("w", "touch %s/$PF_TASK_NAME; while [ ! -e %s ]; do sleep 0.02; done" % (d, gate))])
    jid = create(api, tpl, queue="wfq")
    # each node needs cpu 1 / mem 1Gi: two run, two wait for the quota
    wait_for(lambda: len(os.listdir(d)) == 2, what="two nodes started")
    time.sleep(0.5)
    job = show(api, jid)
    assert len(os.listdir(d)) == 2
    assert job["status"] == "running"
    assert sum(n["phase"] == "Pending" for k, n in by_name(job).items() if k) >= 2
    gate.write_text("go")
    job = wait_status(api, jid)
    assert job["status"] == "succeeded" and len(os.listdir(d)) == 4


def test_stop_with_nodes_waiting_for_quota(api, tmp_path):
    q = {"name": "wfq2", "namespace": "default", "clusterName": "default-cluster",
         "quotaType": "volcanoCapabilityQuota", "maxResources": {"cpu": "1", "mem": "1Gi"}}
    assert api.post("/queue", q).status == 200
    runs = tmp_path / "runs"
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "t%d" % i, "template": "w"} for i in range(3)]}},
        sh("w", "echo $PF_WF_NODE >> %s; exec sleep 60" % runs)])
    jid = create(api, tpl, queue="wfq2")
    wait_for(lambda: runs.exists() and len(runs.read_text().split()) == 1)
    assert api.put("/job/" + jid, query={"action": "stop"}).status == 200
    job = wait_status(api, jid, timeout=15)
    assert job["status"] == "terminated"
    time.sleep(0.3)
    assert len(runs.read_text().split()) == 1  # the waiting nodes never started
    assert job_procs(jid) == []
    # the quota is free again: a new workflow on the queue runs
    assert run(api, workflow([sh("main", "true")]), queue="wfq2")["status"] == "succeeded"


def test_stop_running_workflow(api, tmp_path):
    tpl = workflow([{"name": "main", "steps": [
        [{"name": "p%d" % i, "template": "long"} for i in range(2)],
        [{"name": "after", "template": "mark"}]]},
        sh("long", "echo $$ >> %s/pids; exec sleep 60" % tmp_path),
        sh("mark", "touch %s/after" % tmp_path)], onExit="mark")
    jid = create(api, tpl)
    wait_for(lambda: (tmp_path / "pids").exists() and
             len((tmp_path / "pids").read_text().split()) == 2, what="both nodes running")
    r = api.put("/job/" + jid, query={"action": "stop"})
    assert r.status == 200, r
    job = wait_status(api, jid, timeout=15)
    assert job["status"] == "terminated", job
    assert job["message"] == "job is terminated"
    assert job["workflowRuntime"]["message"] == "Stopped with strategy 'Terminate'"
    n = by_name(job)
    for k in ("[0].p0", "[0].p1"):
        assert n[k]["phase"] in ("Failed", "Error"), n[k]
    assert n.get("[1].after", {"phase": "Omitted"})["phase"] in ("Omitted", "Pending")
    # no node process is left, the later group and the exit handler never ran
    for pid in map(int, (tmp_path / "pids").read_text().split()):
        assert not os.path.exists("/proc/%d" % pid) or open(
            "/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z"
    assert job_procs(jid) == []
    assert not (tmp_path / "after").exists()
    r = api.put("/job/" + jid, query={"action": "stop"})
    assert r.status == 403 and r.code == "ActionNotAllowed", r


def test_workflow_survives_kill9_and_restart(make_server, tmp_path):
    s = make_server(extra_args=BIG)
    api = s.api()
    runs = tmp_path / "runs"
    gate = tmp_path / "gate"
    d = tmp_path

    def step(name, extra=""):
        return sh(name, "echo %s-start >> %s; %s echo %s-end >> %s" % (name, runs, extra,
                                                                         name, runs))

    wait_gate = "while [ ! -e %s ]; do sleep 0.02; done;" % gate
    tpl = workflow([
        {"name": "main", "dag": {"tasks": [
            {"name": "a", "template": "a"},
            {"name": "b", "dependencies": ["a"], "template": "b"},  # running across the crash
            {"name": "c", "dependencies": ["a"], "template": "c"},  # ends while server is down
            {"name": "d", "dependencies": ["b", "c"], "template": "d"},
            {"name": "e", "depends": "d.Succeeded", "template": "e"}]}},
        step("a"), step("b", wait_gate), step("c", "while [ ! -e %s/c-go ]; do sleep 0.02; done;"
                                               % d),
        step("d"), step("e"), sh("bye", "echo exit >> %s" % runs)], onExit="bye")
    jid = create(api, tpl)
    wait_for(lambda: runs.exists() and "b-start" in runs.read_text() and
             "c-start" in runs.read_text(), what="b and c running")
    before = by_name(show(api, jid))
    assert before[".a"]["phase"] == "Succeeded"
    assert before[".b"]["phase"] in ("Pending", "Running")  # Running: see the while_running test
    s.kill9()
    killed_at = time.strftime(TIME_FMT)
    (d / "c-go").write_text("x")  # c ends while no server watches it
    wait_for(lambda: "c-end" in runs.read_text(), what="c ended")
    time.sleep(1.1)  # so that a start recorded at restart would show a later second
    s.restart()
    api = s.api()
    job = show(api, jid)
    assert job["status"] == "running", job
    assert by_name(job)[".a"]["phase"] == "Succeeded"
    gate.write_text("go")
    job = wait_status(api, jid)
    assert job["status"] == "succeeded", (job["message"], phases(job))
    # every node ran exactly once: a did not run again, b and c were adopted, not restarted
    lines = runs.read_text().split()
    assert sorted(lines) == sorted(["a-start", "a-end", "b-start", "c-start", "c-end", "b-end",
                                    "d-start", "d-end", "e-start", "e-end", "exit"]), lines
    at = lines.index
    assert at("a-end") < min(at("b-start"), at("c-start"))
    assert at("c-end") < at("b-end") < at("d-start") < at("d-end") < at("e-start") < at("exit")
    after = by_name(job)
    assert {k: n["id"] for k, n in after.items() if k in before} == \
        {k: n["id"] for k, n in before.items()}
    assert after[".a"]["startedAt"] == before[".a"]["startedAt"]
    assert after[".a"]["finishedAt"] == before[".a"]["finishedAt"]
    # b and c started before the crash, and their start times say so
    late = {k: after[k]["startedAt"] for k in (".b", ".c") if after[k]["startedAt"] > killed_at}
    assert not late, ("start times recorded after the crash at %s" % killed_at, late)
    assert after[".c"]["finishedAt"] <= after[".d"]["startedAt"]
    out = outputs(api, job)
    assert out[".a"] == "" and out[".onExit"] == ""  # all to the runs file, logs exist


def test_restart_with_queued_nodes_starts_them_once(make_server, tmp_path):
    """Nodes waiting for quota when the server dies start after the restart, once each."""
    s = make_server(extra_args=BIG)
    api = s.api()
    q = {"name": "wfq1", "namespace": "default", "clusterName": "default-cluster",
         "quotaType": "volcanoCapabilityQuota", "maxResources": {"cpu": "1", "mem": "1Gi"}}
    assert api.post("/queue", q).status == 200
    runs = tmp_path / "runs"
    gate = tmp_path / "gate"
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "t%d" % i, "template": "w"} for i in range(3)]}},
        sh("w", "echo $PF_WF_NODE >> %s; while [ ! -e %s ]; do sleep 0.02; done" % (runs, gate))])
    jid = create(api, tpl, queue="wfq1")
    wait_for(lambda: runs.exists() and len(runs.read_text().split()) == 1)
    s.kill9()
    s.restart()
    api = s.api()
    time.sleep(0.3)
    assert len(runs.read_text().split()) == 1  # still one at a time: the quota holds
    gate.write_text("go")
    job = wait_status(api, jid)
    assert job["status"] == "succeeded", phases(job)
    assert sorted(runs.read_text().split()) == sorted(
        n["name"] for k, n in by_name(job).items() if k), runs.read_text()


# ---- show and logs -----------------------------------------------------------------------

def test_workflow_runtime_shape(api):
    tpl = workflow([{"name": "main", "dag": {"tasks": [
        {"name": "A", "template": "ok"}, {"name": "B", "depends": "A", "template": "bad"},
        {"name": "C", "depends": "B", "template": "ok"}]}},
        sh("ok", "true"), sh("bad", "exit 6")])
    job = run(api, tpl, want="failed")
    wr = job["workflowRuntime"]
    assert wr["name"] == wr["id"] == job["id"] and wr["namespace"] == "default"
    assert wr["status"] == "Failed" and isinstance(wr["message"], str)
    ids = {n["id"] for n in wr["nodes"]}
    assert len(ids) == len(wr["nodes"]) == 4
    for n in wr["nodes"]:
        assert NODE_KEYS <= set(n), n
        assert n["name"] == job["id"] or n["name"].startswith(job["id"] + ".")
        assert n["status"] == {"Succeeded": "succeeded", "Failed": "failed",
                               "Omitted": "skipped"}[n["phase"]]
        assert set(n["children"]) <= ids
        time.strptime(n["startedAt"], TIME_FMT)
        time.strptime(n["finishedAt"], TIME_FMT)
        assert n["startedAt"] <= n["finishedAt"]
        assert ("exitCode" in n) == (n["type"] == "Pod"), n
    n = by_name(job)
    assert n[""]["id"] == job["id"] and n[""]["displayName"] == job["id"]
    assert n[".A"]["id"].startswith(job["id"] + "-") and n[".A"]["displayName"] == "A"
    assert (n[".A"]["exitCode"], n[".B"]["exitCode"]) == (0, 6)
    assert n[".B"]["template"] == "bad" and n[".B"]["message"] == "Error (exit code 6)"
    # an omitted node starts and finishes at once (Argo's initializeNode)
    assert n[".C"]["type"] == "Skipped" and n[".C"]["startedAt"] == n[".C"]["finishedAt"]
    # the list endpoint carries no runtime view (§7.9)
    r = api.get("/job", query={"maxKeys": "50"})
    assert r.status == 200
    listed = [j for j in r.json["jobList"] if j["id"] == job["id"]]
    assert listed and "workflowRuntime" not in listed[0]
    assert "framework" not in job and "members" not in job
    assert job["flavour"] == {"cpu": "", "mem": "", "name": ""}


def test_workflow_runtime_while_running(api, tmp_path):
    gate = tmp_path / "gate"
    tpl = workflow([{"name": "main", "steps": [[{"name": "w", "template": "w"}],
                                               [{"name": "x", "template": "ok"}]]},
                    sh("w", "while [ ! -e %s ]; do sleep 0.02; done" % gate), sh("ok", "true")])
    jid = create(api, tpl)
    job = wait_for(lambda: (lambda j: j if by_name(j).get("[0].w", {}).get("phase") == "Running"
                            else None)(show(api, jid)), timeout=5, what="node w Running")
    assert job["status"] == "running" and job["startTime"] != "" and job["finishTime"] == ""
    n = by_name(job)
    assert n[""]["phase"] == "Running" and job["workflowRuntime"]["status"] == "Running"
    assert n["[0].w"]["status"] == "running" and n["[0].w"]["finishedAt"] == ""
    assert "exitCode" not in n["[0].w"] and "[1].x" not in n
    gate.write_text("go")
    assert wait_status(api, jid)["status"] == "succeeded"


def test_node_logs(api):
    tpl = workflow([{"name": "main", "steps": [[
        {"name": "one", "template": "say", "arguments": params(m="first")},
        {"name": "two", "template": "say", "arguments": params(m="second")}]]},
        sh("say", "echo out-{{inputs.parameters.m}}; echo err-{{inputs.parameters.m}} >&2; "
           "echo node=$PF_WF_NODE", inputs=inputs("m"))])
    job = run(api, tpl)
    lg = logs(api, job["id"])
    n = by_name(job)
    assert set(lg) == {task_of(job, n["[0].one"]), task_of(job, n["[0].two"])}
    for k, m in (("[0].one", "first"), ("[0].two", "second")):
        text = lg[task_of(job, n[k])]
        assert sorted(text.splitlines()) == sorted(
            ["out-" + m, "err-" + m, "node=" + n[k]["name"]]), text
    r = api.get("/log/job", query={"jobID": job["id"], "lineLimit": "1", "readFromTail": "true"})
    assert r.status == 200
    for t in r.json["taskList"]:
        assert t["logInfo"]["logContent"].count("\n") == 1 and t["logInfo"]["hasNextPage"]


# ---- validation at create ----------------------------------------------------------------

OK = sh("ok", "true")


def wf_main(main, *more, **spec):
    return workflow([main, OK] + list(more), **spec)


VALIDATION = [
    ("unknown template",
     wf_main({"name": "main", "dag": {"tasks": [{"name": "b", "template": "nope"}]}}),
     "unknown template 'nope' in spec.templates[main].dag.tasks[b]"),
    ("unknown entrypoint", workflow([OK], entrypoint="nope"), "nope"),
    ("missing entrypoint", {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                            "spec": {"templates": [OK]}}, "spec.entrypoint is missing"),
    ("dag cycle",
     wf_main({"name": "main", "dag": {"tasks": [
         {"name": "a", "template": "ok", "dependencies": ["c"]},
         {"name": "b", "template": "ok", "dependencies": ["a"]},
         {"name": "c", "template": "ok", "dependencies": ["b"]}]}}),
     "cycle in DAG template 'main'"),
    ("self dependency",
     wf_main({"name": "main", "dag": {"tasks": [
         {"name": "a", "template": "ok", "depends": "a.Succeeded"}]}}), "cycle"),
    ("bad depends",
     wf_main({"name": "main", "dag": {"tasks": [
         {"name": "a", "template": "ok"}, {"name": "b", "template": "ok", "depends": "a &&"}]}}),
     "bad depends expression 'a &&' in spec.templates[main].dag.tasks[b]"),
    ("bad depends result",
     wf_main({"name": "main", "dag": {"tasks": [
         {"name": "a", "template": "ok"},
         {"name": "b", "template": "ok", "depends": "a.Finished"}]}}), "a.Finished"),
    ("depends on unknown task",
     wf_main({"name": "main", "dag": {"tasks": [
         {"name": "b", "template": "ok", "depends": "zz.Succeeded"}]}}), "zz"),
    ("unknown input parameter",
     workflow([container("main", ["echo", "{{inputs.parameters.x}}"])]),
     "unknown parameter reference '{{inputs.parameters.x}}': template 'main' has no input "
     "parameter 'x' in spec.templates[main].container.command[1]"),
    ("unknown workflow parameter",
     workflow([container("main", ["echo", "{{workflow.parameters.nope}}"])]),
     "{{workflow.parameters.nope}}"),
    ("unknown task result",
     wf_main({"name": "main", "dag": {"tasks": [
         {"name": "a", "template": "ok"},
         {"name": "b", "template": "echo", "arguments": params(m="{{tasks.zz.outputs.result}}")}]}},
         container("echo", ["echo", "{{inputs.parameters.m}}"], inputs=inputs("m"))),
     "{{tasks.zz.outputs.result}}"),
    ("missing required input",
     wf_main({"name": "main", "steps": [[{"name": "a", "template": "echo"}]]},
             container("echo", ["echo", "{{inputs.parameters.m}}"], inputs=inputs("m"))),
     "missing required input parameter 'm'"),
    ("duplicate task",
     wf_main({"name": "main", "dag": {"tasks": [{"name": "a", "template": "ok"},
                                                {"name": "a", "template": "ok"}]}}),
     "duplicate task name 'a'"),
    ("unsupported container field",
     workflow([{"name": "main", "container": {"command": ["true"], "resources": {}}}]),
     "unsupported field 'spec.templates[main].container.resources'"),
    ("unsupported spec field", workflow([OK], entrypoint="ok", parallelism=2),
     "unsupported field 'spec.parallelism'"),
    ("unsupported template kind",
     workflow([{"name": "main", "suspend": {}}]), "spec.templates[main].suspend"),
    ("unsupported outputs", workflow([sh("main", "true", outputs={"parameters": []})]),
     "spec.templates[main].outputs"),
    ("unsupported withSequence",
     wf_main({"name": "main", "steps": [[{"name": "a", "template": "ok",
                                          "withSequence": {"count": "2"}}]]}), "withSequence"),
    ("unsupported retry policy",
     workflow([sh("main", "true", retryStrategy={"limit": 1, "retryPolicy": "Always"})]),
     "retryStrategy.retryPolicy"),
    ("template without a kind", workflow([{"name": "main"}]), "main"),
    ("container without command",
     workflow([{"name": "main", "container": {"image": "alpine"}}]), "command"),
    ("wrong kind", dict(workflow([OK], entrypoint="ok"), kind="CronWorkflow"), "kind"),
]


@pytest.mark.parametrize("what,tpl,msg", VALIDATION, ids=[v[0] for v in VALIDATION])
def test_create_validation(api, what, tpl, msg):
    r = api.post("/job/workflow", {"name": "bad", "schedulingPolicy": {"queue": "default-queue"},
                                   "extensionTemplate": tpl})
    assert r.status == 400 and r.code == "JobCreateFailed", r
    assert msg in r.json["message"], (msg, r.json["message"])
    assert r.json["message"].startswith("invalid workflow"), r.json["message"]


def test_create_needs_an_extension_template(api):
    for body in ({"name": "x"}, {"name": "x", "extensionTemplate": None},
                 {"name": "x", "extensionTemplate": "text"}):
        r = api.post("/job/workflow", dict(body, schedulingPolicy={"queue": "default-queue"}))
        assert r.status == 400 and r.code == "JobCreateFailed", r
        assert r.json["message"] == \
            "ExtensionTemplate for workflow job is needed, and now is empty", r


def test_empty_extension_template_is_accepted_then_fails(api):
    # api.md §3.4: `{}` passes create; with no spec there is nothing to run
    jid = create(api, {})
    job = wait_status(api, jid, timeout=10)
    assert job["status"] == "failed"
    assert job["message"] == "submit job failed, err: invalid workflow: the workflow has no spec"


def test_no_job_row_for_a_rejected_workflow(api):
    before = api.get("/job", query={"maxKeys": "500"}).json["jobList"]
    r = api.post("/job/workflow", {"name": "rejected-wf", "extensionTemplate": VALIDATION[0][1]})
    assert r.status == 400
    after = api.get("/job", query={"maxKeys": "500"}).json["jobList"]
    assert len(after) == len(before)
    assert not [j for j in after if j["name"] == "rejected-wf"]


# ---- the examples ------------------------------------------------------------------------

EXPECTED = {
    "diamond-dag": ("succeeded", {
        ".A": "A\n", ".B": "B after A\n", ".C": "C after A\n",
        ".D": "D joins (B after A) and (C after A)\n"}),
    "steps-loop": ("succeeded", {
        "[0].generate": "[1, 2, 3]\n", "[1].greet(0:alice)": "hello alice\n",
        "[1].greet(1:bob)": "hello bob\n", "[1].os(0:name:debian,version:12)": "debian 12\n",
        "[1].os(1:name:ubuntu,version:24.04)": "ubuntu 24.04\n", "[1].square(0:1)": "1\n",
        "[1].square(1:2)": "4\n", "[1].square(2:3)": "9\n", "[2].report": "squares: [1,4,9]\n"}),
    "parameters": ("succeeded", {
        "[0].compute(0)": "6\n", "[1].big": "hello PaddleFlow, total 6 (in {id})\n"}),
    "exit-handler": ("failed", {
        ".flaky": "about to fail\n", ".independent": "ok\n", ".on-failure": "ok\n",
        ".onExit": "workflow {id} finished: Failed\n"}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples(server, api, tmp_path, name):
    path = os.path.join(EXAMPLES, name + ".yaml")
    with open(path) as f:
        doc = yaml.safe_load(f)
    with open(os.path.join(EXAMPLES, name + ".json")) as f:
        assert json.load(f) == doc, "the .json and .yaml of %s differ" % name
    out = Cli(server.port, tmp_path).ok("job", "create", "workflow", path)
    assert out.startswith("job create success, id[") and out.endswith("]\n"), out
    jid = out[len("job create success, id["):-2]
    CREATED.append(jid)
    job = wait_status(api, jid)
    status, want = EXPECTED[name]
    assert job["status"] == status, (job["message"], phases(job))
    assert job["name"] == name
    got = outputs(api, job)
    assert got == {k: v.format(id=jid) for k, v in want.items()}, got
    if name == "parameters":
        assert by_name(job)["[1].small"]["phase"] == "Skipped"
    if name == "exit-handler":
        n = by_name(job)
        assert n[".after-flaky"]["phase"] == "Omitted"
        assert n[".after-flaky"]["status"] == "skipped"
        assert n[".flaky"]["exitCode"] == 3


def test_workflow_owned_by_its_creator(server, api):
    for user in ("wfalice", "wfbob"):
        r = api.post("/user", {"username": user, "password": "Passw0rd-" + user})
        assert r.status == 200, r
    alice = server.api(login=False).login("wfalice", "Passw0rd-wfalice")
    bob = server.api(login=False).login("wfbob", "Passw0rd-wfbob")
    jid = create(alice, workflow([sh("main", "echo mine")]))
    job = wait_status(alice, jid)
    assert job["status"] == "succeeded" and job["userName"] == "wfalice"
    assert list(logs(alice, jid).values()) == ["mine\n"]
    r = bob.get("/job/" + jid)
    assert r.status == 403 and r.code == "ActionNotAllowed", r
    assert bob.get("/log/job", query={"jobID": jid}).status == 403
    assert bob.put("/job/" + jid, query={"action": "stop"}).status == 403
    assert show(api, jid)["userName"] == "wfalice"  # root sees every job


def test_job_env_of_a_node(api):
    tpl = workflow([sh("main", "env | grep '^PF_' | sort")])
    job = run(api, tpl, name="envwf")
    env = dict(line.split("=", 1) for line in outputs(api, job)[""].splitlines())
    assert env["PF_JOB_ID"] == job["id"] and env["PF_JOB_NAME"] == "envwf"
    assert env["PF_JOB_TYPE"] == "workflow" and env["PF_JOB_QUEUE_NAME"] == "default-queue"
    assert env["PF_USER_NAME"] == "root" and env["PF_WF_NODE"] == job["id"]
    assert env["PF_TASK_NAME"] == task_of(job, by_name(job)[""])


def test_workflow_flavour_sizes_every_node(api):
    """Our extension: a workflow body's flavour is what each node needs (default 1 / 1Gi)."""
    tpl = workflow([sh("main", "echo $PF_JOB_ID")])
    r = api.post("/job/workflow", {"schedulingPolicy": {"queue": "default-queue"},
                                   "flavour": {"cpu": "250m", "mem": "64Mi"}, "extensionTemplate": tpl})
    assert r.status == 200, r
    job = wait_status(api, r.json["id"])
    assert job["status"] == "succeeded" and job["flavour"]["cpu"] == "250m"
    r = api.post("/job/workflow", {"schedulingPolicy": {"queue": "default-queue"},
                                   "flavour": {"cpu": "999"}, "extensionTemplate": tpl})
    assert r.status == 400 and "larger than queue" in r.json["message"], r
