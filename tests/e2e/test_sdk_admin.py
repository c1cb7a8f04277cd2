"""Python SDK: users, queues and grants, flavours, clusters and filesystems against a real
server (api.md §6), success and error paths."""
import tempfile

from sdkutil import client, new_client, raises_code, uniq, user_client  # noqa: F401

MAX = {"cpu": "4", "mem": "4Gi"}


# -- users --------------------------------------------------------------------------------------

def test_user_lifecycle(server, client):
    name = uniq("u")
    assert client.add_user(name, "abc123def") == (True, None)
    ok, users = client.list_user()
    assert ok
    found = [u for u in users if u.name == name]
    assert len(found) == 1 and found[0].create_time
    assert all(u.name != "root" for u in users)
    assert client.update_password(name, "xyz789abc") == (True, None)
    new_client(server, name, "xyz789abc")
    assert client.del_user(name) == (True, None)
    assert all(u.name != name for u in client.list_user()[1])
    raises_code("UserNotExist", new_client, server, name, "xyz789abc")


def test_user_errors(client, user_client):
    name = uniq("u")
    client.add_user(name, "abc123def")
    raises_code("UserNameDuplicated", client.add_user, name, "abc123def")
    raises_code("UserPasswordWeak", client.add_user, uniq("u"), "abcdefgh")
    raises_code("InvalidNamePattern", client.add_user, "a-b", "abc123def")
    raises_code("UserNotExist", client.del_user, "ghost999")
    raises_code("AccessDenied", user_client.list_user)
    raises_code("InvalidUser", client.add_user, "", "abc123def")
    raises_code("InvalidArgument", client.list_user, 0)


# -- queues and grants --------------------------------------------------------------------------

def test_queue_lifecycle(client):
    name = uniq("q")
    ok, res = client.add_queue(name, "default", "default-cluster", MAX,
                               schedulingPolicy=["priority"], quotaType="volcanoCapabilityQuota")
    assert (ok, res) == (True, None)
    ok, q = client.show_queue(name)
    assert ok and q.name == name and q.namespace == "default"
    assert q.clusterName == "default-cluster" and q.status == "open"
    assert q.quotaType == "volcanoCapabilityQuota"
    assert q.maxResources["cpu"] == "4" and q.maxResources["memory"] == "4Gi"
    assert q.usedResources is not None and q.idleResources["cpu"] == "4"
    assert q.createTime and q.updateTime

    ok, q2 = client.update_queue(name, maxResources={"cpu": "8"})
    assert ok and q2.name == name and q2.maxResources["cpu"] == "8"
    assert q2.maxResources["memory"] == "4Gi"
    assert client.show_queue(name)[1].maxResources["cpu"] == "8"

    ok, queues, _ = client.list_queue()
    assert ok and {"default-queue", name} <= {q.name for q in queues}
    assert client.del_queue(name) == (True, None)
    raises_code("QueueNameNotFound", client.show_queue, name)


def test_queue_list_paging(client):
    names = {uniq("q") for _ in range(3)}
    for n in names:
        client.add_queue(n, "default", "default-cluster", MAX)
    seen, marker = [], None
    while True:
        ok, page, marker = client.list_queue(maxsize=2, marker=marker)
        assert ok and len(page) <= 2
        seen += [q.name for q in page]
        if marker is None:
            break
    assert len(seen) == len(set(seen)) and names <= set(seen)
    for n in names:
        client.del_queue(n)


def test_queue_errors(client, user_client):
    name = uniq("q")
    client.add_queue(name, "default", "default-cluster", MAX)
    raises_code("QueueNameDuplicated", client.add_queue, name, "default", "default-cluster", MAX)
    raises_code("InvalidNamePattern", client.add_queue, "Bad_Name", "default",
                "default-cluster", MAX)
    raises_code("ClusterNotFound", client.add_queue, uniq("q"), "default", "no-such-cluster",
                MAX)
    raises_code("OnlyRootAllowed", user_client.add_queue, uniq("q"), "default",
                "default-cluster", MAX)
    raises_code("OnlyRootAllowed", user_client.del_queue, name)
    raises_code("QueueNameNotFound", client.del_queue, uniq("q"))
    # client-side checks, nothing sent
    raises_code("InvalidQueueMaxResources", client.add_queue, uniq("q"), "default",
                "default-cluster", {"cpu": "1"})
    raises_code("InvalidNameSpace", client.add_queue, uniq("q"), "", "default-cluster", MAX)
    raises_code("InvalidQueueName", client.show_queue, "")
    client.del_queue(name)


def test_grants(client, user_client):
    name = uniq("q")
    client.add_queue(name, "default", "default-cluster", MAX)
    user = user_client.user_id
    raises_code("ActionNotAllowed", user_client.show_queue, name)
    assert name not in [q.name for q in user_client.list_queue()[1]]

    assert client.grant_queue(user, name) == (True, None)
    ok, grants = client.show_queue_grant(user)
    assert ok and [(g.username, g.resourceName) for g in grants] == [(user, name)]
    assert any(g.username == user for g in client.show_queue_grant()[1])
    assert user_client.show_queue(name)[1].name == name
    assert name in [q.name for q in user_client.list_queue()[1]]
    raises_code("GrantAlreadyExist", client.grant_queue, user, name)

    assert client.ungrant_queue(user, name) == (True, None)
    assert client.show_queue_grant(user)[1] == []
    raises_code("GrantNotFound", client.ungrant_queue, user, name)
    raises_code("QueueNameNotFound", client.grant_queue, user, uniq("q"))
    raises_code("UserNotExist", client.grant_queue, "ghost999", name)
    raises_code("GrantRootActionNotSupport", client.grant_queue, "root", name)
    client.del_queue(name)


