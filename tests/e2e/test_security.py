"""Security: an authorization matrix over every route, path traversal, file modes, secrets.

The matrix: root, the owner of the resources (alice), another user (bob), no token, a forged
token, an expired token, the token of a user whose password changed since, and the token of
a deleted user — × every route of src/server/http/router.c, each answer's exact HTTP status
and code per api.md §2 and §5 (with section 0). Requests of the failing identities target
real resources, which must be unchanged afterwards.

Also: path traversal in filesystem URLs, subPaths, log task names and job ids is rejected;
the secret, the database and every file of the data directory are private to the server's
user; passwords, hashes and tokens never appear in the server log or in any answer.
"""
import base64
import hashlib
import hmac
import itertools
import json
import os
import socket
import sqlite3
import stat
import subprocess
import tempfile
import time

import pytest

from pfserver import BIN_DIR, PREFIX, Api, free_port, wait_for

PASSWORDS = {"alice": "alice123pw", "bobby": "bobby456pw", "carol": "carol789pw",
             "dave": "dave012pw"}
SMALL = {"cpu": "10m", "mem": "16Mi"}
FINAL = {"succeeded", "failed", "terminated"}
WORKFLOW = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "container": {"image": "x", "command": ["true"]}}]}}
_seq = itertools.count(1)


def fresh(prefix):
    return "%s%d%d" % (prefix, os.getpid() % 1000, next(_seq))


