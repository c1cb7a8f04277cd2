"""pfdist.py — the few helpers the distributed examples share (python3 stdlib only).

Replicas talk over TCP on the loopback endpoints the server hands them, with length-prefixed
JSON messages. check() fails a replica loudly (exit code 2) when its environment is not what
docs/jobs.md promises, or any other expectation breaks, so the job fails with a readable log
line. Every replica ends by printing one `PF-RESULT {json}` line; the tests read those back.
"""
import json
import os
import socket
import struct
import sys
import time

CONNECT_TIMEOUT = 60  # seconds a replica waits for a peer that has not started listening yet


def check(cond, what):
    if not cond:
        print("ENV CHECK FAILED: %s" % what, file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(2)  # from any thread: the replica fails, and with it the job


def env(name):
    value = os.environ.get(name)
    check(value is not None, "%s is not set" % name)
    return value


def env_int(name):
    value = env(name)
    check(value.isdigit(), "%s=%r is not a number" % (name, value))
    return int(value)


def endpoint_list(name):
    value = env(name)
    return value.split(",") if value else []


def split_endpoint(ep):
    host, _, port = ep.rpartition(":")
    check(host and port.isdigit(), "bad endpoint %r" % ep)
    return host, int(port)


def check_task_env():
    """What every distributed task gets: its role, index and own endpoint among all others."""
    role, index = env("PF_TASK_ROLE"), env_int("PF_TASK_INDEX")
    me = env("PF_TASK_ENDPOINT")
    table = dict(item.split("=", 1) for item in endpoint_list("PF_TASK_ENDPOINTS"))
    check(table.get("%s-%d" % (role, index)) == me,
          "PF_TASK_ENDPOINTS does not list %s-%d=%s" % (role, index, me))
    check(len(set(table.values())) == len(table), "two tasks share an endpoint")
    check(len(table) == env_int("PF_TASK_NUM"), "PF_TASK_NUM disagrees with PF_TASK_ENDPOINTS")
    check(env("POD_IP") == split_endpoint(me)[0], "POD_IP is not the host of PF_TASK_ENDPOINT")
    check(env("PF_TASK_NAME") == "%s-%s-%d" % (env("PF_JOB_ID"), role, index), "PF_TASK_NAME")
    return role, index, me


def wait_for_gate():
    """WAIT_FOR_FILE=path: start only once that file exists (lines replicas up; the tests use
    it to hold a job in `running`)."""
    gate = os.environ.get("WAIT_FOR_FILE")
    while gate and not os.path.exists(gate):
        time.sleep(0.05)


def listen(ep):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(split_endpoint(ep))
    s.listen(64)
    return s


def connect(ep, timeout=CONNECT_TIMEOUT):
    """Connects to a peer, retrying while it has not started listening yet."""
    deadline = time.time() + timeout
    while True:
        try:
            return socket.create_connection(split_endpoint(ep), timeout=timeout)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.02)


def send(sock, obj):
    data = json.dumps(obj).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)


def _read(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed the connection")
        buf += chunk
    return buf


def recv(sock):
    (n,) = struct.unpack(">I", _read(sock, 4))
    return json.loads(_read(sock, n))


def report(**fields):
    print("PF-RESULT " + json.dumps(fields, sort_keys=True), flush=True)
