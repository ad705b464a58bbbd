"""The bot's one write path: claim a delivery and queue its RQ job in a single Redis round trip."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from enum import StrEnum

import redis.asyncio
from redis import Redis, RedisError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from rq import Queue
from rq.job import Job

from bot.batcher import CommandPipe
from bot.decisions import JobRequest
from bot.jobrecord import JobRecord
from kiln.jobs import DELIVERY_CLAIM_KEY, JOB_FUNCTIONS
from kiln.settings import Settings
from kiln.states import JobKind

log = logging.getLogger(__name__)

# The delivery first, then the once-key only for a new delivery (so a redelivery never holds
# a once-key it did not use), then the writes RQ's Queue.enqueue_job makes. Atomic, one trip.
# KEYS: delivery claim, job hash, queue list, queue registry, optional once-key.
# ARGV: claim expiry, job id, then the job hash's field/value pairs as RQ serialised them.
CLAIM_AND_ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
if KEYS[5] and not redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[1]) then return 1 end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('SADD', KEYS[4], KEYS[3])
redis.call('RPUSH', KEYS[3], ARGV[2])
return 2
"""
CLAIM_AND_ENQUEUE_SHA = hashlib.sha1(CLAIM_AND_ENQUEUE.encode(), usedforsecurity=False).hexdigest()
"""The name Redis gives the script (EVALSHA spares sending and hashing its text each time)."""


class Submission(StrEnum):
    """What became of a job request."""

    QUEUED = "queued"
    DUPLICATE_DELIVERY = "duplicate delivery"
    ALREADY_QUEUED = "already queued"


class JobQueue:
    """Queues job requests by dotted name on the Kiln queue, deduped by delivery id.

    RQ serialises each kind of job once (``JobRecord``, so the worker reads exactly what
    RQ expects); a script writes it as ``Queue.enqueue_job`` would, guarded by the claim
    and written with the other deliveries of the moment on one pipelined connection
    (``CommandPipe``, opened like ``redis_async``). RQ's own enqueue path costs three times
    as much per delivery, most of it bookkeeping this path never needs.
    """

    def __init__(
        self,
        redis_async: redis.asyncio.Redis,
        rq_redis: Redis,
        settings: Settings,
        functions: Mapping[JobKind, str] = JOB_FUNCTIONS,
    ):
        self._redis = redis_async
        self._pipe = CommandPipe.like(redis_async)
        # Commands (and a look at CI) wait on a queue of their own, never behind builds.
        self._queues = {kind: Queue(settings.command_queue_name
                                    if kind in (JobKind.COMMAND, JobKind.CI)
                                    else settings.queue_name, connection=rq_redis)
                        for kind in functions}
        self._records = {
            kind: JobRecord(function, self._queues[kind].name, settings.job_timeout_seconds,
                            settings.job_failure_ttl_seconds, rq_redis)
            for kind, function in functions.items()
        }
        self._queue_keys = {kind: queue.key for kind, queue in self._queues.items()}
        self._prefix = settings.queue_name
        self._ttl = settings.delivery_ttl_seconds

    async def submit(self, delivery_id: str, request: JobRequest) -> Submission:
        """Queue ``request`` unless this delivery (or its once-key) was seen before."""
        claims = [DELIVERY_CLAIM_KEY.format(prefix=self._prefix, guid=delivery_id)]
        if request.once_key is not None:
            claims.append(f"{self._prefix}:once:{request.once_key}")
        keys = (claims[0], Job.key_for(request.job_id), self._queue_keys[request.kind],
                Queue.redis_queues_keys, *claims[1:])
        fields = self._records[request.kind].fields(request)
        args = (len(keys), *keys, self._ttl, request.job_id, *fields)
        try:
            try:
                claimed = await self._pipe.execute("EVALSHA", CLAIM_AND_ENQUEUE_SHA, *args)
            except NoScriptError:  # Redis restarted, or its scripts were flushed: load it again
                claimed = await self._pipe.execute("EVAL", CLAIM_AND_ENQUEUE, *args)
            except RedisConnectionError:
                # Lost before the answer (Redis restarted, say): once more on a new connection,
                # with the script's text in case Redis lost it too. Safe either way: had the
                # first run claimed the delivery, this one finds the claim and queues nothing.
                claimed = await self._pipe.execute("EVAL", CLAIM_AND_ENQUEUE, *args)
        except redis.ResponseError:
            # The script failed after claiming (Lua does not roll back). A lost connection is
            # different: the job may be queued, and a redelivery is then rightly a duplicate.
            await self._release(claims)
            raise
        return (Submission.DUPLICATE_DELIVERY, Submission.ALREADY_QUEUED, Submission.QUEUED)[
            claimed
        ]

    async def aclose(self) -> None:
        await self._pipe.aclose()

    async def _release(self, keys: list[str]) -> None:
        # Without this, GitHub's redelivery of a failed delivery would be dropped as a duplicate.
        try:
            await self._redis.delete(*keys)
        except RedisError:
            log.error("could not release claim %s; a redelivery will be ignored", keys)
