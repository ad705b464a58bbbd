"""The Redis hash of a queued RQ job: RQ serialises each kind once, a request fills in the rest."""

from __future__ import annotations

import time
from functools import lru_cache
from itertools import chain
from typing import Any

import orjson
from redis import Redis
from rq.job import Job, JobStatus

from bot.decisions import JobRequest
from kiln.rqjob import JOB_SERIALIZER

PER_REQUEST = ("data", "description", "created_at", "enqueued_at")
"""The fields a request fills in; every other field is the template's."""


class JobRecord:
    """The fields ``Job.to_dict`` would give for a request, at a fraction of its cost.

    RQ itself serialises a template job of this kind once; per request only the fields that
    differ are made: the id-bearing description, the timestamps and the call's data. The data
    is JSON as RQ's JSON serializer reads it, left uncompressed (``Job.restore`` reads both
    forms), because compressing a few hundred bytes costs more than the rest of the enqueue.
    The template's empty fields are left out: ``Job.restore`` reads an absent field exactly as
    an empty one, and each would cost Redis a hash entry per delivery.
    """

    def __init__(
        self, function: str, origin: str, timeout: int, failure_ttl: int, connection: Redis
    ):
        # JSON, as the worker reads it: a pickled job would run code as it is read.
        template = Job.create(function, id="template", timeout=timeout, failure_ttl=failure_ttl,
                              origin=origin, status=JobStatus.QUEUED, connection=connection,
                              serializer=JOB_SERIALIZER)
        static = {name: value for name, value in template.to_dict().items()
                  if value != "" and name not in PER_REQUEST}
        self._static = tuple(chain.from_iterable(static.items()))
        self._function = function
        self._serializer = template.serializer

    def fields(self, request: JobRequest, now_ns: int | None = None) -> tuple[Any, ...]:
        """The job hash for ``request`` as field, value, field, value...: created and enqueued
        at ``now_ns`` (nanoseconds since the epoch, now if None)."""
        stamp = timestamp(time.time_ns() if now_ns is None else now_ns)
        call = (self._function, None, (), request.kwargs)
        try:
            # JSON that RQ's JSONSerializer reads, at a sixth of json.dumps's cost.
            data = orjson.dumps(call)
        except orjson.JSONEncodeError:  # beyond orjson: an integer over 64 bits, say
            data = self._serializer.dumps(call)
        return (*self._static, "data", data, "description", f"{request.kind} {request.job_id}",
                "created_at", stamp, "enqueued_at", stamp)


def timestamp(epoch_ns: int) -> str:
    """RQ's ``utcformat`` (``%Y-%m-%dT%H:%M:%S.%fZ``) of a moment, formatted once a second."""
    seconds, nanoseconds = divmod(epoch_ns, 1_000_000_000)
    return f"{_utc_second(seconds)}.{nanoseconds // 1000:06d}Z"


@lru_cache(maxsize=1)
def _utc_second(seconds: int) -> str:
    # Deliveries of the same second share this: only the microseconds differ.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
