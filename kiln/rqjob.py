"""Kiln's jobs as Redis holds them: JSON, never pickle, and only Kiln's own functions run."""

from __future__ import annotations

from typing import Any

from redis import Redis
from rq.exceptions import DeserializationError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from kiln.jobs import JOB_FUNCTIONS, REDELIVERY_FUNCTION

JOB_SERIALIZER = JSONSerializer
"""How Kiln's jobs are written and read. Their arguments are plain values; JSON, unlike RQ's
default pickle, cannot run code while a job is read back from Redis."""

KILN_FUNCTIONS = frozenset(JOB_FUNCTIONS.values()) | {REDELIVERY_FUNCTION}


class ForeignJobError(DeserializationError):
    """A job hash Kiln did not write: it names a function Kiln never queues."""


class KilnJob(Job):
    """An RQ job read as JSON whatever serializer it is given, that calls only Kiln's functions.

    Whoever can write to Redis can write a job hash. Even without pickle, such a hash could name
    any importable function (``os.system``), a callback or a webhook for the worker to call;
    Kiln's own jobs use none of these, so a job asking for one was not written by Kiln.
    """

    def __init__(self, id: str | None = None, connection: Redis | None = None,
                 serializer: Any = None) -> None:
        super().__init__(id, connection, JOB_SERIALIZER)

    @property
    def func(self) -> Any:
        if self.func_name not in KILN_FUNCTIONS or self.instance is not None:
            raise ForeignJobError(
                f"job {self.id} calls {self.func_name!r}, which is not one of Kiln's jobs")
        return super().func

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None

    def send_webhooks(self, status: str | JobStatus, *, exc_string: str | None = None) -> None:
        """Kiln's jobs have no webhooks: one named in Redis would be a request to anywhere."""
