"""paddleflow CLI basics that need no server beyond a port: help on every command, usage
errors (exit 2), the config file and its environment overrides, a server that is down,
shell completion and docs/cli.md being the generated reference. Also holds the helpers the
other test_cli_* modules import (run the real binary with a throwaway HOME and ini)."""
import os
import re
import shutil
import subprocess

import pytest

from pfserver import BIN_DIR, free_port

PF = os.path.join(BIN_DIR, "paddleflow")
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
JOB_ID_RE = re.compile(r"job-[0-9a-f]{16}")
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class Result:
    def __init__(self, p):
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr

    def __repr__(self):
        return "<rc=%s out=%r err=%r>" % (self.rc, self.out[-2000:], self.err[-2000:])


def clean_env(home, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADDLEFLOW_")}
    env["HOME"] = str(home)
    env.update(extra or {})
    return env


def write_ini(path, port, user="root", password="paddleflow", host="127.0.0.1"):
    with open(path, "w") as f:
        f.write("[user]\nname = %s\npassword = %s\n[server]\n# paddleflow server 地址\n"
                "paddleflow_server_host = %s\npaddleflow_server_port = %s\n"
                % (user, password, host, port))
    return str(path)


class Cli:
    """Runs the real binary with --pf_config pointing at an ini for the given server."""

    def __init__(self, port, tmp_path, user="root", password="paddleflow", name="pf.ini"):
        self.home = tmp_path
        self.ini = write_ini(tmp_path / name, port, user, password)

    def __call__(self, *args, env=None, timeout=60, input=None):
        p = subprocess.run([PF, "--pf_config", self.ini] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout, input=input,
                           env=clean_env(self.home, env))
        return Result(p)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.rc == 0 and r.err == "", r
        return r.out

    def as_user(self, user, password):
        return Cli(int(open(self.ini).read().split("paddleflow_server_port = ")[1].split()[0]),
                   self.home, user, password, name="pf-%s.ini" % user)


def run(*args, home, env=None, timeout=30):
    p = subprocess.run([PF] + list(args), capture_output=True, text=True, timeout=timeout,
                       env=clean_env(home, env))
    return Result(p)


def mask(text):
    """Job ids and timestamps vary; both masks keep the width, so grids stay aligned."""
    return TIME_RE.sub("YYYY-MM-DD hh:mm:ss", JOB_ID_RE.sub("job-################", text))


def grid(headers, rows):
    """The expected tabulate "grid" rendering (ASCII cells), to write goldens compactly."""
    widths = [max([len(h) + 2] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def rule(ch):
        return "+" + "+".join(ch * (w + 2) for w in widths) + "+\n"

    def line(cells):
        return "|" + "|".join(" " + c.ljust(w) + " " for c, w in zip(cells, widths)) + "|\n"

    out = rule("-") + line(headers) + rule("=")
    for r in rows:
        out += line(r) + rule("-")
    if not rows:
        out += rule("-")
    return out


# ---------------------------------------------------------------------------------------


def usage_error(r, text):
    assert r.rc == 2, r
    assert r.out == "", r
    assert "Usage: paddleflow" in r.err and "Error: " + text in r.err, r


def test_root_help_and_version(tmp_path):
    r = run("--help", home=tmp_path)
    assert r.rc == 0 and r.out.startswith("Usage: paddleflow [OPTIONS] COMMAND [ARGS]...")
    for word in ("--pf_config", "-o, --output", "job", "queue", "flavour", "user", "fs",
                 "cluster", "log", "version", "completion"):
        assert word in r.out, word
    r = run("--version", home=tmp_path)
    assert r.rc == 0 and re.match(r"^paddleflow, version \d+\.\d+\.\d+\n$", r.out), r
    assert run(home=tmp_path).rc == 0


def test_job_group_help_matches_seed(tmp_path):
    r = run("job", "--help", home=tmp_path)
    assert r.rc == 0
    assert r.out == (
        "Usage: paddleflow job [OPTIONS] COMMAND [ARGS]...\n\n"
        "  manage job resources\n\n"
        "Options:\n"
        "  --help  Show this message and exit.\n\n"
        "Commands:\n"
        "  create  create job.\n"
        "  delete  delete job.\n"
        "  list    list job.\n"
        "  show    show job JOBID: the id of the specificed job.\n"
        "  stop    stop the job.\n"
        "  update  update job, including priority, labels, or annotations.\n")


def commands_from_docs(tmp_path):
    docs = run("docs", home=tmp_path).out
    return [line[len("### `paddleflow "):-1].split() for line in docs.splitlines()
            if line.startswith("### `paddleflow ")]


def test_every_command_has_help(tmp_path):
    cmds = commands_from_docs(tmp_path)
    assert len(cmds) >= 30, cmds
    for words in cmds:
        path = [w for w in words if not w.isupper()]
        r = run(*path, "--help", home=tmp_path)
        assert r.rc == 0 and r.out.startswith("Usage: paddleflow " + " ".join(path)), (path, r)
        assert "--help  " in r.out or "--help " in r.out


def test_seed_options_exist_with_short_and_long_names(tmp_path):
    out = run("job", "list", "--help", home=tmp_path).out
    for opt in ("-s, --status", "-t, --timestamp", "-st, --starttime", "-q, --queue",
                "-l, --labels", "-m, --maxkeys", "-mk, --marker", "-fl, --fieldlist"):
        assert opt in out, opt
    assert "-fl, --fieldlist" in run("job", "show", "--help", home=tmp_path).out
    out = run("job", "update", "--help", home=tmp_path).out
    for opt in ("-p, --priority", "-l, --labels", "-a, --annotations"):
        assert opt in out, opt


def test_usage_errors_exit_2(tmp_path):
    usage_error(run("nosuch", home=tmp_path), "No such command 'nosuch'.")
    usage_error(run("job", "nosuch", home=tmp_path), "No such command 'nosuch'.")
    usage_error(run("job", "show", home=tmp_path), "Missing argument 'JOBID'.")
    usage_error(run("job", "show", "a", "b", home=tmp_path), "Got unexpected extra argument (b)")
    usage_error(run("job", "list", "-x", home=tmp_path), "No such option: -x")
    usage_error(run("job", "list", "-m", home=tmp_path), "Option '-m' requires an argument.")
    usage_error(run("job", "list", "-m", "ten", home=tmp_path),
                "Invalid value for '-m' / '--maxkeys': 'ten' is not a valid integer.")
    usage_error(run("-o", "yaml", "job", "list", home=tmp_path),
                "Invalid value for '-o' / '--output': 'yaml' is not one of")
    usage_error(run("job", "create", "nosuch", "f.json", home=tmp_path),
                "Invalid value for 'JOBTYPE': 'nosuch' is not one of 'single', 'distributed', "
                "'workflow'.")
    usage_error(run("job", "create", "single", str(tmp_path / "missing.json"), home=tmp_path),
                "Invalid value for 'JSONPATH': File '%s' does not exist." % (tmp_path /
                                                                              "missing.json"))


def test_unknown_fieldlist_name_lists_valid_fields(tmp_path):
    for cmd in (["job", "list"], ["job", "show", "job-x"]):
        r = run(*cmd, "-fl", "id,nosuch", home=tmp_path)
        usage_error(r, "Invalid value for '-fl' / '--fieldlist': unknown field 'nosuch'")
        assert ("valid fields: id, name, queue, status, acceptTime, startTime, finishTime, user, "
                "runtime, distributedRuntime, workflowRuntime, message, labels, annotations, "
                "priority, flavour, fs, extraFS, image, env, command, args, port, "
                "extensionTemplate, framework, members") in r.err


def test_malformed_labels_are_usage_errors(tmp_path):
    for bad in ("a", "=b", "a=b,c"):
        usage_error(run("job", "list", "-l", bad, home=tmp_path),
                    "Invalid value for '-l' / '--labels': '%s' is not of the form k=v" % bad)
        usage_error(run("job", "update", "job-x", "-a", bad, home=tmp_path),
                    "Invalid value for '-a' / '--annotations'")


def test_default_config_is_created_with_upstream_defaults(tmp_path):
    home = tmp_path / "home"
    port = free_port()  # nothing listens: the command fails, the file stays
    r = run("job", "list", home=home, env={"PADDLEFLOW_SERVER_PORT": str(port)})
    ini = home / ".paddleflow" / "paddleflow.ini"
    assert ini.read_text() == ("[user]\nname = root\npassword = paddleflow\n[server]\n"
                               "# paddleflow server 地址\npaddleflow_server_host = 127.0.0.1\n"
                               "# paddleflow server 端口\npaddleflow_server_port = 8999\n")
    assert oct(ini.stat().st_mode & 0o777) == "0o600"
    assert r.rc == 1 and "127.0.0.1:%d" % port in r.err, r


def test_explicit_config_missing_or_incomplete(tmp_path):
    r = run("--pf_config", str(tmp_path / "none.ini"), "job", "list", home=tmp_path)
    assert r.rc == 1 and r.err == "no config file in %s\n" % (tmp_path / "none.ini"), r
    bad = tmp_path / "bad.ini"
    bad.write_text("[server]\npaddleflow_server_host = 127.0.0.1\n")
    r = run("-c", str(bad), "job", "list", home=tmp_path)
    assert r.rc == 1 and r.err == "no name or password conf['user'] in %s\n" % bad, r
    bad.write_text("[user]\nname = root\npassword = x\n")
    r = run("--pf_config", str(bad), "job", "list", home=tmp_path)
    assert r.rc == 1 and r.err == "no paddleflow_server_host in %s\n" % bad, r


def test_environment_overrides(tmp_path):
    port = free_port()
    ini = write_ini(tmp_path / "x.ini", 1, host="10.255.255.1")
    env = {"PADDLEFLOW_PF_CONFIG": ini, "PADDLEFLOW_SERVER_HOST": "127.0.0.1",
           "PADDLEFLOW_SERVER_PORT": str(port)}
    r = run("job", "list", home=tmp_path, env=env)
    assert r.rc == 1 and "127.0.0.1:%d" % port in r.err, r


def test_server_down_names_host_and_port(tmp_path):
    port = free_port()
    r = Cli(port, tmp_path)("job", "list")
    assert r.rc == 1 and r.out == "", r
    assert r.err == ("error: cannot connect to paddleflow server at 127.0.0.1:%d: "
                     "Connection refused\n" % port), r


def test_docs_are_generated_from_the_command_table(tmp_path):
    with open(os.path.join(ROOT, "docs", "cli.md")) as f:
        assert f.read() == run("docs", home=tmp_path).out, \
            "docs/cli.md is stale: regenerate with `paddleflow docs > docs/cli.md`"


def complete(tmp_path, line, shell="bash"):
    script = run("completion", "bash", home=tmp_path).out
    words = line.split(" ")
    cmd = ("%s\nCOMP_WORDS=(%s); COMP_CWORD=%d; _paddleflow; printf '%%s\\n' \"${COMPREPLY[@]}\""
           % (script, " ".join("'%s'" % w for w in words), len(words) - 1))
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return sorted(w for w in p.stdout.split("\n") if w)


def test_bash_completion(tmp_path):
    assert complete(tmp_path, "paddleflow jo") == ["job"]
    assert complete(tmp_path, "paddleflow job ") == ["--help", "create", "delete", "list",
                                                      "show", "stop", "update"]
    assert complete(tmp_path, "paddleflow job list -f") == ["-fl"]
    assert "--fieldlist" in complete(tmp_path, "paddleflow job list --")
    assert complete(tmp_path, "paddleflow job create dis") == ["distributed"]
    assert complete(tmp_path, "paddleflow job list -s run") == ["running"]
    assert complete(tmp_path, "paddleflow -o js") == ["json"]
    assert complete(tmp_path, "paddleflow completion z") == ["zsh"]


def test_zsh_completion_script(tmp_path):
    r = run("completion", "zsh", home=tmp_path)
    assert r.rc == 0 and r.out.startswith("#compdef paddleflow\n") and "_paddleflow()" in r.out
    if shutil.which("zsh"):
        p = subprocess.run(["zsh", "-c", r.out + "\nwhence -w _paddleflow"], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0 and "function" in p.stdout, p
    usage_error(run("completion", "fish", home=tmp_path), "Invalid value for 'SHELL'")
