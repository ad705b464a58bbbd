"""Shared counters in Redis: series round-trip, install lookups, the Docker report, and a Redis
outage never breaks the caller."""

from __future__ import annotations

import redis

from kiln.metrics import (
    DOCKER_FIELDS,
    GAUGES_KEY,
    DockerReport,
    Series,
    SharedMetrics,
    docker_report,
    series,
)


def test_series_fields_round_trip() -> None:
    each = series("install_cache", result="hit", image="py")
    assert Series.parse(each.field()) == each
    assert Series.parse(series("tokens").field()) == Series("tokens")


def test_counters_add_up_and_gauges_keep_the_last_value(redis_conn: redis.Redis) -> None:
    shared = SharedMetrics(redis_conn)
    shared.add("sandbox_starts")
    shared.add("sandbox_starts", 2)
    shared.set("github_remaining", 10, installation="1")
    shared.set("github_remaining", 9, installation="1")

    assert shared.counters() == {Series("sandbox_starts"): 3.0}
    assert shared.gauges() == {series("github_remaining", installation="1"): 9.0}


def test_counting_with_redis_down_is_silent() -> None:
    shared = SharedMetrics(redis.Redis(port=1, socket_connect_timeout=0.2))

    shared.add("sandbox_starts")
    shared.observe_build("done", 3.0, 10, 0.1)
    shared.count_install(True)
    shared.report_docker(False, 1.0)


def test_install_lookups_count_hits_and_misses(redis_conn: redis.Redis) -> None:
    shared = SharedMetrics(redis_conn)
    for cached in (False, True, True):
        shared.count_install(cached)

    assert shared.counters() == {series("install_cache", result="miss"): 1.0,
                                 series("install_cache", result="hit"): 2.0}


def test_the_last_docker_report_is_read_back(redis_conn: redis.Redis) -> None:
    shared = SharedMetrics(redis_conn)
    assert docker_report(redis_conn.hmget(GAUGES_KEY, list(DOCKER_FIELDS))) is None

    shared.report_docker(True, 100.0)
    shared.report_docker(False, 160.5)

    values = redis_conn.hmget(GAUGES_KEY, list(DOCKER_FIELDS))
    assert docker_report(values) == DockerReport(up=False, checked_at=160.5)
