"""Riding out a Redis restart: an RQ worker that waits for Redis to come back instead of quitting.

RQ retries a lost connection only while it waits for a job. Everywhere else in its loop (the
heartbeat after a job, the suspension check, the maintenance pass, the heartbeats it sends
while a work-horse runs) a connection error ends the worker, and with it the queue's only
consumer; a work-horse still running is orphaned. Here each of those waits, or lets the next
step retry, so the worker takes the queue up again once Redis answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from rq import Queue, Worker
from rq.executions import Execution
from rq.job import Job

log = logging.getLogger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RECHECK_SECONDS = 1.0


@contextmanager
def riding_out(what: str) -> Iterator[None]:
    """Log a lost Redis connection during `what` and go on: the step after retries."""
    try:
        yield
    except REDIS_DOWN as exc:
        log.warning("Redis unreachable during %s; carrying on until it answers: %s", what, exc)


class OutageTolerantWorker(Worker):
    """A worker whose loop survives Redis going away and coming back."""

    def check_for_suspension(self, burst: bool) -> None:
        # Unreachable is not "not suspended": wait here, or a suspended worker would take jobs.
        while True:
            try:
                super().check_for_suspension(burst)
                return
            except REDIS_DOWN as exc:
                log.warning("Redis unreachable; waiting for it: %s", exc)
                time.sleep(RECHECK_SECONDS)

    def run_maintenance_tasks(self) -> None:
        with riding_out("the maintenance pass"):
            super().run_maintenance_tasks()

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        with riding_out("a heartbeat"):
            super().heartbeat(timeout, pipeline)

    def set_state(self, state: str, pipeline: Any = None) -> None:
        with riding_out("a state change"):
            super().set_state(state, pipeline)

    def maintain_heartbeats(self, job: Job, execution: Execution) -> None:
        # The work-horse goes on; the next beat (every few seconds) renews the job's lease.
        with riding_out(f"the heartbeat of job {job.id}"):
            super().maintain_heartbeats(job, execution)

    def execute_job(self, job: Job, queue: Queue) -> None:
        # Lost while the job was being ended: it stays "started" without a heartbeat, so the
        # next maintenance pass of any worker finds it abandoned and reports it.
        with riding_out(f"the end of job {job.id}"):
            super().execute_job(job, queue)
