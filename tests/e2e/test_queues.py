"""End-to-end tests of the queue API (api.md §6.1 with section 0) against a real server:
the seeded default-queue, create/list/show/update/delete, every error path, grant-based
visibility, usedResources/idleResources from running jobs and delete while jobs are active."""
import itertools

import pytest

from pfserver import wait_for

MAX = {"cpu": "10", "mem": "20Gi"}
_n = itertools.count()


def uniq(prefix="q"):
    return "%s-%d" % (prefix, next(_n))


def err(r, status, code, msg=None):
    assert r.status == status and r.code == code, r
    assert list(r.json) == ["requestID", "code", "message"], r
    if msg is not None:
        assert msg in r.json["message"], r


def ok(r):
    assert r.status == 200, r
    return r.json


def new_queue(api, name=None, **kw):
    body = {"name": name or uniq(), "namespace": "default", "maxResources": dict(MAX)}
    body.update(kw)
    ok(api.post("/queue", body))
    return body["name"]


@pytest.fixture(scope="module")
def alice(server):
    root = server.api()
    ok(root.post("/user", {"username": "alice1", "password": "alice123"}))
    a = root.as_user("alice1", "alice123")
    yield a
    a.close()
    root.close()


QUEUE_KEYS = ["id", "name", "namespace", "clusterName", "quotaType", "minResources",
              "maxResources", "location", "status", "createTime", "updateTime"]


def test_default_queue_seeded(api):
    q = ok(api.get("/queue/default-queue"))
    assert list(q) == QUEUE_KEYS[:-2] + ["usedResources", "idleResources"] + QUEUE_KEYS[-2:]
    assert q["id"].startswith("queue-") and len(q["id"]) == 14
    assert q["namespace"] == "default" and q["clusterName"] == "default-cluster"
    assert q["quotaType"] == "volcanoCapabilityQuota" and q["status"] == "open"
    assert q["maxResources"] == {"cpu": "20", "memory": "20Gi"}
    assert q["minResources"] == {"cpu": "0", "memory": "0"} and q["location"] == {}
    assert "schedulingPolicy" not in q  # omitempty
    assert len(q["createTime"]) == 19 and q["createTime"][10] == " "
    lst = ok(api.get("/queue"))
    assert list(lst) == ["maxKeys", "isTruncated", "queueList"] and lst["maxKeys"] == 50
    dq = [x for x in lst["queueList"] if x["name"] == "default-queue"][0]
    assert list(dq) == QUEUE_KEYS and "usedResources" not in dq


def test_create_show_update_delete(api):
    name = uniq()
    body = {"name": name, "namespace": "ns-1", "clusterName": "default-cluster",
            "quotaType": "elasticQuota",
            "maxResources": {"cpu": "10", "mem": "1.5Gi", "scalarResources": {"nvidia.com/gpu": "4"}},
            "minResources": {"cpu": "500m", "mem": "1000Mi"}, "location": {"k": "v", "x": "y"},
            "schedulingPolicy": ["priority"]}
    assert ok(api.post("/queue", body)) == {"name": name}
    q = ok(api.get("/queue/" + name))
    assert q["maxResources"] == {"cpu": "10", "memory": "1536Mi",
                                 "scalarResources": {"nvidia.com/gpu": "4"}}
    assert q["minResources"] == {"cpu": "500m", "memory": "1048576k"}
    assert q["location"] == {"k": "v", "x": "y"} and q["schedulingPolicy"] == ["priority"]
    assert q["usedResources"] == {"cpu": "0", "memory": "0"}
    assert q["idleResources"] == q["maxResources"]
    # merge: cpu replaced, mem kept, a scalar removed by "", location key removed by "",
    # policy "priority-" removes, "gang" adds (once)
    u = ok(api.put("/queue/" + name, {
        "maxResources": {"cpu": "1000", "scalarResources": {"nvidia.com/gpu": "", "a.b/c": "2"}},
        "location": {"k": "", "z": "1"}, "schedulingPolicy": ["priority-", "gang", "gang"]}))
    assert "usedResources" not in u
    assert u["maxResources"] == {"cpu": "1k", "memory": "1536Mi", "scalarResources": {"a.b/c": "2"}}
    assert u["minResources"] == {"cpu": "500m", "memory": "1048576k"}
    assert u["location"] == {"x": "y", "z": "1"} and u["schedulingPolicy"] == ["gang"]
    assert ok(api.get("/queue/" + name))["maxResources"] == u["maxResources"]
    # "" for cpu/memory (as scalar keys or fields) leaves them alone
    u = ok(api.put("/queue/" + name, {"maxResources": {"cpu": "", "scalarResources": {"cpu": "",
                                                                                   "memory": ""}}}))
    assert u["maxResources"]["cpu"] == "1k" and u["maxResources"]["memory"] == "1536Mi"
    r = api.delete("/queue/" + name)
    assert r.status == 200 and r.body == "", r
    err(api.get("/queue/" + name), 400, "QueueNameNotFound", "QueueName does not exist")


