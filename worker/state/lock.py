"""One active job per issue or pull request: a Redis lock holding the job's id, with an expiry,
and the span of its last hold (to tell a trigger that came while a build ran)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

LOCK_KEY = "kiln:lock:{owner}/{repo}#{number}"
HOLD_TTL_SECONDS = 7 * 24 * 3600  # longer than any job waits in the queue

# Take the lock and note who holds it since when, in one step.
_ACQUIRE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    redis.call('del', KEYS[2])
    redis.call('hset', KEYS[2], 'token', ARGV[1], 'since', ARGV[3])
    redis.call('expire', KEYS[2], ARGV[4])
    return 1
end
return 0
"""
# Compare-and-delete in one step, so a lock that expired and was taken by another job is kept;
# the hold's end is noted.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    if redis.call('hget', KEYS[2], 'token') == ARGV[1] then
        redis.call('hset', KEYS[2], 'until', ARGV[2])
    end
    return redis.call('del', KEYS[1])
end
return 0
"""


class LockLost(RuntimeError):
    """A job went on after losing its issue's lock (it was cancelled, or reported dead while
    its work-horse lived on): another job, or its own ending, owns the thread now."""


class IssueLock:
    """The lock of one issue or pull request; its token is the RQ id of the job holding it."""

    def __init__(self, client: redis.Redis, owner: str, repo: str, number: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock
        self.key = LOCK_KEY.format(owner=owner.lower(), repo=repo.lower(), number=number)
        self.hold_key = f"{self.key}:hold"

    def acquire(self, token: str, ttl_seconds: int) -> bool:
        """Take the lock for `token`; True also when `token` already holds it (a job retried)."""
        if self._redis.eval(_ACQUIRE, 2, self.key, self.hold_key, token, ttl_seconds,
                            self._clock(), HOLD_TTL_SECONDS):
            return True
        return self.holder() == token

    def holder(self) -> str | None:
        """The id of the job holding the lock, or None when it is free."""
        value: Any = self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def release(self, token: str) -> bool:
        """Free the lock if `token` still holds it."""
        return bool(self._redis.eval(_RELEASE, 2, self.key, self.hold_key, token,
                                     self._clock()))

    def hold(self, token: str) -> None:
        """Raise LockLost unless `token` still holds the lock: every write of a job's state
        (its record, its thread) asks first."""
        if self.holder() != token:
            raise LockLost(f"{self.key} is no longer held by job {token}")

    def held_at(self, moment: float) -> str | None:
        """The job that held the lock at `moment` (epoch seconds), as far as the last hold
        tells (a hold whose job died without releasing lasts until its lock expired)."""
        raw: dict[Any, Any] = self._redis.hgetall(self.hold_key)
        hold = {key.decode(): value.decode() for key, value in raw.items()}
        if "token" not in hold or float(hold["since"]) > moment:
            return None
        if "until" in hold and float(hold["until"]) < moment:
            return None
        if "until" not in hold and self.holder() != hold["token"]:
            return None  # expired unreleased: when it ended is unknown, so trust no overlap
        return hold["token"]
