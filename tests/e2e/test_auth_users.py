"""End-to-end tests of authentication, users, grants and the HTTP conventions (api.md §1, §2,
§5, §6.4, §6.5 with section 0) against a real paddleflow-server: login, tokens (missing,
forged, expired, killed by a password change or a deletion), AuthIllegalUser, user and grant
CRUD with every error, list paging, request ids, error bodies, 404/405/413, empty 200s,
keep-alive, /version, the command line, signals, the request log and file modes."""
import base64
import hashlib
import hmac
import http.client
import itertools
import json
import os
import re
import signal
import stat
import subprocess
import time

import pytest

from pfserver import BIN_DIR, PREFIX, Api, ServerProc, wait_for

SERVER = os.path.join(BIN_DIR, "paddleflow-server")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ERROR_KEYS = ["requestID", "code", "message"]
_n = itertools.count()


def uniq(prefix="user"):
    return "%s%d" % (prefix, next(_n))


def err(r, status, code, msg=None):
    assert r.status == status and r.code == code, r
    assert list(r.json) == ERROR_KEYS, r
    assert r.json["requestID"] == r.headers.get("x-pf-request-id"), r
    if msg is not None:
        assert r.json["message"] == msg, r


def ok(r):
    assert r.status == 200, r
    if r.body:
        assert "message" not in r.json, r
    return r.json


def empty_ok(r):
    assert r.status == 200, r
    assert r.body == "", r
    assert r.headers.get("Content-Length") == "0", r.headers
    assert r.headers.get("Content-Type") == "application/json", r.headers


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(header, payload, key):
    head = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(key, head.encode(), hashlib.sha256).digest()
    return head + "." + b64(sig)


@pytest.fixture(scope="module")
def root(server):
    a = server.api()
    yield a
    a.close()


def new_user(root, name=None, password="abc123"):
    name = name or uniq()
    assert ok(root.post("/user", {"username": name, "password": password})) == {"username": name}
    return name


def as_user(server, name, password="abc123"):
    return Api(server.port).login(name, password)


# every route of the router, with sample parameters
ROUTES = [
    ("GET", "/version"), ("POST", "/user"), ("GET", "/user"), ("PUT", "/user/someone"),
    ("DELETE", "/user/someone"), ("POST", "/queue"), ("GET", "/queue"), ("GET", "/queue/q"),
    ("PUT", "/queue/q"), ("DELETE", "/queue/q"), ("POST", "/grant"), ("GET", "/grant"),
    ("DELETE", "/grant"), ("POST", "/flavour"), ("GET", "/flavour"), ("GET", "/flavour/f"),
    ("PUT", "/flavour/f"), ("DELETE", "/flavour/f"), ("POST", "/cluster"), ("GET", "/cluster"),
    ("GET", "/cluster/c"), ("PUT", "/cluster/c"), ("DELETE", "/cluster/c"), ("POST", "/fs"),
    ("GET", "/fs"), ("GET", "/fs/f"), ("DELETE", "/fs/f"), ("POST", "/job/single"),
    ("POST", "/job/distributed"), ("POST", "/job/workflow"), ("GET", "/job"),
    ("GET", "/job/job-0123456789abcdef"), ("PUT", "/job/job-0123456789abcdef"),
    ("DELETE", "/job/job-0123456789abcdef"), ("GET", "/log/job"),
    # unknown paths and methods under the prefix are authenticated first (§1.7)
    ("GET", "/no/such/path"), ("DELETE", "/version"), ("PATCH", "/job"),
]


def call_every_route(api, headers=None):
    for method, path in ROUTES:
        body = {} if method in ("POST", "PUT") else None
        yield method, path, api.request(method, path, body=body, headers=headers, token=False)


# ---- login ----

def test_login(server):
    a = Api(server.port)
    r = a.post("/login", {"username": "root", "password": "paddleflow"}, token=False)
    assert list(ok(r)) == ["authorization"]
    token = r.json["authorization"]
    assert token.count(".") == 2
    c = claims(token)
    assert c["username"] == "root" and c["iss"] == "paddleflow"
    assert "password" not in c and "paddleflow" not in json.dumps({k: v for k, v in c.items()
                                                                     if k != "iss"})
    a.token = token
    ok(a.get("/version"))
    # keys match case-insensitively (the CLI sends "username"; other clients may not)
    r = a.post("/login", {"UserName": "root", "PASSWORD": "paddleflow"}, token=False)
    assert ok(r)["authorization"]
    a.close()


