"""Reporting a job that raised, timed out, or whose work-horse or worker died, on its thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType

from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from kiln.jobs import BuildJob, ReviseJob, job_from, kind_of
from kiln.states import BuildState, JobKind
from worker.flows.ending import JobEnd, JobEnding
from worker.thread import messages

log = logging.getLogger(__name__)

OpenEnding = Callable[[BuildJob | ReviseJob], AbstractContextManager[JobEnding]]
"""The ending of a job's thread, with a GitHub client that lasts as long as the block."""


def failure_reason(exc_type: type[BaseException] | None, exc: BaseException | None) -> str:
    """A short, user-facing account of why a job stopped."""
    if exc_type is not None and issubclass(exc_type, JobTimeoutException):
        return "it ran past the job time limit"
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        return "the worker running it stopped responding"
    if exc_type is None:
        return "an internal error"
    return f"an internal error ({exc_type.__name__}: {str(exc)[:200]})"


def reported_job(job: Job) -> BuildJob | ReviseJob | None:
    """The typed build or revision an RQ job ran; None for commands (nothing to roll back)
    and for jobs that are not Kiln's."""
    kind = kind_of(job.func_name)
    if kind is JobKind.BUILD:
        return job_from(BuildJob, job.kwargs)
    if kind is JobKind.REVISE:
        return job_from(ReviseJob, job.kwargs)
    return None


class FailureReporter:
    """An RQ exception handler (and work-horse-killed handler) that reports failed jobs."""

    def __init__(self, open_ending: OpenEnding) -> None:
        self.open_ending = open_ending

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
        typed = reported_job(job)
        if typed is None:
            return
        with self.open_ending(typed) as ending:
            next_step = messages.NEXT_STEP_CRASHED.format(reason=reason)
            ending.end(job.id, JobEnd(BuildState.FAILED, note=reason, next_step=next_step))
