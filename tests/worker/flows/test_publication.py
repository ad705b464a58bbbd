"""Where a build's result goes and what the report says next: the pure decisions."""

from __future__ import annotations

import pytest

from worker.flows.publication import Destination, destination, next_step
from worker.flows.repo_config import Mode
from worker.thread import messages

PR, NEW = Mode.PULL_REQUEST, Mode.NEW_REPOSITORY


@pytest.mark.parametrize(("passed", "mode", "has_changes", "drafts", "expected"), [
    (True, PR, True, True, Destination.PULL_REQUEST),
    (False, PR, True, True, Destination.PULL_REQUEST),
    (False, PR, True, False, Destination.BRANCH),
    (True, PR, False, True, Destination.NOTHING),
    (False, PR, False, False, Destination.NOTHING),
    (True, NEW, True, True, Destination.NEW_REPOSITORY),
    (True, NEW, False, False, Destination.NEW_REPOSITORY),
    (False, NEW, True, True, Destination.NOTHING),
])
def test_destination(passed: bool, mode: Mode, has_changes: bool, drafts: bool,
                     expected: Destination) -> None:
    assert destination(passed=passed, mode=mode, has_changes=has_changes,
                       draft_on_failure=drafts) is expected


def test_next_step() -> None:
    assert next_step(True, "kiln/issue-1") == ""
    assert next_step(False, None) == messages.RETRY_HINT
    assert "`kiln/issue-1`" in next_step(False, "kiln/issue-1")