def test_login_errors(server):
    a = Api(server.port)
    err(a.post("/login", {"username": "root", "password": "wrong1"}, token=False), 400,
        "AuthFailed", "Username or password not correct")
    err(a.post("/login", {"username": "root", "password": ""}, token=False), 400, "AuthFailed")
    err(a.post("/login", {"username": "root"}, token=False), 400, "AuthFailed")
    err(a.post("/login", {"username": "nosuchuser", "password": "paddleflow"}, token=False), 400,
        "UserNotExist", "User not exist")
    err(a.post("/login", {"username": "ROOT", "password": "paddleflow"}, token=False), 400,
        "UserNotExist")
    for raw in (b'{"username":', b"not json", b"[]", b'"root"', b"{'username':'root'}"):
        err(a.post("/login", raw=raw, token=False), 400, "MalformedJSON")
    err(a.post("/login", raw=b"", token=False), 400, "MalformedJSON")
    err(a.post("/login", token=False), 400, "MalformedJSON")  # no body at all
    err(a.post("/login", {"username": 1, "password": "paddleflow"}, token=False), 400,
        "MalformedJSON")
    err(a.post("/login", {"username": "root", "password": ["paddleflow"]}, token=False), 400,
        "MalformedJSON")
    # a token is not needed, and a bad one does not matter, on login
    r = a.post("/login", {"username": "root", "password": "paddleflow"},
               headers={"x-pf-authorization": "garbage"}, token=False)
    ok(r)
    a.close()


# ---- tokens ----

def test_every_route_without_token(server):
    a = Api(server.port)
    for method, path, r in call_every_route(a):
        assert r.status == 400 and r.code == "AuthWithoutToken", (method, path, r)
        assert r.json["message"] == "Request should login first"
    for method, path, r in call_every_route(a, headers={"x-pf-authorization": ""}):
        assert r.code == "AuthWithoutToken", (method, path, r)
    a.close()


def test_forged_and_garbled_tokens(server, root):
    real = root.token
    head, payload, sig = real.split(".")
    c = claims(real)
    forged = [
        "garbage", "a.b.c", "..", real + "x", real[:-1], head + "." + payload + ".",
        head + "." + payload, real + ".extra", "Bearer " + real,
        # same claims, other keys: upstream's hard-coded key, and a random one
        hs256({"alg": "HS256", "typ": "JWT"}, c, b"its my precious"),
        hs256({"alg": "HS256", "typ": "JWT"}, c, os.urandom(32)),
        # upstream's example token from api.md §2.2
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VybmFtZSI6InJvb3QiLCJwYXNzd29yZCI6IiQyYSQxMCQx"
        "cWRTUU41d01sM0Z0WG94dzdtS3B1eEJxSXVQMGVZWFRCTTlDQm41SDRLdWJNL2c1SHJiNiUiLCJpc3MiOiJwYWRkbG"
        "VmbG93IiwibmJmIjoxNzA5MjU4MDAwfQ.n7p0lae1FiGrzyf42rCbwwyGKnTwteu4W2yGZd74nmA",
        # payload edited (another user, later expiry), signature kept
        head + "." + b64(json.dumps(dict(c, username="alice")).encode()) + "." + sig,
        head + "." + b64(json.dumps(dict(c, exp=c.get("exp", 0) + 10 ** 6)).encode()) + "." + sig,
        # alg none
        b64(b'{"alg":"none","typ":"JWT"}') + "." + payload + ".",
    ]
    # one flipped character anywhere
    for i in (3, len(head) + 5, len(real) - 3):
        forged.append(real[:i] + ("A" if real[i] != "A" else "B") + real[i + 1:])
    a = Api(server.port)
    for tok in forged:
        r = a.get("/version", headers={"x-pf-authorization": tok}, token=False)
        err(r, 400, "AuthInvalidToken", "Invalid token. Please re-login")
    for method, path, r in call_every_route(a, headers={"x-pf-authorization": forged[9]}):
        assert r.status == 400 and r.code == "AuthInvalidToken", (method, path, r)
    # the real one still works
    ok(a.get("/version", headers={"x-pf-authorization": real}, token=False))
    a.close()


def test_expired_token(make_server):
    s = make_server(extra_args=["--token-expiry-hours", "0.0003"])  # about one second
    # log in right after a second boundary, so the token is surely valid at first
    while time.time() % 1 > 0.2:
        time.sleep(0.01)
    a = s.api()
    c = claims(a.token)
    assert c["exp"] - c["iat"] == 1
    ok(a.get("/version"))
    while time.time() < c["exp"] + 0.05:
        time.sleep(0.05)
    err(a.get("/version"), 400, "AuthInvalidToken")
    err(a.get("/user"), 400, "AuthInvalidToken")
    a.login()  # a new login gives a working token again
    ok(a.get("/version"))
    a.close()


