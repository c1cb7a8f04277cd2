"""End-to-end tests of the flavour API (api.md §6.2 with section 0) against a real server:
the seeded flavour1..3, create/list/show/update/delete, filters, paging and every error path."""
import itertools

import pytest

_n = itertools.count()


def uniq(prefix="fl"):
    return "%s-%d" % (prefix, next(_n))


def err(r, status, code, msg=None):
    assert r.status == status and r.code == code, r
    assert list(r.json) == ["requestID", "code", "message"], r
    if msg is not None:
        assert msg in r.json["message"], r


def ok(r):
    assert r.status == 200, r
    return r.json


@pytest.fixture(scope="module")
def bob(server):
    root = server.api()
    ok(root.post("/user", {"username": "bobuser", "password": "bob1234"}))
    b = root.as_user("bobuser", "bob1234")
    yield b
    b.close()
    root.close()


KEYS = ["id", "name", "cpu", "mem", "scalarResources", "createTime", "updateTime"]


def test_seeded_flavours(api):
    want = {"flavour1": ("1", "1Gi", {}), "flavour2": ("4", "8Gi", {"nvidia.com/gpu": "1"}),
            "flavour3": ("4", "8Gi", {"nvidia.com/gpu": "2"})}
    for name, (cpu, mem, scalars) in want.items():
        f = ok(api.get("/flavour/" + name))
        assert list(f) == KEYS
        assert (f["name"], f["cpu"], f["mem"], f["scalarResources"]) == (name, cpu, mem, scalars)
        assert len(f["id"]) == 36 and f["id"].count("-") == 4  # seeded rows: a plain UUID
        assert len(f["createTime"]) == 19
    lst = ok(api.get("/flavour"))
    assert list(lst) == ["maxKeys", "isTruncated", "flavourList"]
    assert {"flavour1", "flavour2", "flavour3"} <= {f["name"] for f in lst["flavourList"]}


def test_lifecycle_any_user_creates_root_modifies(api, bob):
    name = uniq()
    # strings are kept exactly as given (never canonicalised)
    assert ok(bob.post("/flavour", {"name": name, "cpu": "1.5", "mem": "1536Mi",
                                    "scalarResources": {"a.com/x": "0"}})) == {"name": name}
    f = ok(bob.get("/flavour/" + name))
    assert f["id"].startswith("flavour-") and len(f["id"]) == 16
    assert (f["cpu"], f["mem"], f["scalarResources"]) == ("1.5", "1536Mi", {"a.com/x": "0"})
    err(bob.put("/flavour/" + name, {"cpu": "2"}), 403, "ActionNotAllowed",
        "user[bobuser] has no access to resource[flavour] with ID[%s]" % name)
    err(bob.delete("/flavour/" + name), 403, "ActionNotAllowed")
    u = ok(api.put("/flavour/" + name, {"cpu": "2", "scalarResources": {"b.com/y": "3"}}))
    assert list(u) == KEYS and u["name"] == name
    assert (u["cpu"], u["mem"]) == ("2", "1536Mi")
    assert u["scalarResources"] == {"a.com/x": "0", "b.com/y": "3"}  # added, never removed
    u = ok(api.put("/flavour/" + name, {"mem": "2Gi", "scalarResources": {"b.com/y": "4"}}))
    assert (u["cpu"], u["mem"], u["scalarResources"]["b.com/y"]) == ("2", "2Gi", "4")
    r = api.delete("/flavour/" + name)
    assert r.status == 200 and r.body == "", r
    err(api.get("/flavour/" + name), 404, "FlavourNotFound", "record not found")


@pytest.mark.parametrize("body,status,code,msg", [
    ({"name": ""}, 404, "FlavourNotFound", "name"),
    ({"name": None}, 404, "FlavourNotFound", "name"),
    ({"name": "x" * 61}, 400, "FlavourInvalidField", "at most 60"),
    ({"cpu": "abc"}, 400, "FlavourInvalidField", "validate cpu failed,err: quantities must match"),
    ({"cpu": ""}, 400, "FlavourInvalidField", "validate cpu failed"),
    ({"cpu": "0"}, 400, "FlavourInvalidField", "cpu cannot be negative or zero"),
    ({"cpu": "-1"}, 400, "FlavourInvalidField", "cpu cannot be negative"),
    ({"mem": None}, 400, "FlavourInvalidField", "validate mem failed"),
    ({"mem": "0Gi"}, 400, "FlavourInvalidField", "mem cannot be negative or zero"),
    ({"mem": "1GB"}, 400, "FlavourInvalidField", "validate mem failed"),
    ({"mem": "1K"}, 400, "FlavourInvalidField", "suffix"),
    ({"scalarResources": {"nvidia.com/gpu": "-1"}}, 400, "FlavourInvalidField",
     "nvidia.com/gpu resource cannot be negative"),
    ({"scalarResources": {"nvidia.com/gpu": "x"}}, 400, "FlavourInvalidField", "regular"),
    ({"scalarResources": {"": "1"}}, 400, "FlavourInvalidField", "name cannot be empty"),
    ({"clusterName": "no-such"}, 400, "ClusterNameNotFound", "no-such"),
    ({"name": "flavour1"}, 400, "DuplicatedName", "Duplicated name is not allowed"),
])
def test_create_errors(api, body, status, code, msg):
    full = {"name": uniq(), "cpu": "1", "mem": "1Gi"}
    full.update(body)
    err(api.post("/flavour", full), status, code, msg)


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"name": 3}', b'{"cpu": 4}',
                                 b'{"mem": true}', b'{"scalarResources": {"g": 1}}',
                                 b'{"scalarResources": ["g"]}', b'{"clusterName": {}}'])
