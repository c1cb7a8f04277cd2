"""End-to-end tests of the filesystem API (api.md §6.6, local:// only on this server) against a
real server: create/list/show/delete, ownership, root acting for others, paging and every
name and URL error (missing, relative, '..', a file, other schemes)."""
import itertools
import os
import tempfile

import pytest

_n = itertools.count()

KEYS = ["id", "name", "type", "url", "hostPath", "userName", "username", "serverAddress",
        "subPath", "properties", "createTime"]


def uniq(prefix="fs"):
    return "%s%d" % (prefix, next(_n))


def err(r, status, code, msg=None):
    assert r.status == status and r.code == code, r
    assert list(r.json) == ["requestID", "code", "message"], r
    if msg is not None:
        assert msg in r.json["message"], r


def ok(r, status=200):
    assert r.status == status, r
    return r.json


@pytest.fixture(scope="module")
def tmp():
    d = tempfile.TemporaryDirectory(prefix="pf-fs-e2e-")
    os.mkdir(os.path.join(d.name, "data"))
    open(os.path.join(d.name, "file.txt"), "w").close()
    yield d.name
    d.cleanup()


@pytest.fixture(scope="module")
def dave(server):
    root = server.api()
    ok(root.post("/user", {"username": "dave1", "password": "dave1234"}))
    ok(root.post("/user", {"username": "erin1", "password": "erin1234"}))
    u = root.as_user("dave1", "dave1234")
    yield u
    u.close()
    root.close()


def test_lifecycle(api, tmp):
    name = uniq()
    url = "local://%s//data/./" % tmp
    r = api.post("/fs", {"name": name, "url": url, "properties": {"k": "v"}})
    assert r.status == 201 and r.json == {"fsName": name, "fsID": "fs-root-" + name}, r
    f = ok(api.get("/fs/" + name))
    assert list(f) == KEYS
    assert (f["id"], f["name"], f["type"], f["url"]) == ("fs-root-" + name, name, "local", url)
    assert f["hostPath"] == f["subPath"] == os.path.join(tmp, "data")  # normalised
    assert (f["userName"], f["username"], f["serverAddress"]) == ("root", "root", "")
    assert f["properties"] == {"k": "v"} and len(f["createTime"]) == 19
    lst = ok(api.get("/fs"))
    assert list(lst) == ["maxKeys", "isTruncated", "fsList"]
    assert name in [x["name"] for x in lst["fsList"]]
    assert [x["name"] for x in ok(api.get("/fs", query={"fsName": name}))["fsList"]] == [name]
    r = api.delete("/fs/" + name)
    assert r.status == 200 and r.body == "", r
    err(api.get("/fs/" + name), 404, "RecordNotFound", "fsName[%s]" % name)
    err(api.delete("/fs/" + name), 404, "RecordNotFound", "fs[fs-root-%s]" % name)


@pytest.mark.parametrize("name,msg", [
    ("", "fsName[]"), ("bad name", "letters"), ("a/b", "letters"), ("x" * 64, "63"),
    ("é", "letters"), ("x" * 56, "add up to at most 59"),  # "root" + 56 > 59
])
def test_name_errors(api, tmp, name, msg):
    err(api.post("/fs", {"name": name, "url": "local://" + tmp}), 400,
        "FileSystemNameFormatError", msg)


def test_name_length_limit_is_inclusive(api, tmp):
    name = "y" * 55  # len("root") + 55 == 59
    assert ok(api.post("/fs", {"name": name, "url": "local://" + tmp}), 201)["fsID"] == \
        "fs-root-" + name


@pytest.mark.parametrize("url,msg", [
    ("", "is not a correct file-system url"),
    ("/abs/dir", "is not a correct file-system url"),
    ("ftp://host/x", "can not support [ftp] file system"),
    ("s3://bucket/x", "only local:// is"),
    ("hdfs://h:9000/x", "only local:// is"),
    ("local:/x", "not a correct local url"),
    ("local://", "can not be empty or use root path"),
    ("local:///", "can not be empty or use root path"),
    ("local:///./", "can not be empty or use root path"),
    ("local://relative/dir", "must be absolute"),
    ("local:///no/such/dir/anywhere", "does not exist"),
])
def test_url_errors(api, url, msg):
    err(api.post("/fs", {"name": uniq(), "url": url}), 400, "InvalidFileSystemURL", msg)


