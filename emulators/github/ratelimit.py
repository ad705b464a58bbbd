"""GitHub's primary rate limit: an hourly quota per installation (or app, or address)."""

from __future__ import annotations

from dataclasses import dataclass

from emulators.github.errors import ApiError

HOUR = 3600
LIMIT = 5000  # an installation token's requests an hour
UNAUTHENTICATED_LIMIT = 60  # an address's requests an hour without credentials
SEARCH = (30, 60)  # the search resource: 30 requests a minute
DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
    "#about-primary-rate-limits"
)


@dataclass(frozen=True)
class Bucket:
    """Whose quota a request spends: ``installation``, ``app`` (its JWT) or ``address``."""

    kind: str
    key: str
    resource: str = "core"


@dataclass
class Quota:
    """One bucket's current window: it starts with the first request and lasts an hour."""

    limit: int
    used: int
    reset: int
    resource: str

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": self.resource,
        }


class RateLimits:
    """The quotas of every bucket; ``limit`` is the default, ``limits`` per installation id.
    ``offset`` moves the limits' own clock, so tests can let an hour pass at once (the
    emulator's clock stays, and with it the expiry of tokens and JWTs)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.limits: dict[int, int] = {}
        self.offset = 0.0
        self._windows: dict[Bucket, Quota] = {}

    def quota(self, bucket: Bucket, now: float, start: bool = True) -> Quota:
        """The bucket's window as of ``now``, a fresh one once the old one reset; only
        ``start`` keeps a fresh one (a window starts with the first request it counts)."""
        now += self.offset
        window = self._windows.get(bucket)
        if window is None or now >= window.reset:
            length = SEARCH[1] if bucket.resource == "search" else HOUR
            window = Quota(0, 0, int(now) + length, bucket.resource)
            if start:
                self._windows[bucket] = window
        window.limit = self._limit_of(bucket)
        return window

    def spend(self, bucket: Bucket, now: float) -> Quota:
        """Count one request, or raise GitHub's 403 when the quota is used up."""
        window = self.quota(bucket, now)
        if window.remaining == 0:
            raise ApiError(403, exceeded_message(bucket), docs=DOCS)
        window.used += 1
        return window

    def exhaust(self, bucket: Bucket, now: float, reset_in: float) -> None:
        """Use the bucket's quota up until ``reset_in`` seconds from ``now``."""
        window = self.quota(bucket, now)
        window.used = window.limit
        window.reset = int(now + self.offset + reset_in)

    def _limit_of(self, bucket: Bucket) -> int:
        if bucket.resource == "search":
            return SEARCH[0]
        if bucket.kind == "address":
            return UNAUTHENTICATED_LIMIT
        if bucket.kind == "installation":
            return self.limits.get(int(bucket.key), self.limit)
        return self.limit


def exceeded_message(bucket: Bucket) -> str:
    if bucket.kind == "installation":
        return f"API rate limit exceeded for installation ID {bucket.key}."
    if bucket.kind == "app":
        return f"API rate limit exceeded for app ID {bucket.key}."
    return (
        f"API rate limit exceeded for {bucket.key}. (But here's the good news: Authenticated "
        "requests get a higher rate limit. Check out the documentation for more details.)"
    )
