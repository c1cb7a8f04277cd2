"""Flavour methods of the Client, under upstream's names (api.md §6.2, §8.3)."""
from typing import Mapping, Optional

from paddleflow.common.base import ClientBase, Result
from paddleflow.common.http import quote_segment
from paddleflow.common.util import compact, positive_int, require
from paddleflow.flavour.flavour_info import FlavourInfo


class FlavourApi(ClientBase):
    """The flavour methods (mixed into ``paddleflow.Client``)."""

    def add_flavour(self, name: str, cpu: str, memory: str,
                    scalar_resources: Optional[Mapping[str, str]] = None,
                    cluster_name: Optional[str] = None) -> Result:
        """Create a flavour, e.g. ``add_flavour("small", "1", "1Gi")``. Returns ``(True, None)``."""
        self.pre_check()
        require(name, "InvalidFlavourName", "name")
        require(cpu, "InvalidFlavourName", "cpu")
        require(memory, "InvalidFlavourName", "memory")
        body = compact({"name": name, "cpu": cpu, "mem": memory,
                        "scalarResources": dict(scalar_resources) if scalar_resources else None,
                        "clusterName": cluster_name})
        self._call("POST", "/flavour", body=body)
        return True, None

    def update_flavour(self, name: str, cpu: Optional[str] = None, memory: Optional[str] = None,
                       scalar_resources: Optional[Mapping[str, str]] = None,
                       cluster_name: Optional[str] = None) -> Result:
        """Change a flavour's cpu, mem or scalar resources. Returns ``(True, name)``."""
        self.pre_check()
        require(name, "InvalidFlavourName", "name")
        body = compact({"cpu": cpu, "mem": memory,
                        "scalarResources": dict(scalar_resources) if scalar_resources else None,
                        "clusterName": cluster_name})
        data = self._call_obj("PUT", "/flavour/%s" % quote_segment(name), body=body)
        return True, data.get("name", name) if isinstance(data, dict) else name

    def del_flavour(self, flavourname: str) -> Result:
        """Delete a flavour. Returns ``(True, None)``."""
        self.pre_check()
        require(flavourname, "InvalidFlavourName", "flavourname")
        self._call("DELETE", "/flavour/%s" % quote_segment(flavourname))
        return True, None

    def show_flavour(self, name: str) -> Result:
        """Return ``(True, FlavourInfo)``."""
        self.pre_check()
        require(name, "InvalidFlavourName", "name")
        data = self._call_obj("GET", "/flavour/%s" % quote_segment(name))
        return True, FlavourInfo.from_wire(data)

    def list_flavour(self, maxsize: int = 100, marker: Optional[str] = None,
                     clustername: str = "", key: str = "") -> Result:
        """List flavours; ``key`` filters by name substring, ``clustername`` by cluster.

        Returns:
            ``(True, [FlavourInfo, ...], next_marker)``.
        """
        self.pre_check()
        query = compact({"maxKeys": positive_int(maxsize, "maxsize"), "marker": marker,
                         "clusterName": clustername or None, "name": key or None})
        data = self._call_obj("GET", "/flavour", query=query)
        if "message" in data:
            return False, data["message"], None
        flavours = [FlavourInfo.from_wire(f) for f in data.get("flavourList") or []]
        return True, flavours, data.get("nextMarker") or None
