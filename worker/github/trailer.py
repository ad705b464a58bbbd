"""The ``Kiln-Progress:`` trailer: a build's carry-over, kept in the commit message Kiln writes.

The progress of a build that runs more than once lives with its branch, not in Redis: it
survives a Redis loss, goes wherever the branch goes, and only Kiln writes it (the model
changes files, never commit messages). A human's commits on top do not hide it: the first
parents are searched back to the latest Kiln commit for the same issue.
"""

from __future__ import annotations

from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed
from pydantic import BaseModel, ConfigDict, ValidationError

from worker.builder.carryover import Carryover

TRAILER = "Kiln-Progress"
LOOKBACK_COMMITS = 20  # how far back through others' commits to look for Kiln's last one


class ProgressNote(BaseModel):
    """What the trailer holds: the issue the branch is built for and its carry-over."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issue: int
    carryover: Carryover


def with_progress(message: str, issue: int, carryover: Carryover | None) -> str:
    """The commit message with the trailer as its last paragraph (unchanged for None)."""
    if carryover is None:
        return message
    note = ProgressNote(issue=issue, carryover=carryover).model_dump_json()
    return f"{message.rstrip()}\n\n{TRAILER}: {note}\n"


def progress_in(message: str, issue: int) -> Carryover | None:
    """The carry-over a commit message's trailer holds for `issue`; None when it has none (or
    one that does not read, or is another issue's)."""
    prefix = f"{TRAILER}: "
    lines = [line for line in message.splitlines() if line.startswith(prefix)]
    if not lines:
        return None
    try:
        note = ProgressNote.model_validate_json(lines[-1].removeprefix(prefix))
    except ValidationError:
        return None
    return note.carryover if note.issue == issue else None


def find_progress(gh: GitHub[Any], owner: str, repo: str, head: str, issue: int,
                  lookback: int = LOOKBACK_COMMITS) -> Carryover | None:
    """The carry-over of the latest Kiln commit for `issue` among `head`'s first parents."""
    sha: str | None = head
    for _ in range(lookback):
        if sha is None:
            return None
        try:
            commit = gh.rest.git.get_commit(owner, repo, sha).parsed_data
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        found = progress_in(commit.message, issue)
        if found is not None:
            return found
        sha = commit.parents[0].sha if commit.parents else None
    return None