# ---- tokens ----

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign(header, payload, key):
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(key, ("%s.%s" % (h, p)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (h, p, b64url(mac))


def claims(token):
    return json.loads(unb64url(token.split(".")[1]))


HS256 = {"alg": "HS256", "typ": "JWT"}


# ---- the world the matrix runs in ----

class World:
    """root, alice (owns the resources), bobby (another user), and their resources."""

    def __init__(self, server, tmp):
        self.server, self.tmp = server, tmp
        self.root = server.api()
        self.running = []  # jobs to stop at the end (their processes outlive the server)
        for name in ("alice", "bobby", "carol", "dave"):
            r = self.root.post("/user", {"username": name, "password": PASSWORDS[name]})
            assert r.status == 200, r
        self.alice = self.login("alice")
        self.bob = self.login("bobby")
        self.apis = {"root": self.root, "owner": self.alice, "other": self.bob}
        self.fsdir = tempfile.mkdtemp(dir=tmp)
        os.mkdir(os.path.join(self.fsdir, "sub"))
        self.qsec = self.queue()
        self.grant("alice", self.qsec)
        assert self.alice.post("/fs", {"name": "afs", "url": "local://" + self.fsdir}).status \
            == 201
        self.job_done = self.job(self.alice)
        self.job_run = self.job(self.alice, running=True)
        self.flavour = self.new_flavour()
        self.cluster = self.new_cluster()
        self.secret = open(os.path.join(server.data_dir, "secret"), "rb").read()
        self.tokens = self.bad_tokens()
        self.apis.update({who: Api(server.port, tok) for who, tok in self.tokens.items()})
        self.apis["none"] = Api(server.port, None)

    def login(self, name, password=None):
        return Api(self.server.port).login(name, password or PASSWORDS[name])

    def queue(self):
        name = fresh("qsec")
        r = self.root.post("/queue", {"name": name, "namespace": "default",
                                      "maxResources": {"cpu": "10", "mem": "10Gi"}})
        assert r.status == 200, r
        return name

    def grant(self, user, queue):
        r = self.root.post("/grant", {"userName": user, "resourceType": "queue",
                                      "resourceID": queue})
        assert r.status == 200, r

    def job(self, api, running=False):
        cmd = "sleep 600" if running else "true"
        r = api.post("/job/single", {"image": "x", "command": cmd, "flavour": SMALL})
        assert r.status == 200, r
        jid = r.json["id"]
        want = {"running"} if running else FINAL
        wait_for(lambda: self.root.get("/job/" + jid).json["status"] in want, timeout=60,
                 what="job %s to reach %s" % (jid, want))
        if running:
            self.running.append(jid)
        return jid

    def new_flavour(self, api=None):
        name = fresh("fsec")
        r = (api or self.root).post("/flavour", {"name": name, "cpu": "1", "mem": "1Gi"})
        assert r.status == 200, r
        return name

    def new_cluster(self):
        name = fresh("csec")
        r = self.root.post("/cluster", {"clusterName": name, "endpoint": "127.0.0.1",
                                        "clusterType": "Local"})
        assert r.status == 200, r
        return name

    def new_user(self):
        name = fresh("usr")
        r = self.root.post("/user", {"username": name, "password": "pass1234"})
        assert r.status == 200, r
        return name

    def bad_tokens(self):
        """forged (upstream's key), expired (our key, exp past), password changed, deleted."""
        real = self.alice.token
        c = claims(real)
        forged = sign(HS256, {"username": "root", "password": "x", "iss": "paddleflow",
                              "nbf": int(time.time()) - 1000}, b"its my precious")
        expired = sign(HS256, dict(c, exp=int(time.time()) - 5), self.secret)
        carol_old = self.login("carol").token
        r = self.login("carol").put("/user/carol", {"password": "carol789new"})
        assert r.status == 200, r
        dave_old = self.login("dave").token
        assert self.root.delete("/user/dave").status == 200
        return {"forged": forged, "expired": expired, "pw_changed": carol_old,
                "deleted_user": dave_old}

    def stop_running(self):
        for jid in self.running:
            self.root.put("/job/" + jid, query={"action": "stop"})
        for jid in self.running:
            wait_for(lambda: self.root.get("/job/" + jid).json["status"] in FINAL,
                     timeout=60, what="job %s to stop" % jid)


@pytest.fixture(scope="module")
def world(server):
    with tempfile.TemporaryDirectory(prefix="pf-sec-") as tmp:
        w = World(server, tmp)
        yield w
        w.stop_running()


# ---- the matrix ----
# Each case: name, builder(world, who) -> (method, path, body, query), expectations for
# root / owner / other. Builders give root and the owner a fresh target when the action
# would succeed (and so change it); failing identities get the shared resources.

OK = (200, None)
CREATED = (201, None)
UNIFORM = {"none": (400, "AuthWithoutToken"), "forged": (400, "AuthInvalidToken"),
           "expired": (400, "AuthInvalidToken"), "pw_changed": (400, "AuthFailed"),
           "deleted_user": (400, "UserNotExist")}
PRIVILEGED = ("root", "owner", "other")


def E(root, owner, other):
    return {"root": root, "owner": owner, "other": other}


def dest(w, who):
    """Should this identity get a fresh target (its action may succeed)?"""
    return who in ("root", "owner")


def user_create(w, who):
    return "POST", "/user", {"username": fresh("new"), "password": "pass1234"}, None


def user_create_self(w, who):
    name = {"owner": "alice", "other": "bobby"}.get(who, fresh("new"))
    return "POST", "/user", {"username": name, "password": "pass1234"}, None


def user_update(w, who):
    target = w.new_user() if who == "root" else "carol"
    return "PUT", "/user/" + target, {"password": "other123"}, None


def user_delete(w, who):
    target = w.new_user() if who == "root" else "carol"
    return "DELETE", "/user/" + target, None, None


def queue_create(w, who):
    return "POST", "/queue", {"name": fresh("qn"), "namespace": "default",
                              "maxResources": {"cpu": "1", "mem": "1Gi"}}, None


def queue_update(w, who):
    return "PUT", "/queue/" + w.qsec, {"location": {"k": who}}, None


def queue_delete(w, who):
    return "DELETE", "/queue/" + (w.queue() if who == "root" else w.qsec), None, None


def grant_create(w, who):
    return "POST", "/grant", {"username": "bobby", "resourceType": "queue",
                              "resourceID": w.queue()}, None


def grant_delete(w, who):
    q = w.queue() if who == "root" else w.qsec
    if who == "root":
        w.grant("alice", q)
    return "DELETE", "/grant", None, {"username": "alice", "resourceType": "queue",
                                      "resourceID": q}


def flavour_update(w, who):
    return "PUT", "/flavour/" + (w.new_flavour() if who == "root" else w.flavour), \
        {"cpu": "2"}, None


def flavour_update_own(w, who):
    """a flavour the caller created: still root only (upstream never records an owner)"""
    api = w.apis.get(who) if who in PRIVILEGED else w.alice
    return "PUT", "/flavour/" + w.new_flavour(api), {"cpu": "2"}, None


def flavour_delete(w, who):
    return "DELETE", "/flavour/" + (w.new_flavour() if who == "root" else w.flavour), None, None


def cluster_update(w, who):
    return "PUT", "/cluster/" + (w.new_cluster() if who == "root" else w.cluster), \
        {"description": "changed"}, None


def cluster_delete(w, who):
    return "DELETE", "/cluster/" + (w.new_cluster() if who == "root" else w.cluster), None, None


def fs_create(w, who):
    return "POST", "/fs", {"name": fresh("fs"), "url": "local://" + w.fsdir}, None


def fs_create_for_alice(w, who):
    return "POST", "/fs", {"name": fresh("fs"), "url": "local://" + w.fsdir,
                           "username": "alice"}, None


def fs_delete(w, who):
    if dest(w, who):
        name = fresh("fsd")
        assert w.alice.post("/fs", {"name": name, "url": "local://" + w.fsdir}).status == 201
    else:
        name = "afs"
    return "DELETE", "/fs/" + name, None, {"username": "alice"}


def job_single(w, who):
    return "POST", "/job/single", {"image": "x", "command": "true", "flavour": SMALL}, None


def job_single_named_owner(w, who):
    return "POST", "/job/single", {"image": "x", "command": "true", "flavour": SMALL,
                                   "userName": "alice"}, None


def job_distributed(w, who):
    return "POST", "/job/distributed", {"framework": "paddle", "members": [
        {"role": "worker", "replicas": 2, "image": "x", "command": "true",
         "flavour": SMALL}]}, None


def job_workflow(w, who):
    return "POST", "/job/workflow", {"name": "wf", "extensionTemplate": WORKFLOW}, None


def job_stop(w, who):
    jid = w.job(w.alice, running=True) if dest(w, who) else w.job_run
    return "PUT", "/job/" + jid, None, {"action": "stop"}


def job_delete(w, who):
    jid = w.job(w.alice) if dest(w, who) else w.job_done
    return "DELETE", "/job/" + jid, None, None


def static(method, path, body=None, query=None):
    return lambda w, who: (method, path(w) if callable(path) else path, body, query)


CASES = [
    ("version", static("GET", "/version"), E(OK, OK, OK)),
    ("user create", user_create,
     E(OK, (400, "AuthIllegalUser"), (400, "AuthIllegalUser"))),
    ("user create naming self", user_create_self,
     E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("user list", static("GET", "/user"), E(OK, (403, "AccessDenied"), (403, "AccessDenied"))),
    ("user show", static("GET", "/user", query={"user": "alice"}),
     E(OK, (403, "AccessDenied"), (403, "AccessDenied"))),
    ("user password", user_update, E(OK, (403, "AccessDenied"), (403, "AccessDenied"))),
    ("user delete", user_delete, E(OK, (403, "AccessDenied"), (403, "AccessDenied"))),
    ("user delete root", static("DELETE", "/user/root"),
     E((403, "AccessDenied"), (403, "AccessDenied"), (403, "AccessDenied"))),
    ("queue create", queue_create, E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("queue list", static("GET", "/queue"), E(OK, OK, OK)),
    ("queue show", static("GET", lambda w: "/queue/" + w.qsec),
     E(OK, OK, (403, "ActionNotAllowed"))),
    ("queue update", queue_update, E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("queue delete", queue_delete, E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("grant create", grant_create, E(OK, (400, "AuthIllegalUser"), (403, "OnlyRootAllowed"))),
    ("grant list", static("GET", "/grant"),
     E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("grant delete", grant_delete, E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("flavour create", lambda w, who: ("POST", "/flavour", {
        "name": fresh("fl"), "cpu": "1", "mem": "1Gi"}, None), E(OK, OK, OK)),
    ("flavour list", static("GET", "/flavour"), E(OK, OK, OK)),
    ("flavour show", static("GET", "/flavour/flavour1"), E(OK, OK, OK)),
    ("flavour update", flavour_update,
     E(OK, (403, "ActionNotAllowed"), (403, "ActionNotAllowed"))),
    ("flavour update own", flavour_update_own,
     E(OK, (403, "ActionNotAllowed"), (403, "ActionNotAllowed"))),
    ("flavour delete", flavour_delete,
     E(OK, (403, "ActionNotAllowed"), (403, "ActionNotAllowed"))),
    ("cluster create", lambda w, who: ("POST", "/cluster", {
        "clusterName": fresh("cl"), "endpoint": "127.0.0.1", "clusterType": "Local"}, None),
     E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("cluster list", static("GET", "/cluster"),
     E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("cluster show", static("GET", "/cluster/default-cluster"),
     E(OK, (403, "AccessDenied"), (403, "AccessDenied"))),
    ("cluster update", cluster_update,
     E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("cluster delete", cluster_delete,
     E(OK, (403, "OnlyRootAllowed"), (403, "OnlyRootAllowed"))),
    ("fs create", fs_create, E(CREATED, CREATED, CREATED)),
    ("fs create for alice", fs_create_for_alice,
     E(CREATED, CREATED, (400, "AuthIllegalUser"))),
    ("fs list", static("GET", "/fs"), E(OK, OK, OK)),
    ("fs show", static("GET", "/fs/afs"),
     E((404, "RecordNotFound"), OK, (404, "RecordNotFound"))),
    ("fs show naming alice", static("GET", "/fs/afs", query={"username": "alice"}),
     E(OK, OK, (404, "RecordNotFound"))),
    ("fs delete naming alice", fs_delete, E(OK, OK, (404, "RecordNotFound"))),
    ("job create single", job_single, E(OK, OK, OK)),
    ("job create naming alice", job_single_named_owner,
     E(OK, OK, (400, "AuthIllegalUser"))),
    ("job create distributed", job_distributed, E(OK, OK, OK)),
    ("job create workflow", job_workflow, E(OK, OK, OK)),
    ("job create on a granted queue", lambda w, who: ("POST", "/job/single", {
        "image": "x", "command": "true", "flavour": SMALL,
        "schedulingPolicy": {"queue": w.qsec}}, None),
     E(OK, OK, (400, "JobCreateFailed"))),
    ("job list", static("GET", "/job"), E(OK, OK, OK)),
    ("job show", static("GET", lambda w: "/job/" + w.job_done),
     E(OK, OK, (403, "ActionNotAllowed"))),
    ("job show missing", static("GET", "/job/job-0123456789abcdef"),
     E((404, "JobNotFound"), (404, "JobNotFound"), (404, "JobNotFound"))),
    ("job modify", static("PUT", lambda w: "/job/" + w.job_done, {"labels": {"k": "v"}},
                          {"action": "modify"}),
     E(OK, OK, (403, "ActionNotAllowed"))),
    ("job stop", job_stop, E(OK, OK, (403, "ActionNotAllowed"))),
    ("job stop finished", static("PUT", lambda w: "/job/" + w.job_done, None,
                                 {"action": "stop"}),
     E((403, "ActionNotAllowed"), (403, "ActionNotAllowed"), (403, "ActionNotAllowed"))),
    ("job put without action", static("PUT", lambda w: "/job/" + w.job_done),
     E((403, "ActionNotAllowed"), (403, "ActionNotAllowed"), (403, "ActionNotAllowed"))),
    ("job delete", job_delete, E(OK, OK, (403, "ActionNotAllowed"))),
    ("job delete running", static("DELETE", lambda w: "/job/" + w.job_run),
     E((403, "ActionNotAllowed"), (403, "ActionNotAllowed"), (403, "ActionNotAllowed"))),
    ("job logs", static("GET", "/log/job", query=None), None),  # placeholder, replaced below
    ("unknown path", static("GET", "/nosuchroute"),
     E((404, "PathNotFound"), (404, "PathNotFound"), (404, "PathNotFound"))),
    ("wrong method", static("PATCH", "/job"),
     E((405, "MethodNotAllowed"), (405, "MethodNotAllowed"), (405, "MethodNotAllowed"))),
]
CASES[[c[0] for c in CASES].index("job logs")] = (
    "job logs", lambda w, who: ("GET", "/log/job", None, {"jobID": w.job_done}),
    E(OK, OK, (403, "ActionNotAllowed")))
IDENTITIES = list(PRIVILEGED) + list(UNIFORM)


def check_answer(r, want, label):
    status, code = want
    assert r.status == status, "%s: want %s %s, got %r" % (label, status, code, r)
    if code:
        assert r.json is not None and list(r.json) == ["requestID", "code", "message"], \
            "%s: error body %r" % (label, r.body)
        assert r.json["code"] == code, "%s: want %s, got %r" % (label, code, r)
        assert r.json["requestID"] == r.headers.get("x-pf-request-id")
    else:
        assert r.json is None or "message" not in r.json or label.startswith("job show") \
            or label.startswith("job list"), "%s: success with a message key: %r" % (label, r)


@pytest.mark.parametrize("who", IDENTITIES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_authorization_matrix(world, case, who):
    name, build, expect = case
    want = expect[who] if who in PRIVILEGED else UNIFORM[who]
    method, path, body, query = build(world, who)
    r = world.apis[who].request(method, path, body=body, query=query)
    check_answer(r, want, "%s as %s (%s %s)" % (name, who, method, path))


@pytest.mark.parametrize("who", IDENTITIES)
def test_login_needs_no_token(world, who):
    """login is the one route without authentication: any token (or none) is ignored."""
    r = world.apis[who].post("/login", {"username": "bobby", "password": PASSWORDS["bobby"]})
    assert r.status == 200, r
    assert list(r.json) == ["authorization"]


def test_failed_identities_changed_nothing(world):
    """runs after the matrix: the shared targets of the refused requests are intact."""
    root = world.root
    assert root.get("/job/" + world.job_run).json["status"] == "running"
    assert root.get("/job/" + world.job_done).status == 200
    assert root.get("/job/" + world.job_done).json.get("labels", {}) in (None, {}, {"k": "v"})
    assert root.get("/queue/" + world.qsec).status == 200
    assert root.get("/flavour/" + world.flavour).json["cpu"] == "1"
    assert root.get("/cluster/" + world.cluster).json["description"] != "changed"
    assert root.get("/fs/afs", query={"username": "alice"}).status == 200
    assert root.get("/user", query={"user": "carol"}).status == 200
    users = [u["name"] for u in root.get("/user", query={"maxKeys": 1000}).json["userList"]]
    assert "alice" in users and "bobby" in users
    grants = root.get("/grant", query={"username": "alice", "maxKeys": 1000}).json["grantList"]
    assert world.qsec in [g["resourceID"] for g in grants]
    # carol's new password works, her old token does not (checked in the matrix)
    assert world.login("carol", "carol789new").token


def test_job_list_visibility(world):
    """root sees every job; a user only his own, whatever filter he sends."""
    def ids(api, **q):
        r = api.get("/job", query=dict({"maxKeys": 1000}, **q))
        assert r.status == 200, r
        return {j["id"] for j in r.json["jobList"]}
    assert world.job_done in ids(world.root)
    assert world.job_done in ids(world.alice)
    assert world.job_done not in ids(world.bob)
    assert world.job_done not in ids(world.bob, queue="default-queue")
    # a spoofed x-pf-user-name is ignored: the token decides
    r = world.bob.get("/job/" + world.job_done, headers={"x-pf-user-name": "alice"})
    assert (r.status, r.code) == (403, "ActionNotAllowed")
    r = world.bob.get("/job", query={"userName": "alice"})
    assert (r.status, r.code) == (400, "AuthIllegalUser")


def test_other_user_cannot_use_owners_filesystem(world):
    """naming alice's fs by name or by id in a job of bob's is refused."""
    for fs in ({"name": "afs"}, {"name": "afs", "id": "fs-alice-afs"}):
        for key in ("fs", "extraFS"):
            body = {"image": "x", "command": "true", "flavour": SMALL,
                    key: fs if key == "fs" else [fs]}
            r = world.bob.post("/job/single", body)
            assert (r.status, r.code) == (400, "JobCreateFailed"), (key, fs, r)
            assert "record not found" in r.json["message"]
    r = world.alice.post("/job/single", {"image": "x", "command": "true", "flavour": SMALL,
                                         "fs": {"name": "afs", "subPath": "sub"}})
    assert r.status == 200, r


# ---- tokens in detail ----

def test_forged_token_variants(world):
    real = world.alice.token
    h, p, s = real.split(".")
    c = claims(real)
    now = int(time.time())
    variants = {
        "upstream key": sign(HS256, dict(c, username="root"), b"its my precious"),
        "random key": sign(HS256, c, os.urandom(32)),
        "alg none": "%s.%s." % (b64url(b'{"alg":"none","typ":"JWT"}'),
                                b64url(json.dumps(dict(c, username="root")).encode())),
        "payload swapped": "%s.%s.%s" % (h, b64url(json.dumps(dict(c, username="root"))
                                                   .encode()), s),
        "signature cut": real[:-1],
        "signature of another token": "%s.%s.%s" % (h, p, world.bob.token.split(".")[2]),
        "not yet valid": sign(HS256, dict(c, nbf=now + 3600), world.secret),
        "exp not a number": sign(HS256, dict(c, exp="never"), world.secret),
        "no username": sign(HS256, {k: v for k, v in c.items() if k != "username"},
                            world.secret),
        "garbage": "garbage",
        "two dots": "a.b.c",
        "four parts": real + ".x",
        "huge": "a" * 5000 + "." + "b" * 5000 + "." + "c",
    }
    for what, tok in variants.items():
        r = Api(world.server.port, tok).get("/job/" + world.job_done)
        assert (r.status, r.code) == (400, "AuthInvalidToken"), (what, r)
    # resigned with the real secret: a valid token, so the checks above were not luck
    good = sign(HS256, c, world.secret)
    assert Api(world.server.port, good).get("/job/" + world.job_done).status == 200
    # a validly signed token naming root but with alice's password fingerprint
    r = Api(world.server.port, sign(HS256, dict(c, username="root"), world.secret)).get("/user")
    assert (r.status, r.code) == (400, "AuthFailed"), r


def test_token_expires_on_a_real_server(make_server):
    """--token-expiry-hours: a token the server issued stops working when it expires."""
    s = make_server(extra_args=["--token-expiry-hours", "0.0005"])  # 1.8 s
    api = s.api()
    assert api.get("/version").status == 200
    exp = claims(api.token)["exp"]
    time.sleep(max(0.0, exp - time.time()) + 1.2)
    r = api.get("/version")
    assert (r.status, r.code) == (400, "AuthInvalidToken"), r


def test_password_change_by_root_kills_old_tokens(world):
    name = world.new_user()
    old = world.login(name, "pass1234")
    assert old.get("/version").status == 200
    assert world.root.put("/user/" + name, {"password": "changed123"}).status == 200
    r = old.get("/version")
    assert (r.status, r.code) == (400, "AuthFailed"), r
    assert world.login(name, "changed123").get("/version").status == 200


# ---- path traversal ----

@pytest.mark.parametrize("url", [
    "local:///tmp/../etc", "local:///tmp/x/../../etc", "local://../etc", "local://etc",
    "local:///..", "local:///", "local://", "local:///./", "local:///tmp/%2e%2e/etc",
    "local:///tmp/..", "file:///etc", "local:/etc"])
def test_fs_url_traversal_rejected(world, url):
    r = world.alice.post("/fs", {"name": fresh("trav"), "url": url})
    assert (r.status, r.code) == (400, "InvalidFileSystemURL"), (url, r)


@pytest.mark.parametrize("sub", ["../../etc", "..", "../", "a/../../etc", "/etc", "./../x",
                                 "sub/../../..", "a/b/../../../c"])
def test_subpath_traversal_rejected(world, sub):
    for key in ("fs", "extraFS"):
        fs = {"name": "afs", "subPath": sub}
        body = {"image": "x", "command": "pwd", "flavour": SMALL,
                key: fs if key == "fs" else [fs]}
        r = world.alice.post("/job/single", body)
        assert (r.status, r.code) == (400, "JobCreateFailed"), (key, sub, r)
        assert "subPath" in r.json["message"]


def test_subpath_inside_is_accepted(world):
    """the control: subPaths that stay inside the filesystem are fine."""
    for sub in ("sub", "sub/../sub", "./sub", "a/../sub"):
        r = world.alice.post("/job/single", {"image": "x", "command": "true", "flavour": SMALL,
                                             "fs": {"name": "afs", "subPath": sub}})
        assert r.status == 200, (sub, r)


@pytest.mark.parametrize("task", ["../../../../etc/passwd", "/etc/passwd", "..", "%2e%2e",
                                  "x/../../secret", "../secret"])
def test_log_task_name_traversal(world, task):
    """a task name is matched against the job's tasks, never used as a path."""
    for follow in ("false", "true"):
        r = world.alice.get("/log/job", query={"jobID": world.job_done, "taskName": task,
                                               "follow": follow})
        assert "root:x:0:0" not in r.body, (task, r)
        assert world.secret.hex() not in r.body
        if r.status == 200 and follow == "false":
            for t in r.json["taskList"]:
                assert t["taskID"].startswith(world.job_done), (task, t)


@pytest.mark.parametrize("jid", ["../x", "..", "%2e%2e", "%2E%2E%2Fsecret", "..%2f..%2fetc",
                                 "job-1/../../x", ".", "%00", "job%2F..%2F..", "a%5c..%5c.."])
def test_job_id_traversal(world, jid):
    """odd ids in the path find no job (404, never a file), and such ids cannot be created."""
    for method in ("GET", "DELETE"):
        r = raw_request(world.server.port, method, "/job/" + jid, world.alice.token)
        assert r[0] in (400, 404), (jid, method, r)
        assert b"root:x:0:0" not in r[2]
    r = raw_request(world.server.port, "GET", "/log/job?jobID=" + jid, world.alice.token)
    assert r[0] in (400, 404), (jid, r)


@pytest.mark.parametrize("jid", ["../x", "..", "a/b", "x/../../etc", "UPPER", "-x", "a" * 64,
                                 ".hidden", "job_1"])
def test_job_id_create_rejected(world, jid):
    r = world.alice.post("/job/single", {"id": jid, "image": "x", "command": "true",
                                         "flavour": SMALL})
    assert (r.status, r.code) == (400, "JobCreateFailed"), (jid, r)


@pytest.mark.parametrize("path,body,code", [
    ("/user", {"username": "../evil", "password": "pass1234"}, "InvalidNamePattern"),
    ("/queue", {"name": "../evil", "namespace": "default",
                "maxResources": {"cpu": "1", "mem": "1Gi"}}, "InvalidNamePattern"),
    ("/fs", {"name": "../evil", "url": "local:///tmp"}, "FileSystemNameFormatError"),
    ("/cluster", {"clusterName": "../evil", "endpoint": "x", "clusterType": "Local"},
     "InvalidNamePattern"),
])
def test_names_with_dots_and_slashes_rejected(world, path, body, code):
    r = world.root.post(path, body)
    assert (r.status, r.code) == (400, code), r


def raw_request(port, method, target, token):
    """The path is sent exactly as given (clients would normalise ../)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(("%s %s%s HTTP/1.1\r\nHost: x\r\nx-pf-authorization: %s\r\n"
                   "Connection: close\r\n\r\n" % (method, PREFIX, target, token)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head[9:12]), head, body


# ---- files ----

def test_secret_and_database_are_private(world):
    d = world.server.data_dir
    for name in ("secret", "paddleflow.db", "paddleflow.db-wal", "paddleflow.db-shm"):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            assert name.endswith(("-wal", "-shm")), name
            continue
        mode = stat.S_IMODE(os.stat(p).st_mode)
        assert mode & 0o077 == 0, "%s has mode %o" % (name, mode)
    assert len(world.secret) == 32


def test_every_data_file_is_private(world):
    """task specs (the environment), logs and work files too: nothing for group or others.
    (server.log is the test harness's own file.)"""
    d = world.server.data_dir
    loose = []
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            if p == os.path.join(d, "server.log"):
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                continue
            if stat.S_IMODE(st.st_mode) & 0o077:
                loose.append("%o %s" % (stat.S_IMODE(st.st_mode), os.path.relpath(p, d)))
    assert not loose, loose[:20]


def test_new_data_dir_is_created_private():
    with tempfile.TemporaryDirectory(prefix="pf-sec-dd-") as tmp:
        data = os.path.join(tmp, "a", "b")
        port = free_port()
        p = subprocess.Popen([os.path.join(BIN_DIR, "paddleflow-server"), "--host",
                              "127.0.0.1", "--port", str(port), "--data-dir", data],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: os.path.exists(os.path.join(data, "secret")), timeout=30,
                     what="the secret")
            for path in (os.path.join(tmp, "a"), data):
                mode = stat.S_IMODE(os.stat(path).st_mode)
                assert mode & 0o077 == 0, "%s: %o" % (path, mode)
            assert stat.S_IMODE(os.stat(os.path.join(data, "secret")).st_mode) == 0o600
        finally:
            p.terminate()
            p.wait(timeout=30)


# ---- secrets never leak ----

def test_user_objects_carry_no_password(world):
    bodies = [world.root.get("/user", query={"maxKeys": 1000}).body,
              world.root.get("/user", query={"user": "alice"}).body,
              world.root.post("/user", {"username": fresh("leak"), "password": "leak1234"}).body,
              world.root.get("/grant", query={"maxKeys": 1000}).body,
              world.root.get("/job/" + world.job_done).body]
    hashes = [row[0] for row in db_rows(world, "SELECT * FROM user")]
    for b in bodies:
        low = b.lower()
        assert "password" not in low and "hash" not in low and "$argon2" not in b, b[:500]
        for pw in list(PASSWORDS.values()) + ["leak1234"]:
            assert pw not in b
        for h in hashes:
            assert str(h) not in b or len(str(h)) < 8
    assert world.root.get("/user", query={"user": "alice"}).json.keys() <= {"name", "createTime"}


def db_rows(world, sql):
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(world.server.data_dir,
                                                          "paddleflow.db"), uri=True)
    try:
        cur = con.execute(sql)
        cols = [c[0] for c in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    # the hash column, whatever it is called
    idx = [i for i, c in enumerate(cols) if "hash" in c.lower() or "pass" in c.lower()]
    return [[r[i] for i in idx] for r in rows]


def test_passwords_and_tokens_never_logged(world):
    """runs last: every password and token of this module is absent from the server log,
    including from failed logins and malformed login bodies (whose parse errors are
    answered to the sender, not logged)."""
    api = Api(world.server.port)
    api.post("/login", {"username": "alice", "password": "WrongPass999"})
    api.post("/login", raw=b'{"username":"alice","password":"Trunc4ted')
    world.root.put("/user/bobby", {"password": "bobby456pw"})  # same password, logged request
    log = world.server.read_log()
    assert "POST %s/login" % PREFIX in log, "the log does not show requests at all"
    secrets = list(PASSWORDS.values()) + ["carol789new", "pass1234", "other123", "changed123",
                                          "WrongPass999", "Trunc4ted", "leak1234"]
    for pw in secrets:
        assert pw not in log, "password %r in the server log" % pw
    tokens = [world.root.token, world.alice.token, world.bob.token] + \
        list(world.tokens.values())
    for tok in tokens:
        assert tok not in log
        assert tok.split(".")[2] not in log, "a token signature in the server log"
    assert "$argon2" not in log
    assert world.secret.hex() not in log
