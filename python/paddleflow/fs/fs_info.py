"""FSInfo, with upstream's attribute names."""
from typing import Any, Dict, Mapping, Optional

from paddleflow.common.util import Record


class FSInfo(Record):
    """A filesystem jobs can mount (``fs`` / ``extra_fs_list`` of a JobRequest name it)."""

    def __init__(self, name: Optional[str] = None, owner: Optional[str] = None,
                 fstype: Optional[str] = None, server_address: Optional[str] = None,
                 subpath: Optional[str] = None, properties: Optional[Dict[str, Any]] = None,
                 id: Optional[str] = None) -> None:
        self.id = id
        self.name = name
        self.owner = owner
        self.fstype = fstype
        self.server_address = server_address
        self.subpath = subpath
        self.properties = properties

    @property
    def server_adddress(self) -> Optional[str]:
        """Upstream's misspelt attribute name, kept as an alias of ``server_address``."""
        return self.server_address

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> "FSInfo":
        """Build from a filesystem object of the REST API."""
        return cls(name=d.get("name", d.get("fsName")),
                   owner=d.get("username", d.get("userName")), fstype=d.get("type"),
                   server_address=d.get("serverAddress"), subpath=d.get("subPath"),
                   properties=d.get("properties"), id=d.get("id", d.get("fsID")))
