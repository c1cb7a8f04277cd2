"""Abuse of the HTTP front: slow clients, oversized requests, many connections.

* slowloris: dozens of connections trickling their headers (and bodies) byte by byte do not
  starve a normal client, whose requests still answer fast;
* a body over the 4 MiB limit gets 413 RequestEntityTooLarge (with the error body), also when
  chunked, without the server keeping it in memory; a body of exactly 4 MiB is read;
* huge headers (431), huge URLs (414) and many headers are refused, and the server lives on;
* 1,000 concurrent keep-alive connections are all served, twice each;
* connections that stopped talking are closed by the server's inactivity timeout (60 s).
"""
import json
import os
import resource
import selectors
import socket
import threading
import time

import pytest

from pfserver import PREFIX

SANITIZED = bool(os.environ.get("PF_SANITIZED"))
MAX_BODY = 4 << 20
IDLE_TIMEOUT = 60  # MHD_OPTION_CONNECTION_TIMEOUT in src/server/http/http.c


def raw(port, data, timeout=10, shut=False):
    """Sends data on a fresh connection; returns (status or None, headers text, body bytes).
    Reads until EOF or a complete Content-Length answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading everything
        return read_response(s)
    finally:
        s.close()


def read_response(s):
    buf = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        buf += chunk
        head, sep, body = buf.partition(b"\r\n\r\n")
        if sep:
            length = content_length(head)
            if length is not None and len(body) >= length:
                break
    if not buf.startswith(b"HTTP/1."):
        return None, "", buf
    head, _, body = buf.partition(b"\r\n\r\n")
    return int(head[9:12]), head.decode(errors="replace"), body


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return int(v.strip())
    return None


def server_rss_kb(server):
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def assert_healthy(api):
    r = api.get("/version")
    assert r.status == 200, r


@pytest.fixture(scope="module")
def idle_conns(server):
    """Opened first: connections that send nothing, or stop half-way through a header."""
    conns = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    conns[1].sendall(b"GET " + PREFIX.encode() + b"/version HTTP/1.1\r\nHost: x\r\nX-A: ")
    conns[2].sendall(b"POST " + PREFIX.encode() + b"/login HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 100\r\n\r\n{\"user")
    yield time.time(), conns
    for c in conns:
        c.close()


def test_idle_connections_opened(idle_conns):
    opened, conns = idle_conns
    assert len(conns) == 3


class Slowloris:
    """n connections, each sending its request one byte at a time, round robin, forever."""

    def __init__(self, port, n, token, interval):
        self.port, self.interval = port, interval
        self.stop = threading.Event()
        self.socks, self.sent, self.errors = [], 0, 0
        for i in range(n):
            if i % 4 == 3:  # headers complete, body trickles
                msg = ("POST %s/job/single HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n"
                       "Content-Length: 100000\r\n\r\n{\"name\":\"" % (PREFIX, token)).encode()
                self.socks.append([socket.create_connection(("127.0.0.1", port)), msg, 0])
                self.socks[-1][0].sendall(msg)
                self.socks[-1][1] = b"x" * 100000
            else:
                msg = ("GET %s/job HTTP/1.1\r\nHost: 127.0.0.1\r\nx-pf-authorization: %s\r\n"
                       "X-Slow: %s\r\n\r\n" % (PREFIX, token, "s" * 10000)).encode()
                self.socks.append([socket.create_connection(("127.0.0.1", port)), msg, 0])
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            for entry in self.socks:
                s, msg, off = entry
                if off < len(msg):
                    try:
                        s.send(msg[off:off + 1])
                        entry[2] += 1
                        self.sent += 1
                    except OSError:
                        self.errors += 1
            self.stop.wait(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for s, _, _ in self.socks:
            s.close()


def test_slowloris_does_not_starve_a_normal_client(server, api):
    with Slowloris(server.port, 48, api.token, 0.05) as slow:
        time.sleep(0.5)
        latencies = []
        deadline = time.time() + 5
        while time.time() < deadline:
            t = time.time()
            r = api.get("/job", query={"maxKeys": 5})
            latencies.append(time.time() - t)
            assert r.status == 200, r
            # a fresh connection each time as well: accepting is not starved either
            t = time.time()
            st, _, _ = raw(server.port, ("GET %s/version HTTP/1.1\r\nHost: x\r\n"
                                         "x-pf-authorization: %s\r\nConnection: close\r\n\r\n"
                                         % (PREFIX, api.token)).encode())
            latencies.append(time.time() - t)
            assert st == 200
        sent = slow.sent
    latencies.sort()
    median, worst = latencies[len(latencies) // 2], latencies[-1]
    print("slowloris: %d slow connections sent %d bytes; %d normal requests, median %.1f ms, "
          "max %.1f ms" % (48, sent, len(latencies), median * 1000, worst * 1000))
    assert sent > 48 * 20, "the slow clients were not trickling"
    assert median < (0.2 if SANITIZED else 0.05), latencies
    assert worst < (2.0 if SANITIZED else 1.0), latencies


def body_request(token, length, chunked=False):
    head = "POST %s/job/single HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n" % (
        PREFIX, token)
    if chunked:
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
    return (head + "Content-Length: %d\r\nContent-Type: application/json\r\n\r\n" % length).encode()


def check_413(status, head, body):
    assert status == 413, (status, head, body[:300])
    err = json.loads(body)
    assert list(err) == ["requestID", "code", "message"], err
    assert err["code"] == "RequestEntityTooLarge"


def test_body_over_4mib_is_413(server, api):
    status, head, body = raw(server.port, body_request(api.token, MAX_BODY + 1)
                             + b" " * (MAX_BODY + 1), timeout=60)
    check_413(status, head, body)
    assert_healthy(api)


def test_chunked_body_over_4mib_is_413(server, api):
    chunk = b" " * 65536
    data = body_request(api.token, 0, chunked=True)
    data += (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * (MAX_BODY // len(chunk) + 1)
    data += b"0\r\n\r\n"
    status, head, body = raw(server.port, data, timeout=60)
    check_413(status, head, body)
    assert_healthy(api)


def test_body_of_exactly_4mib_is_read(server, api):
    """4 MiB of JSON (a valid job padded with spaces) is within the limit: decoded, then
    refused for its content, not its size."""
    job = json.dumps({"name": "big", "command": "true"}).encode()
    pad = b" " * (MAX_BODY - len(job))
    status, head, body = raw(server.port, body_request(api.token, MAX_BODY) + job + pad,
                             timeout=60)
    assert status == 400, (status, body[:300])
    assert json.loads(body)["code"] == "JobCreateFailed"  # no image


def test_huge_body_is_not_buffered(server, api):
    """64 MiB sent to a create: refused with 413, and the server's memory does not grow by
    the body's size (the excess is read and dropped)."""
    before = server_rss_kb(server)
    s = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    total = 64 << 20
    s.sendall(body_request(api.token, total))
    block = b" " * (1 << 20)
    try:
        for _ in range(total // len(block)):
            s.sendall(block)
    except OSError:
        pass
    status, head, body = read_response(s)
    s.close()
    check_413(status, head, body)
    grown_mb = (server_rss_kb(server) - before) / 1024
    print("rss growth after a 64 MiB body: %.1f MiB" % grown_mb)
    assert grown_mb < 16, grown_mb
    assert_healthy(api)


@pytest.mark.parametrize("what", ["one 100 KiB header", "3000 headers", "100 KiB URL",
                                  "1 MiB URL"])
def test_huge_headers_and_urls_are_refused(server, api, what):
    start = "GET %s/version" % PREFIX
    if what == "one 100 KiB header":
        req = start + " HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % ("a" * 100000)
        want = 431
    elif what == "3000 headers":
        req = start + " HTTP/1.1\r\nHost: x\r\n" + "".join(
            "X-H%d: v\r\n" % i for i in range(3000)) + "\r\n"
        want = 431
    elif what == "100 KiB URL":
        req = start + "?q=" + "a" * 100000 + " HTTP/1.1\r\nHost: x\r\n\r\n"
        want = 414
    else:
        req = start + "?q=" + "a" * (1 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n"
        want = 414
    status, head, body = raw(server.port, req.encode())
    assert status == want, (status, head)
    assert_healthy(api)


def test_long_url_within_limits_is_served(server, api):
    """A 30 KB query string fits the 64 KiB per-connection memory: served normally."""
    r = api.get("/job", query={"status": "running", "junk": "j" * 30000})
    assert r.status == 200, r


@pytest.mark.parametrize("target,want", [
    ("/job?maxKeys=1%FC", (400, "InvalidURI")),
    ("/cluster?maxKeys=%FF", (400, "InvalidURI")),
    ("/job?timestamp=%C3%28", (400, "InvalidURI")),
    ("/job/%FF%FE", (404, "JobNotFound")),
    ("/log/job?jobID=%FF", (404, "JobNotFound")),
    # well-formed lead bytes, but not UTF-8: overlong, a surrogate, beyond U+10FFFF
    ("/job/%E0%97%97", (404, "JobNotFound")),
    ("/job/%ED%A0%80", (404, "JobNotFound")),
    ("/job/%F4%90%80%80", (404, "JobNotFound")),
    ("/job/%F0%80%80%80", (404, "JobNotFound")),
    ("/job?maxKeys=%ED%B0%80", (400, "InvalidURI")),
])
def test_invalid_utf8_in_the_request_keeps_the_error_body(server, api, target, want):
    """Found by fuzz_http: a message that echoes request bytes which are not UTF-8 must not
    cost the error body its "message" key (api.md §1.6: exactly requestID, code, message —
    the SDK raises KeyError otherwise)."""
    status, head, body = raw(server.port, ("GET %s%s HTTP/1.1\r\nHost: x\r\n"
                                           "x-pf-authorization: %s\r\nConnection: close\r\n\r\n"
                                           % (PREFIX, target, api.token)).encode())
    err = json.loads(body)
    assert (status, err.get("code")) == want, (status, body)
    assert list(err) == ["requestID", "code", "message"], body
    assert isinstance(err["message"], str)


def test_workflow_step_output_that_is_not_utf8(server, api):
    """A step's stdout becomes outputs.result; bytes that are not UTF-8 (here a surrogate
    and an overlong sequence, after a lone 0xFF) are cleaned, and the next step still runs
    with the value."""
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": {
        "entrypoint": "main", "templates": [
            {"name": "main", "steps": [
                [{"name": "gen", "template": "gen"}],
                [{"name": "use", "template": "say", "arguments": {"parameters": [
                    {"name": "t", "value": "{{steps.gen.outputs.result}}"}]}}]]},
            {"name": "gen", "script": {"image": "x", "command": ["sh"], "source": (
                "printf 'a\\377b\\355\\240\\200c\\340\\227\\227d'\n")}},
            {"name": "say", "inputs": {"parameters": [{"name": "t"}]},
             "container": {"image": "x", "command": ["sh", "-c"],
                           "args": ["echo \"got:$0\"", "{{inputs.parameters.t}}"]}}]}}
    r = api.post("/job/workflow", {"name": "utf8", "extensionTemplate": wf})
    assert r.status == 200, r
    jid = r.json["id"]
    deadline = time.time() + 60
    while time.time() < deadline:
        job = api.get("/job/" + jid).json
        if job["status"] in ("succeeded", "failed", "terminated"):
            break
        time.sleep(0.2)
    steps = [n["displayName"] for n in job.get("workflowRuntime", {}).get("nodes", [])
             if n.get("type") == "Pod"]
    assert job["status"] == "succeeded", (job["status"], job["message"], steps)
    assert "use" in steps


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def test_1000_concurrent_connections(server, api):
    n = 1000
    assert raise_fd_limit(n + 200) >= n + 100, "cannot raise the fd limit"
    socks = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            socks.append(s)
        req = ("GET %s/version HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n\r\n"
               % (PREFIX, api.token)).encode()
        t = time.time()
        for round_ in range(2):  # the second round reuses every connection (keep-alive)
            answered = serve_all(socks, req, timeout=60)
            assert answered == n, "round %d: %d of %d connections answered" % (
                round_, answered, n)
        print("1000 connections x 2 requests in %.2f s" % (time.time() - t))
    finally:
        for s in socks:
            s.close()
    assert_healthy(api)


def serve_all(socks, req, timeout):
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        s.sendall(req)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    done, deadline = 0, time.time() + timeout
    while done < len(socks) and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            chunk = s.recv(65536)
            bufs[s] += chunk
            head, sep, body = bufs[s].partition(b"\r\n\r\n")
            complete = sep and len(body) >= (content_length(head) or 0)
            if complete or not chunk:
                sel.unregister(s)
                s.setblocking(True)
                if complete and head.startswith(b"HTTP/1.1 200"):
                    done += 1
    sel.close()
    return done


def test_idle_connections_are_closed_by_timeout(server, api, idle_conns):
    """Runs last: waits until the server's inactivity timeout has passed for the
    connections opened at the start of the module, which must then be closed."""
    opened, conns = idle_conns
    time.sleep(max(0.0, opened + IDLE_TIMEOUT + 5 - time.time()))
    for i, c in enumerate(conns):
        c.settimeout(10)
        try:
            data = c.recv(4096)
        except ConnectionResetError:
            data = b""
        except socket.timeout:
            pytest.fail("connection %d still open %d s after it went quiet" % (
                i, time.time() - opened))
        # an incomplete request may get an error answer before the close; then EOF
        while data:
            data = c.recv(4096)
    assert_healthy(api)
