"""Shared fixtures: one real server per test module (fast), plus a factory for tests that
need their own server (restarts, kill -9, special flags)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from pfserver import ServerProc  # noqa: E402


@pytest.fixture(scope="module")
def server():
    s = ServerProc().start()
    yield s
    s.finish()


@pytest.fixture
def api(server):
    a = server.api()
    yield a
    a.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so fixtures can tell a failed test."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def make_server(request):
    made = []

    def make(**kw):
        s = ServerProc(**kw)
        made.append(s)
        return s.start()

    yield make
    failed = getattr(request.node, "rep_call", None)
    for i, s in enumerate(made):
        if failed is not None and failed.failed:  # the server's side of the story, before it goes
            request.node.add_report_section("teardown", "server %d log (tail)" % i,
                                            s.read_log()[-20000:])
        s.cleanup()
