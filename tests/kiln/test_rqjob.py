"""Kiln's RQ job class reads JSON only and calls nothing but Kiln's own job functions."""

from __future__ import annotations

import pytest
from rq import Queue
from rq.callbacks import Callback
from rq.job import Job
from rq.serializers import DefaultSerializer

from kiln.rqjob import JOB_SERIALIZER, ForeignJobError, KilnJob
from worker.runner import kiln_queues

KWARGS = {"installation_id": 1, "owner": "o", "repo": "r", "issue_number": 3, "sender": "s"}


def test_a_kiln_job_is_json_even_when_handed_pickle(redis_conn) -> None:
    job = KilnJob.create("worker.jobs.build", kwargs=KWARGS, connection=redis_conn,
                         serializer=DefaultSerializer)

    assert job.serializer is JOB_SERIALIZER
    assert JOB_SERIALIZER.loads(job.data) == ["worker.jobs.build", None, [], KWARGS]


def test_only_kiln_functions_are_called(redis_conn) -> None:
    Queue("kiln", connection=redis_conn, serializer=JOB_SERIALIZER).enqueue_call(
        "os.system", args=("touch /tmp/owned",), job_id="foreign")

    job = KilnJob.fetch("foreign", connection=redis_conn)

    with pytest.raises(ForeignJobError, match=r"'os\.system', which is not one of Kiln's"):
        job.perform()


def test_a_kiln_function_is_found(redis_conn) -> None:
    job = KilnJob.create("worker.jobs.build", kwargs=KWARGS, connection=redis_conn)

    assert job.func.__name__ == "build"


def test_callbacks_and_webhooks_named_in_redis_are_never_called(redis_conn) -> None:
    Job.create("worker.jobs.build", kwargs=KWARGS, id="hooked", connection=redis_conn,
               serializer=JOB_SERIALIZER, on_success=Callback("os.system"),
               on_failure=Callback("os.system"), on_stopped=Callback("os.system")).save()

    job = KilnJob.fetch("hooked", connection=redis_conn)

    assert (job.success_callback, job.failure_callback, job.stopped_callback) == (
        None, None, None)


def test_the_worker_reads_its_queues_as_kiln_jobs(redis_conn) -> None:
    given: list[Queue | str] = [Queue("kiln-commands", connection=redis_conn), "kiln"]

    queues = kiln_queues(given, redis_conn)

    assert [(q.name, q.job_class, q.serializer) for q in queues] == [
        ("kiln-commands", KilnJob, JOB_SERIALIZER), ("kiln", KilnJob, JOB_SERIALIZER)]
