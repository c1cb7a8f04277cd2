"""Log methods of the Client: a snapshot of a job's logs, and a stream that follows them.

``GET /log/job?jobID=…`` (api.md §3.11 with D11) returns every task's log cut by
``lineLimit``/``sizeLimit``. The ``follow=true`` extension of this project keeps the response
open and streams one task's log as chunked text until the job ends; follow_log turns that into
an iterator of text pieces. It uses a connection of its own, so the Client stays usable
meanwhile. The server refuses to follow a job with no running task yet (403 ActionNotAllowed,
"retry when it runs"), so follow_log waits for the job to start, with a gentle backoff.
"""
import codecs
import time
from typing import Any, Dict, Iterator, Optional, Union

from paddleflow.common.base import ClientBase, Result
from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.common.util import compact, positive_int, require
from paddleflow.job.job_api import FINAL_STATUSES
from paddleflow.log.log_info import LogInfoByLimit

DEFAULT_LINE_LIMIT = 1000
DEFAULT_SIZE_LIMIT = "100M"


def _log_query(job_id: str, name: Optional[str], namespace: Optional[str],
               cluster_name: Optional[str], read_from_tail: Optional[bool],
               line_limit: Optional[int], size_limit: Union[str, int, None],
               type: Optional[str], framework: Optional[str]) -> Dict[str, Any]:
    return compact({
        "jobID": job_id, "name": name, "namespace": namespace, "clusterName": cluster_name,
        "readFromTail": "true" if read_from_tail else None,
        "lineLimit": None if line_limit is None else positive_int(line_limit, "line_limit"),
        "sizeLimit": None if size_limit is None else str(size_limit),
        "type": type, "framework": framework})


class LogApi(ClientBase):
    """The log methods (mixed into ``paddleflow.Client``)."""

    def show_log(self, job_id: str, line_limit: Optional[int] = None,
                 size_limit: Union[str, int, None] = None, read_from_tail: Optional[bool] = None,
                 framework: Optional[str] = None, cluster_name: Optional[str] = None,
                 name: Optional[str] = None, namespace: Optional[str] = None,
                 type: Optional[str] = None) -> Result:
        """Return the current logs of every task of a job.

        Args:
            job_id: the job.
            line_limit: at most this many lines per task (server default 1000).
            size_limit: at most this many bytes per task, a quantity such as ``"1M"``.
            read_from_tail: take the last lines instead of the first.
            framework, cluster_name, name, namespace, type: passed through (upstream's filters).
        Returns:
            ``(True, {"eventList": [...], "logs": [LogInfoByLimit, ...]})``, one entry per task.
        """
        self.pre_check()
        require(job_id, "InvalidJobID", "job_id")
        query = _log_query(job_id, name, namespace, cluster_name, read_from_tail, line_limit,
                           size_limit, type, framework)
        data = self._call_obj("GET", "/log/job", query=query)
        if "message" in data:
            return False, data["message"]
        shown_limit = DEFAULT_LINE_LIMIT if line_limit is None else int(line_limit)
        shown_size = DEFAULT_SIZE_LIMIT if size_limit is None else size_limit
        logs = []
        for task in data.get("taskList") or []:
            info = task.get("logInfo") or {}
            logs.append(LogInfoByLimit(
                job_id=data.get("jobID", job_id), task_id=task.get("taskID", ""),
                name=data.get("name", ""), has_next_page=bool(info.get("hasNextPage")),
                truncated=bool(info.get("truncated")), line_limit=shown_limit,
                size_limit=shown_size, log_content=info.get("logContent", "")))
        return True, {"eventList": data.get("eventList") or [], "logs": logs}

    def show_log_by_limit(self, job_id: Optional[str] = None, name: Optional[str] = None,
                          namespace: Optional[str] = None, cluster_name: Optional[str] = None,
                          read_from_tail: Optional[bool] = None,
                          line_limit: Optional[int] = None,
                          size_limit: Union[str, int, None] = None, type: Optional[str] = None,
                          framework: Optional[str] = None) -> Result:
        """Upstream's name and argument order for :meth:`show_log`."""
        return self.show_log(job_id, line_limit=line_limit, size_limit=size_limit,
                             read_from_tail=read_from_tail, framework=framework,
                             cluster_name=cluster_name, name=name, namespace=namespace,
                             type=type)

    def follow_log(self, job_id: str, read_timeout: Optional[float] = None,
                   task_name: Optional[str] = None) -> Iterator[str]:
        """Stream a job's log as it is written, until the job ends (like ``tail -f``).

        Yields pieces of text as they arrive (not necessarily whole lines). A job that has not
        started yet is waited for; one that ended before it started streaming yields its whole
        log. Stopping the iteration early (``break``, ``close()``) closes the stream.

        Args:
            job_id: the job.
            read_timeout: give up with ``Timeout`` if nothing arrives for this many seconds
                (None: wait as long as the job runs).
            task_name: the task to follow (default: the job's first task).
        Raises:
            PaddleFlowSDKException: ``JobNotFound``, ``ActionNotAllowed`` (not the owner)
                etc. when called; ``Timeout`` / ``ConnectionError`` while streaming.
        """
        self.pre_check()
        require(job_id, "InvalidJobID", "job_id")
        query = compact({"jobID": job_id, "follow": "true", "taskName": task_name})
        first = self._open_follow(job_id, query, read_timeout)
        return self._follow(job_id, query, read_timeout, first)

    def _open_follow(self, job_id: str, query: Dict[str, Any],
                     read_timeout: Optional[float]) -> Optional[Iterator[str]]:
        """Start streaming; None while the job has no running task yet (the server answers
        403 ActionNotAllowed then). A job already ended yields its stored log instead."""
        try:
            return _decode(self._stream("/log/job", query=query, read_timeout=read_timeout))
        except PaddleFlowSDKException as e:
            if e.status != 403 or e.code != "ActionNotAllowed":
                raise
        _, job = self.show_job(job_id)  # raises if the caller may not see the job
        if job.status not in FINAL_STATUSES:
            return None
        _, result = self.show_log(job_id)
        task = query.get("taskName")
        return iter([log.log_content for log in result["logs"]
                     if log.log_content and (task is None or log.task_id == task)])

    def _follow(self, job_id: str, query: Dict[str, Any], read_timeout: Optional[float],
                chunks: Optional[Iterator[str]]) -> Iterator[str]:
        delay, waited = 0.1, 0.0
        while chunks is None:
            if read_timeout is not None and waited >= read_timeout:
                raise PaddleFlowSDKException(
                    "Timeout", "job %s did not start within %s s" % (job_id, read_timeout))
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, 1.0)
            chunks = self._open_follow(job_id, query, read_timeout)
        try:
            for text in chunks:
                yield text
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


def _decode(chunks: Iterator[bytes]) -> Iterator[str]:
    """UTF-8 decode a byte stream incrementally (a character may span two chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    try:
        for chunk in chunks:
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
