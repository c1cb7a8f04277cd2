"""End-to-end tests of the cluster API (api.md §6.3 with section 0) and of the seeds of D20:
default-cluster, create/list/show/update/delete (root only), every error path, deleting a
cluster with its queues, and seeding across restarts with the default-password warning."""
import itertools
import time

import pytest

from pfserver import wait_for

_n = itertools.count()

KEYS = ["id", "clusterName", "description", "endpoint", "source", "clusterType", "version",
        "status", "credential", "setting", "namespaceList", "createTime", "updateTime"]


def uniq(prefix="cl"):
    return "%s-%d" % (prefix, next(_n))


def err(r, status, code, msg=None):
    assert r.status == status and r.code == code, r
    assert list(r.json) == ["requestID", "code", "message"], r
    if msg is not None:
        assert msg in r.json["message"], r


def ok(r):
    assert r.status == 200, r
    return r.json


def new_cluster(api, name=None, **kw):
    body = {"clusterName": name or uniq(), "endpoint": "127.0.0.1", "clusterType": "Local"}
    body.update(kw)
    return ok(api.post("/cluster", body))


@pytest.fixture(scope="module")
def carol(server):
    root = server.api()
    ok(root.post("/user", {"username": "carol1", "password": "carol123"}))
    c = root.as_user("carol1", "carol123")
    yield c
    c.close()
    root.close()


def test_default_cluster(api):
    c = ok(api.get("/cluster/default-cluster"))
    assert list(c) == KEYS
    assert (c["clusterName"], c["clusterType"], c["status"], c["endpoint"], c["description"]) == \
        ("default-cluster", "local", "online", "127.0.0.1", "default cluster")
    assert len(c["id"]) == 36 and c["namespaceList"] == []
    lst = ok(api.get("/cluster"))
    assert list(lst) == ["maxKeys", "isTruncated", "clusterList"]
    assert "default-cluster" in [x["clusterName"] for x in lst["clusterList"]]


def test_create_show_update_delete(api):
    name = uniq()
    c = new_cluster(api, name=" %s " % name, endpoint=" https://k8s:6443 ", clusterType="Kubernetes",
                    version="1.24", credential="Y3JlZA==", setting="{}", description="d",
                    namespaceList=["ns-a", "ns-b"])
    assert list(c) == KEYS
    assert c["id"].startswith("cluster-") and len(c["id"]) == 16
    assert (c["clusterName"], c["endpoint"], c["status"], c["source"]) == \
        (name, "https://k8s:6443", "online", "OnPremise")
    assert (c["credential"], c["setting"], c["namespaceList"]) == ("Y3JlZA==", "{}", ["ns-a", "ns-b"])
    assert ok(api.get("/cluster/" + name)) == c
    u = ok(api.put("/cluster/" + name, {"status": "offline", "description": "new",
                                        "namespaceList": ["ns-a", "ns-c"], "version": ""}))
    assert (u["status"], u["description"], u["namespaceList"], u["version"]) == \
        ("offline", "new", ["ns-a", "ns-c"], "1.24")
    assert u["id"] == c["id"] and u["createTime"] == c["createTime"]
    r = api.delete("/cluster/" + name)
    assert r.status == 200 and r.body == "", r
    err(api.get("/cluster/" + name), 400, "ClusterNotFound")
    # a soft-deleted cluster frees its name
    again = new_cluster(api, name=name)
    assert again["id"] != c["id"] and again["namespaceList"] == []


