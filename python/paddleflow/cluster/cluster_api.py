"""Cluster methods of the Client, under upstream's names (api.md §6.3, §8.3). Root only."""
import base64
from typing import Any, Dict, List, Optional, Union

from paddleflow.common.base import ClientBase, Result
from paddleflow.common.http import quote_segment
from paddleflow.common.util import compact, positive_int, require
from paddleflow.cluster.cluster_info import ClusterInfo

Names = Union[List[str], str, None]


def _credential(value: Union[bytes, str, None]) -> Optional[str]:
    """The wire carries the credential (a kubeconfig) base64-encoded, as upstream sends it."""
    if value is None:
        return None
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def _names(value: Names) -> Optional[List[str]]:
    if value is None:
        return None
    if isinstance(value, str):
        return [n.strip() for n in value.split(",") if n.strip()]
    return list(value)


def _cluster_body(**kw: Any) -> Dict[str, Any]:
    return compact({
        "clusterName": kw.get("clustername"), "endpoint": kw.get("endpoint"),
        "clusterType": kw.get("clustertype"), "credential": _credential(kw.get("credential")),
        "description": kw.get("description"), "source": kw.get("source"),
        "setting": kw.get("setting"), "status": kw.get("status"),
        "namespaceList": _names(kw.get("namespacelist")), "version": kw.get("version")})


class ClusterApi(ClientBase):
    """The cluster methods (mixed into ``paddleflow.Client``)."""

    def create_cluster(self, clustername: str, endpoint: str, clustertype: str,
                       credential: Union[bytes, str, None] = None,
                       description: Optional[str] = None, source: Optional[str] = None,
                       setting: Optional[str] = None, status: Optional[str] = None,
                       namespacelist: Names = None, version: Optional[str] = None) -> Result:
        """Register a cluster. ``credential`` (bytes or str) is base64-encoded for the wire.

        Returns:
            ``(True, cluster_id)``.
        """
        self.pre_check()
        require(clustername, "InvalidClusterName", "clustername")
        require(endpoint, "InvalidEndpoint", "endpoint")
        require(clustertype, "InvalidClusterType", "clustertype")
        body = _cluster_body(clustername=clustername, endpoint=endpoint,
                             clustertype=clustertype, credential=credential,
                             description=description, source=source, setting=setting,
                             status=status, namespacelist=namespacelist, version=version)
        data = self._call_obj("POST", "/cluster", body=body)
        return True, data.get("id")

    def list_cluster(self, maxkeys: int = 100, marker: Optional[str] = None,
                     clustername: Names = None, clusterstatus: Optional[str] = None) -> Result:
        """List clusters, optionally only the named ones or those in one status.

        Returns:
            ``(True, [ClusterInfo, ...], next_marker)``.
        """
        self.pre_check()
        names = _names(clustername)
        query = compact({"maxKeys": positive_int(maxkeys, "maxkeys"), "marker": marker,
                         "clusterNames": ",".join(names) if names else None,
                         "clusterStatus": clusterstatus})
        data = self._call_obj("GET", "/cluster", query=query)
        if "message" in data:
            return False, data["message"], None
        clusters = [ClusterInfo.from_wire(c) for c in data.get("clusterList") or []]
        return True, clusters, data.get("nextMarker") or None

    def show_cluster(self, clustername: str) -> Result:
        """Return ``(True, ClusterInfo)``."""
        self.pre_check()
        require(clustername, "InvalidClusterName", "clustername")
        data = self._call_obj("GET", "/cluster/%s" % quote_segment(clustername))
        return True, ClusterInfo.from_wire(data)

    def delete_cluster(self, clustername: str) -> Result:
        """Delete a cluster and its queues. Returns ``(True, None)``."""
        self.pre_check()
        require(clustername, "InvalidClusterName", "clustername")
        self._call("DELETE", "/cluster/%s" % quote_segment(clustername))
        return True, None

    def update_cluster(self, clustername: str, endpoint: Optional[str] = None,
                       credential: Union[bytes, str, None] = None,
                       clustertype: Optional[str] = None, description: Optional[str] = None,
                       source: Optional[str] = None, setting: Optional[str] = None,
                       status: Optional[str] = None, namespacelist: Names = None,
                       version: Optional[str] = None) -> Result:
        """Change a cluster's properties. Returns ``(True, cluster_id)``."""
        self.pre_check()
        require(clustername, "InvalidClusterName", "clustername")
        body = _cluster_body(endpoint=endpoint, clustertype=clustertype, credential=credential,
                             description=description, source=source, setting=setting,
                             status=status, namespacelist=namespacelist, version=version)
        data = self._call_obj("PUT", "/cluster/%s" % quote_segment(clustername), body=body)
        return True, data.get("id") if isinstance(data, dict) else None
