"""Job methods of the Client: create, show, list, update, stop, delete (+ wait_job).

Signatures and return values are the seed's (``(ret, response)``; list adds the next marker).
The wire format is api.md §3; section 0 decisions apply (D2 paging, D3 label filter AND-match,
D7 ``userName``, D8 an empty label/annotation value deletes the key).
"""
import json
import time
from typing import Any, Iterable, Mapping, Optional, Union

from paddleflow.common.base import ClientBase, Result
from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.common.http import quote_segment
from paddleflow.common.util import (KeyValues, compact, kv_dict, positive_int, require,
                                    time_string, unix_seconds)
from paddleflow.job.job_info import JOB_TYPES, JobInfo, JobRequest

DEFAULT_LIST_MAXKEYS = 100  # the seed's documented default page size
FINAL_STATUSES = ("succeeded", "failed", "terminated", "skipped", "cancelled", "preempted")


def _get_ci(d: Mapping[str, Any], key: str) -> Any:
    """Look a key up the way the server does: exact match first, then case-insensitive."""
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return None


def _queue_of(body: Mapping[str, Any]) -> Any:
    policy = _get_ci(body, "schedulingPolicy")
    return _get_ci(policy, "queue") if isinstance(policy, Mapping) else None


class JobApi(ClientBase):
    """The job methods (mixed into ``paddleflow.Client``)."""

    def create_job(self, job_type: str,
                   job_request: Union[JobRequest, Mapping[str, Any]]) -> Result:
        """Create a job.

        Args:
            job_type: ``single``, ``distributed`` or ``workflow``.
            job_request: a JobRequest, or a dict in the wire format of api.md §3.1 (sent as is).
        Returns:
            ``(True, job_id)``.
        Raises:
            PaddleFlowSDKException: ``InvalidJobType``, ``InvalidJobRequest`` (no queue) before
                sending; ``JobCreateFailed`` / ``MalformedJSON`` ... from the server.
        """
        self.pre_check()
        if job_type not in JOB_TYPES:
            raise PaddleFlowSDKException(
                "InvalidJobType", "job_type should be single, distributed or workflow, got %r"
                % (job_type,))
        if isinstance(job_request, JobRequest):
            queue, body = job_request.queue, job_request.to_body()
        elif isinstance(job_request, Mapping):
            queue, body = _queue_of(job_request), dict(job_request)
        else:
            raise PaddleFlowSDKException("InvalidJobRequest",
                                         "job_request should be a JobRequest or a dict")
        if not isinstance(queue, str) or queue.strip() == "":
            raise PaddleFlowSDKException("InvalidJobRequest",
                                         "job_request queue should not be none or empty")
        data = self._call_obj("POST", "/job/%s" % job_type, body=body)
        if isinstance(data, dict) and "message" in data:
            return False, data["message"]
        return True, data["id"]

    def show_job(self, jobid: str) -> Result:
        """Return ``(True, JobInfo)`` for one job, including its runtime view."""
        self.pre_check()
        require(jobid, "InvalidJobID", "jobid")
        data = self._call_obj("GET", "/job/%s" % quote_segment(jobid))
        return True, JobInfo.from_wire(data)

    def list_job(self, status: Optional[str] = None,
                 timestamp: Union[int, float, Any, None] = None,
                 start_time: Union[str, Any, None] = None, queue: Optional[str] = None,
                 labels: KeyValues = None, maxkeys: Optional[int] = None,
                 marker: Optional[str] = None) -> Result:
        """List jobs, newest first.

        Args:
            status: only jobs in this status.
            timestamp: only jobs updated at or after this Unix time (int or datetime).
            start_time: only jobs started at or after this time (``"2006-01-02 15:04:05"``
                or datetime).
            queue: only jobs of this queue.
            labels: only jobs carrying all these labels (dict or ``"k=v,k2=v2"``).
            maxkeys: page size, default 100.
            marker: continue from the ``next_marker`` of a previous call.
        Returns:
            ``(True, [JobInfo, ...], next_marker)``; ``next_marker`` is None on the last page.
        """
        self.pre_check()
        label_map = kv_dict(labels)
        query = compact({
            "status": status, "timestamp": unix_seconds(timestamp),
            "startTime": time_string(start_time), "queue": queue,
            "labels": json.dumps(label_map) if label_map else None,
            "maxKeys": positive_int(DEFAULT_LIST_MAXKEYS if maxkeys is None else maxkeys,
                                    "maxkeys"),
            "marker": marker})
        data = self._call_obj("GET", "/job", query=query)
        if "message" in data:
            return False, data["message"], None
        jobs = [JobInfo.from_wire(j, with_runtime=False) for j in data.get("jobList") or []]
        return True, jobs, data.get("nextMarker") or None

    def update_job(self, jobid: str, priority: Optional[str] = None, labels: KeyValues = None,
                   annotations: KeyValues = None) -> Result:
        """Change a job's priority, labels or annotations.

        Labels and annotations are merged: a key with an empty value is deleted, others are
        added or overwritten. Both accept a dict or a ``"k=v,k2="`` string. The priority can
        only change while the job is ``init`` or ``pending``.

        Returns:
            ``(True, None)``.
        """
        self.pre_check()
        require(jobid, "InvalidJobID", "jobid")
        body = compact({"priority": priority, "labels": kv_dict(labels),
                        "annotations": kv_dict(annotations, "annotations")})
        self._call("PUT", "/job/%s" % quote_segment(jobid), query={"action": "modify"},
                   body=body)
        return True, None

    def stop_job(self, jobid: str) -> Result:
        """Stop a job that has not finished. Returns ``(True, None)``."""
        self.pre_check()
        require(jobid, "InvalidJobID", "jobid")
        self._call("PUT", "/job/%s" % quote_segment(jobid), query={"action": "stop"})
        return True, None

    def delete_job(self, jobid: str) -> Result:
        """Delete a finished job (stop it first). Returns ``(True, None)``."""
        self.pre_check()
        require(jobid, "InvalidJobID", "jobid")
        self._call("DELETE", "/job/%s" % quote_segment(jobid))
        return True, None

    def wait_job(self, jobid: str, statuses: Iterable[str] = FINAL_STATUSES,
                 timeout: Optional[float] = None, interval: float = 0.2) -> JobInfo:
        """Poll a job until its status is one of ``statuses`` (default: any final status).

        Not part of the seed's API; a convenience for scripts. Returns the last JobInfo.

        Raises:
            PaddleFlowSDKException: ``Timeout`` if ``timeout`` seconds pass first.
        """
        wanted = set(statuses)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            _, job = self.show_job(jobid)
            if job.status in wanted:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise PaddleFlowSDKException(
                    "Timeout", "job %s is still %s after %s s" % (jobid, job.status, timeout))
            time.sleep(interval)
