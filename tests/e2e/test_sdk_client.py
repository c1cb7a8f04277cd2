"""Python SDK: the Client itself — import paths, login, errors, connection handling, re-login,
threads, and `pip install ./python`. Every test talks to a real paddleflow-server."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from pfserver import free_port
from sdkutil import (ROOT, SDK_DIR, PaddleFlowSDKException, client, new_client,  # noqa: F401
                     paddleflow, raises_code, uniq, user_client)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_upstream_import_paths():
    from paddleflow.client import Client
    from paddleflow.common.exception.paddleflow_sdk_exception import \
        PaddleFlowSDKException as Exc
    from paddleflow.job import JobInfo, JobRequest

    assert paddleflow.Client is Client
    assert paddleflow.PaddleFlowSDKException is Exc
    assert paddleflow.JobRequest is JobRequest and paddleflow.JobInfo is JobInfo


def test_constructor_accepts_both_names_and_defaults_port():
    assert paddleflow.Client("h", "u", "p").paddleflow_server == "http://h:8999"
    assert paddleflow.Client("h", "u", "p", 1234).paddleflow_server == "http://h:1234"
    c = paddleflow.Client(paddleflow_server_host="h2", username="u", password="p",
                          paddleflow_server_port="4321")
    assert c.paddleflow_server == "http://h2:4321"
    raises_code("InvalidServer", paddleflow.Client, "", "u", "p")
    raises_code("InvalidServer", paddleflow.Client, None, "u", "p")


def test_login_and_version(server):
    c = new_client(server, login=False)
    assert c.login("root", "paddleflow") == (True, None)
    ok, version = c.get_version()
    assert ok
    for key in ("gitVersion", "gitCommit", "gitBranch", "buildDate", "goVersion", "compiler",
                "platform"):
        assert key in version, version
    # login() without arguments uses the constructor's credentials
    c2 = new_client(server, login=False)
    assert c2.login() == (True, None)
    assert c2.get_version()[0]


def test_login_errors(server):
    c = new_client(server, login=False)
    e = raises_code("AuthFailed", c.login, "root", "wrong-password")
    assert e.status == 400 and UUID_RE.match(e.requestId), vars(e)
    assert str(e) == "[PaddleFlowSDKException] code:AuthFailed message:%s requestId:%s" % (
        e.message, e.requestId)
    assert e.get_code() == "AuthFailed" and e.request_id == e.requestId
    raises_code("UserNotExist", c.login, "nobody42", "whatever1")
    raises_code("InvalidUser", c.login, "", "x")
    raises_code("InvalidPassWord", c.login, "root", " ")


def test_methods_need_login(server):
    c = new_client(server, login=False)
    req = paddleflow.JobRequest(queue="default-queue", image="busybox", command="true")
    calls = [lambda: c.create_job("single", req), lambda: c.show_job("job-x"),
             lambda: c.list_job(), lambda: c.stop_job("job-x"), lambda: c.delete_job("job-x"),
             lambda: c.update_job("job-x", priority="low"), c.list_queue, c.list_flavour,
             c.list_user, c.list_fs, c.list_cluster, c.get_version,
             lambda: c.show_log("job-x"), lambda: c.follow_log("job-x")]
    for call in calls:
        raises_code("InvalidOperator", call)


def test_connection_refused_names_host_and_port():
    port = free_port()
    c = paddleflow.Client("127.0.0.1", "root", "paddleflow", port=port)
    e = raises_code("ConnectionError", c.login, "root", "paddleflow")
    assert "127.0.0.1:%d" % port in e.message


def test_server_error_body_is_raised(client):
    e = raises_code("JobNotFound", client.show_job, "job-0000000000000000")
    assert e.status == 404 and UUID_RE.match(e.requestId) and e.message


def test_keepalive_connection_is_reused(client):
    client.get_version()
    first = client._http.local_address()
    assert first is not None
    for _ in range(20):
        client.get_version()
        client.list_queue()
    assert client._http.local_address() == first


def test_timeout_on_a_stopped_server(make_server):
    s = make_server()
    c = new_client(s, timeout=1.0)
    s.proc.send_signal(signal.SIGSTOP)
    wait_stopped(s.proc.pid)
    try:
        t0 = time.time()
        e = raises_code("Timeout", c.get_version)
        assert time.time() - t0 < 10
        assert "127.0.0.1:%d" % s.port in e.message
    finally:
        s.proc.send_signal(signal.SIGCONT)
    # the timed-out connection was dropped; the next call works on a fresh one
    assert c.get_version()[0]


def wait_stopped(pid):
    """kill() returns before every thread has stopped: wait until all of them are in state T."""
    def states():
        out = []
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                out.append(f.read().rsplit(")", 1)[1].split()[0])
        return out
    deadline = time.time() + 10
    while any(st not in ("T", "t") for st in states()):
        assert time.time() < deadline, states()
        time.sleep(0.01)


def test_timeout_is_configurable(server):
    c = new_client(server, timeout=5)
    assert c.timeout == 5
    c.timeout = 2.5
    assert c.timeout == 2.5 and c.get_version()[0]
    assert new_client(server).timeout == 60


def test_reconnects_after_server_restart(make_server):
    s = make_server()
    c = new_client(s)
    assert c.get_version()[0]
    before = c._http.local_address()
    s.kill9()
    s.restart()
    # the old keep-alive socket is dead; the client notices and opens a new one
    assert c.get_version()[0]
    assert c._http.local_address() != before
    # a POST on a connection the server dropped is sent once, on a fresh connection
    s.kill9()
    s.restart()
    ok, job_id = c.create_job("single", paddleflow.JobRequest(
        queue="default-queue", image="busybox", command="true", labels={"once": "yes"}))
    assert ok
    ok, jobs, _ = c.list_job(labels={"once": "yes"})
    assert [j.job_id for j in jobs] == [job_id]


def test_relogin_on_invalid_token(client):
    client.header = {"x-pf-authorization": "not-a-token"}
    ok, queues, _ = client.list_queue()
    assert ok and any(q.name == "default-queue" for q in queues)
    assert client.header["x-pf-authorization"] != "not-a-token"


def test_relogin_on_expired_token(make_server):
    s = make_server(extra_args=["--token-expiry-hours", "0.0005"])  # 1.8 s
    c = new_client(s)
    token = c.header["x-pf-authorization"]
    time.sleep(2.5)
    ok, queues, _ = c.list_queue()
    assert ok and queues
    assert c.header["x-pf-authorization"] != token


def test_password_changed_elsewhere_fails_with_auth_failed(server, client):
    name = uniq("u")
    client.add_user(name, "first1pass")
    u = new_client(server, name, "first1pass")
    assert u.list_job()[0]
    client.update_password(name, "second2pass")
    # the token is stale and re-login with the old password fails: the server's AuthFailed
    raises_code("AuthFailed", u.list_job)
    assert new_client(server, name, "second2pass").list_job()[0]


def test_update_own_password_keeps_client_logged_in(server, user_client):
    assert user_client.update_password(user_client.user_id, "newpass9") == (True, None)
    assert user_client.list_job()[0]
    assert new_client(server, user_client.user_id, "newpass9").list_job()[0]


def test_client_shared_by_threads(client):
    errors = []

    def work():
        try:
            for _ in range(25):
                assert client.get_version()[0]
                assert client.list_flavour()[0]
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_context_manager_closes_connection(server):
    with new_client(server) as c:
        c.get_version()
        assert c._http.local_address() is not None
    assert c._http.local_address() is None
    assert c.get_version()[0]  # usable again after close


def _venv_available():
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _venv_available(), reason="python3-venv is not installed")
def test_pip_install_into_a_venv(server):
    with tempfile.TemporaryDirectory(prefix="pf-sdk-venv-") as d:
        subprocess.run([sys.executable, "-m", "venv", d], check=True)
        py = os.path.join(d, "bin", "python")
        r = subprocess.run([py, "-m", "pip", "install", "--no-index", "-q", SDK_DIR],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        script = ("import paddleflow, sys; c = paddleflow.Client('127.0.0.1', 'root', "
                  "'paddleflow', port=%d); c.login(); ok, v = c.get_version(); "
                  "print(paddleflow.__file__, ok)" % server.port)
        # run from the venv dir so the source tree cannot shadow the installed copy
        r = subprocess.run([py, "-c", script], capture_output=True, text=True, cwd=d)
        assert r.returncode == 0, r.stderr
        path, ok = r.stdout.split()
        assert path.startswith(d) and ok == "True", r.stdout


def test_public_names_have_docstrings_and_type_hints():
    import importlib
    import inspect
    import pkgutil

    problems = []
    for info in pkgutil.walk_packages(paddleflow.__path__, "paddleflow."):
        mod = importlib.import_module(info.name)
        if not mod.__doc__:
            problems.append(info.name)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not obj.__doc__:
                problems.append("%s.%s" % (info.name, name))
            members = vars(obj).items() if inspect.isclass(obj) else [(name, obj)]
            for mname, m in members:
                fn = m.fget if isinstance(m, property) else getattr(m, "__func__", m)
                if not inspect.isfunction(fn) or (mname.startswith("_") and mname != "__init__"):
                    continue
                if mname != "__init__" and not fn.__doc__:
                    problems.append("doc %s.%s.%s" % (info.name, name, mname))
                params = [p for p in inspect.signature(fn).parameters.values()
                          if p.name not in ("self", "cls")]
                if "return" not in fn.__annotations__ or any(
                        p.name not in fn.__annotations__ for p in params
                        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)):
                    problems.append("hints %s.%s.%s" % (info.name, name, mname))
    assert problems == []


def test_sources_parse_as_python_3_8():
    import ast

    for base, _, files in os.walk(SDK_DIR):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8") as f:
                    ast.parse(f.read(), path, feature_version=(3, 8))


def _python38():
    import glob
    found = sorted(glob.glob("/usr/bin/python3.8") + glob.glob("/usr/local/bin/python3.8") +
                   glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8")))
    return found[0] if found else None


@pytest.mark.skipif(_python38() is None, reason="no Python 3.8 interpreter on this machine")
def test_runs_on_python_3_8(server):
    script = ("import sys; sys.path.insert(0, %r); import paddleflow; "
              "from paddleflow.job import JobRequest; "
              "c = paddleflow.Client('127.0.0.1', 'root', 'paddleflow', port=%d); c.login(); "
              "ok, j = c.create_job('single', JobRequest(queue='default-queue', image='b', "
              "command='echo a; sleep 0.2; echo b')); "
              "print(repr(''.join(c.follow_log(j))), c.wait_job(j, timeout=60).status, "
              "len(c.list_job()[1]))" % (SDK_DIR, server.port))
    r = subprocess.run([_python38(), "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[:2] == ["'a\\nb\\n'", "succeeded"], r.stdout
