"""QueueInfo and GrantInfo, with upstream's attribute names (camelCase, as upstream has them)."""
from typing import Any, Dict, List, Mapping, Optional

from paddleflow.common.util import Record


class QueueInfo(Record):
    """A queue. ``usedResources``/``idleResources`` are filled by show_queue only."""

    def __init__(self, name: Optional[str] = None, status: Optional[str] = None,
                 namespace: Optional[str] = None, clusterName: Optional[str] = None,
                 quotaType: Optional[str] = None, maxResources: Optional[Dict[str, Any]] = None,
                 minResources: Optional[Dict[str, Any]] = None,
                 usedResources: Optional[Dict[str, Any]] = None,
                 idleResources: Optional[Dict[str, Any]] = None,
                 location: Optional[Dict[str, str]] = None,
                 schedulingPolicy: Optional[List[str]] = None, createTime: Optional[str] = None,
                 updateTime: Optional[str] = None, id: Optional[str] = None) -> None:
        self.id = id
        self.name = name
        self.namespace = namespace
        self.status = status
        self.clusterName = clusterName
        self.quotaType = quotaType
        self.maxResources = maxResources
        self.minResources = minResources
        self.usedResources = usedResources
        self.idleResources = idleResources
        self.location = location
        self.schedulingPolicy = schedulingPolicy
        self.createTime = createTime
        self.updateTime = updateTime

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> "QueueInfo":
        """Build from a queue object of the REST API (api.md §6.1)."""
        return cls(**{k: d.get(k) for k in (
            "id", "name", "status", "namespace", "clusterName", "quotaType", "maxResources",
            "minResources", "usedResources", "idleResources", "location", "schedulingPolicy",
            "createTime", "updateTime")})


class GrantInfo(Record):
    """A grant of a resource (here: a queue) to a user."""

    def __init__(self, username: Optional[str] = None,
                 resourceName: Optional[str] = None) -> None:
        self.username = username
        self.resourceName = resourceName
