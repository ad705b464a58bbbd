"""End to end: comment commands, and one build at a time per issue."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rq.job import Job

from emulators.localhost import wait_until
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack
from worker.state.lock import IssueLock

pytestmark = pytest.mark.docker


def _reply_to(kiln: KilnStack, number: int, text: str) -> str:
    """Comment as the maintainer and wait for Kiln's one reply to that comment."""
    comment_id = kiln.emulator.comment(OWNER, REPO, number, text, MAINTAINER)
    marker = f"<!-- kiln:command {comment_id} -->"
    return str(wait_until(lambda: next((c.body for c in kiln.emulator.issue(
        OWNER, REPO, number).comments if marker in c.body), None), 30, f"a reply to {text}"))


def test_with_every_build_worker_busy_commands_are_still_answered(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.never_finishing_build(), workers=1, command_workers=1)
    number, job_id = kiln.start_build()
    assert "building" in _reply_to(kiln, number, "/kiln status")
    assert "Cancelled by @alice" in _reply_to(kiln, number, "/kiln cancel")
    assert "Cancelled by @alice" in kiln.progress_body(number)
    assert kiln.sandboxes(job_id) == []


def test_cancel_stops_the_build_and_its_sandbox_while_others_get_answers(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.never_finishing_build(), workers=2)
    number, job_id = kiln.start_build()
    assert "queued a new build" in _reply_to(kiln, number, "/kiln retry")
    wait_until(lambda: any("already working on this" in c.body for c in kiln.emulator.issue(
        OWNER, REPO, number).comments), 30, "the reply to a second trigger")
    assert "building" in _reply_to(kiln, number, "/kiln status")
    assert "`/kiln retry`" in _reply_to(kiln, number, "/kiln frobnicate")
    assert "Cancelled by @alice" in _reply_to(kiln, number, "/kiln cancel")
    assert "Cancelled by @alice" in kiln.progress_body(number)
    assert Job.fetch(job_id, connection=kiln.redis).get_status() in ("stopped", "failed")
    assert kiln.sandboxes(job_id) == []
    assert IssueLock(kiln.redis, OWNER, REPO, number).holder() is None
    assert "nothing is running" in _reply_to(kiln, number, "/kiln cancel")
