"""Counters every Kiln process adds to in Redis, read back whole when `/metrics` is scraped.

Workers run on other hosts than the web process, so their counts meet in Redis: one hash,
a field per series (`name|label=value,...`), and gauges that say what a process saw last.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis

METRICS_KEY = "kiln:metrics"
GAUGES_KEY = "kiln:metrics:gauges"
DURATION_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)


class Count(StrEnum):
    """The counters processes add to (the series names in Redis)."""

    BUILDS = "builds"
    BUILD_DURATION_BUCKET = "build_duration_bucket"
    BUILD_DURATION_SUM = "build_duration_sum"
    TOKENS = "tokens"
    COST_USD = "cost_usd"
    SANDBOX_STARTS = "sandbox_starts"
    INSTALL_CACHE = "install_cache"
    GITHUB_CALLS = "github_calls"


class Gauge(StrEnum):
    """The gauges processes set to what they saw last."""

    GITHUB_REMAINING = "github_remaining"
    DOCKER_UP = "docker_up"
    DOCKER_CHECKED_AT = "docker_checked_at"


class CacheResult(StrEnum):
    """Whether an install step found its image in the dependency cache."""

    HIT = "hit"
    MISS = "miss"


@dataclass(frozen=True)
class Series:
    """One counted series: a metric name and its labels."""

    name: str
    labels: tuple[tuple[str, str], ...] = ()

    def field(self) -> str:
        return "|".join([self.name, ",".join(f"{k}={v}" for k, v in self.labels)])

    @classmethod
    def parse(cls, field: str) -> Series:
        name, _, labels = field.partition("|")
        pairs = tuple(tuple(pair.split("=", 1)) for pair in labels.split(",") if pair)
        return cls(name, pairs)  # type: ignore[arg-type]


def series(name: str, **labels: str) -> Series:
    return Series(name, tuple(sorted(labels.items())))


class SharedMetrics:
    """Adds to counters and sets gauges in Redis; never raises (metrics must not break a build)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def add(self, name: str, amount: float = 1, **labels: str) -> None:
        self._safely(lambda: self._redis.hincrbyfloat(
            METRICS_KEY, series(name, **labels).field(), amount))

    def set(self, name: str, value: float, **labels: str) -> None:
        self._safely(lambda: self._redis.hset(GAUGES_KEY, series(name, **labels).field(), value))

    def observe_build(self, state: str, seconds: float, tokens: int, cost_usd: float) -> None:
        """A finished build: its final state, duration (as histogram buckets), tokens, cost."""
        def write() -> None:
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.hincrbyfloat(METRICS_KEY, series(Count.BUILDS, state=state).field(), 1)
                for bound in (*DURATION_BUCKETS, float("inf")):
                    if seconds <= bound:
                        field = series(Count.BUILD_DURATION_BUCKET, le=_bound(bound)).field()
                        pipe.hincrbyfloat(METRICS_KEY, field, 1)
                pipe.hincrbyfloat(METRICS_KEY, series(Count.BUILD_DURATION_SUM).field(), seconds)
                pipe.hincrbyfloat(METRICS_KEY, series(Count.TOKENS).field(), tokens)
                pipe.hincrbyfloat(METRICS_KEY, series(Count.COST_USD).field(), cost_usd)
                pipe.execute()
        self._safely(write)

    def count_install(self, cached: bool) -> None:
        """An install step that found (or missed) its image in the dependency cache."""
        self.add(Count.INSTALL_CACHE, result=CacheResult.HIT if cached else CacheResult.MISS)

    def report_docker(self, up: bool, at: float) -> None:
        """A worker's Docker check: whether the engine answered, and when (epoch seconds)."""
        self._safely(lambda: self._redis.hset(GAUGES_KEY, mapping={
            series(Gauge.DOCKER_UP).field(): int(up),
            series(Gauge.DOCKER_CHECKED_AT).field(): at}))

    def counters(self) -> dict[Series, float]:
        return _read(self._redis.hgetall(METRICS_KEY))

    def gauges(self) -> dict[Series, float]:
        return _read(self._redis.hgetall(GAUGES_KEY))

    @staticmethod
    def _safely(write: Any) -> None:
        # A lost count is better than a failed build; Redis trouble shows elsewhere.
        with contextlib.suppress(redis.RedisError):
            write()


@dataclass(frozen=True)
class DockerReport:
    """What the last worker to check Docker saw, and when (epoch seconds)."""

    up: bool
    checked_at: float


# Read together (one HMGET) by `/healthz`, in this order.
DOCKER_FIELDS = (series(Gauge.DOCKER_UP).field(), series(Gauge.DOCKER_CHECKED_AT).field())


def docker_report(values: Sequence[bytes | str | None]) -> DockerReport | None:
    """The DOCKER_FIELDS' values as a report; None when no worker has reported yet."""
    up, checked_at = values
    if up is None or checked_at is None:
        return None
    return DockerReport(float(_text(up)) == 1, float(_text(checked_at)))


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(value)


def _read(raw: Mapping[Any, Any]) -> dict[Series, float]:
    return {Series.parse(_text(key)): float(_text(value)) for key, value in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
