"""End to end: a build that runs out of time is reported failed (one whose worker dies is
tried once more: `test_e2e_losses`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.worker import e2e_scripts as script
from tests.worker.conftest import OWNER, REPO, KilnStack
from worker.state.lock import IssueLock

pytestmark = pytest.mark.docker


def _assert_reported_failed(kiln: KilnStack, number: int, job_id: str, reason: str) -> None:
    body = kiln.wait_for_state(number, "failed", timeout=60)
    assert reason in body and "/kiln retry" in body
    issue = kiln.emulator.issue(OWNER, REPO, number)
    assert "kiln: failed" in issue.labels and "confused" in [r.content for r in issue.reactions]
    assert kiln.sandboxes(job_id) == []
    assert IssueLock(kiln.redis, OWNER, REPO, number).holder() is None


def test_a_build_past_the_job_time_limit_is_reported_failed(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.never_finishing_build(), job_timeout_seconds=10)
    number, job_id = kiln.start_build()
    _assert_reported_failed(kiln, number, job_id, "time limit")
