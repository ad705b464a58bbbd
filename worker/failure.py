"""Reporting a job that raised, timed out, or whose work-horse or worker died, on its thread."""

from __future__ import annotations

import logging
from types import TracebackType

from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from kiln.states import BuildState
from worker import messages
from worker.ending import JobEnd, JobEnding
from worker.runtime import Runtime

log = logging.getLogger(__name__)

# The argument naming each reported job's thread; commands fail quietly (nothing to roll back).
THREAD_ARGUMENT = {"worker.jobs.build": "issue_number", "worker.jobs.revise": "pull_number"}


def failure_reason(exc_type: type[BaseException] | None, exc: BaseException | None) -> str:
    """A short, user-facing account of why a job stopped."""
    if exc_type is not None and issubclass(exc_type, JobTimeoutException):
        return "it ran past the job time limit"
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        return "the worker running it stopped responding"
    if exc_type is None:
        return "an internal error"
    return f"an internal error ({exc_type.__name__}: {str(exc)[:200]})"


class FailureReporter:
    """An RQ exception handler (and work-horse-killed handler) that reports failed jobs."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, job: Job, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> bool:
        self.report(job, failure_reason(exc_type, exc))
        return True  # let RQ's own handlers (logging, moving to the failed registry) run

    def horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: object) -> None:
        self.report(job, f"its process was killed (status {ret_val}), perhaps out of memory")

    def report(self, job: Job, reason: str) -> None:
        """Say on the job's thread that it failed; never raises (it runs inside RQ)."""
        try:
            self._report(job, reason)
        except Exception:
            log.exception("could not report the failure of job %s", job.id)

    def _report(self, job: Job, reason: str) -> None:
        argument = THREAD_ARGUMENT.get(job.func_name or "")
        if argument is None:
            return
        kwargs = job.kwargs
        gh = self.runtime.github.installation(kwargs["installation_id"])
        with gh:
            ending = JobEnding(self.runtime, gh, kwargs["owner"], kwargs["repo"],
                               kwargs[argument], self.runtime.open_docker)
            next_step = messages.NEXT_STEP_CRASHED.format(reason=reason)
            ending.end(job.id, JobEnd(BuildState.FAILED, note=reason, next_step=next_step))
