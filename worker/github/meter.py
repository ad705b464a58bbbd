"""Counting a job's GitHub API calls and reading the rate limit GitHub reports on each answer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import redis

from kiln.metrics import SharedMetrics

CallSink = Callable[[int], None]
"""Where a job's running count of calls goes (its build record), after each call."""


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
        self._sink: CallSink | None = None
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        """Tell `listener` of every answer GitHub gives (the stall watchdog's progress)."""
        self._listeners.append(listener)

    def report_to(self, sink: CallSink) -> None:
        """Send the count so far, and the count after every later call, to `sink`."""
        self._sink = sink
        self._send()

    def __call__(self, response: httpx.Response) -> None:
        for listener in self._listeners:
            listener()
        if response.request.url.path.endswith("/access_tokens"):
            return  # the App's own token exchange is not the installation's budget
        self.calls += 1
        self.rate_limit = rate_limit_of(response.headers) or self.rate_limit
        self._send()
        if self._metrics is not None:
            self._metrics.add("github_calls")
            if self.rate_limit is not None:
                self._metrics.set("github_remaining", self.rate_limit.remaining,
                                  installation=str(self.installation_id))

    def _send(self) -> None:
        # A count lost to Redis trouble must not fail the GitHub call it counts.
        if self._sink is not None:
            with contextlib.suppress(redis.RedisError):
                self._sink(self.calls)
