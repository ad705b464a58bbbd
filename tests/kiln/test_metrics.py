"""Shared counters in Redis: series round-trip, and a Redis outage never breaks the caller."""

from __future__ import annotations

import redis

from kiln.metrics import Series, SharedMetrics, series


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