@pytest.mark.parametrize("body,status,code,msg", [
    ({"clusterName": ""}, 400, "InvalidNamePattern", "does not match regex rule"),
    ({"clusterName": "a"}, 400, "InvalidNamePattern", None),
    ({"clusterName": "-ab"}, 400, "InvalidNamePattern", None),
    ({"clusterName": "a b"}, 400, "InvalidNamePattern", None),
    ({"clusterName": "x" * 256}, 400, "InvalidNamePattern", None),
    ({"endpoint": " "}, 400, "InvalidClusterProperties", "Endpoint should not be empty"),
    ({"clusterType": ""}, 400, "InvalidClusterProperties", "ClusterType should not be empty"),
    ({"clusterType": "yarn"}, 400, "InvalidClusterProperties", "ClusterType [yarn] is invalid"),
    ({"clusterType": "Kubernetes"}, 400, "InvalidClusterProperties",
     "version of cluster Kubernetes should not be empty"),
    ({"status": "broken"}, 400, "InvalidClusterProperties", "online' or 'offline"),
    ({"namespaceList": ["Bad_NS"]}, 400, "InvalidClusterProperties", "namespace[Bad_NS] is invalid"),
    ({"clusterName": "default-cluster"}, 400, "DuplicatedName", "already exists"),
])
def test_create_errors(api, body, status, code, msg):
    full = {"clusterName": uniq(), "endpoint": "127.0.0.1", "clusterType": "Local"}
    full.update(body)
    err(api.post("/cluster", full), status, code, msg)


@pytest.mark.parametrize("raw", [b"", b"{", b"[1]", b'{"clusterName": 5}',
                                 b'{"namespaceList": "a"}', b'{"namespaceList": [1]}',
                                 b'{"status": false}'])
def test_create_malformed(api, raw):
    err(api.post("/cluster", raw=raw), 400, "MalformedJSON")


def test_types_accepted(api):
    for t, v in (("Kubernetes", "1.16+"), ("K3S", ""), ("Local", ""), ("local", "")):
        assert new_cluster(api, clusterType=t, version=v)["clusterType"] == t


def test_root_only(api, carol):
    name = new_cluster(api)["clusterName"]
    # the name pattern is checked before the caller (upstream's order)
    err(carol.post("/cluster", {"clusterName": "a"}), 400, "InvalidNamePattern")
    err(carol.post("/cluster", {"clusterName": uniq(), "endpoint": "x", "clusterType": "Local"}),
        403, "OnlyRootAllowed", "create cluster failed")
    err(carol.get("/cluster"), 403, "OnlyRootAllowed")
    err(carol.get("/cluster/" + name), 403, "AccessDenied")
    err(carol.put("/cluster/" + name, {"description": "x"}), 403, "OnlyRootAllowed")
    err(carol.delete("/cluster/" + name), 403, "OnlyRootAllowed")
    ok(api.get("/cluster/" + name))


def test_list_filters_and_paging(api):
    a = new_cluster(api)["clusterName"]
    b = new_cluster(api, status="offline")["clusterName"]
    got = ok(api.get("/cluster", query={"clusterNames": "%s, %s,no-such" % (a, b)}))
    assert sorted(c["clusterName"] for c in got["clusterList"]) == sorted([a, b])
    off = ok(api.get("/cluster", query={"clusterStatus": "offline"}))["clusterList"]
    assert b in [c["clusterName"] for c in off] and all(c["status"] == "offline" for c in off)
    assert ok(api.get("/cluster", query={"clusterNames": "none1"}))["clusterList"] == []
    seen, marker = [], None
    while True:
        q = {"maxKeys": 1}
        if marker:
            q["marker"] = marker
        page = ok(api.get("/cluster", query=q))
        assert len(page["clusterList"]) <= 1
        seen += [c["clusterName"] for c in page["clusterList"]]
        if not page["isTruncated"]:
            break
        marker = page["nextMarker"]
    assert {a, b, "default-cluster"} <= set(seen) and len(seen) == len(set(seen))
    err(api.get("/cluster", query={"maxKeys": "1001"}), 400, "InvalidURI")
    err(api.get("/cluster", query={"marker": "00"}), 400, "InvalidMarker")


