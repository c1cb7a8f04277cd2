"""ClusterInfo, with upstream's attribute names."""
from typing import Any, List, Mapping, Optional

from paddleflow.common.util import Record


class ClusterInfo(Record):
    """A cluster queues belong to (``default-cluster`` is the local machine)."""

    def __init__(self, clusterid: Optional[str] = None, clustername: Optional[str] = None,
                 description: Optional[str] = None, endpoint: Optional[str] = None,
                 source: Optional[str] = None, clustertype: Optional[str] = None,
                 version: Optional[str] = None, status: Optional[str] = None,
                 credential: Optional[str] = None, setting: Optional[str] = None,
                 namespacelist: Optional[List[str]] = None, createtime: Optional[str] = None,
                 updatetime: Optional[str] = None) -> None:
        self.clusterid = clusterid
        self.clustername = clustername
        self.description = description
        self.endpoint = endpoint
        self.source = source
        self.clustertype = clustertype
        self.version = version
        self.status = status
        self.credential = credential
        self.setting = setting
        self.namespacelist = namespacelist
        self.createtime = createtime
        self.updatetime = updatetime

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> "ClusterInfo":
        """Build from a cluster object of the REST API (api.md §6.3)."""
        return cls(clusterid=d.get("id"), clustername=d.get("clusterName"),
                   description=d.get("description"), endpoint=d.get("endpoint"),
                   source=d.get("source"), clustertype=d.get("clusterType"),
                   version=d.get("version"), status=d.get("status"),
                   credential=d.get("credential"), setting=d.get("setting"),
                   namespacelist=d.get("namespaceList"), createtime=d.get("createTime"),
                   updatetime=d.get("updateTime"))
