"""A command GitHub did not take is asked again later; one it refused for good is answered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from githubkit import Response
from githubkit.exception import PrimaryRateLimitExceeded, RequestFailed, RequestTimeout
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from kiln.jobs import CommandJob, arguments, job_from
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows
from worker.flows.command_retry import COMMAND_RETRIES, again, retry_id
from worker.flows.ending import JobEnding
from worker.flows.failure import FailureReporter
from worker.state.schedule import schedule_command

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
COMMAND = CommandJob(1, "o", "r", 5, False, "alice", "status", 9)


def answered(status: int) -> RequestFailed:
    request = httpx.Request("POST", "https://api.github.com/repos/o/r/issues/5/comments")
    return RequestFailed(Response(httpx.Response(status, request=request), Any))


def test_github_down_or_out_of_quota_means_try_again_later() -> None:
    now = NOW.timestamp()
    assert again(COMMAND, answered(502), now) == (
        CommandJob(1, "o", "r", 5, False, "alice", "status", 9, attempt=1), now + 30)
    timeout = RequestTimeout(httpx.Request("GET", "https://api.github.com/x"))
    assert again(COMMAND, timeout, now) is not None
    limited = PrimaryRateLimitExceeded(answered(403).response, timedelta(minutes=20))
    retried = again(COMMAND, limited, now)
    assert retried is not None and retried[1] == now + 20 * 60 + 5  # after the reset


def test_a_refusal_for_good_or_a_failure_not_githubs_is_not_tried_again() -> None:
    now = NOW.timestamp()
    assert again(COMMAND, answered(404), now) is None
    assert again(COMMAND, RuntimeError("boom"), now) is None
    assert again(COMMAND, None, now) is None
    spent = CommandJob(1, "o", "r", 5, False, "alice", "status", 9, attempt=COMMAND_RETRIES)
    assert again(spent, answered(502), now) is None


def test_each_attempt_has_its_own_job_id() -> None:
    assert retry_id("command-9", 1) == "command-9-again-1"
    assert retry_id("command-9-again-1", 2) == "command-9-again-2"


def test_a_command_github_did_not_take_is_answered_by_its_retry(flows: Flows,
                                                                 redis_conn: Redis) -> None:
    number = flows.open_issue()
    job = CommandJob(flows.world.installation_id, OWNER, REPO, number, False, MAINTAINER,
                     "status", 555)
    later: list[tuple[CommandJob, str, datetime]] = []
    reporter = FailureReporter(_ending(flows), _no_requeue,
                               lambda *asked: later.append(asked), clock=lambda: NOW)
    rq_job = Job.create("worker.jobs.command", kwargs=arguments(job), id="command-555",
                        connection=redis_conn)

    reporter(rq_job, RequestFailed, answered(502), None)

    assert flows.replies(number) == []  # nothing said while GitHub is down: it is asked again
    ((retry, retry_job_id, at),) = later
    assert (retry.attempt, retry_job_id, at) == (1, "command-555-again-1",
                                                 NOW + timedelta(seconds=30))
    flows.command(number, retry.name, retry.comment_id)  # the retry, GitHub back
    (reply,) = flows.replies(number)
    assert "<!-- kiln:command 555 -->" in reply and "could not answer" not in reply


def test_a_command_github_refused_for_good_is_answered_with_the_reason(
        flows: Flows, redis_conn: Redis) -> None:
    number = flows.open_issue()
    job = CommandJob(flows.world.installation_id, OWNER, REPO, number, False, MAINTAINER,
                     "status", 556)
    reporter = FailureReporter(_ending(flows), _no_requeue, _never, clock=lambda: NOW)
    rq_job = Job.create("worker.jobs.command", kwargs=arguments(job), id="command-556",
                        connection=redis_conn)

    reporter(rq_job, RequestFailed, answered(422), None)

    (reply,) = flows.replies(number)
    assert "could not answer `/kiln status`" in reply and "GitHub answered 422" in reply


def test_a_retry_is_scheduled_on_the_command_queue_once(redis_conn: Redis, flows: Flows) -> None:
    settings = flows.settings
    retry = CommandJob(1, "o", "r", 5, False, "alice", "status", 9, attempt=1)
    at = datetime.now(UTC) + timedelta(minutes=5)

    for _ in range(2):  # RQ may report one failure twice
        schedule_command(redis_conn, settings, retry, "command-9-again-1", at)

    queue = Queue(settings.command_queue_name, connection=redis_conn, job_class=KilnJob,
                  serializer=JOB_SERIALIZER)
    assert ScheduledJobRegistry(queue=queue).get_job_ids() == ["command-9-again-1"]
    scheduled = KilnJob.fetch("command-9-again-1", connection=redis_conn,
                              serializer=JOB_SERIALIZER)
    assert scheduled.func_name == "worker.jobs.command"
    assert job_from(CommandJob, scheduled.kwargs) == retry


def _ending(flows: Flows) -> Any:
    @contextmanager
    def open_ending(typed: CommandJob) -> Iterator[JobEnding]:
        yield flows.ending(typed.number)
    return open_ending


def _no_requeue(job: Any, job_id: str) -> None:
    raise AssertionError(f"a command is never queued as a lost build: {job}")


def _never(job: CommandJob, job_id: str, at: datetime) -> None:
    pytest.fail(f"{job_id} was asked again")
