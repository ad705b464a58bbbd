"""What a handler decides about a delivery: queue a job, note it, or ignore it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiln.jobs import Job, arguments
from kiln.states import JobKind


@dataclass(frozen=True)
class JobRequest:
    """Queue ``job`` under a deterministic RQ job id.

    ``once_key`` names something that must be queued only once across deliveries
    (one revise per review, however many of its comments arrive).
    """

    job: Job
    job_id: str
    once_key: str | None = None

    @property
    def kind(self) -> JobKind:
        return self.job.kind

    @property
    def kwargs(self) -> dict[str, Any]:
        """The job's arguments as RQ stores them."""
        return arguments(self.job)


@dataclass(frozen=True)
class Noted:
    """Acknowledged without a job (ping, installation changes); ``note`` goes in the log."""

    note: str
    status: int = 202


@dataclass(frozen=True)
class Ignored:
    """Nothing to do, and why."""

    reason: str


Decision = JobRequest | Noted | Ignored
