"""PaddleFlow Python SDK: a client for the paddleflow job service (standard library only).

    import paddleflow
    client = paddleflow.Client("127.0.0.1", "root", "paddleflow")
    client.login("root", "paddleflow")

Names at upstream's import paths: ``paddleflow.client.Client``, ``paddleflow.job.JobRequest``,
``paddleflow.job.JobInfo``, ``paddleflow.common.exception.paddleflow_sdk_exception
.PaddleFlowSDKException``.
"""
from paddleflow.client import Client
from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.job import JobInfo, JobRequest

__version__ = "0.1.0"

__all__ = ["Client", "JobInfo", "JobRequest", "PaddleFlowSDKException", "__version__"]
