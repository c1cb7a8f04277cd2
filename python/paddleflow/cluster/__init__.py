"""Clusters."""
from paddleflow.cluster.cluster_info import ClusterInfo

__all__ = ["ClusterInfo"]
