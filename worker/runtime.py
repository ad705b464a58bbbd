"""The process-wide runtime jobs use: settings, Redis, build records and the clients' factories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker
from redis import Redis
from rq import Queue

from kiln.history import BuildHistory
from kiln.settings import Settings
from worker.github.clients import GitHubClients
from worker.state.ledger import JobLedger
from worker.state.records import Records
from worker.watchdog import Watchdog


@dataclass(frozen=True)
class Runtime:
    """Made once per worker process at start-up; jobs (in forked work-horses) share it.

    Only the job entry points (`worker.jobs`) and the worker class read it: they hand each
    flow the few collaborators it needs. Docker and model clients are made per job, inside
    the work-horse, because their HTTP connection pools must not be shared across a fork.
    """

    settings: Settings
    redis: Redis
    github: GitHubClients
    records: Records
    open_docker: Callable[[], docker.DockerClient]
    open_llm: Callable[[Settings, Watchdog], Any]

    @classmethod
    def create(cls, settings: Settings, redis_client: Redis,
               open_llm: Callable[[Settings, Watchdog], Any]) -> Runtime:
        retention = settings.history_retention_days * 24 * 3600
        records = Records(BuildHistory.from_settings(redis_client, settings),
                          JobLedger(redis_client, retention), settings.public_url)
        return cls(settings, redis_client, GitHubClients(settings, redis_client), records,
                   docker.from_env, open_llm)

    def queue(self) -> Queue:
        return Queue(self.settings.queue_name, connection=self.redis)


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Make `runtime` the one jobs in this process (and its work-horses) use."""
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no Kiln runtime: run jobs with `rq worker --worker-class "
                           "worker.runner.KilnWorker`")
    return _current
