"""Whether a job's worker is still there, and which jobs wait for a thread: what `/kiln status`
and `/kiln cancel` ask, and the sweep that lets every worker report a dead worker's job."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from kiln.jobs import BuildJob, ReviseJob, job_from, kind_of
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.states import JobKind

THREAD_KINDS = (JobKind.BUILD, JobKind.REVISE)
"""The kinds of job that wait on the build queue for a thread (an issue or pull request)."""


def thread_of(job: Job) -> tuple[str, str, int] | None:
    """The thread a queued build or revision works on, as (owner, repo, number) in lower case;
    None for any other job."""
    kind = kind_of(job.func_name)
    if kind not in THREAD_KINDS:
        return None
    typed = job_from(BuildJob, job.kwargs) if kind is JobKind.BUILD else job_from(
        ReviseJob, job.kwargs)
    return typed.owner.lower(), typed.repo.lower(), typed.number


def sweep_abandoned(queues: Sequence[Queue], handlers: list[Callable[..., Any]]) -> None:
    """RQ's check for started jobs whose worker's heartbeat lapsed, on `queues`, with
    `handlers` told of each (they report it). RQ runs it only on the queues a worker serves;
    this lets a worker that serves only commands notice a dead build worker's job too."""
    for queue in queues:
        if not queue.acquire_maintenance_lock():
            continue  # another worker is at it
        try:
            StartedJobRegistry(queue.name, connection=queue.connection,
                               job_class=queue.job_class, serializer=queue.serializer,
                               ).cleanup(exception_handlers=handlers)
        finally:
            queue.release_maintenance_lock()


class JobWatch:
    """Looks at Kiln's jobs in Redis as RQ keeps them."""

    def __init__(self, connection: Redis, build_queue: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._redis = connection
        self._clock = clock
        self._queue = Queue(build_queue, connection=connection, job_class=KilnJob,
                            serializer=JOB_SERIALIZER)

    def abandoned(self, job_id: str) -> bool:
        """Whether the job started and its worker has stopped answering (its heartbeat lapsed):
        the next maintenance pass of any worker reports it failed."""
        try:
            job = KilnJob.fetch(job_id, connection=self._redis)
        except NoSuchJobError:
            return False
        if job.get_status() != JobStatus.STARTED or job.origin is None:
            return False
        registry = StartedJobRegistry(job.origin, connection=self._redis, job_class=KilnJob,
                                      serializer=JOB_SERIALIZER)
        return job_id in registry.get_expired_job_ids(self._clock())

    def waiting(self, owner: str, repo: str, number: int) -> list[str]:
        """The ids of the builds and revisions queued (not yet started) for a thread."""
        ids = self._queue.get_job_ids()
        jobs = KilnJob.fetch_many(ids, connection=self._redis, serializer=JOB_SERIALIZER)
        thread = (owner.lower(), repo.lower(), number)
        return [job.id for job in jobs if job is not None and thread_of(job) == thread]
