"""JobRequest (what create_job sends) and JobInfo (what show_job/list_job return).

Both keep the seed's constructor signatures and attribute names exactly, so code written
against the documented SDK works unchanged. The mapping to the wire format (api.md §3.1, §3.12)
lives here too, next to the attributes it maps.
"""
from typing import Any, Dict, List, Mapping, Optional, Union

from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.common.util import Record

JOB_TYPES = ("single", "distributed", "workflow")

# JobSpec / CommonJobInfo attribute -> wire key, in the order the body is built
_SPEC_KEYS = (("job_id", "id"), ("job_name", "name"), ("labels", "labels"),
              ("annotations", "annotations"), ("image", "image"), ("env", "env"),
              ("command", "command"), ("args_list", "args"),
              ("extension_template", "extensionTemplate"), ("framework", "framework"))


def _named(value: Any) -> Any:
    """A flavour or filesystem given as a bare name becomes ``{"name": value}``."""
    return {"name": value} if isinstance(value, str) else value


class JobRequest(Record):
    """The parameters of a job to create (the seed's JobRequest).

    Args:
        queue: queue name (required).
        image: image name (recorded; required by the server unless extension_template is set).
        job_id: job id; the server generates ``job-<16 hex>`` when None.
        job_name: display name.
        labels: dict of labels.
        annotations: dict of annotations.
        priority: ``HIGH``, ``NORMAL`` or ``LOW`` (any case).
        flavour: dict ``{"name", "cpu", "mem", "scalarResources"}`` or a flavour name.
        fs: dict ``{"name", "mountPath", "subPath", "readOnly"}`` or a filesystem name.
        extra_fs_list: list of such dicts (or names).
        env: dict of environment variables.
        command: shell command string.
        args_list: list of arguments.
        port: port number.
        extension_template: a full Kubernetes object (dict).
        framework: distributed framework (``paddle``, ``spark``, ...).
        member_list: members of a distributed job, each a dict in the wire format
            (``role``, ``replicas``, ``image``, ``command``, ``flavour``, ...).
    """

    def __init__(self, queue: str, image: Optional[str] = None, job_id: Optional[str] = None,
                 job_name: Optional[str] = None, labels: Optional[Dict[str, str]] = None,
                 annotations: Optional[Dict[str, str]] = None, priority: Optional[str] = None,
                 flavour: Union[Dict[str, Any], str, None] = None,
                 fs: Union[Dict[str, Any], str, None] = None,
                 extra_fs_list: Optional[List[Union[Dict[str, Any], str]]] = None,
                 env: Optional[Dict[str, str]] = None, command: Optional[str] = None,
                 args_list: Optional[List[str]] = None, port: Optional[int] = None,
                 extension_template: Optional[Dict[str, Any]] = None,
                 framework: Optional[str] = None,
                 member_list: Optional[List[Dict[str, Any]]] = None) -> None:
        self.job_id = job_id
        self.job_name = job_name
        self.labels = labels
        self.annotations = annotations
        self.queue = queue
        self.image = image
        self.priority = priority
        self.flavour = flavour
        self.fs = fs
        self.extra_fs_list = extra_fs_list
        self.env = env
        self.command = command
        self.args_list = args_list
        self.port = port
        self.extension_template = extension_template
        self.framework = framework
        self.member_list = member_list

    def to_body(self) -> Dict[str, Any]:
        """The JSON body of ``POST /job/{type}`` for this request."""
        policy: Dict[str, Any] = {"queue": self.queue}
        if self.priority:
            policy["priority"] = self.priority
        body: Dict[str, Any] = {"schedulingPolicy": policy}
        for attr, key in _SPEC_KEYS:
            value = getattr(self, attr)
            if value is not None:
                body[key] = value
        if self.flavour is not None:
            body["flavour"] = _named(self.flavour)
        if self.fs is not None:
            body["fs"] = _named(self.fs)
        if self.extra_fs_list is not None:
            body["extraFS"] = [_named(f) for f in self.extra_fs_list]
        if self.port:
            body["port"] = self.port
        if self.member_list is not None:
            body["members"] = [_member_body(m) for m in self.member_list]
        return body


