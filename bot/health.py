"""``GET /healthz``: the web side is healthy when Redis, its one dependency, answers."""

from __future__ import annotations

import logging

import redis.asyncio
from redis import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)


class HealthCheck:
    """Answers 200 when a Redis PING succeeds, 503 otherwise."""

    def __init__(self, client: redis.asyncio.Redis):
        self._redis = client

    async def check(self, request: Request) -> JSONResponse:
        try:
            await self._redis.ping()
        except RedisError as exc:
            log.warning("health check: redis unavailable: %s", exc)
            return JSONResponse({"redis": "unavailable"}, status_code=503)
        return JSONResponse({"redis": "ok"})
