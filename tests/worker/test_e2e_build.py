"""End to end: a labelled issue becomes a pull request, driven by the emulator's webhooks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulators.localhost import wait_until
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, STRANGER, KilnStack

pytestmark = pytest.mark.docker
TRIGGER = "build me"


def _open_and_label(kiln: KilnStack, user: str = MAINTAINER) -> int:
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction",
                                      "calc.sub(a, b) should return a - b.", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, user)
    return number


def test_labelled_issue_becomes_a_reviewed_pull_request_with_passing_tests(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build())
    number = _open_and_label(kiln)
    wait_until(lambda: kiln.emulator.issue(OWNER, REPO, number).reactions, 20, "👀")
    body = kiln.wait_for_state(number, "done")
    issue = kiln.emulator.issue(OWNER, REPO, number)
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    assert pull.head_ref == f"kiln/issue-{number}" and not pull.draft
    assert pull.requested_reviewers == [MAINTAINER]
    assert f"Closes #{number}" in (pull.body or "") and "2 passed" in (pull.body or "")
    files = kiln.emulator.files(OWNER, REPO, pull.head_ref)
    assert files["calc.py"] == script.CALC.encode() and "test_calc.py" in files
    (run,) = kiln.emulator.check_runs(OWNER, REPO)
    assert (run.head_sha, run.conclusion) == (pull.head_sha, "success")
    assert f"pull request #{pull.number}" in body and "passing: 2 passed" in body
    assert "**Iterations:** 2" in body and "**Tokens:**" in body and "**Cost:** $" in body
    assert "http://kiln.test/builds/" in body and "**Goal:** add sub() to calc" in body
    assert issue.labels == [TRIGGER, "kiln: built"]
    assert sorted(r.content for r in issue.reactions) == ["eyes", "rocket"]
    assert len(issue.comments) == 1
    kiln.model.assert_done()


def test_a_redelivered_webhook_builds_once(start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build())
    number = _open_and_label(kiln)
    labelled = [d for d in kiln.emulator.deliveries if d.event == "issues"
                and d.action == "labeled"][-1]
    kiln.emulator.redeliver(labelled.id)
    kiln.wait_for_state(number, "done")
    kiln.emulator.redeliver(labelled.id)
    assert len(kiln.emulator.pulls(OWNER, REPO)) == 1
    assert len(kiln.emulator.commits(OWNER, REPO, f"kiln/issue-{number}")) == 2
    assert len(kiln.emulator.issue(OWNER, REPO, number).comments) == 1
    kiln.model.assert_done()


def test_an_unauthorized_label_gets_one_polite_reply_and_no_build(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln([])
    number = _open_and_label(kiln, user=STRANGER)
    wait_until(lambda: kiln.emulator.issue(OWNER, REPO, number).comments, 20, "a reply")
    kiln.emulator.label_issue(OWNER, REPO, number, "Build Me", STRANGER)
    wait_until(lambda: kiln.redis.llen(f"rq:queue:{kiln.settings.queue_name}") == 0
               and not _running(kiln), 20, "the second job to finish")
    issue = kiln.emulator.issue(OWNER, REPO, number)
    (reply,) = issue.comments
    assert f"@{STRANGER}" in reply.body and "write access" in reply.body
    assert issue.reactions == [] and kiln.emulator.pulls(OWNER, REPO) == []
    assert kiln.model.requests == []


def test_a_build_that_spends_its_budget_fails_with_its_best_attempt_as_a_draft(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.never_finishing_build("true"))
    kiln.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": "budgets:\n  model_calls: 3\n"})
    number = _open_and_label(kiln)
    body = kiln.wait_for_state(number, "failed")
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    assert pull.draft
    assert kiln.emulator.files(OWNER, REPO, pull.head_ref)["calc.py"] == \
        script.BROKEN_CALC.encode()
    assert "model call budget spent" in body and "/kiln retry" in body
    issue = kiln.emulator.issue(OWNER, REPO, number)
    assert "kiln: failed" in issue.labels and "confused" in [r.content for r in issue.reactions]


def test_an_invalid_config_is_quoted_and_nothing_is_built(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln([])
    kiln.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": "budgets:\n  tokens: lots\n"})
    number = _open_and_label(kiln)
    kiln.wait_for_state(number, "failed")
    quoted = [c.body for c in kiln.emulator.issue(OWNER, REPO, number).comments
              if "budgets.tokens" in c.body]
    assert len(quoted) == 1 and "Input should be a valid integer" in quoted[0]
    assert kiln.model.requests == [] and kiln.emulator.pulls(OWNER, REPO) == []


def test_new_repository_mode_creates_the_project_in_the_organization(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build())
    kiln.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": (
        "mode: new_repository\nnew_repository:\n  org: octo\n  name: 'calc-{number}'\n")})
    number = _open_and_label(kiln)
    body = kiln.wait_for_state(number, "done")
    name = f"calc-{number}"
    files = kiln.emulator.files(OWNER, name, "main")
    assert files["calc.py"] == script.CALC.encode() and "test_calc.py" in files
    assert f"{OWNER}/{name}" in body and kiln.emulator.pulls(OWNER, REPO) == []
    assert "kiln: built" in kiln.emulator.issue(OWNER, REPO, number).labels


def _running(kiln: KilnStack) -> bool:
    from rq import Worker

    return any(w.get_current_job_id() for w in Worker.all(connection=kiln.redis))
