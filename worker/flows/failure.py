"""Reporting a job that raised, timed out, or whose work-horse or worker died, on its thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from types import TracebackType

import docker
import redis
import requests
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from kiln.jobs import BuildJob, CommandJob, ReviseJob, job_from, kind_of
from kiln.states import BuildState, JobKind
from sandbox.channel import SupervisorGone
from worker.flows.command_retry import again, retry_id
from worker.flows.commands import COMMAND_MARKER
from worker.flows.ending import JobEnd, JobEnding
from worker.flows.loss import RETRYING, lost_to_infrastructure, retry_job_id, verdict
from worker.thread import messages
from worker.watchdog import Stalled

log = logging.getLogger(__name__)

KilnJob = BuildJob | ReviseJob | CommandJob
OpenEnding = Callable[[KilnJob], AbstractContextManager[JobEnding]]
"""The ending of a job's thread, with a GitHub client that lasts as long as the block."""
Requeue = Callable[[BuildJob | ReviseJob, str], None]
"""Queue a build or revision again under an RQ job id, unless a job with that id exists."""
Later = Callable[[CommandJob, str, datetime], None]
"""Queue a command again under an RQ job id at a time (RQ's scheduler), unless that id exists."""
Clock = Callable[[], datetime]

RATE_LIMITED = "GitHub's rate limit for this installation is used up until {until:%H:%M} UTC"
REPORT_LATER = "; Kiln will report here then"


def utc_now() -> datetime:
    return datetime.now(UTC)


def failure_reason(exc_type: type[BaseException] | None, exc: BaseException | None,
                   now: datetime | None = None) -> str:
    """A short account of why a job stopped, in words fit for an issue: what GitHub, Docker
    or RQ said is put plainly; the exception itself goes to the log."""
    if exc_type is not None and issubclass(exc_type, JobTimeoutException):
        return "it ran past the job time limit"
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        return "the worker running it stopped responding"
    if isinstance(exc, Stalled):
        return str(exc)  # what it waited for, and how long
    if isinstance(exc, RateLimitExceeded):
        return RATE_LIMITED.format(until=(now or utc_now()) + exc.retry_after) + REPORT_LATER
    if isinstance(exc, RequestFailed):
        request = exc.response.raw_request
        return (f"GitHub answered {exc.response.status_code} to {request.method} "
                f"{request.url.path}")
    if isinstance(exc, RequestError):
        return "GitHub could not be reached"
    if isinstance(exc, docker.errors.DockerException | requests.exceptions.ConnectionError):
        return "the Docker engine could not be reached"
    if isinstance(exc, SupervisorGone):
        return "the build's sandbox stopped under it"
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return "Redis could not be reached"
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
    """An RQ exception handler (and work-horse-killed handler) that reports failed jobs.

    The build record is made final first, whatever GitHub says; the report goes through the
    thread's outbox, which shows it once GitHub takes it (after a rate limit's reset, say). A
    build the infrastructure lost is queued once more instead (`worker.flows.loss`); a command
    GitHub did not take is asked again later (`worker.flows.command_retry`).
    """

    def __init__(self, open_ending: OpenEnding, requeue: Requeue, later: Later,
                 clock: Clock = utc_now) -> None:
        self.open_ending = open_ending
        self.requeue = requeue
        self.later = later
        self.clock = clock

    def __call__(self, job: Job, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> bool:
        self.report(job, failure_reason(exc_type, exc, self.clock()),
                    lost=lost_to_infrastructure(exc_type, exc), exc=exc)
        return True  # let RQ's own handlers (logging, moving to the failed registry) run

    def horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: object) -> None:
        # RQ calls this only for a work-horse it did not stop itself (a cancel is not this).
        self.report(job, f"its process was killed (status {ret_val})", lost=True)

    def report(self, job: Job, reason: str, lost: bool = False,
               exc: BaseException | None = None) -> None:
        """Say on the job's thread that it failed, or that a build the infrastructure lost
        is tried again; never raises (it runs inside RQ)."""
        try:
            self._report(job, reason, lost, exc)
        except Exception:
            log.exception("could not report the failure of job %s", job.id)

    def _report(self, job: Job, reason: str, lost: bool, exc: BaseException | None) -> None:
        typed = reported_job(job)
        if isinstance(typed, CommandJob):
            self._report_command(job.id, typed, reason, exc)
            return
        if typed is None:
            return
        with self.open_ending(typed) as ending:
            decided = verdict(typed, lost, reason)
            if decided.retry is not None:
                self._try_again(ending, job.id, typed, decided.retry, reason)
            else:
                self._report_build(ending, job.id, typed, decided.reason)

    def _report_command(self, job_id: str, command: CommandJob, reason: str,
                        exc: BaseException | None) -> None:
        """Ask GitHub again later when a later try can succeed; else answer that the command
        failed (a notice is itself the answer: saying it failed would need the same call)."""
        retry = again(command, exc, self.clock().timestamp())
        if retry is not None:
            command_again, due = retry
            log.warning("GitHub did not take command job %s; trying again at %s", job_id,
                        datetime.fromtimestamp(due, UTC))
            self.later(command_again, retry_id(job_id, command_again.attempt),
                       datetime.fromtimestamp(due, UTC))
            return
        if command.notice is not None:
            return
        with self.open_ending(command) as ending:
            marker = COMMAND_MARKER.format(comment_id=command.comment_id)
            ending.conversation.post_once(marker, messages.COMMAND_FAILED.format(
                marker=marker, login=command.sender, name=command.name, reason=reason))

    def _report_build(self, ending: JobEnding, job_id: str, typed: BuildJob | ReviseJob,
                      reason: str) -> None:
        next_step = messages.NEXT_STEP_CRASHED.format(reason=reason)
        end = JobEnd(BuildState.FAILED, note=reason, next_step=next_step)
        record = ending.close(job_id, end, typed)
        if record is not None:
            ending.show(record, end)

    def _try_again(self, ending: JobEnding, job_id: str, lost: BuildJob | ReviseJob,
                   retry: BuildJob | ReviseJob, reason: str) -> None:
        """End the lost job's record, say on the thread that Kiln tries once more, and queue
        the retry; nothing when the job had ended itself (or this loss was seen before)."""
        note = RETRYING.format(reason=reason)
        record = ending.close(job_id, JobEnd(BuildState.FAILED, note=note), lost)
        if record is None:
            return
        log.warning("job %s was lost (%s); queueing it once more", job_id, reason)
        try:  # first, so the retry's own progress is never overwritten by this
            ending.show(record, JobEnd(BuildState.QUEUED, note=note))
        finally:
            self.requeue(retry, retry_job_id(job_id))
