"""``GET /healthz``: which dependency is down: Redis, asked now, and Docker, as the workers
last reported it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import redis.asyncio
from redis import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse

from kiln.metrics import DOCKER_FIELDS, GAUGES_KEY, DockerReport, docker_report

log = logging.getLogger(__name__)


class Status(StrEnum):
    """How a dependency stands."""

    OK = "ok"
    DOWN = "down"
    UNKNOWN = "unknown"  # no worker has checked it (or Redis, where they report, is down)


@dataclass(frozen=True)
class Health:
    """The web process's view of Kiln's dependencies."""

    redis: Status
    docker: Status
    docker_age_seconds: float | None  # since a worker last checked Docker

    @property
    def status_code(self) -> int:
        # Only Redis is the web process's own dependency: a 503 for Docker would have the
        # web process restarted (compose's health check) for what only workers can fix.
        return 200 if self.redis is Status.OK else 503

    def body(self) -> dict[str, str | float | None]:
        return {"redis": self.redis, "docker": self.docker,
                "docker_age_seconds": self.docker_age_seconds}


REDIS_DOWN = Health(Status.DOWN, Status.UNKNOWN, None)


def health_with(report: DockerReport | None, now: float) -> Health:
    """Health once Redis has answered, with the workers' last Docker report (if any)."""
    if report is None:
        return Health(Status.OK, Status.UNKNOWN, None)
    docker = Status.OK if report.up else Status.DOWN
    return Health(Status.OK, docker, round(max(now - report.checked_at, 0.0), 1))


class HealthCheck:
    """Answers 200 when Redis answers (503 otherwise), saying how Docker was last seen."""

    def __init__(self, client: redis.asyncio.Redis,
                 clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock

    async def check(self, request: Request) -> JSONResponse:
        health = await self.health()
        return JSONResponse(health.body(), status_code=health.status_code)

    async def health(self) -> Health:
        try:
            # One round trip: an answer is Redis's health, its value the workers' report.
            values = await self._redis.hmget(GAUGES_KEY, list(DOCKER_FIELDS))
        except RedisError as exc:
            log.warning("health check: redis unavailable: %s", exc)
            return REDIS_DOWN
        return health_with(docker_report(values), self._clock())