def test_password_change_kills_old_tokens(server, root):
    name = new_user(root)
    u = as_user(server, name)
    old = u.token
    ok(u.get("/job"))
    # root changes it: the user's token dies with AuthFailed
    empty_ok(root.put("/user/" + name, {"password": "second2"}))
    err(u.get("/job"), 400, "AuthFailed", "Username or password not correct")
    err(Api(server.port).post("/login", {"username": name, "password": "abc123"}, token=False),
        400, "AuthFailed")
    u.login(name, "second2")
    ok(u.get("/job"))
    # the user changes it himself: the token he used for that dies too
    empty_ok(u.put("/user/" + name, {"password": "third33"}))
    err(u.get("/job"), 400, "AuthFailed")
    u.token = old
    err(u.get("/job"), 400, "AuthFailed")
    u.login(name, "third33")
    ok(u.get("/job"))
    ok(root.get("/version"))  # root's token is untouched
    u.close()


def test_deleted_users_token(server, root):
    name = new_user(root)
    u = as_user(server, name)
    ok(u.get("/job"))
    empty_ok(root.delete("/user/" + name))
    err(u.get("/job"), 400, "UserNotExist", "User not exist")
    err(u.get("/version"), 400, "UserNotExist")
    # a new user of the same name does not inherit the old token
    new_user(root, name)
    err(u.get("/job"), 400, "AuthFailed")
    u.close()


# ---- AuthIllegalUser (§2.3 step 3) ----

def test_illegal_user(server, root):
    alice = new_user(root)
    bob = new_user(root)
    a = as_user(server, alice)
    msg = "The user does not have permission to operate other users"
    nope = {"schedulingPolicy": {"queue": "no-such-queue"}, "image": "busybox"}
    # POST/PUT: userName anywhere in case in the body
    err(a.post("/job/single", dict(nope, userName="root")), 400, "AuthIllegalUser", msg)
    err(a.post("/job/single", dict(nope, UserName="root")), 400, "AuthIllegalUser")  # from show
    err(a.post("/job/single", dict(nope, USERNAME=bob)), 400, "AuthIllegalUser")
    err(a.put("/user/" + alice, {"password": "abc1234", "userName": bob}), 400, "AuthIllegalUser")
    err(a.put("/job/job-0123456789abcdef?action=modify", {"userName": "root"}), 400,
        "AuthIllegalUser")
    # the SDK's user/grant bodies use "username": caught here before the handler's 403
    err(a.post("/user", {"username": bob, "password": "abc123"}), 400, "AuthIllegalUser")
    err(a.post("/grant", {"username": bob, "resourceType": "queue",
                          "resourceID": "default-queue"}), 400, "AuthIllegalUser")
    # naming oneself, or an empty name, is fine (the handler decides)
    r = a.post("/job/single", dict(nope, userName=alice))
    err(r, 400, "JobCreateFailed")
    err(a.post("/job/single", dict(nope, userName="")), 400, "JobCreateFailed")
    # a body that does not parse passes this step and fails in the handler
    err(a.post("/job/single", raw=b'{"userName":"root",'), 400, "MalformedJSON")
    # other methods: the query parameter userName, spelled exactly
    err(a.get("/job", query={"userName": "root"}), 400, "AuthIllegalUser", msg)
    err(a.get("/queue", query={"userName": bob}), 400, "AuthIllegalUser")
    err(a.delete("/job/job-0123456789abcdef", query={"userName": "root"}), 400, "AuthIllegalUser")
    err(a.delete("/grant", query={"userName": bob}), 400, "AuthIllegalUser")
    ok(a.get("/job", query={"username": "root"}))
    ok(a.get("/job", query={"USERNAME": "root"}))
    ok(a.get("/job", query={"userName": alice}))
    ok(a.get("/job", query={"userName": ""}))
    err(a.delete("/grant", query={"username": bob, "resourceType": "queue",
                                  "resourceID": "default-queue"}), 403, "OnlyRootAllowed")
    # x-pf-user-name from a client is ignored: the caller is the token's user (§1.2)
    err(a.get("/user", headers={"x-pf-user-name": "root"}), 403, "AccessDenied")
    # root may name anyone
    err(root.post("/job/single", dict(nope, userName=alice)), 400, "JobCreateFailed")
    ok(root.get("/job", query={"userName": alice}))
    a.close()


