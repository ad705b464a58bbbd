"""Kiln's RQ queues seen from the worker: queue a build once, stop a job that runs."""

from __future__ import annotations

import time
from typing import Any

from rq import Queue
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus

from kiln.jobs import JOB_FUNCTIONS, BuildJob, ReviseJob, arguments
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.settings import Settings

STOP_WAIT_SECONDS = 10.0


def enqueue_once(queue: Queue, job: BuildJob | ReviseJob, job_id: str,
                 settings: Settings) -> None:
    """Queue `job` under `job_id` (as JSON, like every Kiln job) unless that id exists already."""
    if Job.exists(job_id, connection=queue.connection):
        return
    kiln_queue = Queue(queue.name, connection=queue.connection, job_class=KilnJob,
                       serializer=JOB_SERIALIZER)
    kiln_queue.enqueue_call(JOB_FUNCTIONS[job.kind], job_id=job_id, kwargs=arguments(job),
                            timeout=settings.job_timeout_seconds,
                            failure_ttl=settings.job_failure_ttl_seconds)


def stop_job(connection: Any, job_id: str, wait: float = STOP_WAIT_SECONDS) -> None:
    """Stop a running job (its work-horse is killed) or cancel a queued one; returns once the
    job no longer runs, so nothing it does can overwrite what the caller writes next."""
    try:
        job = KilnJob.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return
    if job.get_status() != JobStatus.STARTED:
        job.cancel()
        return
    try:
        send_stop_job_command(connection, job_id)
    except InvalidJobOperation:
        return
    deadline = time.monotonic() + wait
    while job.get_status() == JobStatus.STARTED and time.monotonic() < deadline:
        time.sleep(0.05)
