"""The HTTP/1.1 front (src/server/http/server.c) with raw sockets: pipelining, chunked
request bodies, Expect: 100-continue, HTTP/1.0, HEAD, framing that is refused, and a create
being visible the moment it is answered, and the idle limit."""
import json
import socket

from pfserver import PREFIX

ERROR_KEYS = ["requestID", "code", "message"]
JOB = {"name": "http", "queue": "default-queue", "image": "x", "command": "true",
       "flavour": {"name": "flavour1"}}


def connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_one(f):
    """One response from a buffered socket file: (status, headers dict, body bytes)."""
    line = f.readline()
    assert line.startswith(b"HTTP/1.1 "), line
    status = int(line[9:12])
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            n = int(f.readline().split(b";")[0], 16)
            if n == 0:
                f.readline()
                break
            body += f.read(n)
            f.readline()
        return status, headers, body
    return status, headers, f.read(int(headers.get("content-length", "0")))


def get(path, token, extra=""):
    return ("GET %s%s HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n%s\r\n" % (
        PREFIX, path, token, extra)).encode()


def test_pipelined_requests_are_answered_in_order(server, api):
    with connect(server) as s:
        s.sendall(get("/version", api.token) + get("/queue/default-queue", api.token) +
                  get("/nope", api.token))
        f = s.makefile("rb")
        st1, _, b1 = read_one(f)
        st2, _, b2 = read_one(f)
        st3, _, b3 = read_one(f)
    assert st1 == 200 and "gitVersion" in json.loads(b1)
    assert st2 == 200 and json.loads(b2)["name"] == "default-queue"
    assert st3 == 404 and json.loads(b3)["code"] == "PathNotFound"


def test_chunked_create_and_expect_continue(server, api):
    body = json.dumps(JOB).encode()
    head = ("POST %s/job/single HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n"
            "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n" % (PREFIX, api.token))
    with connect(server) as s:
        s.sendall(head.encode())
        f = s.makefile("rb")
        assert f.readline() == b"HTTP/1.1 100 Continue\r\n" and f.readline() == b"\r\n"
        half = len(body) // 2
        s.sendall(b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\n\r\n" % (
            half, body[:half], len(body) - half, body[half:]))
        st, headers, b = read_one(f)
    assert st == 200, b
    job_id = json.loads(b)["id"]
    # answered after its commit: visible at once, with the request id echoed back
    shown = api.get("/job/" + job_id)
    assert shown.status == 200 and shown.json["name"] == "http"
    assert headers["x-pf-request-id"]


def test_http10_closes_and_head_has_no_body(server, api):
    with connect(server) as s:
        s.sendall(("GET %s/version HTTP/1.0\r\nx-pf-authorization: %s\r\n\r\n" % (
            PREFIX, api.token)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break  # the server closed: HTTP/1.0 without keep-alive
            data += chunk
    assert data.startswith(b"HTTP/1.1 200") and b"gitVersion" in data
    with connect(server) as s:
        s.sendall(("HEAD %s/version HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n\r\n" %
                   (PREFIX, api.token)).encode() + get("/version", api.token))
        f = s.makefile("rb")
        line = f.readline()
        assert line.startswith(b"HTTP/1.1 405"), line  # no HEAD routes, and no body sent
        headers = {}
        while (h := f.readline()) != b"\r\n":
            k, _, v = h.decode().partition(":")
            headers[k.strip().lower()] = v.strip()
        assert int(headers["content-length"]) > 0
        st, _, body = read_one(f)  # the next answer follows at once: nothing was sent
        assert st == 200 and b"gitVersion" in body


def test_ambiguous_framing_is_refused_with_a_json_error(server, api):
    before = len(api.get("/job", query={"maxKeys": "1000"}).json["jobList"])
    req = ("POST %s/job/single HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n"
           "x-pf-request-id: smuggle-1\r\nContent-Length: 4\r\n"
           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % (PREFIX, api.token)).encode()
    with connect(server) as s:
        s.sendall(req)
        f = s.makefile("rb")
        st, headers, body = read_one(f)
        assert f.read() == b""  # and the connection is closed after the answer
    j = json.loads(body)
    assert st == 400 and list(j) == ERROR_KEYS
    assert j["code"] == "InvalidHTTPRequest" and j["requestID"] == "smuggle-1"
    assert headers["connection"] == "close"
    assert len(api.get("/job", query={"maxKeys": "1000"}).json["jobList"]) == before  # no job


def test_unknown_http_version_and_coding(server, api):
    for head, want, code in (
            ("GET %s/version HTTP/2.0\r\n\r\n" % PREFIX, 505, "HTTPVersionNotSupported"),
            ("POST %s/user HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" % PREFIX, 501,
             "NotImplemented")):
        with connect(server) as s:
            s.sendall(head.encode())
            st, _, body = read_one(s.makefile("rb"))
        assert st == want and json.loads(body)["code"] == code


def test_idle_connection_is_closed(make_server):
    """--http-idle-seconds: a connection that sends no request for that long is closed; one
    that keeps sending is not."""
    import time
    s = make_server(extra_args=["--http-idle-seconds", "1"])
    token = s.api().token
    with connect(s) as quiet, connect(s) as busy:
        f = busy.makefile("rb")
        for _ in range(5):  # 2.5 s of requests half a second apart
            busy.sendall(get("/version", token))
            assert read_one(f)[0] == 200
            time.sleep(0.5)
        assert quiet.recv(1) == b""  # closed by the server
        busy.sendall(get("/version", token))
        assert read_one(f)[0] == 200


def test_first_requests_to_a_fresh_server_are_answered(make_server):
    """Connections accepted while the server's event loops are still starting are dealt to
    every loop; each must be answered (a wakeup sent to a loop not yet set up used to be
    lost, and every connection dealt to that loop then hung)."""
    import threading
    for _ in range(10):
        s = make_server()  # returns as soon as the port accepts
        results = []

        def one():
            try:
                with connect(s) as c:
                    c.settimeout(10)
                    c.sendall(b"GET %s/version HTTP/1.1\r\nHost: x\r\n\r\n" % PREFIX.encode())
                    results.append(read_one(c.makefile("rb"))[0])
            except OSError as ex:
                results.append(repr(ex))

        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [400] * 8, results  # each answered ("login first": no token)
        s.stop()
