"""The bot's one write path: claim a delivery in Redis, then queue its job on RQ, at most once."""

from __future__ import annotations

import logging
from enum import StrEnum

from redis import Redis, RedisError
from rq import Queue

from bot.decisions import JobRequest
from kiln.jobs import JOB_FUNCTIONS
from kiln.settings import Settings

log = logging.getLogger(__name__)

# One round trip, atomic: the delivery first, then the once-key only if the delivery is new,
# so a redelivery can never hold a once-key it did not use.
CLAIM_SCRIPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 2
"""


class Submission(StrEnum):
    """What became of a job request."""

    QUEUED = "queued"
    DUPLICATE_DELIVERY = "duplicate delivery"
    ALREADY_QUEUED = "already queued"


class JobQueue:
    """Queues job requests by dotted name on the Kiln queue, deduped by delivery id."""

    def __init__(self, redis: Redis, settings: Settings):
        self._redis = redis
        self._queue = Queue(settings.queue_name, connection=redis)
        self._prefix = settings.queue_name
        self._ttl = settings.delivery_ttl_seconds
        self._timeout = settings.job_timeout_seconds
        self._failure_ttl = settings.job_failure_ttl_seconds
        self._claim = redis.register_script(CLAIM_SCRIPT)

    def submit(self, delivery_id: str, request: JobRequest) -> Submission:
        """Queue ``request`` unless this delivery (or its once-key) was seen before."""
        keys = [f"{self._prefix}:delivery:{delivery_id}"]
        if request.once_key is not None:
            keys.append(f"{self._prefix}:once:{request.once_key}")
        claimed = self._claim(keys=keys, args=[self._ttl])
        if claimed == 0:
            return Submission.DUPLICATE_DELIVERY
        if claimed == 1:
            return Submission.ALREADY_QUEUED
        try:
            self._enqueue(request)
        except BaseException:
            self._release(keys)
            raise
        return Submission.QUEUED

    def _enqueue(self, request: JobRequest) -> None:
        with self._redis.pipeline() as pipe:
            self._queue.enqueue_call(
                JOB_FUNCTIONS[request.kind],
                kwargs=request.kwargs,
                job_id=request.job_id,
                description=f"{request.kind} {request.job_id}",
                timeout=self._timeout,
                failure_ttl=self._failure_ttl,
                pipeline=pipe,
            )
            pipe.execute()

    def _release(self, keys: list[str]) -> None:
        # Without this, GitHub's redelivery of a failed delivery would be dropped as a duplicate.
        try:
            self._redis.delete(*keys)
        except RedisError:
            log.error("could not release claim %s; a redelivery will be ignored", keys)
