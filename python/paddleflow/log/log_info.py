"""LogInfoByLimit: one task's log as ``GET /log/job`` returns it (upstream's attribute names)."""
from typing import Union

from paddleflow.common.util import Record


class LogInfoByLimit(Record):
    """The log of one task of a job, cut by line and size limits."""

    def __init__(self, job_id: str = "", task_id: str = "", name: str = "",
                 has_next_page: bool = False, truncated: bool = False, line_limit: int = 0,
                 size_limit: Union[str, int, None] = "", log_content: str = "") -> None:
        self.job_id = job_id
        self.task_id = task_id
        self.name = name
        self.has_next_page = has_next_page
        self.truncated = truncated
        self.line_limit = line_limit
        self.size_limit = size_limit
        self.log_content = log_content


LogInfo = LogInfoByLimit  # short name

__all__ = ["LogInfo", "LogInfoByLimit"]