def test_create_malformed(api, raw):
    err(api.post("/flavour", raw=raw), 400, "MalformedJSON")


def test_case_insensitive_keys(api):
    name = uniq()
    ok(api.post("/flavour", {"NAME": name, "Cpu": "2", "MEM": "2Gi", "extra": 1,
                             "scalarresources": None}))
    f = ok(api.get("/flavour/" + name))
    assert (f["cpu"], f["mem"], f["scalarResources"]) == ("2", "2Gi", {})


@pytest.mark.parametrize("body,status,code,msg", [
    ({"cpu": "x"}, 400, "FlavourInvalidField", "validate cpu failed"),
    ({"cpu": "-2"}, 400, "FlavourInvalidField", "cpu cannot be negative"),
    ({"mem": "0"}, 400, "FlavourInvalidField", "mem cannot be negative or zero"),
    ({"scalarResources": {"g": "-1"}}, 400, "FlavourInvalidField", "g resource cannot be negative"),
    ({"clusterName": "default-cluster"}, 400, "FlavourInvalidField",
     "not support operate to update flavour"),
])
def test_update_errors(api, body, status, code, msg):
    name = uniq()
    ok(api.post("/flavour", {"name": name, "cpu": "1", "mem": "1Gi"}))
    err(api.put("/flavour/" + name, body), status, code, msg)
    f = ok(api.get("/flavour/" + name))
    assert (f["cpu"], f["mem"], f["scalarResources"]) == ("1", "1Gi", {})


def test_unknown_and_malformed_update_delete(api):
    err(api.put("/flavour/no-such", {"cpu": "1"}), 404, "FlavourNotFound", "record not found")
    err(api.delete("/flavour/no-such"), 404, "FlavourNotFound",
        "delete flavour no-such occur a error:record not found")
    err(api.put("/flavour/flavour1", raw=b"{x"), 400, "MalformedJSON")
    err(api.put("/flavour/flavour1", {"cpu": 1}), 400, "MalformedJSON")
    assert ok(api.get("/flavour/flavour1"))["cpu"] == "1"


def test_filters_and_cluster_binding(api):
    cl = uniq("cl")
    ok(api.post("/cluster", {"clusterName": cl, "endpoint": "127.0.0.1", "clusterType": "Local"}))
    bound = uniq("bound")
    ok(api.post("/flavour", {"name": bound, "cpu": "1", "mem": "1Gi", "clusterName": cl}))
    assert ok(api.get("/flavour/" + bound))["clusterName"] == cl
    # no clusterName: only unbound flavours; with it: bound to it or unbound
    assert bound not in [f["name"] for f in ok(api.get("/flavour"))["flavourList"]]
    names = [f["name"] for f in ok(api.get("/flavour", query={"clusterName": cl}))["flavourList"]]
    assert bound in names and "flavour1" in names
    err(api.get("/flavour", query={"clusterName": "no-such"}), 400, "ClusterNameNotFound")
    # updating with the same cluster is fine
    ok(api.put("/flavour/" + bound, {"clusterName": cl, "cpu": "3"}))
    # name filter is a substring match; % and _ are literal
    got = [f["name"] for f in ok(api.get("/flavour", query={"name": "avour"}))["flavourList"]]
    assert {"flavour1", "flavour2", "flavour3"} <= set(got)
    assert ok(api.get("/flavour", query={"name": "%"}))["flavourList"] == []
    assert ok(api.get("/flavour", query={"name": "flavour2"}))["flavourList"][0]["name"] == "flavour2"


def test_paging(api):
    for _ in range(3):
        ok(api.post("/flavour", {"name": uniq("pg"), "cpu": "1", "mem": "1Gi"}))
    seen, marker = [], None
    while True:
        q = {"maxKeys": 2, "name": "pg-"}
        if marker:
            q["marker"] = marker
        page = ok(api.get("/flavour", query=q))
        seen += [f["name"] for f in page["flavourList"]]
        if not page["isTruncated"]:
            assert "nextMarker" not in page
            break
        marker = page["nextMarker"]
    assert len(seen) == 3 == len(set(seen))
    err(api.get("/flavour", query={"maxKeys": "0"}), 400, "InvalidURI")
    err(api.get("/flavour", query={"marker": "garbage"}), 400, "InvalidMarker")
