"""Exceptions raised by the SDK (one type, as upstream)."""
from paddleflow.common.exception.paddleflow_sdk_exception import PaddleFlowSDKException

__all__ = ["PaddleFlowSDKException"]
