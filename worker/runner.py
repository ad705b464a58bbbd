"""`KilnWorker`: the RQ worker class that loads the settings once, reaps orphaned sandboxes,
checks Docker on every maintenance pass, reports every failed job on its issue (a dead worker's
too, whichever queues it served) or queues a build the infrastructure lost once more, keeps
the redelivery job scheduled, and rides out Redis restarts."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import docker
from redis import Redis
from rq import Queue
from rq.job import Job

from kiln.jobs import BuildJob, CommandJob, ReviseJob
from kiln.metrics import SharedMetrics
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.settings import load_settings
from sandbox import reap_orphans
from worker.docker_check import DockerCheck
from worker.flows.ending import JobEnding
from worker.flows.failure import FailureReporter
from worker.jobs import ending_for
from worker.llm import make_llm
from worker.outage import OutageTolerantWorker, riding_out
from worker.runtime import Runtime, install
from worker.state.liveness import sweep_abandoned
from worker.state.periodic import keep_redelivery_scheduled
from worker.state.queue import enqueue_once
from worker.state.schedule import schedule_command
from worker.warmup import warm_up

log = logging.getLogger(__name__)

# A job's execution counts as abandoned once its heartbeat is this old. RQ's own margin is
# 60 s on top of a 30 s heartbeat; ours reports a dead worker's job well within a minute,
# and a heartbeat late by this much means the worker is gone, not slow.
HEARTBEAT_SECONDS = 5
HEARTBEAT_GRACE_SECONDS = 15
# Older sandboxes than the longest job (plus this) can belong to no live job.
ORPHAN_MARGIN_SECONDS = 300


def kiln_queues(queues: Queue | str | Iterable[Queue | str], connection: Redis | None,
                ) -> list[Queue]:
    """The worker's queues, made again to read jobs as Kiln writes them (JSON, `KilnJob`)."""
    listed = [queues] if isinstance(queues, Queue | str) else list(queues)
    return [Queue(q, connection=connection, job_class=KilnJob, serializer=JOB_SERIALIZER)
            if isinstance(q, str) else
            Queue(q.name, connection=q.connection, job_class=KilnJob, serializer=JOB_SERIALIZER)
            for q in listed]


class KilnWorker(OutageTolerantWorker):
    """Use as `rq worker --worker-class worker.runner.KilnWorker`."""

    def __init__(self, queues: Any, *args: Any, **kwargs: Any) -> None:
        settings = load_settings()
        kwargs["job_monitoring_interval"] = min(
            kwargs.get("job_monitoring_interval") or HEARTBEAT_SECONDS, HEARTBEAT_SECONDS)
        # Set here, not on the command line, so no worker can be started reading pickle (which
        # would make write access to Redis code execution here) or running other functions.
        kwargs.update(job_class=KilnJob, serializer=JOB_SERIALIZER)
        super().__init__(kiln_queues(queues, kwargs.get("connection")), *args, **kwargs)
        self.runtime = Runtime.create(settings, self.connection, make_llm)
        install(self.runtime)
        reporter = FailureReporter(self._open_ending, self._requeue, self._later)
        self.push_exc_handler(reporter)
        self._work_horse_killed_handler = reporter.horse_killed
        self._docker_check = DockerCheck(self.runtime.open_docker, SharedMetrics(self.connection))
        self._reap_orphans()
        warm_up()

    def run_maintenance_tasks(self) -> None:
        """RQ's pass (at start and every `--maintenance-interval` while idle), plus the Docker
        check `/healthz` reports and the next redelivery pass kept scheduled."""
        super().run_maintenance_tasks()
        with riding_out("Kiln's maintenance"):
            self._docker_check.run()
            keep_redelivery_scheduled(self.connection, self.runtime.settings)

    def clean_registries(self) -> None:
        """RQ's clean-up of the queues served here, then the search for abandoned jobs on
        Kiln's other queues: a worker serving only commands reports a dead build worker's
        job within the heartbeat's lapse, even with no other build worker running."""
        super().clean_registries()
        settings = self.runtime.settings
        served = set(self.queue_names())
        others = [name for name in (settings.queue_name, settings.command_queue_name)
                  if name not in served]
        sweep_abandoned(kiln_queues(others, self.connection), self._exc_handlers)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        remaining = (job.timeout - working_time) if job.timeout and job.timeout > 0 else None
        interval = self.job_monitoring_interval
        return int(min(remaining, interval) if remaining is not None else interval) \
            + HEARTBEAT_GRACE_SECONDS

    @contextmanager
    def _open_ending(self, job: BuildJob | ReviseJob | CommandJob) -> Iterator[JobEnding]:
        with self.runtime.github.installation(job.installation_id) as gh:
            yield ending_for(self.runtime, gh, job)

    def _requeue(self, job: BuildJob | ReviseJob, job_id: str) -> None:
        enqueue_once(self.runtime.queue(), job, job_id, self.runtime.settings)

    def _later(self, job: CommandJob, job_id: str, at: datetime) -> None:
        schedule_command(self.connection, self.runtime.settings, job, job_id, at)

    def _reap_orphans(self) -> None:
        older_than = self.runtime.settings.job_timeout_seconds + ORPHAN_MARGIN_SECONDS
        try:
            client = self.runtime.open_docker()
        except docker.errors.DockerException as exc:
            log.warning("no Docker engine, sandboxes not reaped: %s", exc)
            return
        try:
            removed = reap_orphans(client, older_than=older_than)
        finally:
            client.close()
        if removed:
            log.info("removed %d orphaned sandboxes: %s", len(removed), ", ".join(removed))
