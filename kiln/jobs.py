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
    the build stops if the text changed since (None: build the current text).
    """

    kind: ClassVar[JobKind] = JobKind.BUILD

    installation_id: int
    owner: str
    repo: str
    issue_number: int
    sender: str
    issue_digest: str | None = None

    @property
    def number(self) -> int:
        """The thread the job reports on."""
        return self.issue_number


@dataclass(frozen=True)
class ReviseJob:
    """Revise a Kiln pull request after a review (``review_id``) or a comment (``comment_id``)."""

    kind: ClassVar[JobKind] = JobKind.REVISE

    installation_id: int
    owner: str
    repo: str
    pull_number: int
    sender: str
    review_id: int | None
    comment_id: int | None

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
    queue so that nothing refused ever waits on, or occupies, the build queue.
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


Job = BuildJob | ReviseJob | CommandJob

JOB_TYPES: dict[JobKind, type[Job]] = {
    JobKind.BUILD: BuildJob,
    JobKind.REVISE: ReviseJob,
    JobKind.COMMAND: CommandJob,
}
JOB_FUNCTIONS: dict[JobKind, str] = {kind: f"worker.jobs.{kind}" for kind in JOB_TYPES}
"""The dotted names RQ calls; `worker/jobs.py` defines one function per kind."""


def arguments(job: Job) -> dict[str, Any]:
    """The job's keyword arguments for RQ: plain values only."""
    return dict(vars(job))  # vars() of a dataclass instance: its fields, without copying deeply


J = TypeVar("J", BuildJob, ReviseJob, CommandJob)


def job_from(job_type: type[J], kwargs: Mapping[str, Any]) -> J:
    """The typed job RQ's keyword arguments stand for. Unknown arguments (from a job queued by
    an older Kiln) are dropped; a missing one raises TypeError."""
    known = {field.name for field in fields(job_type)}
    return job_type(**{name: value for name, value in kwargs.items() if name in known})


def kind_of(function: str | None) -> JobKind | None:
    """The kind of job an RQ function name runs, or None for a function that is not Kiln's."""
    return next((kind for kind, name in JOB_FUNCTIONS.items() if name == function), None)
