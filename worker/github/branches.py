"""The branch names Kiln gives its work, and the issue a branch name stands for."""

from __future__ import annotations

import re

ISSUE_BRANCH = "kiln/issue-{number}"
_ISSUE_BRANCH_PATTERN = re.compile(r"^kiln/issue-(\d+)$")


def branch_for(issue_number: int) -> str:
    """The branch a build of issue `issue_number` publishes to."""
    return ISSUE_BRANCH.format(number=issue_number)


def issue_of(branch: str) -> int | None:
    """The issue a Kiln branch was built for, or None for any other branch."""
    match = _ISSUE_BRANCH_PATTERN.match(branch)
    return int(match.group(1)) if match else None
