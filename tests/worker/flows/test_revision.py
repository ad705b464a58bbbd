"""The revision flow in process: a review on Kiln's pull request becomes one commit and replies."""

from __future__ import annotations

import json

from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows

BROKEN_REVISION = [script.plan(expect=script.REVIEW_COMMENT, goal="document sub",
                               files=["calc.py"]),
                   script.Turn.tool_calls([script.write("calc.py", script.BROKEN_CALC)]),
                   script.Turn.tool_calls([script.finish("Tried.")])]


def built_pull(flows: Flows) -> tuple[int, int]:
    """An issue built into a pull request: (issue, pull request)."""
    number = flows.open_issue()
    flows.build(number, script.passing_build())
    (pull,) = flows.emulator.pulls(OWNER, REPO)
    return number, pull.number


def review(flows: Flows, pull: int) -> int:
    """A review requesting changes with one line comment; its id."""
    return int(flows.emulator.submit_review(
        OWNER, REPO, pull, MAINTAINER, state="CHANGES_REQUESTED", body="Nearly.",
        comments=[{"path": "calc.py", "line": 5, "body": script.REVIEW_COMMENT}]))


def test_a_review_gives_one_commit_one_reply_and_a_summary(flows: Flows) -> None:
    number, pull = built_pull(flows)
    review_id = review(flows, pull)

    model = flows.revise(pull, script.revision(), review_id=review_id)

    model.assert_done()
    branch = f"kiln/issue-{number}"
    assert len(flows.emulator.commits(OWNER, REPO, branch)) == 3
    assert flows.emulator.files(OWNER, REPO, branch)["calc.py"] == script.REVISED_CALC.encode()
    comments = flows.emulator.review_comments(OWNER, REPO, pull)
    (asked,) = [c for c in comments if c.body == script.REVIEW_COMMENT]
    assert len([c for c in comments if c.in_reply_to_id == asked.id]) == 1
    assert any("Revised in" in reply for reply in flows.replies(pull))
    assert "Kiln revision: done" in flows.progress(pull)


def test_a_retried_revision_does_not_reply_twice(flows: Flows) -> None:
    _, pull = built_pull(flows)
    review_id = review(flows, pull)
    flows.revise(pull, script.revision(), review_id=review_id)

    flows.revise(pull, script.revision(), review_id=review_id)

    comments = flows.emulator.review_comments(OWNER, REPO, pull)
    (asked,) = [c for c in comments if c.body == script.REVIEW_COMMENT]
    assert len([c for c in comments if c.in_reply_to_id == asked.id]) == 1
    assert len([r for r in flows.replies(pull) if "Revised in" in r]) == 1


def test_a_failed_revision_pushes_nothing_and_says_so(flows: Flows) -> None:
    _, pull = built_pull(flows)
    review_id = review(flows, pull)
    head = flows.emulator.pull(OWNER, REPO, pull).head_sha
    flows.settings = flows.settings.model_copy(update={"budget_model_calls": 3})

    flows.revise(pull, BROKEN_REVISION, review_id=review_id)

    assert flows.emulator.pull(OWNER, REPO, pull).head_sha == head
    body = flows.progress(pull)
    assert "Kiln revision: failed" in body and "nothing was pushed" in body
    comments = flows.emulator.review_comments(OWNER, REPO, pull)
    assert [c for c in comments if c.in_reply_to_id is not None] == []
    assert len(flows.emulator.check_runs(OWNER, REPO)) == 1



def test_a_revision_takes_its_config_from_the_default_branch_not_the_pull_request(
        flows: Flows) -> None:
    number, pull = built_pull(flows)
    review_id = review(flows, pull)
    rigged = "test: 'true'\nbudgets:\n  model_calls: 500\n"
    flows.emulator.push(OWNER, REPO, f"kiln/issue-{number}", {".github/kiln.yml": rigged},
                        "config", author=MAINTAINER)
    head = flows.emulator.pull(OWNER, REPO, pull).head_sha
    flows.settings = flows.settings.model_copy(update={"budget_model_calls": 3})

    model = flows.revise(pull, BROKEN_REVISION, review_id=review_id)

    # Under the pull request's config `true` would have passed the broken code.
    assert flows.emulator.pull(OWNER, REPO, pull).head_sha == head
    assert "Kiln revision: failed" in flows.progress(pull)
    plan_request = json.dumps(model.requests[0])
    assert "test_command: true" not in plan_request


def test_long_replies_and_summaries_from_the_model_are_cut_to_fit(flows: Flows) -> None:
    _, pull = built_pull(flows)
    review_id = review(flows, pull)
    (asked,) = flows.emulator.review_comments(OWNER, REPO, pull)
    turns = script.revision()
    replies = [{"comment_id": asked.id, "reply": "Done. " * 11_000}]
    turns[-1] = script.Turn.tool_calls([script.finish("Documented sub. " * 4_200, replies)])
    # A model that may answer at length (each answer is cut to this many tokens).
    flows.settings = flows.settings.model_copy(update={"model_max_answer_tokens": 60_000,
                                                       "budget_tokens": 1_000_000})

    flows.revise(pull, turns, review_id=review_id)

    comments = flows.emulator.review_comments(OWNER, REPO, pull)
    (reply,) = [c for c in comments if c.in_reply_to_id == asked.id]
    assert len(reply.body) <= 65_536 and "characters cut" in reply.body
    (summary,) = [r for r in flows.replies(pull) if "Revised in" in r]
    assert len(summary) <= 65_536 and "characters cut" in summary
    assert "Kiln revision: done" in flows.progress(pull)
