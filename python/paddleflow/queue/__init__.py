"""Queues and queue grants."""
from paddleflow.queue.queue_info import GrantInfo, QueueInfo

__all__ = ["GrantInfo", "QueueInfo"]
