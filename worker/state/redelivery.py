"""What Redis knows of a webhook delivery: whether Kiln took it, whether a redelivery was asked."""

from __future__ import annotations

import redis

from kiln.jobs import DELIVERY_CLAIM_KEY

ASKED_KEY = "kiln:redelivery:{attempt_id}"


class DeliveryLog:
    """The web side's claim on an event (by GUID), and Kiln's own note of each attempt it
    asked GitHub to redeliver (by the attempt's id), kept as long as the look-back."""

    def __init__(self, client: redis.Redis, queue_name: str, remember_seconds: int) -> None:
        self._redis = client
        self._prefix = queue_name
        self._ttl = remember_seconds

    def received(self, guid: str) -> bool:
        """Whether the web side queued this event's job (so GitHub's failure was only the
        answer's: a slow 202, say). A delivery answered 503 (Redis away) or never received
        has no claim."""
        claim = DELIVERY_CLAIM_KEY.format(prefix=self._prefix, guid=guid)
        return bool(self._redis.exists(claim))

    def ask_once(self, attempt_id: int) -> bool:
        """Note that a redelivery of this attempt is asked for; False when it was already."""
        key = ASKED_KEY.format(attempt_id=attempt_id)
        return bool(self._redis.set(key, "1", nx=True, ex=self._ttl))

    def forget_asking(self, attempt_id: int) -> None:
        """GitHub refused the request: let the next pass ask again."""
        self._redis.delete(ASKED_KEY.format(attempt_id=attempt_id))