def test_defaults_and_case_insensitive_keys(api):
    name = uniq()
    ok(api.post("/queue", {"NAME": name, "Namespace": "default", "quotatype": None,
                           "maxresources": {"CPU": "1", "Mem": "1Gi"}, "unknown": [1]}))
    q = ok(api.get("/queue/" + name))
    assert q["clusterName"] == "default-cluster" and q["quotaType"] == "elasticQuota"
    assert q["maxResources"] == {"cpu": "1", "memory": "1Gi"}
    # volcano queues do not compare min with max
    v = new_queue(api, quotaType="volcanoCapabilityQuota", minResources={"cpu": "50"})
    assert ok(api.get("/queue/" + v))["minResources"]["cpu"] == "50"


@pytest.mark.parametrize("raw", [b"", b"{", b"[1]", b"nul", b'{"name": 1}',
                                 b'{"maxResources": "x"}', b'{"maxResources": {"cpu": 4}}',
                                 b'{"maxResources": {"scalarResources": {"g": 1}}}',
                                 b'{"location": {"a": 1}}', b'{"schedulingPolicy": "p"}',
                                 b'{"schedulingPolicy": [1]}'])
def test_create_malformed(api, raw):
    err(api.post("/queue", raw=raw), 400, "MalformedJSON")


@pytest.mark.parametrize("body,status,code,msg", [
    ({"name": ""}, 400, "QueueNameNotFound", "queueName is not found"),
    ({"clusterName": "no-such"}, 400, "ClusterNotFound", "no-such"),
    ({"namespace": ""}, 400, "NamespaceNotFound", "namespace is required"),
    ({"namespace": "Bad_NS"}, 400, "NamespaceNotFound", "namespace[Bad_NS] of queue is invalid"),
    ({"name": "Upper"}, 400, "InvalidNamePattern", "name[Upper] of queue is invalid"),
    ({"name": "a_b"}, 400, "InvalidNamePattern", "RFC 1123"),
    ({"name": "-ab"}, 400, "InvalidNamePattern", "RFC 1123"),
    ({"name": "a" * 64}, 400, "InvalidNamePattern", "must be no more than 63 characters"),
    ({"name": "default-queue"}, 403, "QueueNameDuplicated", "request name duplicated"),
    ({"name": "default"}, 403, "QueueNameDuplicated", None),
    ({"name": "DEFAULT"}, 400, "InvalidNamePattern", None),
    ({"quotaType": "other"}, 400, "QueueQuotaTypeIsNotSupported", "quota type is not supported"),
    ({"maxResources": {"cpu": "-1", "mem": "1Gi"}}, 400, "InvalidComputeResource", "negative"),
    ({"maxResources": {"cpu": "1", "mem": "-1Gi"}}, 400, "InvalidComputeResource", "negative"),
    ({"maxResources": {"cpu": "1", "scalarResources": {"gpu": "-2"}}}, 400,
     "InvalidComputeResource", "negative"),
    ({"maxResources": {"cpu": "abc"}}, 400, "InvalidComputeResource", "regular expression"),
    ({"maxResources": {"cpu": "1K"}}, 400, "InvalidComputeResource", "suffix"),
    ({"minResources": {"cpu": "-1"}}, 400, "InvalidComputeResource", "negative"),
    ({"maxResources": {"cpu": "1", "scalarResources": {"": "1"}}}, 400, "InvalidComputeResource",
     "name cannot be empty"),
    ({"minResources": {"cpu": "11"}}, 400, "InvalidComputeResource",
     "maxResources less than minResources"),
    ({"minResources": {"scalarResources": {"nvidia.com/gpu": "1"}}}, 400,
     "InvalidComputeResource", "maxResources less than minResources"),
])
def test_create_errors(api, body, status, code, msg):
    full = {"name": uniq(), "namespace": "default", "maxResources": dict(MAX)}
    full.update(body)
    err(api.post("/queue", full), status, code, msg)