def test_update_errors(api):
    name = new_cluster(api, namespaceList=["team-a", "team-b"])["clusterName"]
    err(api.put("/cluster/no-such", {"status": "online"}), 400, "ClusterNameNotFound")
    err(api.put("/cluster/" + name, {"clusterType": "mesos"}), 400, "InvalidClusterProperties",
        "ClusterType [mesos] is invalid")
    err(api.put("/cluster/" + name, {"clusterType": "Kubernetes"}), 400,
        "InvalidClusterProperties", "version of cluster Kubernetes should not be empty")
    err(api.put("/cluster/" + name, {"status": "gone"}), 400, "InvalidClusterProperties")
    err(api.put("/cluster/" + name, {"namespaceList": ["UPPER"]}), 400, "InvalidClusterProperties")
    err(api.put("/cluster/" + name, raw=b"{"), 400, "MalformedJSON")
    # a namespace a queue lives in cannot be dropped from the list
    ok(api.post("/queue", {"name": uniq("q"), "namespace": "team-b", "clusterName": name,
                           "maxResources": {"cpu": "1", "mem": "1Gi"}}))
    err(api.put("/cluster/" + name, {"namespaceList": ["team-a"]}), 400,
        "InvalidClusterProperties", "cluster still bound to queue by namespace[team-b]")
    u = ok(api.put("/cluster/" + name, {"namespaceList": ["team-b", "team-c"]}))
    assert u["namespaceList"] == ["team-b", "team-c"]


def test_delete_removes_queues_and_grants(api, carol):
    name = new_cluster(api)["clusterName"]
    q = uniq("q")
    ok(api.post("/queue", {"name": q, "namespace": "default", "clusterName": name,
                           "maxResources": {"cpu": "1", "mem": "1Gi"}}))
    ok(api.post("/grant", {"userName": "carol1", "resourceType": "queue", "resourceID": q}))
    ok(carol.get("/queue/" + q))
    err(api.delete("/cluster/no-such"), 400, "ClusterNotFound")
    r = api.delete("/cluster/" + name)
    assert r.status == 200 and r.body == "", r
    err(api.get("/queue/" + q), 400, "QueueNameNotFound")
    grants = ok(api.get("/grant", query={"username": "carol1"}))["grantList"]
    assert all(g["resourceID"] != q for g in grants)
    assert name not in [c["clusterName"] for c in ok(api.get("/cluster"))["clusterList"]]
    err(api.delete("/cluster/" + name), 400, "ClusterNotFound")


# -- seeds ---------------------------------------------------------------------------------------

def test_seeds_are_idempotent_across_restarts(make_server):
    s = make_server()
    api = s.api()
    wait_for(lambda: "root still has the default password" in s.read_log(), timeout=10,
             what="default password warning")
    ok(api.put("/queue/default-queue", {"maxResources": {"cpu": "7"}}))
    ok(api.delete("/flavour/flavour2"))
    ok(api.put("/flavour/flavour1", {"cpu": "2"}))
    ok(api.put("/user/root", {"password": "newpass1"}))
    api.close()
    assert s.stop() == 0
    s.restart()
    api = s.api(login=False).login("root", "newpass1")
    # what was edited stays edited; what was deleted comes back; nothing is duplicated
    assert ok(api.get("/queue/default-queue"))["maxResources"]["cpu"] == "7"
    assert ok(api.get("/flavour/flavour1"))["cpu"] == "2"
    assert ok(api.get("/flavour/flavour2"))["scalarResources"] == {"nvidia.com/gpu": "1"}
    names = [f["name"] for f in ok(api.get("/flavour"))["flavourList"]]
    assert sorted(names) == ["flavour1", "flavour2", "flavour3"]
    assert [c["clusterName"] for c in ok(api.get("/cluster"))["clusterList"]] == ["default-cluster"]
    assert [q["name"] for q in ok(api.get("/queue"))["queueList"]] == ["default-queue"]
    time.sleep(0.5)
    log = s.read_log()
    assert log.count("root still has the default password") == 1, log  # not after the change
    api.close()


def test_root_password_flag_and_no_warning(make_server):
    s = make_server(extra_args=["--root-password", "s3cretpw"])
    api = s.api(login=False).login("root", "s3cretpw")
    assert ok(api.get("/cluster/default-cluster"))["status"] == "online"
    time.sleep(0.5)  # the warning, if any, follows the start-up lines
    assert "root still has the default password" not in s.read_log()
    r = s.api(login=False).post("/login", {"username": "root", "password": "paddleflow"},
                                token=False)
    err(r, 400, "AuthFailed")
    api.close()
