"""GitHub clients for the worker: App installation auth, tokens shared sealed in Redis, retries,
and every answer counted by an `ApiMeter`."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import redis
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub
from githubkit.exception import GitHubException, RateLimitExceeded, RequestFailed
from githubkit.retry import RetryChainDecision
from githubkit.typing import RetryOption

from kiln.metrics import SharedMetrics
from kiln.settings import Settings
from worker.github.meter import ApiMeter
from worker.github.token_cache import SealedRedisCacheStrategy, cache_key_from

TOKEN_CACHE_PREFIX = "kiln:github-cache"
SERVER_ERROR_TRIES = 4
RATE_LIMIT_TRIES = 3


# Methods whose second sending does no more than the first. A POST answered 5xx may have been
# carried out (GitHub did the work, then its edge answered 502): sending it again makes a second
# comment or check run, so its caller re-reads instead (`worker.github.ambiguity`).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
# POSTs that are idempotent all the same: git objects are named by their content (a commit sent
# twice leaves one unreferenced twin), and GitHub answers a repeated reaction, label or reviewer
# request with what exists.
RESENDABLE_POSTS = re.compile(
    r"/git/(blobs|trees|commits)$|/reactions$|/labels$|/requested_reviewers$")


def resendable(request: httpx.Request) -> bool:
    """Whether sending `request` again cannot do anything twice."""
    return (request.method in IDEMPOTENT_METHODS
            or bool(RESENDABLE_POSTS.search(request.url.path)))


class ServerErrorRetry:
    """Retry 5xx answers to idempotent requests with a growing pause (1, 2, 4 s); a POST is
    never resent blindly."""

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if (retry_count < SERVER_ERROR_TRIES - 1 and isinstance(exc, RequestFailed)
                and exc.response.status_code >= 500
                and resendable(exc.request)):
            return RetryOption(True, timedelta(seconds=2**retry_count))
        return RetryOption(False)


class RateLimitRetry:
    """Retry a rate-limited call after GitHub's pause, unless that pause is too long to sit out.

    githubkit's own rule would sleep until a primary limit resets, up to an hour, holding a
    worker; a job that fails instead is reported and can be retried.
    """

    def __init__(self, max_wait: timedelta) -> None:
        self._max_wait = max_wait

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if (retry_count < RATE_LIMIT_TRIES and isinstance(exc, RateLimitExceeded)
                and exc.retry_after <= self._max_wait):
            return RetryOption(True, exc.retry_after)
        return RetryOption(False)


class GitHubClients:
    """Makes installation clients; tokens live in Redis, sealed, until a minute before expiry."""

    def __init__(self, settings: Settings, redis_client: redis.Redis) -> None:
        self._settings = settings
        self._cache = SealedRedisCacheStrategy(
            redis_client, f"{TOKEN_CACHE_PREFIX}:{settings.github_api_url}",
            cache_key_from(settings.private_key_pem))
        self._retry = RetryChainDecision(
            ServerErrorRetry(),
            RateLimitRetry(timedelta(seconds=settings.github_max_retry_wait_seconds)))
        self._metrics = SharedMetrics(redis_client)

    def meter(self, installation_id: int) -> ApiMeter:
        """A fresh count of one job's calls, adding to the shared metrics too."""
        return ApiMeter(installation_id, self._metrics)

    def installation(self, installation_id: int, meter: ApiMeter | None = None,
                     ) -> GitHub[AppInstallationAuthStrategy]:
        """A client acting as the App's installation; use it inside `with client:`. Every
        answer goes through `meter` (a fresh one when not given), retried ones included."""
        hook = meter or self.meter(installation_id)
        auth = AppInstallationAuthStrategy(
            self._settings.app.app_id, self._settings.private_key_pem, installation_id)
        return GitHub(
            auth,
            base_url=self._settings.github_api_url,
            timeout=self._settings.github_timeout_seconds,
            http_cache=False,  # with the HTTP cache on, githubkit ignores the timeout
            cache_strategy=self._cache,
            auto_retry=self._retry,
            event_hooks={"response": [hook]},
        )

    def app(self) -> GitHub[AppAuthStrategy]:
        """A client acting as the App itself (its JWT), for the App's own endpoints such as
        its webhook deliveries; use it inside `with client:`."""
        return GitHub(AppAuthStrategy(self._settings.app.app_id, self._settings.private_key_pem),
                      base_url=self._settings.github_api_url,
                      timeout=self._settings.github_timeout_seconds, http_cache=False,
                      auto_retry=self._retry)