def test_non_root_cannot_manage_queues(api, alice):
    name = new_queue(api)
    err(alice.post("/queue", {"name": uniq(), "namespace": "default", "maxResources": MAX}),
        403, "OnlyRootAllowed", "create request failed")
    err(alice.put("/queue/" + name, {"maxResources": {"cpu": "1"}}), 403, "OnlyRootAllowed")
    err(alice.delete("/queue/" + name), 403, "OnlyRootAllowed")
    ok(api.get("/queue/" + name))


def test_grant_based_visibility(api, alice):
    name = new_queue(api)
    other = new_queue(api)
    names = [q["name"] for q in ok(alice.get("/queue"))["queueList"]]
    assert name not in names and other not in names
    err(alice.get("/queue/" + name), 403, "ActionNotAllowed")
    err(alice.get("/queue/no-such-queue"), 403, "ActionNotAllowed")
    ok(api.post("/grant", {"userName": "alice1", "resourceType": "queue", "resourceID": name}))
    lst = ok(alice.get("/queue"))
    assert [q["name"] for q in lst["queueList"]] == [name]
    assert ok(alice.get("/queue/" + name))["name"] == name
    assert ok(alice.get("/queue", query={"name": other}))["queueList"] == []
    # deleting the queue deletes its grants; a re-created queue of that name is not granted
    r = api.delete("/queue/" + name)
    assert r.status == 200, r
    grants = ok(api.get("/grant", query={"username": "alice1"}))["grantList"]
    assert all(g["resourceID"] != name for g in grants)
    new_queue(api, name)
    err(alice.get("/queue/" + name), 403, "ActionNotAllowed")


def test_list_name_filter_and_paging(api):
    names = [new_queue(api) for _ in range(3)]
    one = ok(api.get("/queue", query={"name": names[1]}))
    assert [q["name"] for q in one["queueList"]] == [names[1]] and not one["isTruncated"]
    assert ok(api.get("/queue", query={"name": "nope"}))["queueList"] == []
    seen, marker = [], None
    while True:
        q = {"maxKeys": 2}
        if marker:
            q["marker"] = marker
        page = ok(api.get("/queue", query=q))
        assert page["maxKeys"] == 2 and len(page["queueList"]) <= 2
        seen += [x["name"] for x in page["queueList"]]
        if not page["isTruncated"]:
            assert "nextMarker" not in page
            break
        marker = page["nextMarker"]
    assert len(seen) == len(set(seen)) and set(names) <= set(seen) and "default-queue" in seen
    for bad in ("0", "1001", "abc", "-1", ""):
        err(api.get("/queue", query={"maxKeys": bad}), 400, "InvalidURI", "maxKeys")
    for bad in ("zzz", "0" * 32, marker or "x"):
        err(api.get("/queue", query={"marker": bad + "1"}), 400, "InvalidMarker")


