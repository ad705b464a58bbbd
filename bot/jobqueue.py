"""The bot's one write path: claim a delivery and queue its RQ job in a single Redis round trip."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum

import redis.asyncio
from redis import Redis, RedisError
from rq import Queue
from rq.job import Job, JobStatus

from bot.batcher import ScriptBatcher
from bot.decisions import JobRequest
from kiln.jobs import JOB_FUNCTIONS
from kiln.settings import Settings
from kiln.states import JobKind

log = logging.getLogger(__name__)

# The delivery first, then the once-key only for a new delivery (so a redelivery never holds
# a once-key it did not use), then the writes RQ's Queue.enqueue_job makes. Atomic, one trip.
# KEYS: delivery claim, job hash, queue list, queue registry, optional once-key.
# ARGV: claim expiry, job id, RPUSH or LPUSH, then the job hash's field/value pairs as RQ
# serialised them.
CLAIM_AND_ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
if KEYS[5] and not redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[1]) then return 1 end
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('SADD', KEYS[4], KEYS[3])
redis.call(ARGV[3], KEYS[3], ARGV[2])
return 2
"""
# Commands (above all /kiln cancel) jump the queue so they never wait behind builds.
PUSH = {JobKind.COMMAND: "LPUSH"}


class Submission(StrEnum):
    """What became of a job request."""

    QUEUED = "queued"
    DUPLICATE_DELIVERY = "duplicate delivery"
    ALREADY_QUEUED = "already queued"


class JobQueue:
    """Queues job requests by dotted name on the Kiln queue, deduped by delivery id.

    RQ serialises the job (``Job.create`` and ``to_dict``, so the worker reads exactly
    what RQ expects); a script writes it as ``Queue.enqueue_job`` would, guarded by the
    claim and batched with the other deliveries of the moment. RQ's own enqueue path
    costs three times as much per delivery, most of it bookkeeping this path never needs.
    """

    def __init__(
        self,
        redis_async: redis.asyncio.Redis,
        rq_redis: Redis,
        settings: Settings,
        functions: Mapping[JobKind, str] = JOB_FUNCTIONS,
    ):
        self._redis = redis_async
        self._batcher = ScriptBatcher(redis_async)
        self._rq_redis = rq_redis
        self._queue = Queue(settings.queue_name, connection=rq_redis)
        self._functions = functions
        self._prefix = settings.queue_name
        self._ttl = settings.delivery_ttl_seconds
        self._timeout = settings.job_timeout_seconds
        self._failure_ttl = settings.job_failure_ttl_seconds

    async def submit(self, delivery_id: str, request: JobRequest) -> Submission:
        """Queue ``request`` unless this delivery (or its once-key) was seen before."""
        job = self._job(request)
        claims = [f"{self._prefix}:delivery:{delivery_id}"]
        if request.once_key is not None:
            claims.append(f"{self._prefix}:once:{request.once_key}")
        keys = [claims[0], job.key, self._queue.key, Queue.redis_queues_keys, *claims[1:]]
        fields = [word for pair in job.to_dict().items() for word in pair]
        try:
            push = PUSH.get(request.kind, "RPUSH")
            claimed = await self._batcher.eval(
                CLAIM_AND_ENQUEUE, keys, [self._ttl, job.id, push, *fields]
            )
        except redis.ResponseError:
            # The script failed after claiming (Lua does not roll back). A lost connection is
            # different: the job may be queued, and a redelivery is then rightly a duplicate.
            await self._release(claims)
            raise
        return (Submission.DUPLICATE_DELIVERY, Submission.ALREADY_QUEUED, Submission.QUEUED)[
            claimed
        ]

    def _job(self, request: JobRequest) -> Job:
        job = Job.create(
            self._functions[request.kind],
            kwargs=request.kwargs,
            id=request.job_id,
            description=f"{request.kind} {request.job_id}",
            timeout=self._timeout,
            failure_ttl=self._failure_ttl,
            origin=self._queue.name,
            status=JobStatus.QUEUED,
            connection=self._rq_redis,
        )
        job.enqueued_at = job.created_at
        return job

    async def _release(self, keys: list[str]) -> None:
        # Without this, GitHub's redelivery of a failed delivery would be dropped as a duplicate.
        try:
            await self._redis.delete(*keys)
        except RedisError:
            log.error("could not release claim %s; a redelivery will be ignored", keys)