def _member_body(member: Any) -> Dict[str, Any]:
    """A member as sent: wire-format keys, None values dropped, names expanded."""
    if not isinstance(member, Mapping):
        raise PaddleFlowSDKException("InvalidJobRequest",
                                     "each member should be a dict in the wire format, "
                                     "e.g. {\"role\": \"worker\", \"replicas\": 2, ...}")
    out = {k: v for k, v in member.items() if v is not None}
    for key in ("flavour", "fs"):
        if key in out:
            out[key] = _named(out[key])
    if "extraFS" in out:
        out["extraFS"] = [_named(f) for f in out["extraFS"]]
    return out


class JobInfo(Record):
    """A job as the server shows it (the seed's JobInfo).

    ``username`` is the owner (wire key ``userName``); ``runtime``,
    ``distributed_runtime`` and ``workflow_runtime`` are filled by show_job only.
    """

    def __init__(self, job_id: Optional[str] = None, job_name: Optional[str] = None,
                 labels: Optional[Dict[str, str]] = None,
                 annotations: Optional[Dict[str, str]] = None, username: Optional[str] = None,
                 queue: Optional[str] = None, priority: Optional[str] = None,
                 flavour: Optional[Dict[str, Any]] = None, fs: Optional[Dict[str, Any]] = None,
                 extra_fs_list: Optional[List[Dict[str, Any]]] = None,
                 image: Optional[str] = None, env: Optional[Dict[str, str]] = None,
                 command: Optional[str] = None, args_list: Optional[List[str]] = None,
                 port: Optional[int] = None, extension_template: Optional[Any] = None,
                 framework: Optional[str] = None,
                 member_list: Optional[List[Dict[str, Any]]] = None,
                 status: Optional[str] = None, message: Optional[str] = None,
                 accept_time: Optional[str] = None, start_time: Optional[str] = None,
                 finish_time: Optional[str] = None, runtime: Optional[Dict[str, Any]] = None,
                 distributed_runtime: Optional[Dict[str, Any]] = None,
                 workflow_runtime: Optional[Dict[str, Any]] = None) -> None:
        self.job_id = job_id
        self.job_name = job_name
        self.labels = labels
        self.annotations = annotations
        self.username = username
        self.queue = queue
        self.priority = priority
        self.flavour = flavour
        self.fs = fs
        self.extra_fs_list = extra_fs_list
        self.image = image
        self.env = env
        self.command = command
        self.args_list = args_list
        self.port = port
        self.extension_template = extension_template
        self.framework = framework
        self.member_list = member_list
        self.status = status
        self.message = message
        self.accept_time = accept_time
        self.start_time = start_time
        self.finish_time = finish_time
        self.runtime = runtime
        self.distributed_runtime = distributed_runtime
        self.workflow_runtime = workflow_runtime

    @classmethod
    def from_wire(cls, d: Mapping[str, Any], with_runtime: bool = True) -> "JobInfo":
        """Build a JobInfo from a job object of the REST API (api.md §3.12)."""
        policy = d.get("schedulingPolicy") or {}
        # D7: the owner key is userName; upstream servers send UserName
        username = d.get("userName", d.get("UserName"))
        rt = (lambda key: d.get(key)) if with_runtime else (lambda key: None)
        return cls(job_id=d.get("id"), job_name=d.get("name"), labels=d.get("labels"),
                   annotations=d.get("annotations"), username=username,
                   queue=policy.get("queue"), priority=policy.get("priority"),
                   flavour=d.get("flavour"), fs=d.get("fs"), extra_fs_list=d.get("extraFS"),
                   image=d.get("image"), env=d.get("env"), command=d.get("command"),
                   args_list=d.get("args"), port=d.get("port"),
                   extension_template=d.get("extensionTemplate"), framework=d.get("framework"),
                   member_list=d.get("members"), status=d.get("status"),
                   message=d.get("message"), accept_time=d.get("acceptTime"),
                   start_time=d.get("startTime"), finish_time=d.get("finishTime"),
                   runtime=rt("runtime"), distributed_runtime=rt("distributedRuntime"),
                   workflow_runtime=rt("workflowRuntime"))
