"""One active job per issue or pull request: a Redis lock holding the job's id, with an expiry."""

from __future__ import annotations

from typing import Any

import redis

LOCK_KEY = "kiln:lock:{owner}/{repo}#{number}"

# Compare-and-delete in one step, so a lock that expired and was taken by another job is kept.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class IssueLock:
    """The lock of one issue or pull request; its token is the RQ id of the job holding it."""

    def __init__(self, client: redis.Redis, owner: str, repo: str, number: int) -> None:
        self._redis = client
        self.key = LOCK_KEY.format(owner=owner.lower(), repo=repo.lower(), number=number)

    def acquire(self, token: str, ttl_seconds: int) -> bool:
        """Take the lock for `token`; True also when `token` already holds it (a job retried)."""
        if self._redis.set(self.key, token, nx=True, ex=ttl_seconds):
            return True
        return self.holder() == token

    def holder(self) -> str | None:
        """The id of the job holding the lock, or None when it is free."""
        value: Any = self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def release(self, token: str) -> bool:
        """Free the lock if `token` still holds it."""
        return bool(self._redis.eval(_RELEASE, 1, self.key, token))
