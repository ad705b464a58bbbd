"""End to end: the repository's CI (the emulator playing GitHub Actions) fails on Kiln's pull
request; the webhook reaches the web app, a real worker revises with the job's log in a real
sandbox, the next head passes, and the thread says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack, wait_until

pytestmark = pytest.mark.docker

LINT_ERROR = "calc.py:1:1: F401 `os` imported but unused"
LINT_LOG = ("2026-12-03T07:00:00.0000000Z ##[group]Run ruff check .\n"
            "2026-12-03T07:00:00.0000000Z ##[endgroup]\n"
            f"2026-12-03T07:00:01.0000000Z {LINT_ERROR}\n"
            "2026-12-03T07:00:01.0000000Z ##[error]Process completed with exit code 1.\n")


def ci_fix() -> list[script.Turn]:
    return [script.plan(expect=LINT_ERROR, goal="fix lint", files=["calc.py"]),
            script.Turn.tool_calls([script.write("calc.py", script.REVISED_CALC)]),
            script.Turn.tool_calls([script.finish("Removed the unused import.")])]


def pull_says(kiln: KilnStack, pull: int, text: str) -> bool:
    return any(text in c.body for c in kiln.emulator.issue(OWNER, REPO, pull).comments
               if c.user == kiln.world.app.bot_login)


def test_a_red_actions_check_is_revised_with_its_log_and_the_green_head_reported(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build() + ci_fix())
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub(a, b)",
                                      MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    kiln.wait_for_state(number, "done")
    (pull,) = kiln.emulator.pulls(OWNER, REPO)

    kiln.emulator.report_check(OWNER, REPO, pull.head_sha, "lint", "failure", log=LINT_LOG)

    kiln.wait_for_state(pull.number, "done")
    kiln.model.assert_done()
    fixed = kiln.emulator.pull(OWNER, REPO, pull.number).head_sha
    assert fixed != pull.head_sha
    assert pull_says(kiln, pull.number, "round 1 of 2")
    kiln.emulator.report_check(OWNER, REPO, fixed, "lint", "success")
    wait_until(lambda: pull_says(kiln, pull.number, f"CI passed** on `{fixed[:7]}`")
               and "CI passed" in kiln.progress_body(pull.number), 30,
               "the pull request and its progress comment to say CI passed")
