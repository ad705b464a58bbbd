"""The process-wide runtime jobs use: settings, Redis and the factories of every client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker
from redis import Redis
from rq import Queue

from kiln.settings import Settings
from worker.github import GitHubClients
from worker.history import BuildHistory, build_page_url
from worker.ledger import JobLedger


@dataclass(frozen=True)
class Runtime:
    """Made once per worker process at start-up; jobs (in forked work-horses) share it.

    Docker and model clients are made per job, inside the work-horse, because their HTTP
    connection pools must not be shared across a fork.
    """

    settings: Settings
    redis: Redis
    github: GitHubClients
    history: BuildHistory
    ledger: JobLedger
    open_docker: Callable[[], docker.DockerClient]
    open_llm: Callable[[Settings], Any]

    @classmethod
    def create(cls, settings: Settings, redis_client: Redis,
               open_llm: Callable[[Settings], Any]) -> Runtime:
        history = BuildHistory.from_settings(redis_client, settings)
        retention = settings.history_retention_days * 24 * 3600
        return cls(settings, redis_client, GitHubClients(settings, redis_client), history,
                   JobLedger(redis_client, retention), docker.from_env, open_llm)

    def queue(self) -> Queue:
        return Queue(self.settings.queue_name, connection=self.redis)

    def build_url(self, build_id: str) -> str | None:
        """The dashboard page of a build, when Kiln has a public address."""
        return build_page_url(self.settings.public_url, build_id)


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
