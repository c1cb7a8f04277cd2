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


@pytest.fixture
def make_server():
    made = []

    def make(**kw):
        s = ServerProc(**kw)
        made.append(s)
        return s.start()

    yield make
    for s in made:
        s.cleanup()
