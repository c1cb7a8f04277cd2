"""`paddleflow queue|flavour|user|fs|cluster …` against a real server, with upstream's
outputs (api.md §9.5): success lines, grid tables, -o json, and errors for non-root users.
Tests run in file order on one server per module, so later tests see earlier objects."""
import json
import re
import shutil
import tempfile

import pytest

from test_cli_basics import TIME_RE, Cli, grid, mask


@pytest.fixture
def cli(server, tmp_path):
    return Cli(server.port, tmp_path)


T = "YYYY-MM-DD hh:mm:ss"


# ---- flavours --------------------------------------------------------------------------

FLAVOUR_HEADERS = ["name", "cpu", "mem", "scalarResources", "clusterName"]


def test_flavour_list_shows_the_seeds(cli):
    out = cli.ok("flavour", "list")
    assert out == grid(FLAVOUR_HEADERS, [
        ["flavour1", "1", "1Gi", "", ""],
        ["flavour2", "4", "8Gi", '{"nvidia.com/gpu": "1"}', ""],
        ["flavour3", "4", "8Gi", '{"nvidia.com/gpu": "2"}', ""]]) + "marker: None\n"
    page = cli.ok("flavour", "list", "-m", "2")
    assert re.search(r"marker: (?!None)\S+\n\Z", page), page
    doc = json.loads(cli.ok("-o", "json", "flavour", "list"))
    assert [f["name"] for f in doc["flavourList"]] == ["flavour1", "flavour2", "flavour3"]


def test_flavour_create_show_update_delete(cli):
    assert cli.ok("flavour", "create", "cli-f1", "-c", "2", "-m", "2Gi",
                  "-s", "nvidia.com/gpu=1") == "flavour[cli-f1] create success\n"
    assert cli.ok("flavour", "show", "cli-f1") == grid(FLAVOUR_HEADERS, [
        ["cli-f1", "2", "2Gi", '{"nvidia.com/gpu": "1"}', ""]])
    assert cli.ok("flavour", "update", "cli-f1", "--cpu", "3") == "update [cli-f1] success\n"
    assert json.loads(cli.ok("-o", "json", "flavour", "show", "cli-f1"))["cpu"] == "3"
    r = cli("flavour", "create", "cli-f2", "-c", "2")
    assert r.rc == 2 and "Missing option '-m' / '--mem'." in r.err, r
    r = cli("flavour", "create", "cli-f1", "-c", "1", "-m", "1Gi")
    assert r.rc == 1 and "code:DuplicatedName" in r.err, r
    r = cli("flavour", "create", "cli-f3", "-c", "abc", "-m", "1Gi")
    assert r.rc == 1 and "code:FlavourInvalidField" in r.err, r
    assert cli.ok("flavour", "delete", "cli-f1") == "flavour[cli-f1] delete success\n"
    r = cli("flavour", "show", "cli-f1")
    assert r.rc == 1 and "code:FlavourNotFound" in r.err, r


# ---- users -----------------------------------------------------------------------------

def test_user_add_list_set_delete(cli):
    assert cli.ok("user", "add", "cliuser1", "passw0rd") == "user[cliuser1] add success\n"
    out = cli.ok("user", "list")
    lines = out.splitlines()
    assert lines[1].startswith("| name ") and "| create time " in lines[1], out
    assert any(l.startswith("| cliuser1 ") for l in lines) and "| root " not in out, out
    assert cli.ok("user", "set", "cliuser1", "newpassw0rd") == "user[cliuser1] update success\n"
    assert cli.as_user("cliuser1", "newpassw0rd").ok("flavour", "show", "flavour1")
    r = cli.as_user("cliuser1", "passw0rd")("flavour", "list")
    assert r.rc == 1 and "code:AuthFailed" in r.err, r
    r = cli.as_user("cliuser1", "newpassw0rd")("user", "list")
    assert r.rc == 1 and "code:AccessDenied" in r.err, r
    r = cli("user", "add", "x", "passw0rd")
    assert r.rc == 1 and "code:InvalidNamePattern" in r.err, r
    r = cli("user", "add", "cliuser2", "weak")
    assert r.rc == 1 and "code:UserPasswordWeak" in r.err, r
    assert cli.ok("user", "delete", "cliuser1") == "user[cliuser1] delete success\n"
    assert "cliuser1" not in cli.ok("user", "list")


# ---- queues and grants -----------------------------------------------------------------

QUEUE_LIST = ["name", "namespace", "status", "cluster name", "create time", "update time"]
QUEUE_SHOW = ["name", "namespace", "status", "quota type", "cluster name", "create time",
              "update time"]


def test_queue_create_list_show_update(cli):
    out = cli.ok("queue", "create", "cli-q1", "default", "4", "8Gi",
                 "--maxscalar", "nvidia.com/gpu=2", "--mincpu", "1", "--minmem", "1Gi",
                 "--policy", "priority")
    assert out == "queue[cli-q1] create success\n"
    assert mask(cli.ok("queue", "list")) == grid(QUEUE_LIST, [
        ["default-queue", "default", "open", "default-cluster", T, T],
        ["cli-q1", "default", "open", "default-cluster", T, T]]) + "marker: None\n"
    show = cli.ok("queue", "show", "cli-q1")
    table, _, info = show.partition("queue info:\n")
    assert mask(table) == grid(QUEUE_SHOW, [
        ["cli-q1", "default", "open", "elasticQuota", "default-cluster", T, T]])
    info = json.loads(info)
    assert info["max resources"] == {"cpu": "4", "memory": "8Gi",
                                     "scalarResources": {"nvidia.com/gpu": "2"}}
    assert info["min resources"] == {"cpu": "1", "memory": "1Gi"}
    assert info["scheduling policy"] == ["priority"]
    assert list(info)[0] == "max resources"
    assert cli.ok("queue", "update", "cli-q1", "--maxcpu", "8") == \
        "queue[cli-q1] update success\n"
    doc = json.loads(cli.ok("-o", "json", "queue", "show", "cli-q1"))
    assert doc["maxResources"]["cpu"] == "8" and "usedResources" in doc
    r = cli("queue", "create", "cli-q1", "default", "1", "1Gi")
    assert r.rc == 1 and "code:QueueNameDuplicated" in r.err, r
    r = cli("queue", "show", "no-such-queue")
    assert r.rc == 1 and "code:QueueNameNotFound" in r.err, r


