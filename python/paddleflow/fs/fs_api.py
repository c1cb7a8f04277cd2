"""Filesystem methods of the Client, under upstream's names (api.md §6.6).

``username`` lets root act on another user's filesystem, as upstream's SDK does.
"""
from typing import Any, Mapping, Optional

from paddleflow.common.base import ClientBase, Result
from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.common.http import quote_segment
from paddleflow.common.util import compact, positive_int, require
from paddleflow.fs.fs_info import FSInfo


def _check_user(username: Optional[str]) -> None:
    if username is not None:
        require(username, "InvalidUserName", "username")


class FsApi(ClientBase):
    """The filesystem methods (mixed into ``paddleflow.Client``)."""

    def add_fs(self, fsname: str, url: str, username: Optional[str] = None,
               properties: Optional[Mapping[str, Any]] = None) -> Result:
        """Register a filesystem, e.g. ``add_fs("data", "local:///srv/data")``.

        Returns:
            ``(True, None)``.
        """
        self.pre_check()
        require(fsname, "InvalidFSName", "fsname")
        require(url, "InvalidURL", "url")
        _check_user(username)
        if properties is not None and not isinstance(properties, Mapping):
            raise PaddleFlowSDKException("InvalidArgument", "properties should be a dict")
        body = compact({"name": fsname, "url": url, "username": username,
                        "properties": dict(properties) if properties else None})
        self._call("POST", "/fs", body=body)
        return True, None

    def show_fs(self, fsname: str, username: Optional[str] = None) -> Result:
        """Return ``(True, FSInfo)``."""
        self.pre_check()
        require(fsname, "InvalidFSName", "fsname")
        _check_user(username)
        data = self._call_obj("GET", "/fs/%s" % quote_segment(fsname),
                          query={"username": username})
        return True, FSInfo.from_wire(data)

    def delete_fs(self, fsname: str, username: Optional[str] = None) -> Result:
        """Delete a filesystem. Returns ``(True, None)``."""
        self.pre_check()
        require(fsname, "InvalidFSName", "fsname")
        _check_user(username)
        self._call("DELETE", "/fs/%s" % quote_segment(fsname), query={"username": username})
        return True, None

    def list_fs(self, username: Optional[str] = None, maxsize: int = 100) -> Result:
        """List filesystems. Returns ``(True, [FSInfo, ...])``."""
        self.pre_check()
        _check_user(username)
        query = compact({"maxKeys": positive_int(maxsize, "maxsize"), "username": username})
        data = self._call_obj("GET", "/fs", query=query)
        if "message" in data:
            return False, data["message"]
        return True, [FSInfo.from_wire(f) for f in data.get("fsList") or []]