# ---- users ----

def test_user_create_and_list(server, root):
    name = new_user(root)
    u = ok(root.get("/user", query={"maxKeys": "1000"}))
    assert list(u) == ["maxKeys", "isTruncated", "userList"]
    names = [x["name"] for x in u["userList"]]
    assert name in names and "root" not in names
    me = [x for x in u["userList"] if x["name"] == name][0]
    assert list(me) == ["createTime", "name"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
                    me["createTime"]), me
    # the new user can log in
    as_user(server, name).close()


def test_user_create_errors(server, root):
    bad_names = ["abc", "a" * 17, "ab-cd", "ab cd", "ab_cd", "", "abç1", "ab.cd"]
    for n in bad_names:
        err(root.post("/user", {"username": n, "password": "abc123"}), 400, "InvalidNamePattern",
            "Name pattern does not match regex rule")
    ok(root.post("/user", {"username": "A" * 16, "password": "abc123"}))  # 16 is allowed
    weak = "Password must consist of at least one number and one letter, and length must be " \
           "greater than 6"
    for pw in ["abc12", "abcdef", "123456", "ABCDEF1", ""]:
        err(root.post("/user", {"username": uniq(), "password": pw}), 400, "UserPasswordWeak", weak)
    # the order: name, then password
    err(root.post("/user", {"username": "x", "password": "x"}), 400, "InvalidNamePattern")
    err(root.post("/user", {}), 400, "InvalidNamePattern")
    # duplicates, and every case variant of root (D12)
    name = new_user(root)
    err(root.post("/user", {"username": name, "password": "abc123"}), 403, "UserNameDuplicated")
    for r in ["root", "Root", "ROOT", "rOoT"]:
        err(root.post("/user", {"username": r, "password": "abc123"}), 403, "UserNameDuplicated")
    # bodies
    err(root.post("/user", {"username": 12345, "password": "abc123"}), 400, "MalformedJSON")
    err(root.post("/user", {"username": uniq(), "password": None}), 400, "UserPasswordWeak")
    err(root.post("/user", raw=b""), 400, "MalformedJSON")
    err(root.post("/user", raw=b"{"), 400, "MalformedJSON")
    # non-root: only root may create users (checked after name and password)
    u = as_user(server, name)
    err(u.post("/user", {"username": name, "password": "abc123"}), 403, "OnlyRootAllowed",
        "This operation is only allowed for root user")
    err(u.post("/user", {"username": name, "password": "abc"}), 400, "UserPasswordWeak")
    u.close()


def test_user_update_and_delete_errors(server, root):
    alice, bob = new_user(root), new_user(root)
    a = as_user(server, alice)
    err(root.put("/user/" + alice, {"password": "short"}), 400, "UserPasswordWeak")
    err(root.put("/user/nosuchuser9", {"password": "abc1234"}), 400, "UserNotExist")
    err(a.put("/user/" + bob, {"password": "abc1234"}), 403, "AccessDenied", "Access denied")
    err(root.put("/user/" + alice, raw=b"x"), 400, "MalformedJSON")
    err(root.put("/user/" + alice, {"password": 5}), 400, "MalformedJSON")
    # delete: root only, existing users only, never root
    err(a.delete("/user/" + bob), 403, "AccessDenied")
    err(a.delete("/user/" + alice), 403, "AccessDenied")
    err(root.delete("/user/nosuchuser9"), 400, "UserNotExist")
    err(root.delete("/user/root"), 403, "AccessDenied")
    err(root.delete("/user/ROOT"), 400, "UserNotExist")
    err(a.get("/user"), 403, "AccessDenied")
    empty_ok(root.delete("/user/" + bob))
    err(root.delete("/user/" + bob), 400, "UserNotExist")
    names = [x["name"] for x in ok(root.get("/user", query={"maxKeys": "1000"}))["userList"]]
    assert bob not in names and alice in names
    ok(root.get("/version"))  # root survives all of it
    a.close()


