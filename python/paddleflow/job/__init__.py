"""Jobs: the JobRequest and JobInfo classes of the seed, and the job methods' mixin."""
from paddleflow.job.job_info import JobInfo, JobRequest

__all__ = ["JobInfo", "JobRequest"]
