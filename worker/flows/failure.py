"""Reporting a job that raised, timed out, or whose work-horse or worker died, on its thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from types import TracebackType

import docker
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from kiln.jobs import BuildJob, CommandJob, ReviseJob, job_from, kind_of
from kiln.states import BuildState, JobKind
from worker.flows.commands import COMMAND_MARKER
from worker.flows.ending import JobEnd, JobEnding
from worker.thread import messages

log = logging.getLogger(__name__)

KilnJob = BuildJob | ReviseJob | CommandJob
OpenEnding = Callable[[KilnJob], AbstractContextManager[JobEnding]]
"""The ending of a job's thread, with a GitHub client that lasts as long as the block."""


def failure_reason(exc_type: type[BaseException] | None, exc: BaseException | None,
                   now: datetime | None = None) -> str:
    """A short account of why a job stopped, in words fit for an issue: what GitHub, Docker
    or RQ said is put plainly; the exception itself goes to the log."""
    if exc_type is not None and issubclass(exc_type, JobTimeoutException):
        return "it ran past the job time limit"
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        return "the worker running it stopped responding"
    if isinstance(exc, RateLimitExceeded):
        until = (now or datetime.now(UTC)) + exc.retry_after
        return (f"GitHub's rate limit for this installation is used up until "
                f"{until:%H:%M} UTC")
    if isinstance(exc, RequestFailed):
        request = exc.response.raw_request
        return (f"GitHub answered {exc.response.status_code} to {request.method} "
                f"{request.url.path}")
    if isinstance(exc, RequestError):
        return "GitHub could not be reached"
    if isinstance(exc, docker.errors.DockerException):
        return "the Docker engine could not be reached"
    if exc_type is None:
        return "an internal error"
    return f"an internal error ({exc_type.__name__}: {str(exc)[:200]})"


def reported_job(job: Job) -> KilnJob | None:
    """The typed job an RQ job ran; None for a job that is not Kiln's."""
    kind = kind_of(job.func_name)
    if kind is JobKind.BUILD:
        return job_from(BuildJob, job.kwargs)
    if kind is JobKind.REVISE:
        return job_from(ReviseJob, job.kwargs)
    if kind is JobKind.COMMAND:
        return job_from(CommandJob, job.kwargs)
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
        if typed is None or (isinstance(typed, CommandJob) and typed.notice is not None):
            return  # a notice is itself the answer; saying it failed would need the same call
        with self.open_ending(typed) as ending:
            if isinstance(typed, CommandJob):
                marker = COMMAND_MARKER.format(comment_id=typed.comment_id)
                ending.conversation.post_once(marker, messages.COMMAND_FAILED.format(
                    marker=marker, login=typed.sender, name=typed.name, reason=reason))
                return
            next_step = messages.NEXT_STEP_CRASHED.format(reason=reason)
            ending.end(job.id, JobEnd(BuildState.FAILED, note=reason, next_step=next_step),
                       typed)
