"""What a finished build publishes, and what the thread should say to do next: pure decisions."""

from __future__ import annotations

from enum import StrEnum

from worker.flows.repo_config import Mode
from worker.thread import messages


class Destination(StrEnum):
    """Where a build's result goes."""

    NOTHING = "nothing"
    BRANCH = "branch only"  # a failed attempt kept for a human, without a pull request
    PULL_REQUEST = "pull request"  # a draft when the tests did not pass
    NEW_REPOSITORY = "new repository"


def destination(*, passed: bool, mode: Mode, has_changes: bool,
                draft_on_failure: bool) -> Destination:
    """Decide where a build's result goes from how it ended and the repository's config."""
    if mode is Mode.NEW_REPOSITORY:
        # A half-made project is no reason to create a repository.
        return Destination.NEW_REPOSITORY if passed else Destination.NOTHING
    if not has_changes:
        return Destination.NOTHING
    if not passed and not draft_on_failure:
        return Destination.BRANCH
    return Destination.PULL_REQUEST


def next_step(passed: bool, branch: str | None) -> str:
    """What the final report tells a maintainer to do: nothing after a pass, else where the
    best attempt is (when it was kept) and how to try again."""
    if passed:
        return ""
    if branch is None:
        return messages.RETRY_HINT
    return messages.NEXT_STEP_FAILED.format(branch=branch)
