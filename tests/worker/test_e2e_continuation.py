"""End to end: a build that runs out of budget halfway is finished by a second run (#15)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack

pytestmark = pytest.mark.docker


def _budget_stopped_then_finished(start_kiln: Callable[..., KilnStack],
                                  config: str) -> tuple[KilnStack, int]:
    """Kiln whose model runs out of budget on a labelled issue and then, in a second run
    (however it is started), finishes it."""
    kiln = start_kiln([*script.budget_stopped_build(), *script.continued_build()])
    kiln.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": config}, "config")
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub(a, b)",
                                      MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    return kiln, number


def _assert_finished_on_one_pull_request(kiln: KilnStack, number: int, body: str) -> None:
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    assert pull.head_ref == f"kiln/issue-{number}" and not pull.draft
    files = kiln.emulator.files(OWNER, REPO, pull.head_ref)
    assert files["calc.py"] == script.CALC.encode() and "README.md" in files
    assert "- [x] write sub\n- [x] test sub\n- [x] document sub" in body
    assert "**Across 2 runs:**" in body and "passing: 2 passed" in body
    kiln.model.assert_done()


def test_continue_finishes_a_build_on_its_branch_and_pull_request(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln, number = _budget_stopped_then_finished(start_kiln, script.TIGHT_BUDGET)
    assert "Stopped with 1 of 3 steps done" in kiln.wait_for_state(number, "failed")
    (draft,) = kiln.emulator.pulls(OWNER, REPO)

    kiln.emulator.comment(OWNER, REPO, draft.number, "/kiln continue", MAINTAINER)

    _assert_finished_on_one_pull_request(kiln, number, kiln.wait_for_state(number, "done"))


def test_an_automatic_continuation_finishes_it_without_a_command(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln, number = _budget_stopped_then_finished(
        start_kiln, script.TIGHT_BUDGET + "continuations: 1\n")

    body = kiln.wait_for_state(number, "done")

    _assert_finished_on_one_pull_request(kiln, number, body)
    notes = [c.body for c in kiln.emulator.issue(OWNER, REPO, number).comments
             if "Run 1 of this build stopped" in c.body]
    assert len(notes) == 1