def test_queue_grants(cli):
    assert cli.ok("user", "add", "cligrant", "passw0rd") == "user[cligrant] add success\n"
    user = cli.as_user("cligrant", "passw0rd")
    assert user.ok("queue", "list") == "no queue found\n"
    r = user("queue", "show", "cli-q1")
    assert r.rc == 1 and "code:ActionNotAllowed" in r.err, r
    assert cli.ok("queue", "grant", "cligrant", "cli-q1") == \
        "queue[cli-q1] add username[cligrant] success\n"
    assert cli.ok("queue", "grantlist") == grid(["user name", "queue name"],
                                                [["cligrant", "cli-q1"]])
    assert cli.ok("queue", "grantlist", "-u", "cligrant") == grid(
        ["user name", "queue name"], [["cligrant", "cli-q1"]])
    assert [l.split("|")[1].strip() for l in user.ok("queue", "list").splitlines()
            if l.startswith("| cli")] == ["cli-q1"]
    r = cli("queue", "grant", "cligrant", "cli-q1")
    assert r.rc == 1 and "code:GrantAlreadyExist" in r.err, r
    r = user("queue", "grant", "cligrant", "default-queue")
    assert r.rc == 1 and ("code:OnlyRootAllowed" in r.err or "AuthIllegalUser" in r.err), r
    assert cli.ok("queue", "ungrant", "cligrant", "cli-q1") == \
        "queue[cli-q1] delete username[cligrant] success\n"
    assert cli.ok("queue", "grantlist") == grid(["user name", "queue name"], [])


def test_queue_delete(cli):
    assert cli.ok("queue", "delete", "cli-q1") == "queue[cli-q1] delete success\n"
    r = cli("queue", "delete", "cli-q1")
    assert r.rc == 1 and "code:QueueNameNotFound" in r.err, r


# ---- filesystems -----------------------------------------------------------------------

FS_HEADERS = ["name", "owner", "type", "url", "host path", "create time"]


def test_fs_create_list_show_delete(cli, tmp_path):
    d = tempfile.mkdtemp(prefix="pfcli")  # short, so the url cell is not wrapped
    out = cli.ok("fs", "create", "clifs", "local://%s" % d)
    assert out == "fs[clifs] create success, id[fs-root-clifs]\n"
    row = ["clifs", "root", "local", "local://%s" % d, str(d), T]
    listed = mask(cli.ok("fs", "list"))
    assert listed == grid(FS_HEADERS, [row]) + "marker: None\n", listed
    assert mask(cli.ok("fs", "show", "clifs")) == grid(FS_HEADERS, [row])
    assert json.loads(cli.ok("-o", "json", "fs", "show", "clifs"))["id"] == "fs-root-clifs"
    r = cli("fs", "create", "bad name!", "local://%s" % d)
    assert r.rc == 1 and "[PaddleFlowSDKException] code:" in r.err, r
    assert cli.ok("fs", "delete", "clifs") == "fs[clifs] delete success\n"
    r = cli("fs", "show", "clifs")
    assert r.rc == 1 and "[PaddleFlowSDKException] code:" in r.err, r
    shutil.rmtree(d)


# ---- clusters --------------------------------------------------------------------------

CLUSTER_HEADERS = ["cluster id", "cluster name", "description", "cluster type", "version",
                   "status", "update time"]


def test_cluster_list_show_create_update_delete(cli):
    out = cli.ok("cluster", "list")
    assert out.splitlines()[1].startswith("| cluster id ") and "| default-cluster " in out
    assert out.endswith("marker: None\n")
    show = cli.ok("cluster", "show", "default-cluster")
    assert "| default-cluster " in show and "cluster info:\n" in show
    out = cli.ok("cluster", "create", "cli-c1", "127.0.0.1", "Local",
                 "--description", "from the cli", "--namespaces", "default,ns2")
    m = re.fullmatch(r"cluster\[cli-c1\] create success, id\[(cluster-[0-9a-f]{8})\]\n", out)
    assert m, out
    doc = json.loads(cli.ok("-o", "json", "cluster", "show", "cli-c1"))
    assert doc["id"] == m.group(1) and doc["description"] == "from the cli"
    assert doc["namespaceList"] == ["default", "ns2"] and doc["clusterType"] == "Local"
    assert cli.ok("cluster", "update", "cli-c1", "--description", "changed") == \
        "cluster[cli-c1] update success\n"
    assert json.loads(cli.ok("-o", "json", "cluster", "show", "cli-c1"))["description"] == \
        "changed"
    assert cli.ok("cluster", "delete", "cli-c1") == "cluster[cli-c1] delete success\n"
    r = cli("cluster", "create", "bad name!", "127.0.0.1", "Local")
    assert r.rc == 1 and "code:InvalidNamePattern" in r.err, r
    assert TIME_RE.search(show)
