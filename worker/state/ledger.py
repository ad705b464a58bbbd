"""Which build record belongs to which RQ job, so whoever ends a job can finish its record."""

from __future__ import annotations

from typing import Any

import redis

JOB_BUILD_KEY = "kiln:job:{}:build"


class JobLedger:
    """Maps RQ job ids to build-history ids for as long as build records are kept."""

    def __init__(self, client: redis.Redis, retention_seconds: int) -> None:
        self._redis = client
        self._retention = retention_seconds

    def remember(self, job_id: str, build_id: str) -> None:
        self._redis.set(JOB_BUILD_KEY.format(job_id), build_id, ex=self._retention)

    def build_of(self, job_id: str) -> str | None:
        value: Any = self._redis.get(JOB_BUILD_KEY.format(job_id))
        return value.decode() if isinstance(value, bytes) else value