def test_url_errors_on_disk(api, tmp):
    err(api.post("/fs", {"name": uniq(), "url": "local://%s/file.txt" % tmp}), 400,
        "InvalidFileSystemURL", "is not a directory")
    err(api.post("/fs", {"name": uniq(), "url": "local://%s/data/../data" % tmp}), 400,
        "InvalidFileSystemURL", "'..'")
    err(api.post("/fs", {"name": uniq(), "url": "local://%s/missing" % tmp}), 400,
        "InvalidFileSystemURL", "%s/missing] does not exist" % tmp)


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"name": 1}', b'{"url": []}',
                                 b'{"properties": {"a": 1}}', b'{"properties": "x"}'])
def test_malformed(api, raw):
    err(api.post("/fs", raw=raw), 400, "MalformedJSON")


def test_duplicate(api, tmp):
    name = uniq()
    ok(api.post("/fs", {"name": name, "url": "local://" + tmp}), 201)
    err(api.post("/fs", {"name": name, "url": "local://" + tmp + "/data"}), 400, "DuplicatedName",
        "fs-root-%s" % name)


def test_ownership_and_root_acting_for_others(api, dave, tmp):
    name = uniq()
    # the same name for two users: two filesystems
    assert ok(dave.post("/fs", {"name": name, "url": "local://" + tmp}), 201)["fsID"] == \
        "fs-dave1-" + name
    ok(api.post("/fs", {"name": name, "url": "local://" + tmp + "/data"}), 201)
    assert ok(dave.get("/fs/" + name))["userName"] == "dave1"
    assert ok(api.get("/fs/" + name))["hostPath"] == tmp + "/data"
    assert ok(api.get("/fs/" + name, query={"username": "dave1"}))["hostPath"] == tmp
    mine = ok(dave.get("/fs"))["fsList"]
    assert mine and all(f["userName"] == "dave1" for f in mine)
    every = ok(api.get("/fs"))["fsList"]
    assert {"root", "dave1"} <= {f["userName"] for f in every}
    assert {f["userName"] for f in ok(api.get("/fs", query={"username": "dave1"}))["fsList"]} == {"dave1"}
    # non-root naming another owner in the body: refused
    err(dave.post("/fs", {"name": uniq(), "url": "local://" + tmp, "username": "erin1"}), 400,
        "AuthIllegalUser")
    # root creates for another (existing) user; unknown users are refused
    other = uniq()
    assert ok(api.post("/fs", {"name": other, "url": "local://" + tmp, "username": "erin1"}),
              201)["fsID"] == "fs-erin1-" + other
    err(api.post("/fs", {"name": uniq(), "url": "local://" + tmp, "username": "nobody9"}), 400,
        "UserNotExist")
    err(dave.get("/fs/" + other), 404, "RecordNotFound")
    err(dave.delete("/fs/" + other), 404, "RecordNotFound")
    ok(api.delete("/fs/" + other, query={"username": "erin1"}))
    ok(dave.delete("/fs/" + name))
    assert ok(api.get("/fs/" + name))["userName"] == "root"  # root's one untouched


def test_paging(api, tmp):
    for _ in range(3):
        ok(api.post("/fs", {"name": uniq("pg"), "url": "local://" + tmp}), 201)
    seen, marker = [], None
    while True:
        q = {"maxKeys": 2}
        if marker:
            q["marker"] = marker
        page = ok(api.get("/fs", query=q))
        assert page["maxKeys"] == 2
        seen += [f["id"] for f in page["fsList"]]
        if not page["isTruncated"]:
            assert "nextMarker" not in page
            break
        marker = page["nextMarker"]
    assert len(seen) == len(set(seen)) and len([s for s in seen if "-pg" in s]) == 3
    err(api.get("/fs", query={"maxKeys": "x"}), 400, "InvalidURI")
    err(api.get("/fs", query={"marker": "nope"}), 400, "InvalidMarker")
    assert ok(api.get("/fs", query={"fsName": "no-such"}))["fsList"] == []
