"""The job hash made from a template is the one RQ itself would write, and RQ reads it back."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from rq.job import Job, JobStatus
from rq.utils import utcformat

from bot.decisions import JobRequest
from bot.jobrecord import JobRecord, timestamp
from kiln.jobs import ReviseJob
from kiln.rqjob import JOB_SERIALIZER

REQUEST = JobRequest(ReviseJob(installation_id=1, owner="o", repo="r", pull_number=3, sender="s",
                               review_id=7, comment_id=None), "revise-review-7",
                     once_key="review:7")
KWARGS: dict[str, Any] = REQUEST.kwargs
NOW = datetime(2026, 11, 23, 11, 37, 5, 123456, tzinfo=UTC)
NOW_NS = int(NOW.timestamp()) * 1_000_000_000 + 123_456_789  # the nanoseconds RQ drops


def rq_own_fields(redis_conn) -> dict:
    job = Job.create("worker.jobs.revise", kwargs=KWARGS, id=REQUEST.job_id,
                     description="revise revise-review-7", timeout=900, failure_ttl=3600,
                     origin="kiln", status=JobStatus.QUEUED, connection=redis_conn,
                     serializer=JOB_SERIALIZER)
    job.created_at = job.enqueued_at = NOW
    return job.to_dict()


def as_dict(fields: tuple) -> dict:
    return dict(zip(fields[::2], fields[1::2], strict=True))


def test_fields_are_rq_own_serialisation_less_its_empty_fields(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)

    ours = as_dict(record.fields(REQUEST, NOW_NS))
    theirs = rq_own_fields(redis_conn)

    assert json.loads(ours.pop("data")) == json.loads(zlib.decompress(theirs.pop("data")))
    assert ours == {name: value for name, value in theirs.items() if value != ""}
    assert len(theirs) - len(ours) >= 8  # the empty fields no delivery writes any more


def test_rq_restores_the_job_it_did_not_write(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)
    redis_conn.hset(Job.key_for(REQUEST.job_id), mapping=as_dict(record.fields(REQUEST, NOW_NS)))

    redis_conn.hset("rq:job:rq-own", mapping=rq_own_fields(redis_conn))

    job = Job.fetch(REQUEST.job_id, connection=redis_conn, serializer=JOB_SERIALIZER)
    rq_own = Job.fetch("rq-own", connection=redis_conn, serializer=JOB_SERIALIZER)

    assert (job.func_name, job.kwargs, job.timeout, job.failure_ttl, job.origin) == (
        "worker.jobs.revise", KWARGS, 900, 3600, "kiln")
    assert (job.get_status(), job.created_at, job.enqueued_at) == ("queued", NOW, NOW)
    # Read back, the fields left out are what RQ's own empty ones are.
    assert (job.kwargs, job.args) == (rq_own.kwargs, rq_own.args)
    assert job.to_dict(include_meta=False) | {"data": ""} == (
        rq_own.to_dict(include_meta=False) | {"data": ""})


def test_the_job_is_written_as_json_never_pickle(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)

    fields = as_dict(record.fields(REQUEST, NOW_NS))

    # Pickle would make whoever can write to Redis able to run code in the worker.
    assert json.loads(fields["data"]) == ["worker.jobs.revise", None, [], KWARGS]


@pytest.mark.parametrize("moment", [
    NOW, NOW.replace(microsecond=0), NOW.replace(microsecond=999_999),
    datetime(2027, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC)])
def test_timestamp_matches_rq_format(moment: datetime) -> None:
    epoch_ns = int(moment.replace(microsecond=0).timestamp()) * 1_000_000_000 + (
        moment.microsecond * 1000 + 999)

    assert timestamp(epoch_ns) == utcformat(moment)


def test_timestamps_of_the_same_second_keep_their_own_microseconds() -> None:
    second = int(NOW.timestamp()) * 1_000_000_000

    assert [timestamp(second + n * 1000) for n in (1, 2, 999_999)] == [
        "2026-11-23T11:37:05.000001Z", "2026-11-23T11:37:05.000002Z",
        "2026-11-23T11:37:05.999999Z"]


def test_arguments_beyond_orjson_are_written_as_rq_would(redis_conn) -> None:
    record = JobRecord("worker.jobs.revise", "kiln", 900, 3600, redis_conn)
    request = JobRequest(ReviseJob(**{**KWARGS, "installation_id": 2**70}), "revise-review-7")

    fields = as_dict(record.fields(request, NOW_NS))

    assert json.loads(fields["data"]) == ["worker.jobs.revise", None, [], request.kwargs]
    assert request.kwargs["installation_id"] == 2**70
