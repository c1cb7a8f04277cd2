"""Helpers for the Python SDK's e2e tests (tests/e2e/test_sdk_*.py).

The SDK is imported from the source tree (python/), not from an installed copy, so the tests
always exercise the code next to them. Fixtures are plain functions here and are imported by
the test modules (pytest finds fixtures in a module's namespace).
"""
import os
import sys
import time
import uuid

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SDK_DIR = os.path.join(ROOT, "python")
if SDK_DIR not in sys.path:
    sys.path.insert(0, SDK_DIR)

import paddleflow  # noqa: E402
from paddleflow import PaddleFlowSDKException  # noqa: E402

ROOT_USER, ROOT_PASSWORD = "root", "paddleflow"
FINAL = ("succeeded", "failed", "terminated", "skipped", "cancelled", "preempted")
# every attribute of the seed's JobInfo
JobInfoAttrs = ("job_id", "job_name", "labels", "annotations", "username", "queue", "priority",
                "flavour", "fs", "extra_fs_list", "image", "env", "command", "args_list", "port",
                "extension_template", "framework", "member_list", "status", "message",
                "accept_time", "start_time", "finish_time", "runtime", "distributed_runtime",
                "workflow_runtime")


def new_client(server, user=ROOT_USER, password=ROOT_PASSWORD, login=True, **kw):
    """A Client for a ServerProc (logged in unless login=False)."""
    c = paddleflow.Client("127.0.0.1", user, password, port=server.port, **kw)
    if login:
        assert c.login(user, password) == (True, None)
    return c


def uniq(prefix="t"):
    """A short unique lowercase name (valid as queue, user, flavour or fs name)."""
    return "%s%s" % (prefix, uuid.uuid4().hex[:8])


def raises_code(code, fn, *args, **kwargs):
    """Call fn and assert it raises PaddleFlowSDKException with this code; return it."""
    with pytest.raises(PaddleFlowSDKException) as ei:
        fn(*args, **kwargs)
    assert ei.value.code == code, str(ei.value)
    return ei.value


def wait_status(client, job_id, statuses=FINAL, timeout=60):
    """Poll show_job until the job is in one of statuses; return the JobInfo."""
    deadline = time.time() + timeout
    while True:
        ok, job = client.show_job(job_id)
        assert ok
        if job.status in statuses:
            return job
        if time.time() > deadline:
            raise AssertionError("job %s still %s (%s)" % (job_id, job.status, job.message))
        time.sleep(0.05)


@pytest.fixture
def client(server):
    """A root Client logged in to the module's server."""
    c = new_client(server)
    yield c
    c.close()


@pytest.fixture
def user_client(server, client):
    """A Client logged in as a fresh non-root user (created by root)."""
    name, password = uniq("u"), "passw0rd1"
    client.add_user(name, password)
    c = new_client(server, name, password)
    yield c
    c.close()
