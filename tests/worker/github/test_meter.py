"""A job's API calls counted, and GitHub's rate-limit headers read, by the installation client."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import redis
from githubkit.exception import RateLimitExceeded

from kiln.metrics import SharedMetrics, series
from kiln.settings import Settings
from tests.worker.conftest import OWNER, REPO, GitHubWorld
from worker.github.clients import GitHubClients
from worker.github.meter import rate_limit_of


def test_rate_limit_headers_are_read() -> None:
    headers = httpx.Headers({"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "12",
                             "x-ratelimit-reset": "1700000000"})
    limit = rate_limit_of(headers)
    assert limit is not None and (limit.limit, limit.remaining) == (5000, 12)
    assert rate_limit_of(httpx.Headers({"x-ratelimit-limit": "x"})) is None


def test_the_installation_client_counts_each_call_and_keeps_the_limit(
        github_world: GitHubWorld, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis) -> None:
    clients = GitHubClients(github_world.settings(make_settings), redis_conn)
    meter = clients.meter(github_world.installation_id)
    sent: list[int] = []
    meter.report_to(sent.append)

    with clients.installation(github_world.installation_id, meter) as gh:
        for _ in range(3):
            gh.rest.repos.get(OWNER, REPO)

    # The token exchange before the first call is the App's, not the installation's budget.
    assert meter.calls == 3 and sent == [0, 1, 2, 3]
    quota = github_world.emulator.rate_limit(github_world.installation_id)
    assert meter.rate_limit is not None and meter.rate_limit.remaining == quota.remaining
    shared = SharedMetrics(redis_conn)
    assert shared.counters()[series("github_calls")] == 3.0
    remaining = shared.gauges()[series("github_remaining",
                                       installation=str(github_world.installation_id))]
    assert remaining == quota.remaining


def test_a_refused_call_is_counted_too(github_world: GitHubWorld,
                                       make_settings: Callable[..., Settings],
                                       redis_conn: redis.Redis) -> None:
    clients = GitHubClients(github_world.settings(make_settings), redis_conn)
    meter = clients.meter(github_world.installation_id)
    with clients.installation(github_world.installation_id, meter) as gh:
        gh.rest.repos.get(OWNER, REPO)
        github_world.emulator.exhaust_rate_limit(github_world.installation_id)
        with pytest.raises(RateLimitExceeded):
            gh.rest.repos.get(OWNER, REPO)

    assert meter.calls == 2
    assert meter.rate_limit is not None and meter.rate_limit.remaining == 0
