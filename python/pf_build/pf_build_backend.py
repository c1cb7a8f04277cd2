"""A tiny PEP 517 build backend (standard library only) for the paddleflow SDK.

Why not setuptools: pip builds in an isolated environment and would have to download
setuptools from an index first. Machines without one (like the project's build machines) could
then not run ``pip install ./python``. The SDK is pure Python, so a wheel is just a zip of the
package plus three metadata files; this module writes exactly that, and an sdist, and an
editable wheel (a ``.pth`` file pointing at the source tree, PEP 660).

The metadata comes from the ``[project]`` table of pyproject.toml (name, version, description,
requires-python, readme).
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "paddleflow"
TAG = "py3-none-any"


def _project() -> Dict[str, str]:
    """The string keys of pyproject's [project] table (tomllib when present, else a regex)."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        raw = f.read()
    try:
        import tomllib  # Python >= 3.11
        table = tomllib.loads(raw.decode("utf-8")).get("project", {})
        return {k: v for k, v in table.items() if isinstance(v, str)}
    except ImportError:
        pass
    out: Dict[str, str] = {}
    section = None
    for line in raw.decode("utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
            continue
        m = re.match(r'^([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"\s*$', line)
        if section == "project" and m:
            out[m.group(1)] = m.group(2)
    return out


def _names() -> Tuple[str, str]:
    p = _project()
    return p["name"], p["version"]


def _metadata() -> str:
    p = _project()
    lines = ["Metadata-Version: 2.1", "Name: %s" % p["name"], "Version: %s" % p["version"]]
    if p.get("description"):
        lines.append("Summary: %s" % p["description"])
    if p.get("requires-python"):
        lines.append("Requires-Python: %s" % p["requires-python"])
    body = ""
    readme = p.get("readme")
    if readme and os.path.exists(os.path.join(ROOT, readme)):
        lines.append("Description-Content-Type: text/markdown")
        with open(os.path.join(ROOT, readme), encoding="utf-8") as f:
            body = "\n" + f.read()
    return "\n".join(lines) + "\n" + body


def _package_files() -> List[str]:
    """Paths (relative to ROOT) of the package's sources, sorted for reproducible wheels."""
    out = []
    for base, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py") or name == "py.typed":
                out.append(os.path.relpath(os.path.join(base, name), ROOT))
    return out


class _Wheel:
    """Writes a wheel and its RECORD."""

    def __init__(self, path: str) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.records: List[str] = []

    def add(self, arcname: str, data: bytes) -> None:
        info = zipfile.ZipInfo(arcname, date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        self.records.append("%s,sha256=%s,%d" % (arcname, digest.decode(), len(data)))

    def finish(self, dist_info: str) -> None:
        self.add(dist_info + "/METADATA", _metadata().encode("utf-8"))
        self.add(dist_info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: pf_build\n"
                                        "Root-Is-Purelib: true\nTag: %s\n" % TAG).encode())
        self.add(dist_info + "/top_level.txt", (PACKAGE + "\n").encode())
        record = dist_info + "/RECORD"
        self.records.append(record + ",,")
        self.zip.writestr(record, "\n".join(self.records) + "\n")
        self.zip.close()


def _build(wheel_directory: str, editable: bool) -> str:
    name, version = _names()
    filename = "%s-%s-%s.whl" % (name, version, TAG)
    wheel = _Wheel(os.path.join(wheel_directory, filename))
    if editable:
        wheel.add(PACKAGE + ".pth", (ROOT + "\n").encode("utf-8"))
    else:
        for rel in _package_files():
            with open(os.path.join(ROOT, rel), "rb") as f:
                wheel.add(rel.replace(os.sep, "/"), f.read())
    wheel.finish("%s-%s.dist-info" % (name, version))
    return filename


# -- PEP 517 / PEP 660 hooks --------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing beyond the standard library is needed."""
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing beyond the standard library is needed."""
    return []


def get_requires_for_build_editable(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing beyond the standard library is needed."""
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None,
                metadata_directory: Optional[str] = None) -> str:
    """Build the wheel into ``wheel_directory`` and return its file name."""
    return _build(wheel_directory, editable=False)


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None,
                   metadata_directory: Optional[str] = None) -> str:
    """Build an editable wheel (a .pth file pointing at the source tree)."""
    return _build(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    """Build ``<name>-<version>.tar.gz`` with the sources, this backend and PKG-INFO."""
    name, version = _names()
    base = "%s-%s" % (name, version)
    filename = base + ".tar.gz"
    files = ["pyproject.toml", "README.md", "pf_build/pf_build_backend.py"] + _package_files()
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for rel in files:
            if os.path.exists(os.path.join(ROOT, rel)):
                tar.add(os.path.join(ROOT, rel), arcname=base + "/" + rel.replace(os.sep, "/"))
        pkg_info = _metadata().encode("utf-8")
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(pkg_info)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(pkg_info))
    return filename
