"""The Redis hash of a queued RQ job: RQ serialises each kind once, a request fills in the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq.job import Job, JobStatus

from bot.decisions import JobRequest
from kiln.rqjob import JOB_SERIALIZER


class JobRecord:
    """Builds the fields ``Job.to_dict`` would give for a request, at a fraction of its cost.

    RQ itself serialises a template job of this kind once; per request only the fields that
    differ are made: the id-bearing description, the timestamps and the call's data. The data
    is RQ's serializer output left uncompressed (``Job.restore`` reads both forms), because
    compressing a few hundred bytes costs more than the rest of the delivery's enqueue.
    """

    def __init__(
        self, function: str, origin: str, timeout: int, failure_ttl: int, connection: Redis
    ):
        # JSON, as the worker reads it: a pickled job would run code as it is read.
        template = Job.create(function, id="template", timeout=timeout, failure_ttl=failure_ttl,
                              origin=origin, status=JobStatus.QUEUED, connection=connection,
                              serializer=JOB_SERIALIZER)
        template.enqueued_at = template.created_at
        self._static = template.to_dict()
        self._function = function
        self._serializer = template.serializer

    def fields(self, request: JobRequest, now: datetime | None = None) -> dict[str, Any]:
        """The job hash for ``request``, created and enqueued at ``now`` (UTC)."""
        stamp = timestamp(now or datetime.now(UTC))
        return {
            **self._static,
            "data": self._serializer.dumps((self._function, None, (), request.kwargs)),
            "description": f"{request.kind} {request.job_id}",
            "created_at": stamp,
            "enqueued_at": stamp,
        }


def timestamp(moment: datetime) -> str:
    """RQ's ``utcformat`` (``%Y-%m-%dT%H:%M:%S.%fZ``) without strftime's cost."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