# -- flavours -----------------------------------------------------------------------------------

def test_seeded_flavours(client):
    ok, flavours, marker = client.list_flavour()
    assert ok and marker is None
    by_name = {f.name: f for f in flavours}
    assert (by_name["flavour1"].cpu, by_name["flavour1"].mem) == ("1", "1Gi")
    assert by_name["flavour2"].scalar_resources == {"nvidia.com/gpu": "1"}
    ok, f3 = client.show_flavour("flavour3")
    assert ok and (f3.cpu, f3.mem, f3.scalar_resources) == ("4", "8Gi", {"nvidia.com/gpu": "2"})
    assert f3.createtime and f3.updatetime


def test_flavour_lifecycle(client, user_client):
    name = uniq("f")
    assert client.add_flavour(name, "2", "3Gi", scalar_resources={"nvidia.com/gpu": "1"}) == \
        (True, None)
    ok, f = client.show_flavour(name)
    assert ok and (f.cpu, f.mem, f.scalar_resources) == ("2", "3Gi", {"nvidia.com/gpu": "1"})
    assert client.update_flavour(name, cpu="3", memory="6Gi") == (True, name)
    f = client.show_flavour(name)[1]
    assert (f.cpu, f.mem) == ("3", "6Gi")
    ok, found, _ = client.list_flavour(key=name[1:])
    assert ok and [x.name for x in found] == [name]
    assert name in [x.name for x in user_client.list_flavour()[1]]
    assert client.del_flavour(name) == (True, None)
    raises_code("FlavourNotFound", client.show_flavour, name)


def test_flavour_list_paging(client):
    seen, marker = [], None
    while True:
        ok, page, marker = client.list_flavour(maxsize=1, marker=marker)
        assert ok and len(page) <= 1
        seen += [f.name for f in page]
        if marker is None:
            break
    assert len(seen) == len(set(seen)) and {"flavour1", "flavour2", "flavour3"} <= set(seen)


def test_flavour_errors(client):
    name = uniq("f")
    client.add_flavour(name, "1", "1Gi")
    raises_code("DuplicatedName", client.add_flavour, name, "1", "1Gi")
    raises_code("FlavourInvalidField", client.add_flavour, uniq("f"), "-1", "1Gi")
    raises_code("FlavourInvalidField", client.add_flavour, uniq("f"), "1", "1GB")
    raises_code("FlavourNotFound", client.del_flavour, uniq("f"))
    raises_code("InvalidFlavourName", client.add_flavour, uniq("f"), "", "1Gi")
    client.del_flavour(name)


# -- clusters -----------------------------------------------------------------------------------

def test_default_cluster(client):
    ok, clusters, _ = client.list_cluster()
    assert ok and "default-cluster" in [c.clustername for c in clusters]
    ok, c = client.show_cluster("default-cluster")
    assert ok and c.clustername == "default-cluster" and c.status == "online"
    assert c.clusterid and c.endpoint and c.clustertype and c.createtime


def test_cluster_lifecycle(client):
    name = uniq("c")
    ok, cid = client.create_cluster(name, "127.0.0.1", "Local", description="test cluster",
                                    namespacelist=["default", "team-a"])
    assert ok and cid
    ok, c = client.show_cluster(name)
    assert ok and c.clusterid == cid and c.description == "test cluster"
    assert c.clustertype == "Local" and c.status == "online"
    assert sorted(c.namespacelist) == ["default", "team-a"]
    ok, cid2 = client.update_cluster(name, description="changed")
    assert ok and cid2 == cid
    assert client.show_cluster(name)[1].description == "changed"
    ok, only, _ = client.list_cluster(clustername=name)
    assert ok and [x.clustername for x in only] == [name]
    assert client.delete_cluster(name) == (True, None)
    assert name not in [x.clustername for x in client.list_cluster()[1]]


def test_cluster_errors(client, user_client):
    raises_code("OnlyRootAllowed", user_client.create_cluster, uniq("c"), "127.0.0.1", "Local")
    raises_code("OnlyRootAllowed", user_client.list_cluster)
    raises_code("InvalidNamePattern", client.create_cluster, "bad name!", "127.0.0.1", "Local")
    raises_code("ClusterNotFound", client.delete_cluster, uniq("c"))
    raises_code("InvalidClusterName", client.show_cluster, "")


# -- filesystems --------------------------------------------------------------------------------

def test_fs_lifecycle(client):
    name = uniq("fs")
    with tempfile.TemporaryDirectory(prefix="pf-sdk-fs-") as d:
        assert client.add_fs(name, "local://" + d) == (True, None)
        ok, fs = client.show_fs(name)
        assert ok and fs.name == name and fs.owner == "root" and fs.fstype == "local"
        ok, all_fs = client.list_fs()
        assert ok and name in [f.name for f in all_fs]
        raises_code("FileSystemNameFormatError", client.add_fs, "bad name", "local://" + d)
        assert client.delete_fs(name) == (True, None)
        assert name not in [f.name for f in client.list_fs()[1]]
        # upstream's fs controller answers RecordNotFound "username[..] has not created fsName[..]"
        e = raises_code("RecordNotFound", client.show_fs, name)
        assert e.status == 404 and name in e.message
    raises_code("InvalidFSName", client.add_fs, "", "local:///tmp")
    raises_code("InvalidURL", client.add_fs, "x", "")
