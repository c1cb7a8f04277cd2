"""Queue and grant methods of the Client, under upstream's names (api.md §6.1, §6.5, §8.3).

Queue create/update/delete and grants are root-only on the server; the SDK does not pre-judge
that and lets the server's ``OnlyRootAllowed`` come through.
"""
from typing import Any, Dict, List, Mapping, Optional

from paddleflow.common.base import ClientBase, Result
from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.common.http import quote_segment
from paddleflow.common.util import compact, positive_int, require
from paddleflow.queue.queue_info import GrantInfo, QueueInfo


def _resources(res: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """Requests spell memory ``mem``; accept ``memory`` too, as responses spell it."""
    if not res:
        return None
    out = dict(res)
    if "memory" in out and "mem" not in out:
        out["mem"] = out.pop("memory")
    return out


class QueueApi(ClientBase):
    """The queue and grant methods (mixed into ``paddleflow.Client``)."""

    def add_queue(self, name: str, namespace: str, clusterName: str,
                  maxResources: Mapping[str, Any], minResources: Optional[Mapping[str, Any]] = None,
                  schedulingPolicy: Optional[List[str]] = None,
                  location: Optional[Mapping[str, str]] = None,
                  quotaType: Optional[str] = None) -> Result:
        """Create a queue (root only).

        Args:
            name: queue name (lowercase RFC 1123 label).
            namespace: namespace of the queue.
            clusterName: cluster the queue belongs to (e.g. ``default-cluster``).
            maxResources: ``{"cpu": "10", "mem": "20Gi", "scalarResources": {...}}``.
            minResources: same shape, elasticQuota only.
            schedulingPolicy: e.g. ``["priority"]``.
            location: string map stored with the queue.
            quotaType: ``elasticQuota`` (server default) or ``volcanoCapabilityQuota``.
        Returns:
            ``(True, None)``.
        """
        self.pre_check()
        require(namespace, "InvalidNameSpace", "namespace")
        require(name, "InvalidQueueName", "queuename")
        require(clusterName, "InvalidQueueClusterName", "clustername")
        max_res = _resources(maxResources)
        if not max_res or max_res.get("cpu") is None or max_res.get("mem") is None:
            raise PaddleFlowSDKException("InvalidQueueMaxResources",
                                         "queue maxResources cpu or mem should not be none")
        body = compact({"name": name, "namespace": namespace, "clusterName": clusterName,
                        "maxResources": max_res, "minResources": _resources(minResources),
                        "schedulingPolicy": schedulingPolicy or None,
                        "location": dict(location) if location else None,
                        "quotaType": quotaType})
        self._call("POST", "/queue", body=body)
        return True, None

    def update_queue(self, queuename: str, maxResources: Optional[Mapping[str, Any]] = None,
                     minResources: Optional[Mapping[str, Any]] = None,
                     schedulingPolicy: Optional[List[str]] = None,
                     location: Optional[Mapping[str, str]] = None) -> Result:
        """Change a queue (root only). Resource keys merge; an empty scalar value removes it.

        Returns:
            ``(True, QueueInfo)`` with the updated queue.
        """
        self.pre_check()
        require(queuename, "InvalidQueueName", "queuename")
        body = compact({"maxResources": _resources(maxResources),
                        "minResources": _resources(minResources),
                        "schedulingPolicy": schedulingPolicy or None,
                        "location": dict(location) if location else None})
        data = self._call_obj("PUT", "/queue/%s" % quote_segment(queuename), body=body)
        return True, QueueInfo.from_wire(data) if isinstance(data, dict) else None

    def del_queue(self, queuename: str) -> Result:
        """Delete a queue without active jobs (root only). Returns ``(True, None)``."""
        self.pre_check()
        require(queuename, "InvalidQueueName", "queuename")
        self._call("DELETE", "/queue/%s" % quote_segment(queuename))
        return True, None

    def list_queue(self, maxsize: int = 100, marker: Optional[str] = None) -> Result:
        """List the queues the caller may see.

        Returns:
            ``(True, [QueueInfo, ...], next_marker)``.
        """
        self.pre_check()
        query = compact({"maxKeys": positive_int(maxsize, "maxsize"), "marker": marker})
        data = self._call_obj("GET", "/queue", query=query)
        if "message" in data:
            return False, data["message"], None
        queues = [QueueInfo.from_wire(q) for q in data.get("queueList") or []]
        return True, queues, data.get("nextMarker") or None

    def show_queue(self, queuename: str) -> Result:
        """Return ``(True, QueueInfo)`` including used and idle resources."""
        self.pre_check()
        require(queuename, "InvalidQueueName", "queuename")
        data = self._call_obj("GET", "/queue/%s" % quote_segment(queuename))
        return True, QueueInfo.from_wire(data)

    def grant_queue(self, username: str, queuename: str) -> Result:
        """Allow a user to use a queue (root only). Returns ``(True, None)``."""
        self.pre_check()
        require(username, "InvalidName", "name")
        require(queuename, "InvalidQueueName", "queuename")
        self._call("POST", "/grant", body={"userName": username, "resourceType": "queue",
                                           "resourceID": queuename})
        return True, None

    def ungrant_queue(self, username: str, queuename: str) -> Result:
        """Withdraw a queue grant (root only). Returns ``(True, None)``."""
        self.pre_check()
        require(username, "InvalidName", "name")
        require(queuename, "InvalidQueueName", "queuename")
        self._call("DELETE", "/grant", query={"username": username, "resourceType": "queue",
                                              "resourceID": queuename})
        return True, None

    def show_queue_grant(self, username: Optional[str] = None, maxsize: int = 100) -> Result:
        """List queue grants, optionally of one user (root only).

        Returns:
            ``(True, [GrantInfo, ...])``.
        """
        self.pre_check()
        if username is not None:
            require(username, "InvalidName", "name")
        query = compact({"maxKeys": positive_int(maxsize, "maxsize"), "username": username})
        data = self._call_obj("GET", "/grant", query=query)
        if "message" in data:
            return False, data["message"]
        grants = [GrantInfo(g.get("userName", g.get("username")), g.get("resourceID"))
                  for g in data.get("grantList") or [] if g.get("resourceType") == "queue"]
        return True, grants
