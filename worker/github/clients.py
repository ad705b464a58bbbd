"""GitHub clients for the worker: App installation auth, tokens shared sealed in Redis, retries."""

from __future__ import annotations

from datetime import timedelta

import redis
from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.exception import GitHubException, RateLimitExceeded, RequestFailed
from githubkit.retry import RetryChainDecision
from githubkit.typing import RetryOption

from kiln.settings import Settings
from worker.github.token_cache import SealedRedisCacheStrategy, cache_key_from

TOKEN_CACHE_PREFIX = "kiln:github-cache"
SERVER_ERROR_TRIES = 4
RATE_LIMIT_TRIES = 3


class ServerErrorRetry:
    """Retry 5xx answers with a growing pause (1, 2, 4 s)."""

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if (retry_count < SERVER_ERROR_TRIES - 1 and isinstance(exc, RequestFailed)
                and exc.response.status_code >= 500):
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

    def installation(self, installation_id: int) -> GitHub[AppInstallationAuthStrategy]:
        """A client acting as the App's installation; use it inside `with client:`."""
        auth = AppInstallationAuthStrategy(
            self._settings.github_app_id, self._settings.private_key_pem, installation_id)
        return GitHub(
            auth,
            base_url=self._settings.github_api_url,
            timeout=self._settings.github_timeout_seconds,
            http_cache=False,  # with the HTTP cache on, githubkit ignores the timeout
            cache_strategy=self._cache,
            auto_retry=self._retry,
        )
