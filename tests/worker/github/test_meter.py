"""A job's API calls counted, and GitHub's rate-limit headers read, through the real client."""

from __future__ import annotations

from typing import Any

import httpx
import redis

from kiln.metrics import SharedMetrics, series
from tests.worker.conftest import OWNER, REPO, GitHubWorld
from worker.github.meter import ApiMeter, rate_limit_of


def test_rate_limit_headers_are_read() -> None:
    headers = httpx.Headers({"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "12",
                             "x-ratelimit-reset": "1700000000"})
    limit = rate_limit_of(headers)
    assert limit is not None and (limit.limit, limit.remaining) == (5000, 12)
    assert rate_limit_of(httpx.Headers({"x-ratelimit-limit": "x"})) is None


def test_each_call_is_counted_and_the_limit_kept(github_world: GitHubWorld, gh: Any,
                                                 redis_conn: redis.Redis) -> None:
    shared = SharedMetrics(redis_conn)
    meter = ApiMeter(github_world.installation_id, shared)

    for _ in range(3):
        response = gh.rest.repos.get(OWNER, REPO)
        meter(response.raw_response)

    assert meter.calls == 3
    assert meter.rate_limit is not None and meter.rate_limit.remaining > 0
    assert shared.counters()[series("github_calls")] == 3.0
    remaining = shared.gauges()[series("github_remaining",
                                       installation=str(github_world.installation_id))]
    assert remaining == meter.rate_limit.remaining
