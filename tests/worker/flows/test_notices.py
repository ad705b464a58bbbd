"""Notice jobs in process: the reply the web side decided on, posted once, nothing else done."""

from __future__ import annotations

from kiln.jobs import Notice
from tests.worker import e2e_scripts as script
from tests.worker.conftest import OWNER, REPO, STRANGER
from tests.worker.flows.conftest import Flows
from tests.worker.flows.test_commands import running_build
from tests.worker.flows.test_revision import built_pull
from worker.flows.notices import BUILDS_FROM_ISSUES_MARKER

WRITE_ACCESS = "Only people with write access"


def refuse(flows: Flows, number: int, comment_id: int | None, sender: str = STRANGER) -> None:
    flows.command(number, Notice.UNAUTHORIZED, comment_id, sender=sender,
                  notice=Notice.UNAUTHORIZED)


def test_a_refusal_is_the_polite_reply_once_per_user_and_touches_nothing(flows: Flows) -> None:
    number = running_build(flows)
    flows.emulator.add_user("trudy")

    for comment_id in (201, 202, None):
        refuse(flows, number, comment_id)
    refuse(flows, number, 203, sender="trudy")

    replies = [reply for reply in flows.replies(number) if WRITE_ACCESS in reply]
    assert [("@mallory" in r, "@trudy" in r) for r in replies] == [(True, False), (False, True)]
    assert flows.lock(number).holder() == "job-running"
    assert (flows.stopped, flows.requeued, flows.removed) == ([], [], [])
    # Decided from the payload: no permission look-up costs a GitHub call.
    assert not [r for r in flows.emulator.requests if r.path.endswith("/permission")]


def test_a_refusal_and_the_workers_own_share_one_reply(flows: Flows) -> None:
    number = flows.open_issue()

    refuse(flows, number, 204)
    flows.command(number, "status", 205, sender=STRANGER)  # refused by the permission check

    assert len([reply for reply in flows.replies(number) if WRITE_ACCESS in reply]) == 1


def test_the_label_on_another_pull_request_points_to_issues_once(flows: Flows) -> None:
    number = flows.open_issue()  # the thread stands for someone else's pull request

    for _ in range(2):
        flows.command(number, Notice.BUILDS_FROM_ISSUES, None, is_pull_request=True,
                      notice=Notice.BUILDS_FROM_ISSUES)

    (reply,) = flows.replies(number)
    assert BUILDS_FROM_ISSUES_MARKER in reply
    assert "Kiln builds from issues" in reply and "`build me`" in reply
    assert flows.requeued == []


def test_an_unknown_notice_says_nothing(flows: Flows) -> None:
    number = flows.open_issue()

    flows.command(number, "from-a-newer-kiln", None, notice="from-a-newer-kiln")

    assert flows.replies(number) == []


def test_a_revision_asked_by_label_rebuilds_against_the_issue(flows: Flows) -> None:
    number, pull = built_pull(flows)

    # The revise job a `build me` label on Kiln's pull request queues: no review, no comment.
    model = flows.revise(pull, [script.plan(expect="calc.sub(a, b)", goal="document sub",
                                            files=["calc.py"]),
                                script.Turn.tool_calls([script.write("calc.py",
                                                                     script.REVISED_CALC)]),
                                script.Turn.tool_calls([script.finish("Documented sub.")])])

    model.assert_done()
    branch = f"kiln/issue-{number}"
    assert len(flows.emulator.commits(OWNER, REPO, branch)) == 3
    assert flows.emulator.files(OWNER, REPO, branch)["calc.py"] == script.REVISED_CALC.encode()
    assert any("Revised in" in reply for reply in flows.replies(pull))
    assert "Kiln revision: done" in flows.progress(pull)