def test_user_list_paging(root):
    made = {new_user(root) for _ in range(5)}
    seen, marker, pages = [], None, 0
    while True:
        q = {"maxKeys": "2"}
        if marker:
            q["marker"] = marker
        page = ok(root.get("/user", query=q))
        pages += 1
        assert page["maxKeys"] == 2 and len(page["userList"]) <= 2
        seen += [u["name"] for u in page["userList"]]
        if not page["isTruncated"]:
            assert "nextMarker" not in page
            break
        assert list(page) == ["maxKeys", "isTruncated", "nextMarker", "userList"]
        marker = page["nextMarker"]
        assert pages < 100
    assert len(seen) == len(set(seen)), seen  # no repeats
    assert made <= set(seen) and "root" not in seen  # no gaps
    everyone = [u["name"] for u in ok(root.get("/user", query={"maxKeys": "1000"}))["userList"]]
    assert seen == everyone  # same order as one big page
    for mk in ["0", "1001", "-1", "abc", ""]:
        err(root.get("/user", query={"maxKeys": mk}), 400, "InvalidURI",
            "maxKeys[%s] is invalid" % mk)
    for m in ["garbage", "0" * 32, marker[:-1] + ("0" if marker[-1] != "0" else "1")]:
        err(root.get("/user", query={"marker": m}), 400, "InvalidMarker")


# ---- grants ----

def test_grants(server, root):
    alice, bob = new_user(root), new_user(root)
    q2 = uniq("gq")
    ok(root.post("/queue", {"name": q2, "namespace": "default",
                            "maxResources": {"cpu": "1", "mem": "1Gi"}}))
    a = as_user(server, alice)
    err(a.get("/queue/default-queue"), 403, "ActionNotAllowed")
    r = ok(root.post("/grant", {"userName": alice, "resourceType": "queue",
                                "resourceID": "default-queue"}))
    assert list(r) == ["grantID"] and re.match(r"^grant-[0-9a-f]{8}$", r["grantID"]), r
    gid = r["grantID"]
    ok(a.get("/queue/default-queue"))  # the grant works
    # the SDK sends "username"
    ok(root.post("/grant", {"username": alice, "resourceType": "queue", "resourceID": q2}))
    ok(root.post("/grant", {"username": bob, "resourceType": "queue", "resourceID": q2}))
    # errors of §6.5
    g = {"userName": alice, "resourceType": "queue", "resourceID": "default-queue"}
    err(root.post("/grant", g), 400, "GrantAlreadyExist")
    err(root.post("/grant", dict(g, userName="root")), 400, "GrantRootActionNotSupport")
    err(root.post("/grant", dict(g, userName="ROOT")), 400, "GrantRootActionNotSupport")
    err(root.post("/grant", dict(g, resourceType="cluster")), 400, "GrantResourceTypeNotFound")
    err(root.post("/grant", dict(g, resourceType="")), 400, "GrantResourceTypeNotFound")
    err(root.post("/grant", dict(g, resourceID="no-such-queue")), 400, "QueueNameNotFound")
    err(root.post("/grant", dict(g, userName="nosuchuser9")), 400, "UserNotExist")
    err(root.post("/grant", dict(g, resourceID=5)), 400, "MalformedJSON")
    err(root.post("/grant", raw=b""), 400, "MalformedJSON")
    err(a.post("/grant", dict(g, resourceID=q2)), 403, "OnlyRootAllowed")
    # list
    lst = ok(root.get("/grant", query={"username": alice}))
    assert list(lst) == ["maxKeys", "isTruncated", "grantList"]
    assert sorted(x["resourceID"] for x in lst["grantList"]) == sorted(["default-queue", q2])
    mine = [x for x in lst["grantList"] if x["grantID"] == gid][0]
    assert list(mine) == ["grantID", "userName", "resourceType", "resourceID", "createTime",
                          "updateTime"]
    assert mine["userName"] == alice and mine["resourceType"] == "queue"
    assert ok(root.get("/grant", query={"username": "nosuchuser9"}))["grantList"] == []
    p1 = ok(root.get("/grant", query={"username": alice, "maxKeys": "1"}))
    assert p1["isTruncated"] and len(p1["grantList"]) == 1
    p2 = ok(root.get("/grant", query={"username": alice, "maxKeys": "1",
                                      "marker": p1["nextMarker"]}))
    assert not p2["isTruncated"] and len(p2["grantList"]) == 1
    assert p1["grantList"][0]["grantID"] != p2["grantList"][0]["grantID"]
    err(root.get("/grant", query={"marker": "zzz"}), 400, "InvalidMarker")
    err(a.get("/grant"), 403, "OnlyRootAllowed")
    # delete
    dq = {"username": alice, "resourceType": "queue", "resourceID": "default-queue"}
    err(a.delete("/grant", query=dq), 403, "OnlyRootAllowed")
    empty_ok(root.delete("/grant", query=dq))
    err(root.delete("/grant", query=dq), 400, "GrantNotFound")
    err(a.get("/queue/default-queue"), 403, "ActionNotAllowed")
    err(root.delete("/grant", query=dict(dq, username="root")), 400, "GrantRootActionNotSupport")
    err(root.delete("/grant", query=dict(dq, resourceType="x")), 400, "GrantResourceTypeNotFound")
    err(root.delete("/grant", query=dict(dq, username="nosuchuser9")), 400, "UserNotExist")
    # deleting a user removes his grants; a new user of that name starts with none
    empty_ok(root.delete("/user/" + alice))
    assert ok(root.get("/grant", query={"username": alice}))["grantList"] == []
    assert len(ok(root.get("/grant", query={"username": bob}))["grantList"]) == 1
    new_user(root, alice)
    assert ok(root.get("/grant", query={"username": alice}))["grantList"] == []
    a.close()