@pytest.mark.parametrize("body,status,code,msg", [
    ({"maxResources": {"cpu": "-3"}}, 400, "InvalidComputeResource", "negative value"),
    ({"maxResources": {"mem": "x"}}, 400, "InvalidComputeResource", "regular expression"),
    ({"maxResources": {"scalarResources": {"g": "-1"}}}, 400, "InvalidComputeResource",
     "negative value"),
    ({"minResources": {"cpu": "11"}}, 400, "InvalidComputeResource",
     "minResource cannot be larger than maxResource"),
    ({"maxResources": {"scalarResources": {"": "1"}}}, 400, "InvalidComputeResource",
     "name cannot be empty"),
    ({"maxResources": {"cpu": "1"}}, 400, "InvalidComputeResource",
     "minResource cannot be larger than maxResource"),
])
def test_update_errors(api, body, status, code, msg):
    name = new_queue(api, minResources={"cpu": "2"})
    before = ok(api.get("/queue/" + name))
    err(api.put("/queue/" + name, body), status, code, msg)
    after = ok(api.get("/queue/" + name))
    assert after["maxResources"] == before["maxResources"]  # nothing changed
    assert after["minResources"] == before["minResources"]


def test_update_and_delete_unknown_and_malformed(api):
    err(api.put("/queue/no-such", {"maxResources": {"cpu": "1"}}), 404, "RecordNotFound",
        "record not found")
    err(api.delete("/queue/no-such"), 400, "QueueNameNotFound", "QueueName does not exist")
    name = new_queue(api)
    err(api.put("/queue/" + name, raw=b"{bad"), 400, "MalformedJSON")
    err(api.put("/queue/" + name, {"location": {"a": 2}}), 400, "MalformedJSON")
    err(api.put("/queue/" + name, raw=b""), 400, "MalformedJSON")


def test_queue_on_offline_or_listed_namespace_cluster(api):
    cl = uniq("cl")
    ok(api.post("/cluster", {"clusterName": cl, "endpoint": "127.0.0.1", "clusterType": "Local",
                             "namespaceList": ["team-a", "team-b"]}))
    err(api.post("/queue", {"name": uniq(), "namespace": "default", "clusterName": cl,
                            "maxResources": MAX}), 400, "NamespaceNotFound",
        "not in the specified values")
    name = new_queue(api, namespace="team-b", clusterName=cl)
    assert ok(api.get("/queue/" + name))["clusterName"] == cl
    ok(api.put("/cluster/" + cl, {"status": "offline"}))
    err(api.post("/queue", {"name": uniq(), "namespace": "team-a", "clusterName": cl,
                            "maxResources": MAX}), 400, "InvalidClusterStatus", "not in online status")
    err(api.put("/queue/" + name, {"maxResources": {"cpu": "2"}}), 400, "InvalidClusterStatus")


def run_job(api, queue, cmd="sleep 300", flavour=None):
    r = api.post("/job/single", {"schedulingPolicy": {"queue": queue}, "image": "busybox",
                                 "command": cmd,
                                 "flavour": flavour or {"cpu": "500m", "mem": "256Mi"}})
    assert r.status == 200, r
    return r.json["id"]


def job_status(api, jid):
    return ok(api.get("/job/" + jid))["status"]


def test_used_idle_and_delete_while_in_use(api):
    name = new_queue(api, maxResources={"cpu": "2", "mem": "2Gi"})
    jid = run_job(api, name)
    wait_for(lambda: job_status(api, jid) == "running", what="job running")
    q = ok(api.get("/queue/" + name))
    assert q["usedResources"] == {"cpu": "500m", "memory": "256Mi"}
    assert q["idleResources"] == {"cpu": "1500m", "memory": "1792Mi"}
    err(api.delete("/queue/" + name), 400, "QueueIsInUse",
        "queue[%s] is inuse, and jobs on queue: map[%s:running]" % (name, jid))
    cl_err = api.delete("/cluster/default-cluster")
    err(cl_err, 400, "QueueIsInUse", "cluster default-cluster has inuse queues: [")
    assert name in cl_err.json["message"]
    ok(api.get("/queue/" + name))  # still there
    ok(api.put("/job/" + jid, query={"action": "stop"}))
    wait_for(lambda: job_status(api, jid) in ("terminated", "failed", "succeeded"),
             what="job stopped")
    q = wait_for(lambda: (lambda x: x if x["usedResources"]["cpu"] == "0" else None)(
        ok(api.get("/queue/" + name))), what="usage released")
    assert q["idleResources"] == q["maxResources"]
    r = api.delete("/queue/" + name)
    assert r.status == 200 and r.body == "", r
