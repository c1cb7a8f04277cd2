"""Python SDK: every ```python block of docs/python-sdk.md runs, in order, in one namespace,
against a real server (the docs' `port=8999` is pointed at the test server)."""
import contextlib
import io
import os
import re

import sdkutil  # noqa: F401 - puts python/ on sys.path

DOC = os.path.join(sdkutil.ROOT, "docs", "python-sdk.md")


def python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_docs_examples_run(server):
    with open(DOC, encoding="utf-8") as f:
        blocks = python_blocks(f.read())
    assert len(blocks) >= 15
    namespace = {}
    out = io.StringIO()
    for i, block in enumerate(blocks):
        code = block.replace("port=8999", "port=%d" % server.port)
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, "%s[block %d]" % (DOC, i), "exec"), namespace)
        except Exception as e:
            raise AssertionError("docs block %d failed: %r\n%s" % (i, e, block)) from e
    printed = out.getvalue()
    assert "job create success, id[job-" in printed
    assert "tick 1\ntick 2\ntick 3\n" in printed