# ---- HTTP conventions ----

def test_request_ids(server, root):
    a = Api(server.port)
    seen = set()
    for r in [root.get("/version"), root.get("/nope"), root.delete("/version"),
              a.get("/version", token=False), root.request("GET", "/../../outside"),
              a.post("/login", {"username": "root", "password": "x"}, token=False)]:
        rid = r.headers.get("x-pf-request-id")
        assert rid and UUID4.match(rid), r.headers
        if r.status != 200:
            assert r.json["requestID"] == rid
        seen.add(rid)
    assert len(seen) == 6  # a new one each time
    for rid in ["my-request-1", "A.b_c:9-0", "5b2c0d3e-uuid"]:
        h = {"x-pf-request-id": rid}
        assert root.get("/version", headers=h).headers["x-pf-request-id"] == rid
        r = root.get("/job/job-does-not-exist", headers=h)
        assert r.status == 404 and r.json["requestID"] == rid
        assert r.headers["x-pf-request-id"] == rid
        r = a.get("/version", headers=h, token=False)
        assert r.json["requestID"] == rid and r.headers["x-pf-request-id"] == rid
        r = a.post("/login", {"username": "root", "password": "x"}, headers=h, token=False)
        assert r.json["requestID"] == rid
    a.close()


def raw_request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def test_not_found_and_method_not_allowed(server, root):
    for path in ["/nope", "/job/a/b", "/user/a/b", "/versions", "/job/single/x", "/Version"]:
        err(root.get(path), 404, "PathNotFound", "")
    for path in ["/", "/api/paddleflow", "/api/paddleflow/v2/job", "/api/paddleflow/v1x/job",
                 "/foo", "/api/paddleflow/V1/job"]:
        for headers in ({}, {"x-pf-authorization": root.token}):
            status, h, body = raw_request(server.port, "GET", path, headers=headers)
            j = json.loads(body)
            assert status == 404 and j["code"] == "PathNotFound", (path, body)
            assert j["message"] == "", (path, body)
            assert list(j) == ERROR_KEYS and j["requestID"] == h["x-pf-request-id"]
    for method, path in [("DELETE", "/version"), ("POST", "/version"), ("PATCH", "/job"),
                         ("POST", "/job/job-0123456789abcdef"), ("PUT", "/user"),
                         ("PUT", "/grant"), ("GET", "/login"),
                         ("PUT", "/login")]:
        err(root.request(method, path), 405, "MethodNotAllowed", "")


def test_body_limit(server, root):
    big = b'{"username":"' + b"x" * (4 << 20) + b'"}'
    status, h, body = raw_request(server.port, "POST", PREFIX + "/user", body=big,
                                  headers={"x-pf-authorization": root.token,
                                           "Content-Type": "application/json",
                                           "x-pf-request-id": "big-body-1"})
    assert status == 413, (status, body[:200])
    j = json.loads(body)
    assert list(j) == ERROR_KEYS and j["requestID"] == "big-body-1" and j["code"], j
    assert h["x-pf-request-id"] == "big-body-1" and h["Content-Type"] == "application/json"
    # the server still serves, on a new connection
    status, _, body = raw_request(server.port, "GET", PREFIX + "/version",
                                  headers={"x-pf-authorization": root.token})
    assert status == 200 and json.loads(body)["gitVersion"]
    # exactly 4 MiB is still read and decoded
    pad = (4 << 20) - len(b'{"username":"","password":"abc123"}')
    exact = b'{"username":"' + b"x" * pad + b'","password":"abc123"}'
    assert len(exact) == 4 << 20
    err(root.post("/user", raw=exact), 400, "InvalidNamePattern")


