"""The crash test (tests/crash/crash_test.py) in its short form for the normal suite: five
SIGKILLs of a server under create/stop load, then every acknowledged job exists once, ran at
most once, ended as its process did, and left no orphan process. `make crash-test` runs the
full version (20+ kills)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "crash"))
import crash_test  # noqa: E402


def test_crash_short():
    report, errors = crash_test.run(["--kills", "5", "--max-uptime", "2.0", "--clients", "2",
                                     "--rate", "6", "--settle", "120"])
    print(report)
    assert report["kills"] == 5
    assert report["acked"] > 0 and report["listed"] >= report["acked"]
    assert report["orphans"] == 0
    assert not errors, "\n".join(errors[:30])
