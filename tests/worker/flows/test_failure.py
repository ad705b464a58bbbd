"""A failed RQ job is read back as the typed job whose thread gets the report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import docker
from rq.job import Job

from kiln.jobs import BuildJob, CommandJob, ReviseJob, arguments
from kiln.states import BuildState
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows, no_later
from worker.flows.ending import JobEnding
from worker.flows.failure import FailureReporter, failure_reason, reported_job


def _no_requeue(job: BuildJob | ReviseJob, job_id: str) -> None:
    raise AssertionError(f"only a build the infrastructure lost is queued again, not {job}")


def rq_job(redis_conn, function: str, kwargs: dict, job_id: str = "job-x") -> Job:
    return Job.create(function, kwargs=kwargs, id=job_id, connection=redis_conn)


def test_kilns_jobs_are_read_back_typed(redis_conn) -> None:
    build = BuildJob(1, "o", "r", 3, "s")
    revise = ReviseJob(1, "o", "r", 4, "s", 7, None)

    assert reported_job(rq_job(redis_conn, "worker.jobs.build", arguments(build))) == build
    assert reported_job(rq_job(redis_conn, "worker.jobs.revise", arguments(revise))) == revise
    command = CommandJob(1, "o", "r", 5, False, "s", "status", 9)
    assert reported_job(rq_job(redis_conn, "worker.jobs.command", arguments(command))) == command
    assert reported_job(rq_job(redis_conn, "tests.bot.probe_jobs.echo", {})) is None


def test_a_build_that_failed_before_acknowledging_still_ends_visibly(flows: Flows,
                                                                     redis_conn) -> None:
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice")

    @contextmanager
    def open_ending(typed: BuildJob | ReviseJob) -> Iterator[JobEnding]:
        yield flows.ending(typed.number)

    # As when the permission check answered 502 until githubkit gave up: no record, no comment.
    reporter = FailureReporter(open_ending, _no_requeue, no_later)
    reporter(rq_job(redis_conn, "worker.jobs.build", arguments(job), "job-early"),
             RuntimeError, RuntimeError("boom"), None)

    body = flows.progress(number)
    assert "Kiln build: failed" in body and "/kiln retry" in body
    record = flows.records.of_job("job-early")
    assert record is not None and record.state is BuildState.FAILED
    assert record.repo == f"{OWNER}/{REPO}" and record.number == number


def test_a_failed_command_is_answered(flows: Flows, redis_conn) -> None:
    number = flows.open_issue()
    job = CommandJob(flows.world.installation_id, OWNER, REPO, number, False, "alice", "status",
                     555)

    @contextmanager
    def open_ending(typed: CommandJob) -> Iterator[JobEnding]:
        yield flows.ending(typed.number)

    reporter = FailureReporter(open_ending, _no_requeue, no_later)
    for _ in range(2):  # RQ may report the same job twice (handler, then maintenance)
        reporter(rq_job(redis_conn, "worker.jobs.command", arguments(job), "command-555"),
                 RuntimeError, RuntimeError("boom"), None)

    (reply,) = flows.replies(number)
    assert "<!-- kiln:command 555 -->" in reply and "could not answer `/kiln status`" in reply


def test_failure_reasons_say_what_github_and_docker_said_in_words() -> None:
    import httpx
    from githubkit import Response
    from githubkit.exception import PrimaryRateLimitExceeded, RequestFailed, RequestTimeout

    def response(status: int) -> Response:
        request = httpx.Request("GET", "https://api.github.com/repos/o/r/issues/1?x=1")
        return Response(httpx.Response(status, request=request), Any)

    now = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)
    limited = PrimaryRateLimitExceeded(response(403), timedelta(hours=1))
    assert failure_reason(type(limited), limited, now) == (
        "GitHub's rate limit for this installation is used up until 14:05 UTC; "
        "Kiln will report here then")
    failed = RequestFailed(response(502))
    assert failure_reason(type(failed), failed) == "GitHub answered 502 to GET /repos/o/r/issues/1"
    timeout = RequestTimeout(httpx.Request("GET", "https://api.github.com/x"))
    assert failure_reason(type(timeout), timeout) == "GitHub could not be reached"
    gone = docker.errors.DockerException("connection refused")
    assert failure_reason(type(gone), gone) == "the Docker engine could not be reached"
