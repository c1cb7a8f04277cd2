"""Start and drive a real paddleflow-server on a free loopback port (used by conftest.py).

Every e2e test talks to a real server process over HTTP on 127.0.0.1 with a throwaway data
directory. ServerProc can also kill -9 and restart the same server on the same data dir.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

BIN_DIR = os.environ.get("PF_BIN_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin")
PREFIX = "/api/paddleflow/v1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def code(self):
        return (self.json or {}).get("code")

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:300])


class Api:
    """Tiny HTTP client: one keep-alive connection, JSON in and out, optional token."""

    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, query=None, headers=None, raw=None, token=True):
        url = PREFIX + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        hdrs = dict(headers or {})
        if token and self.token and "x-pf-authorization" not in hdrs:
            hdrs["x-pf-authorization"] = self.token
        data = raw
        if data is None and body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, url, body=data, headers=hdrs)
                r = self.conn.getresponse()
                return Response(r.status, dict(r.getheaders()), r.read().decode())
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, user="root", password="paddleflow"):
        r = self.post("/login", {"username": user, "password": password}, token=False)
        assert r.status == 200, r
        self.token = r.json["authorization"]
        return self

    def as_user(self, user, password):
        return Api(self.port).login(user, password)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


class ServerProc:
    def __init__(self, data_dir=None, extra_args=(), env=None):
        self.tmp = None
        if data_dir is None:
            self.tmp = tempfile.TemporaryDirectory(prefix="pf-e2e-")
            data_dir = self.tmp.name
        self.data_dir = data_dir
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "server.log")

    def start(self):
        cmd = [os.path.join(BIN_DIR, "paddleflow-server"), "--host", "127.0.0.1",
               "--port", str(self.port), "--data-dir", self.data_dir] + self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("server did not start:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def api(self, login=True):
        a = Api(self.port)
        return a.login() if login else a

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def restart(self):
        self.start()
        return self

    def cleanup(self):
        self.stop()
        if self.tmp:
            # a task's supervisor outlives the server by design and may still be writing its
            # exit record into the data directory for a moment
            for _ in range(20):
                try:
                    self.tmp.cleanup()
                    break
                except OSError:
                    time.sleep(0.1)

    def finish(self):
        """Stops and cleans up; a sanitizer report or a crash on shutdown fails the caller
        (a module's server fixture, so it fails that module's tests)."""
        rc = self.stop()
        log = self.read_log()
        self.cleanup()
        assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-4000:]
        assert rc == 0, "server exit code %s\n%s" % (rc, log[-4000:])


def wait_for(pred, timeout=30, interval=0.02, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


FINAL = frozenset({"succeeded", "failed", "terminated", "skipped", "cancelled"})


def show_job(api, jid):
    """GET /job/{id}, asserting 200; the job object."""
    r = api.get("/job/" + jid)
    assert r.status == 200, r
    return r.json


def wait_job_status(api, jid, statuses=FINAL, timeout=30):
    """Polls show until the job's status is one of statuses (a string or a set)."""
    statuses = {statuses} if isinstance(statuses, str) else set(statuses)
    return wait_for(lambda: (lambda j: j if j["status"] in statuses else None)(show_job(api, jid)),
                    timeout=timeout, what="%s in %s" % (jid, statuses))