def test_success_bodies_have_no_message(server, root):
    name = new_user(root)
    bodies = [root.post("/login", {"username": "root", "password": "paddleflow"}, token=False),
              root.post("/grant", {"userName": name, "resourceType": "queue",
                                   "resourceID": "default-queue"})]
    for path in ["/version", "/user", "/grant", "/queue", "/queue/default-queue", "/flavour",
                 "/flavour/flavour1", "/cluster", "/cluster/default-cluster", "/job", "/fs"]:
        bodies.append(root.get(path))
    for r in bodies:
        assert r.status == 200, r
        assert isinstance(r.json, dict) and "message" not in r.json, r
        assert r.headers.get("Content-Type") == "application/json"


def test_empty_body_200s(server, root):
    name = new_user(root)
    ok(root.post("/grant", {"userName": name, "resourceType": "queue",
                            "resourceID": "default-queue"}))
    empty_ok(root.put("/user/" + name, {"password": "other12"}))
    empty_ok(root.delete("/grant", query={"username": name, "resourceType": "queue",
                                          "resourceID": "default-queue"}))
    empty_ok(root.delete("/user/" + name))


def test_keep_alive(server, root):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    auth = {"x-pf-authorization": root.token}
    conn.request("GET", PREFIX + "/version", headers=auth)
    r = conn.getresponse()
    r.read()
    sock = conn.sock
    assert sock is not None and r.getheader("Connection", "").lower() != "close"
    mix = [("GET", "/version", 200), ("GET", "/nope", 404), ("DELETE", "/version", 405),
           ("GET", "/user", 200), ("GET", "/job/job-none", 404)]
    for i in range(300):
        method, path, status = mix[i % len(mix)]
        conn.request(method, PREFIX + path, headers=auth)
        r = conn.getresponse()
        r.read()
        assert r.status == status
        assert conn.sock is sock, "connection closed after request %d (%s %s)" % (i, method, path)
    # errors without a token and with a bad body keep it open too
    conn.request("GET", PREFIX + "/version")
    r = conn.getresponse()
    r.read()
    conn.request("POST", PREFIX + "/login", body=b"{")
    r = conn.getresponse()
    r.read()
    assert r.status == 400 and conn.sock is sock
    conn.close()


def test_version(root):
    v = ok(root.get("/version"))
    assert list(v) == ["gitVersion", "gitCommit", "gitBranch", "buildDate", "goVersion",
                       "compiler", "platform"]
    assert all(isinstance(x, str) for x in v.values()) and v["gitVersion"]


# ---- the program ----

def run(*args, **kw):
    return subprocess.run([SERVER] + list(args), capture_output=True, text=True, timeout=30, **kw)


def test_command_line(tmp_path):
    r = run("--help")
    assert r.returncode == 0, r
    for flag, env in [("--host", "PF_SERVER_HOST"), ("--port", "PF_SERVER_PORT"),
                      ("--data-dir", "PF_DATA_DIR"), ("--log-level", "PF_LOG_LEVEL"),
                      ("--root-password", "PF_ROOT_PASSWORD"),
                      ("--token-expiry-hours", "PF_TOKEN_EXPIRY_HOURS")]:
        assert flag in r.stdout and env in r.stdout, (flag, r.stdout)
    assert "--help" in r.stdout and "--version" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and "paddleflow-server" in r.stdout, r
    data = str(tmp_path / "never")
    for bad in [["--bogus"], ["--port"], ["--port", "abc"], ["--port", "70000"],
                ["--log-level", "loud"], ["--token-expiry-hours", "x"], ["-x"], ["extra"]]:
        r = run("--data-dir", data, *bad)
        assert r.returncode == 2, (bad, r)
        assert r.stderr.strip(), bad
    assert not os.path.exists(data)  # nothing was created by a usage error
    r = run("--port", "abc", env=dict(os.environ, PF_SERVER_PORT="1"))
    assert r.returncode == 2
    r = run("--data-dir", data, env=dict(os.environ, PF_SERVER_PORT="nope"))
    assert r.returncode == 2, r  # a bad environment value is a usage error too


def test_sigterm_and_sigint_shut_down_cleanly(make_server):
    for sig in (signal.SIGTERM, signal.SIGINT):
        s = make_server()
        a = s.api()
        ok(a.get("/version"))
        # fully started: the default-password warning is the last thing before it waits
        wait_for(lambda: "default password" in s.read_log(), what="start-up warning")
        s.proc.send_signal(sig)
        assert s.proc.wait(timeout=30) == 0, s.read_log()[-2000:]
        log = s.read_log()
        assert "stopped" in log and "ERROR: AddressSanitizer" not in log, log[-2000:]
        with pytest.raises(OSError):
            raw_request(s.port, "GET", PREFIX + "/version")
        a.close()


