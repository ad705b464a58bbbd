"""The primary rate-limit headers GitHub puts on every answer, counted per credential."""

from __future__ import annotations

from collections import Counter

HOUR = 3600
LIMIT = 5000


class RateLimits:
    """Counts requests per credential in hourly windows, as GitHub's ``core`` resource does."""

    def __init__(self) -> None:
        self._used: Counter[tuple[str, int]] = Counter()

    def headers(self, credential: str, now: float) -> dict[str, str]:
        window = int(now) // HOUR
        self._used[(credential, window)] += 1
        used = self._used[(credential, window)]
        return {
            "x-ratelimit-limit": str(LIMIT),
            "x-ratelimit-remaining": str(max(LIMIT - used, 0)),
            "x-ratelimit-reset": str((window + 1) * HOUR),
            "x-ratelimit-used": str(used),
            "x-ratelimit-resource": "core",
        }
