"""Job logs."""
from paddleflow.log.log_info import LogInfo, LogInfoByLimit

__all__ = ["LogInfo", "LogInfoByLimit"]