def test_signal_right_after_start_shuts_down_cleanly(make_server):
    """A supervisor may stop the server the moment it listens. Threads started before
    main.c blocks SIGTERM/SIGINT (store writer, job service) must not take the signal with
    its default action (death by signal) while the main thread is not yet in sigwait."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        s = make_server()  # returns as soon as the port accepts connections
        s.proc.send_signal(sig)
        rc = s.proc.wait(timeout=30)
        assert rc == 0, "exit %s on %s right after start:\n%s" % (rc, sig.name,
                                                                 s.read_log()[-1500:])
        assert "stopped" in s.read_log()


def test_data_dir_modes(tmp_path):
    data = tmp_path / "new" / "data"
    s = ServerProc(data_dir=str(data))
    s.log_path = str(tmp_path / "server.log")  # the data dir does not exist yet
    try:
        s.start()
        ok(s.api().get("/version"))
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        for f in ["secret", "paddleflow.db"]:
            assert stat.S_IMODE(os.stat(data / f).st_mode) == 0o600, f
        for f in os.listdir(data):
            mode = stat.S_IMODE(os.stat(data / f).st_mode)
            assert mode & 0o077 == 0, (f, oct(mode))  # nothing for group or others
        assert os.path.getsize(data / "secret") == 32
    finally:
        assert s.stop() == 0
        s.cleanup()


def test_second_server_on_same_port_fails(make_server):
    """A second server on a port that is in use must fail to start, not share the port: with
    SO_REUSEPORT the kernel splits new connections between the two processes, so clients of
    the first get AuthInvalidToken from the second (another secret) at random."""
    first = make_server()
    a = first.api()
    second = ServerProc()
    second.port = first.port
    try:
        second.start()
        try:
            rc = second.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        wrong = 0
        for _ in range(20):
            status, _, _ = raw_request(first.port, "GET", PREFIX + "/version",
                                       headers={"x-pf-authorization": a.token})
            wrong += status != 200
        assert rc is not None and rc != 0, (
            "a second paddleflow-server started on port %d, which another server uses, and "
            "answered %d of 20 new connections meant for the first" % (first.port, wrong))
        assert wrong == 0
    except RuntimeError:
        pass  # start() saw it exit: the right outcome
    finally:
        second.cleanup()
        a.close()


# ---- the request log ----

def test_request_log(server, root):
    secret_pw, wrong_pw, new_pw = "Zq9secretpw", "Wr0ngSecret9", "N3wSecretpw"
    name = new_user(root, password=secret_pw)
    u = as_user(server, name, secret_pw)
    Api(server.port).post("/login", {"username": name, "password": wrong_pw}, token=False)
    empty_ok(u.put("/user/" + name, {"password": new_pw}))
    u.login(name, new_pw)
    rids = {"log-rid-1": ("GET", PREFIX + "/version", "200"),
            "log-rid-2": ("GET", PREFIX + "/nope", "404"),
            "log-rid-3": ("DELETE", PREFIX + "/version", "405"),
            "log-rid-4": ("GET", PREFIX + "/user", "403"),
            "log-rid-5": ("POST", PREFIX + "/login", "400")}
    for rid, (method, path, _) in rids.items():
        headers = {"x-pf-request-id": rid, "x-pf-authorization": u.token}
        body = b'{"username":"root","password":"' + secret_pw.encode() + b'"}' \
            if path.endswith("login") else None
        raw_request(server.port, method, path, body=body, headers=headers)
    raw_request(server.port, "GET", "/outside/the/api", headers={"x-pf-request-id": "log-rid-6"})
    rids["log-rid-6"] = ("GET", "/outside/the/api", "404")
    log = server.read_log()
    for rid, (method, path, status) in rids.items():
        lines = [line for line in log.splitlines() if "request_id=%s" % rid in line]
        assert len(lines) == 1, (rid, lines)
        words = lines[0].split()
        assert method in words and path in words and status in words, lines[0]
        assert any(re.match(r"^\d+(\.\d+)?ms$", w) for w in words), lines[0]  # duration
    # never a password or a token
    for s in [secret_pw, wrong_pw, new_pw, "abc123", root.token, u.token,
              root.token.split(".")[2], u.token.split(".")[2]]:
        assert s not in log, "log contains %r" % s
    u.close()
