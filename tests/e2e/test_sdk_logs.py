"""Python SDK: job logs — show_log / show_log_by_limit (GET /log/job, D11) and follow_log
(the follow=true streaming extension) against jobs really running on the server."""
import time

from sdkutil import client, paddleflow, raises_code, user_client, wait_status  # noqa: F401

JobRequest = paddleflow.JobRequest
Q = "default-queue"
FIVE_LINES = "for i in 1 2 3 4 5; do echo line$i; done"


def run(client, command, **kw):
    ok, job_id = client.create_job("single", JobRequest(queue=Q, image="busybox",
                                                        command=command, **kw))
    assert ok
    return job_id


def test_show_log_of_a_finished_job(client):
    job_id = run(client, FIVE_LINES)
    assert wait_status(client, job_id).status == "succeeded"
    ok, result = client.show_log(job_id)
    assert ok and result["eventList"] == []
    logs = result["logs"]
    assert len(logs) == 1
    log = logs[0]
    assert log.job_id == job_id and log.task_id
    assert log.log_content == "line1\nline2\nline3\nline4\nline5\n"
    assert log.has_next_page is False and log.truncated is False


def test_show_log_limits(client):
    job_id = run(client, FIVE_LINES)
    wait_status(client, job_id)
    head = client.show_log(job_id, line_limit=2)[1]["logs"][0].log_content
    assert head == "line1\nline2\n"
    tail = client.show_log(job_id, line_limit=2, read_from_tail=True)[1]["logs"][0]
    assert tail.log_content == "line4\nline5\n" and tail.line_limit == 2
    sized = client.show_log(job_id, size_limit="6")[1]["logs"][0].log_content
    assert 0 < len(sized) <= 6 and "line1\n".startswith(sized)
    # upstream's name and argument order
    ok, same = client.show_log_by_limit(job_id=job_id, line_limit=2, read_from_tail=True)
    assert ok and same["logs"][0].log_content == "line4\nline5\n"


def test_show_log_of_every_task(client):
    members = [{"role": "worker", "replicas": 2, "image": "busybox",
                "command": "echo task-$PF_JOB_ID", "flavour": {"cpu": "500m", "mem": "128Mi"}}]
    ok, job_id = client.create_job("distributed", JobRequest(
        queue=Q, framework="paddle", member_list=members))
    assert ok
    assert wait_status(client, job_id).status == "succeeded"
    logs = client.show_log(job_id)[1]["logs"]
    assert len(logs) == 2 and len({log.task_id for log in logs}) == 2
    assert all(log.log_content == "task-%s\n" % job_id for log in logs)


def test_show_log_errors(client, user_client):
    raises_code("JobNotFound", client.show_log, "job-0000000000000000")
    raises_code("InvalidJobID", client.show_log, "")
    raises_code("InvalidArgument", client.show_log, "job-x", line_limit=0)
    job_id = run(client, "true")
    raises_code("ActionNotAllowed", user_client.show_log, job_id)


def test_follow_log_streams_until_the_job_ends(client):
    job_id = run(client, "for i in 1 2 3 4 5 6; do echo step$i; sleep 0.4; done")
    t0 = time.time()
    first_at, text = None, ""
    for piece in client.follow_log(job_id, read_timeout=30):
        assert isinstance(piece, str)
        if first_at is None and "step1" in piece:
            first_at = time.time() - t0
        text += piece
    ended_at = time.time() - t0
    assert text == "".join("step%d\n" % i for i in range(1, 7))
    # streamed as written, not delivered in one piece at the end
    assert first_at is not None and first_at < ended_at - 1.0, (first_at, ended_at)
    assert client.show_job(job_id)[1].status == "succeeded"


def test_follow_log_of_a_finished_job_returns_it_whole(client):
    job_id = run(client, FIVE_LINES)
    wait_status(client, job_id)
    assert "".join(client.follow_log(job_id)) == "line1\nline2\nline3\nline4\nline5\n"


def test_follow_log_stopped_early_and_by_stop_job(client):
    job_id = run(client, "echo begin; sleep 30")
    stream = client.follow_log(job_id, read_timeout=30)
    assert next(stream).startswith("begin")
    stream.close()  # closes the streaming connection; the client stays usable
    assert client.get_version()[0]
    # a second follower sees the job end when it is stopped
    text = ""
    for piece in client.follow_log(job_id, read_timeout=30):
        text += piece
        if "begin" in text:
            client.stop_job(job_id)
    assert text.startswith("begin")
    assert wait_status(client, job_id).status == "terminated"


def test_follow_log_errors(client):
    raises_code("JobNotFound", client.follow_log, "job-0000000000000000")
    raises_code("InvalidJobID", client.follow_log, "")
    job_id = run(client, "sleep 5")
    raises_code("Timeout", lambda: list(client.follow_log(job_id, read_timeout=0.5)))
    client.stop_job(job_id)
