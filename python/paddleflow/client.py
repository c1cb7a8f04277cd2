"""paddleflow.Client: every API group in one object, as upstream's ``paddleflow.client.Client``.

Usage::

    import paddleflow
    client = paddleflow.Client("127.0.0.1", "root", "paddleflow")   # port 8999
    client.login("root", "paddleflow")
    ok, job_id = client.create_job("single", paddleflow.JobRequest(queue="default-queue", ...))

Methods return ``(True, result)`` (lists: ``(True, items, next_marker)``) and raise
PaddleFlowSDKException on any error; see docs/python-sdk.md.
"""
from typing import Optional

from paddleflow.cluster.cluster_api import ClusterApi
from paddleflow.common.base import DEFAULT_PORT, DEFAULT_TIMEOUT
from paddleflow.flavour.flavour_api import FlavourApi
from paddleflow.fs.fs_api import FsApi
from paddleflow.job.job_api import JobApi
from paddleflow.log.log_api import LogApi
from paddleflow.queue.queue_api import QueueApi
from paddleflow.user.user_api import UserApi


class Client(JobApi, QueueApi, FlavourApi, UserApi, FsApi, ClusterApi, LogApi):
    """A client of one paddleflow server, holding one keep-alive connection and the login.

    ``Client(host, username, password, port=8999, timeout=60)``; upstream's keyword names
    ``paddleflow_server_host`` and ``paddleflow_server_port`` are accepted too. Call
    :meth:`login` before anything else. A Client may be shared by threads (calls are
    serialised on its connection); use one Client per thread for parallel requests.
    """

    def __init__(self, host: Optional[str] = None, username: Optional[str] = None,
                 password: Optional[str] = None, port: Optional[int] = DEFAULT_PORT,
                 timeout: Optional[float] = DEFAULT_TIMEOUT, *,
                 paddleflow_server_host: Optional[str] = None,
                 paddleflow_server_port: Optional[int] = None) -> None:
        """See the class docstring; no request is sent until the first call."""
        if paddleflow_server_port is not None:
            port = None  # the upstream keyword wins over the default
        super().__init__(host, username, password, port, timeout,
                         paddleflow_server_host=paddleflow_server_host,
                         paddleflow_server_port=paddleflow_server_port)


__all__ = ["Client"]
