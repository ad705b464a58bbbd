"""The job contract between the web side and the worker: each job's typed, plain arguments."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from kiln.states import JobKind


def text_digest(title: str, body: str | None) -> str:
    """A short fingerprint of an issue's text, to tell whether it changed since a trigger."""
    return hashlib.sha256(f"{title}\0{body or ''}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class BuildJob:
    """Build an issue labelled with the trigger label.

    ``issue_digest`` is the `text_digest` of the issue as whoever triggered the build saw it:
    the build stops if the text changed since (None: build the current text). ``attempt``
    counts the automatic retries before this one (a build lost to the infrastructure is
    tried once more: `worker.flows.loss`). ``resume`` continues the build on its branch
    (`/kiln continue`, or an automatic continuation) instead of starting from the default
    branch.
    """

    kind: ClassVar[JobKind] = JobKind.BUILD

    installation_id: int
    owner: str
    repo: str
    issue_number: int
    sender: str
    issue_digest: str | None = None
    attempt: int = 0
    resume: bool = False

    @property
    def number(self) -> int:
        """The thread the job reports on."""
        return self.issue_number


@dataclass(frozen=True)
class ReviseJob:
    """Revise a Kiln pull request after a review (``review_id``) or a comment (``comment_id``);
    ``attempt`` as a `BuildJob`'s."""

    kind: ClassVar[JobKind] = JobKind.REVISE

    installation_id: int
    owner: str
    repo: str
    pull_number: int
    sender: str
    review_id: int | None
    comment_id: int | None
    attempt: int = 0
    ci_head: str | None = None  # the head whose failed checks are the feedback (CI follow-up)

    @property
    def number(self) -> int:
        return self.pull_number


class Notice(StrEnum):
    """A reply the web side already knows is due, sent by the command worker (no build runs)."""

    UNAUTHORIZED = "unauthorized"  # the payload shows the sender cannot have write access
    BUILDS_FROM_ISSUES = "builds-from-issues"  # the trigger label on someone else's pull request


@dataclass(frozen=True)
class CommandJob:
    """Answer a ``/kiln <name>`` comment on an issue or pull request.

    With ``notice`` set (a `Notice` value) the job only posts that reply, once per thread
    (per user, for a refusal): ``name`` is then the notice too, and ``comment_id`` is None
    when what is answered is not a comment (a review, a label). Notices share the command
    queue so that nothing refused ever waits on, or occupies, the build queue. A command
    GitHub did not take is run again later (``attempt`` counts: `worker.flows.command_retry`).
    """

    kind: ClassVar[JobKind] = JobKind.COMMAND

    installation_id: int
    owner: str
    repo: str
    number: int
    is_pull_request: bool
    sender: str
    name: str
    comment_id: int | None
    notice: str | None = None
    attempt: int = 0  # tries before this one that GitHub did not take (down, out of quota)


@dataclass(frozen=True)
class ReportJob:
    """Drain a thread's outbox: what Kiln must say there (a progress edit, a final report, a
    label, a reaction) that GitHub refused earlier, for its rate limit or an outage. Only the
    worker queues it, on RQ's scheduler, for when GitHub may take it again.

    ``job_id`` is the job whose entry waits; ``due`` (epoch seconds) is when the drain runs,
    so each has an id of its own and a drain asked twice for one time is queued once.
    """

    kind: ClassVar[JobKind] = JobKind.REPORT

    installation_id: int
    owner: str
    repo: str
    number: int
    job_id: str
    due: int = 0


@dataclass(frozen=True)
class CiJob:
    """Look again at the checks other apps (GitHub Actions above all) reported on the head of
    Kiln's pull request from ``branch``: a check's webhook names ``head_sha``; a poll, queued
    by the worker on RQ's scheduler, counts itself in ``poll`` (0 for a webhook)."""

    kind: ClassVar[JobKind] = JobKind.CI

    installation_id: int
    owner: str
    repo: str
    sender: str
    branch: str
    head_sha: str
    poll: int = 0


Job = BuildJob | ReviseJob | CommandJob | ReportJob | CiJob

JOB_TYPES: dict[JobKind, type[Job]] = {
    JobKind.BUILD: BuildJob,
    JobKind.REVISE: ReviseJob,
    JobKind.COMMAND: CommandJob,
    JobKind.REPORT: ReportJob,
    JobKind.CI: CiJob,
}
JOB_FUNCTIONS: dict[JobKind, str] = {kind: f"worker.jobs.{kind}" for kind in JOB_TYPES}
"""The dotted names RQ calls; `worker/jobs.py` defines one function per kind."""
REDELIVERY_FUNCTION = "worker.jobs.redeliver"
"""The periodic job the workers schedule for themselves, with no arguments: ask GitHub again
for the webhook deliveries that never reached Kiln."""
DELIVERY_CLAIM_KEY = "{prefix}:delivery:{guid}"
"""The web side's claim on a webhook delivery it queued a job for (``prefix`` is the queue's
name, ``guid`` the delivery's): a redelivery finds it and queues nothing; the workers' look
for missed deliveries reads it."""


def arguments(job: Job) -> dict[str, Any]:
    """The job's keyword arguments for RQ: plain values only."""
    return dict(vars(job))  # vars() of a dataclass instance: its fields, without copying deeply


J = TypeVar("J", BuildJob, ReviseJob, CommandJob, ReportJob, CiJob)


def job_from(job_type: type[J], kwargs: Mapping[str, Any]) -> J:
    """The typed job RQ's keyword arguments stand for. Unknown arguments (from a job queued by
    an older Kiln) are dropped; a missing one raises TypeError."""
    known = {field.name for field in fields(job_type)}
    return job_type(**{name: value for name, value in kwargs.items() if name in known})


def kind_of(function: str | None) -> JobKind | None:
    """The kind of job an RQ function name runs, or None for a function that is not Kiln's."""
    return next((kind for kind, name in JOB_FUNCTIONS.items() if name == function), None)
