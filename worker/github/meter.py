"""Counting a job's GitHub API calls and reading the rate limit GitHub reports on each answer."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from kiln.metrics import SharedMetrics


@dataclass
class RateLimit:
    """What GitHub's `x-ratelimit-*` headers said last."""

    limit: int
    remaining: int
    reset: int  # epoch seconds


def rate_limit_of(headers: httpx.Headers) -> RateLimit | None:
    """The rate limit an answer reports, or None when it carries no such headers."""
    try:
        return RateLimit(int(headers["x-ratelimit-limit"]), int(headers["x-ratelimit-remaining"]),
                         int(headers["x-ratelimit-reset"]))
    except (KeyError, ValueError):
        return None


class ApiMeter:
    """An httpx response hook: counts the calls one job makes, keeps the last rate limit seen,
    and adds both to the shared metrics."""

    def __init__(self, installation_id: int, metrics: SharedMetrics | None = None) -> None:
        self.installation_id = installation_id
        self.calls = 0
        self.rate_limit: RateLimit | None = None
        self._metrics = metrics

    def __call__(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("/access_tokens"):
            return  # the App's own token exchange is not the installation's budget
        self.calls += 1
        self.rate_limit = rate_limit_of(response.headers) or self.rate_limit
        if self._metrics is not None:
            self._metrics.add("github_calls")
            if self.rate_limit is not None:
                self._metrics.set("github_remaining", self.rate_limit.remaining,
                                  installation=str(self.installation_id))
