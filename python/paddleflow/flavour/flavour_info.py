"""FlavourInfo, with upstream's attribute names."""
from typing import Any, Dict, Mapping, Optional

from paddleflow.common.util import Record


class FlavourInfo(Record):
    """A named resource set (cpu, mem and scalar resources such as GPUs)."""

    def __init__(self, name: Optional[str] = None, cpu: Optional[str] = None,
                 mem: Optional[str] = None, scalar_resources: Optional[Dict[str, str]] = None,
                 cluster_name: Optional[str] = None, createtime: Optional[str] = None,
                 updatetime: Optional[str] = None, id: Optional[str] = None) -> None:
        self.id = id
        self.name = name
        self.cpu = cpu
        self.mem = mem
        self.scalar_resources = scalar_resources
        self.cluster_name = cluster_name
        self.createtime = createtime
        self.updatetime = updatetime

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> "FlavourInfo":
        """Build from a flavour object of the REST API (api.md §6.2)."""
        return cls(name=d.get("name"), cpu=d.get("cpu"), mem=d.get("mem"),
                   scalar_resources=d.get("scalarResources"), cluster_name=d.get("clusterName"),
                   createtime=d.get("createTime"), updatetime=d.get("updateTime"),
                   id=d.get("id"))
