"""`GET /metrics` in Prometheus' text format: the web side's own counters, what workers
counted in Redis, and the queues as they stand at the scrape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis import Redis
from rq import Queue
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.access import DashboardAccess
from kiln.metrics import DURATION_BUCKETS, Count, Gauge, Series, SharedMetrics
from kiln.settings import Settings

METRICS_PATH = "/metrics"
PREFIX = "kiln_"
# Counters workers keep in Redis: (series name, metric name, help, label names).
WORKER_COUNTERS = (
    (Count.BUILDS, "builds", "Builds and revisions that ended, by final state.", ("state",)),
    (Count.TOKENS, "tokens", "Model tokens spent by finished builds.", ()),
    (Count.COST_USD, "cost_usd", "Model cost in US dollars of finished builds.", ()),
    (Count.SANDBOX_STARTS, "sandbox_starts", "Sandboxes started.", ()),
    (Count.INSTALL_CACHE, "install_cache",
     "Dependency installs, by whether the cache had their image (hit or miss).", ("result",)),
    (Count.GITHUB_CALLS, "github_api_calls", "GitHub API calls made by workers.", ()),
)
WORKER_GAUGES = (
    (Gauge.GITHUB_REMAINING, "github_rate_limit_remaining",
     "GitHub's remaining rate limit as an installation last saw it.", ("installation",)),
    (Gauge.DOCKER_UP, "docker_up",
     "1 when a worker's last Docker check found the engine answering, else 0.", ()),
    (Gauge.DOCKER_CHECKED_AT, "docker_last_check_timestamp_seconds",
     "When a worker last checked Docker (Unix time).", ()),
)


class WebhookCounter:
    """Webhooks by event and outcome, counted in this web process.

    `count` is on the webhook's hot path: each (event, outcome) pair's child is looked up
    once, then only its increment is paid.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self._counter = Counter(f"{PREFIX}webhooks", "Webhook deliveries, by event and outcome.",
                                ("event", "outcome"), registry=registry)
        self._children: dict[tuple[str, str], Any] = {}

    def count(self, event: str, outcome: str) -> None:
        child = self._children.get((event, outcome))
        if child is None:
            child = self._children[(event, outcome)] = self._counter.labels(event, outcome)
        child.inc()


class KilnCollector:
    """Reads the workers' counters and the queues at each scrape."""

    def __init__(self, redis: Redis, queue_names: tuple[str, ...]) -> None:
        self._shared = SharedMetrics(redis)
        self._redis = redis
        self._queue_names = queue_names

    def collect(self) -> Iterator[Metric]:
        counters, gauges = self._shared.counters(), self._shared.gauges()
        for count, name, text, labels in WORKER_COUNTERS:
            family = CounterMetricFamily(PREFIX + name, text, labels=labels)
            # An unlabelled counter reads 0 before anything is counted; a gauge nobody has
            # set yet is absent (a 0 would claim Docker is down, or the rate limit spent).
            yield _family(family, count, counters, zero=not labels)
        for gauge, name, text, labels in WORKER_GAUGES:
            yield _family(GaugeMetricFamily(PREFIX + name, text, labels=labels), gauge, gauges,
                          zero=False)
        yield _durations(counters)
        yield from self._queues()

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(f"{PREFIX}queue_depth", "Jobs waiting, by queue.",
                                  labels=("queue",))
        age = GaugeMetricFamily(f"{PREFIX}queue_oldest_age_seconds",
                                "Age of the oldest waiting job, by queue.", labels=("queue",))
        for name in self._queue_names:
            queue = Queue(name, connection=self._redis)
            depth.add_metric((name,), queue.count)
            age.add_metric((name,), _oldest_age(queue))
        yield depth
        yield age


def _family(family: CounterMetricFamily | GaugeMetricFamily, key: str,
            values: dict[Series, float], zero: bool) -> Metric:
    found = {s: v for s, v in values.items() if s.name == key}
    if not found and zero:
        found = {Series(key): 0.0}
    for each, value in found.items():
        family.add_metric(tuple(v for _, v in each.labels), value)
    return family


def _durations(counters: dict[Series, float]) -> Metric:
    buckets = [(bound, counters.get(Series(Count.BUILD_DURATION_BUCKET, (("le", bound),)), 0.0))
               for bound in [*(repr(b) for b in DURATION_BUCKETS), "+Inf"]]
    total = counters.get(Series(Count.BUILD_DURATION_SUM), 0.0)
    return HistogramMetricFamily(f"{PREFIX}build_duration_seconds",
                                 "Seconds from a build's start to its end.",
                                 buckets=buckets, sum_value=total)


def _oldest_age(queue: Queue) -> float:
    ids = queue.get_job_ids(0, 0)
    job = queue.fetch_job(ids[0]) if ids else None
    if job is None or job.enqueued_at is None:
        return 0.0
    return max((datetime.now(UTC) - job.enqueued_at.replace(tzinfo=UTC)).total_seconds(), 0.0)


class MetricsEndpoint:
    """Serves a registry holding the web side's counters and the Kiln collector."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    async def serve(self, request: Request) -> Response:
        # The collector reads Redis synchronously: off the event loop.
        body = await anyio.to_thread.run_sync(generate_latest, self._registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def metrics_route(settings: Settings, redis: Redis,
                  registry: CollectorRegistry | None = None) -> Route:
    """`/metrics`, behind the dashboard's access rule (Prometheus can send basic auth)."""
    registry = registry or CollectorRegistry()
    registry.register(KilnCollector(redis, (settings.command_queue_name, settings.queue_name)))
    access = Middleware(DashboardAccess, username=settings.dashboard_username,
                        password=settings.dashboard_password)
    return Route(METRICS_PATH, MetricsEndpoint(registry).serve, methods=["GET"],
                 middleware=[access])
