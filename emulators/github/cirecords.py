"""The records of other apps' CI on a repository's commits, kept in the emulator's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CheckSuite:
    """One app's suite on a commit; for Actions it is also the workflow run's."""

    id: int
    app_id: int
    head_sha: str
    head_branch: str | None
    created_at: str
    workflow: str
    run_id: int  # the workflow run's id (Actions)


@dataclass
class CommitStatus:
    id: int
    sha: str
    context: str
    state: str  # error | failure | pending | success
    description: str | None
    target_url: str | None
    creator: str
    created_at: str


@dataclass
class LogLink:
    """A job log's short-lived download address (what the redirect points to)."""

    repo: tuple[str, str]
    job_id: int
    expires_at: float


@dataclass
class RepoCi:
    """What other apps reported on a repository's commits."""

    suites: list[CheckSuite] = field(default_factory=list)
    suite_of: dict[int, int] = field(default_factory=dict)  # check run id -> suite id
    annotations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    logs: dict[int, str] = field(default_factory=dict)  # Actions job id (= check run id)
    statuses: list[CommitStatus] = field(default_factory=list)


@dataclass(frozen=True)
class CheckReport:
    """A finished check run as a test scripts it."""

    name: str
    conclusion: str | None
    status: str = "completed"
    output: dict[str, Any] | None = None
    annotations: list[dict[str, Any]] | None = None
    log: str | None = None
    workflow: str = "CI"
