"""The claim-and-enqueue path against real Redis and RQ, including a failed enqueue."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis
from redis import asyncio as redis_asyncio
from rq import Queue, SimpleWorker

from bot.decisions import JobRequest
from bot.jobqueue import JobQueue, Submission
from kiln.jobs import JOB_FUNCTIONS, BuildJob, CommandJob, ReviseJob, arguments
from kiln.rqjob import JOB_SERIALIZER
from kiln.states import JobKind

BUILD = BuildJob(installation_id=1, owner="o", repo="r", issue_number=3, sender="s")
KWARGS = arguments(BUILD)  # every field, whatever defaults the job contract adds
COMMAND = CommandJob(installation_id=1, owner="o", repo="r", number=3, is_pull_request=False,
                     sender="s", name="status", comment_id=9)
REVIEW = JobRequest(ReviseJob(installation_id=1, owner="o", repo="r", pull_number=3, sender="s",
                              review_id=7, comment_id=None), "revise-review-7", once_key="review:7")


@pytest.fixture
def submit(make_settings, redis_url, redis_conn) -> Iterator:
    """``submit(delivery_id, request, **settings)`` run to completion on a fresh event loop."""

    def run(
        delivery_id: str, request: JobRequest, functions=JOB_FUNCTIONS, **overrides: object
    ) -> Submission:
        async def once() -> Submission:
            client = redis_asyncio.Redis.from_url(redis_url)
            try:
                jobs = JobQueue(client, redis_conn, make_settings(**overrides), functions)
                return await jobs.submit(delivery_id, request)
            finally:
                await client.aclose()

        return asyncio.run(once())

    yield run


def test_queued_job_is_what_rq_reads_back(submit, redis_conn) -> None:
    request = JobRequest(BUILD, "build-d1")

    assert submit("d1", request, job_timeout_seconds=900, job_failure_ttl_seconds=3600) is (
        Submission.QUEUED)

    (job,) = Queue("kiln", connection=redis_conn, serializer=JOB_SERIALIZER).get_jobs()
    assert (job.id, job.func_name, job.kwargs, job.timeout, job.failure_ttl, job.get_status()) == (
        "build-d1", "worker.jobs.build", KWARGS, 900, 3600, "queued")


def test_commands_wait_on_their_own_queue_apart_from_builds(submit, redis_conn) -> None:
    submit("d1", JobRequest(BUILD, "build-d1"))
    submit("d2", JobRequest(COMMAND, "command-9"))
    submit("d3", JobRequest(BUILD, "build-d3"))

    assert Queue("kiln", connection=redis_conn).job_ids == ["build-d1", "build-d3"]
    commands = Queue("kiln-commands", connection=redis_conn, serializer=JOB_SERIALIZER)
    assert commands.job_ids == ["command-9"]
    job = commands.fetch_job("command-9")
    assert job is not None and (job.origin, job.func_name) == (
        "kiln-commands", "worker.jobs.command")


def test_concurrent_submissions_each_get_their_own_answer(
    make_settings, redis_url, redis_conn
) -> None:
    requests = [(f"d{n % 5}", JobRequest(BUILD, f"build-d{n % 5}"))
                for n in range(20)]

    async def all_at_once() -> list[Submission]:
        client = redis_asyncio.Redis.from_url(redis_url)
        try:
            jobs = JobQueue(client, redis_conn, make_settings())
            return await asyncio.gather(*(jobs.submit(*request) for request in requests))
        finally:
            await client.aclose()

    answers = asyncio.run(all_at_once())

    assert answers[:5] == [Submission.QUEUED] * 5
    assert answers[5:] == [Submission.DUPLICATE_DELIVERY] * 15
    assert redis_conn.llen("rq:queue:kiln") == 5


def test_an_rq_worker_runs_the_queued_job(submit, redis_conn) -> None:
    functions = {JobKind.BUILD: "tests.bot.probe_jobs.echo"}
    submit("d1", JobRequest(BUILD, "build-d1"), functions=functions)
    queue = Queue("kiln", connection=redis_conn, serializer=JOB_SERIALIZER)

    SimpleWorker([queue], connection=redis_conn, serializer=JOB_SERIALIZER).work(burst=True)

    job = queue.fetch_job("build-d1")
    assert job is not None
    assert (job.get_status(), job.return_value()) == ("finished", KWARGS)


def test_failed_enqueue_releases_its_claims_so_a_redelivery_succeeds(submit, redis_conn) -> None:
    # A queue key of the wrong type makes the RPUSH fail after both claims were taken.
    redis_conn.set("rq:queue:kiln", "not a list")

    with pytest.raises(redis.ResponseError):
        submit("d1", REVIEW)

    assert redis_conn.keys("kiln:*") == []
    redis_conn.delete("rq:queue:kiln")
    assert submit("d1", REVIEW) is Submission.QUEUED


def test_a_redelivery_never_takes_the_once_key(submit, redis_conn) -> None:
    submit("d1", REVIEW)
    redis_conn.delete("kiln:once:review:7")

    assert submit("d1", REVIEW) is Submission.DUPLICATE_DELIVERY
    assert not redis_conn.exists("kiln:once:review:7")


def test_claims_expire_after_the_configured_ttl(submit, redis_conn) -> None:
    submit("d1", REVIEW, delivery_ttl_seconds=600)

    assert 590 <= redis_conn.ttl("kiln:delivery:d1") <= 600
    assert 590 <= redis_conn.ttl("kiln:once:review:7") <= 600
