"""End to end: a review requesting changes on Kiln's pull request makes Kiln revise it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack

pytestmark = pytest.mark.docker


def test_changes_requested_give_one_new_commit_and_replies_on_the_threads(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build() + script.revision())
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub(a, b)",
                                      MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    kiln.wait_for_state(number, "done")
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    kiln.emulator.submit_review(OWNER, REPO, pull.number, MAINTAINER, state="CHANGES_REQUESTED",
                                body="Nearly.", comments=[
                                    {"path": "calc.py", "line": 5, "body": script.REVIEW_COMMENT}])
    body = kiln.wait_for_state(pull.number, "done")
    assert "Kiln revision: done" in body
    branch = f"kiln/issue-{number}"
    assert len(kiln.emulator.commits(OWNER, REPO, branch)) == 3
    assert kiln.emulator.files(OWNER, REPO, branch)["calc.py"] == script.REVISED_CALC.encode()
    comments = kiln.emulator.review_comments(OWNER, REPO, pull.number)
    (asked,) = [c for c in comments if c.body == script.REVIEW_COMMENT]
    replies = [c for c in comments if c.in_reply_to_id == asked.id]
    assert len(replies) == 1 and replies[0].user == kiln.world.app.bot_login
    conversation = [c.body for c in kiln.emulator.issue(OWNER, REPO, pull.number).comments]
    assert any("Revised in" in c and "Documented sub." in c for c in conversation)
    assert len(kiln.emulator.check_runs(OWNER, REPO)) == 2
    kiln.model.assert_done()
