"""The job hash made from a template is the one RQ itself would write, and RQ reads it back."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from rq.job import Job, JobStatus
from rq.utils import utcformat

from bot.decisions import JobRequest
from bot.jobrecord import JobRecord, timestamp
from kiln.jobs import ReviseJob
from kiln.rqjob import JOB_SERIALIZER

KWARGS: dict[str, Any] = {"installation_id": 1, "owner": "o", "repo": "r", "pull_number": 3,
                          "sender": "s", "review_id": 7, "comment_id": None}
REQUEST = JobRequest(ReviseJob(**KWARGS), "revise-review-7", once_key="review:7")
NOW = datetime(2026, 11, 23, 11, 37, 5, 123456, tzinfo=UTC)


def rq_own_fields(redis_conn) -> dict:
    job = Job.create("worker.jobs.revise", kwargs=KWARGS, id=REQUEST.job_id,
                     description="revise revise-review-7", timeout=900, failure_ttl=3600,
                     origin="kiln", status=JobStatus.QUEUED, connection=redis_conn,
                     serializer=JOB_SERIALIZER)
    job.created_at = job.enqueued_at = NOW
    return job.to_dict()


def test_fields_equal_rq_own_serialisation(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)

    ours = record.fields(REQUEST, NOW)
    theirs = rq_own_fields(redis_conn)

    assert zlib.decompress(theirs.pop("data")) == ours.pop("data")
    assert ours == theirs


def test_rq_restores_the_job_it_did_not_write(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)
    redis_conn.hset(Job.key_for(REQUEST.job_id), mapping=record.fields(REQUEST, NOW))

    job = Job.fetch(REQUEST.job_id, connection=redis_conn, serializer=JOB_SERIALIZER)

    assert (job.func_name, job.kwargs, job.timeout, job.failure_ttl, job.origin) == (
        "worker.jobs.revise", KWARGS, 900, 3600, "kiln")
    assert (job.get_status(), job.created_at, job.enqueued_at) == ("queued", NOW, NOW)


def test_the_job_is_written_as_json_never_pickle(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)

    fields = record.fields(REQUEST, NOW)

    # Pickle would make whoever can write to Redis able to run code in the worker.
    assert json.loads(fields["data"]) == ["worker.jobs.revise", None, [], KWARGS]


def test_timestamp_matches_rq_format_from_any_zone() -> None:
    elsewhere = NOW.astimezone(timezone(timedelta(hours=-5)))

    assert timestamp(elsewhere) == utcformat(NOW) == "2026-11-23T11:37:05.123456Z"
    assert timestamp(NOW.replace(microsecond=0)) == utcformat(NOW.replace(microsecond=0))
