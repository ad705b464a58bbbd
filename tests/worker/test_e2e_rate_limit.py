"""End to end: the installation's rate limit runs out mid-build. The build record is final at
once, saying when the report comes; the report lands on the issue after GitHub's reset, put
there by RQ's scheduler in a real worker. Never stuck at "building"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulators.localhost import wait_until
from kiln.history import BuildHistory, BuildRecord
from kiln.states import BuildState
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack

pytestmark = pytest.mark.docker

RESET_SECONDS = 20  # further off than the worker waits out (below), near enough for a test
THINKING_SECONDS = 3.0


def _latest_record(kiln: KilnStack) -> BuildRecord | None:
    records = BuildHistory(kiln.redis, 3600).page(1, 1)
    return records[0] if records else None


def test_a_build_out_of_rate_limit_ends_on_the_dashboard_then_on_the_issue(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.paced(script.passing_build(), THINKING_SECONDS), workers=0)
    kiln.env["GITHUB_MAX_RETRY_WAIT_SECONDS"] = "1"
    kiln.start_worker()
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    kiln.wait_for_state(number, "building")

    kiln.emulator.exhaust_rate_limit(kiln.world.installation_id, reset_in=RESET_SECONDS)

    ended = wait_until(lambda: (r := _latest_record(kiln)) and r.report_due and r, 60,
                       "the build record to be final with its report put off")
    assert ended.state is BuildState.FAILED and ended.github_calls > 0
    assert "rate limit for this installation is used up until" in ended.stop_reason
    assert "Kiln build: failed" not in kiln.progress_body(number)  # GitHub said no, so far

    body = kiln.wait_for_state(number, "failed", timeout=RESET_SECONDS + 60)
    assert "rate limit for this installation" in body and "/kiln retry" in body
    assert "kiln: failed" in kiln.emulator.issue(OWNER, REPO, number).labels
    reported = _latest_record(kiln)
    assert reported is not None and reported.id == ended.id and reported.report_due is None
