"""End to end with real workers: a build the infrastructure lost (its worker killed, its
sandbox dead) is tried once more, a second loss and a stalled model are reported with the
retry hint, and a Docker engine that cannot be reached still ends with the report on the
issue."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulators.localhost import wait_until
from emulators.model import ToolCall, Turn
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack
from worker.state.lock import IssueLock

pytestmark = pytest.mark.docker
RETRYING = "Kiln is trying once more"
DEAD_DOCKER = "unix:///nonexistent/docker.sock"


def _hanging_attempt() -> list[Turn]:
    """A first attempt that plans, then waits on a model that never answers."""
    return [script.plan(), Turn.hang()]


def _waiting_on_the_model(kiln: KilnStack) -> tuple[int, str]:
    """Label an issue and wait until its build, in its sandbox, waits on the model's second
    answer: (issue, job id)."""
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
    wait_until(lambda: len(kiln.model.requests) == 2, 60, "the build to wait on the model")
    job_id = IssueLock(kiln.redis, OWNER, REPO, number).holder()
    assert job_id is not None and kiln.sandboxes(job_id)
    return number, job_id


def _said_retrying(kiln: KilnStack) -> bool:
    """Whether a comment written on the test's one issue ever said that Kiln tries once more
    (the retry's own progress replaces the words once it starts)."""
    return any(isinstance(r.body, dict) and RETRYING in str(r.body.get("body", ""))
               for r in kiln.emulator.requests
               if r.method in ("POST", "PATCH") and "/comments" in r.path)


def _assert_one_clean_failure(kiln: KilnStack, number: int, reason: str) -> None:
    body = kiln.wait_for_state(number, "failed", timeout=90)
    assert reason in body and "/kiln retry" in body
    issue = kiln.emulator.issue(OWNER, REPO, number)
    assert "kiln: failed" in issue.labels and len(issue.comments) == 1
    assert kiln.emulator.pulls(OWNER, REPO) == []
    assert IssueLock(kiln.redis, OWNER, REPO, number).holder() is None


def test_a_build_worker_killed_with_no_other_is_retried_once_into_one_pull_request(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(_hanging_attempt() + script.passing_build(), workers=1,
                      command_workers=1)
    number, job_id = _waiting_on_the_model(kiln)
    kiln.kill_worker(kiln.workers[0])

    # The commands worker notices, says so, and queues the retry for the next build worker.
    body = str(wait_until(lambda: RETRYING in (text := kiln.progress_body(number)) and text,
                          60, "the progress comment to say Kiln tries once more"))
    assert "Kiln build: queued" in body and "stopped responding" in body
    kiln.start_worker()  # as the process supervisor restarts the killed one
    kiln.wait_for_state(number, "done", timeout=120)

    assert len(kiln.emulator.pulls(OWNER, REPO)) == 1
    assert len(kiln.emulator.commits(OWNER, REPO, f"kiln/issue-{number}")) == 2
    assert len(kiln.emulator.issue(OWNER, REPO, number).comments) == 1
    assert kiln.sandboxes(job_id) == []
    kiln.model.assert_done()


def test_a_second_loss_is_reported_with_the_retry_hint(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(_hanging_attempt() + script.never_finishing_build())
    number, first = _waiting_on_the_model(kiln)
    kiln.kill_worker(kiln.workers[0])
    kiln.start_worker()
    retry = f"{first}-again"
    wait_until(lambda: IssueLock(kiln.redis, OWNER, REPO, number).holder() == retry
               and kiln.sandboxes(retry), 90, "the retry to work in its sandbox")
    kiln.kill_worker(kiln.workers[1])
    kiln.start_worker()

    _assert_one_clean_failure(kiln, number, "again after an automatic retry")
    assert _said_retrying(kiln)
    assert kiln.sandboxes(first) == [] and kiln.sandboxes(retry) == []


def test_an_unreachable_docker_engine_still_ends_with_the_report(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build(), workers=0)
    kiln.env["DOCKER_HOST"] = DEAD_DOCKER
    kiln.start_worker()
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)

    _assert_one_clean_failure(kiln, number, "the Docker engine could not be reached")
    assert _said_retrying(kiln)  # an outage is the infrastructure's: tried twice
    assert kiln.model.requests == []


def test_a_stalled_model_is_stopped_and_reported_not_retried(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(_hanging_attempt(), stall_seconds=5)
    number, job_id = _waiting_on_the_model(kiln)

    _assert_one_clean_failure(kiln, number, "the model had not answered for 5 s")
    assert not _said_retrying(kiln)
    assert kiln.sandboxes(job_id) == []


def test_a_sandbox_that_died_under_its_build_is_tried_once_more(
        start_kiln: Callable[..., KilnStack]) -> None:
    waits = [script.plan(), Turn.tool_calls([ToolCall("run_command", {"command": "sleep 60"})])]
    kiln = start_kiln(waits + script.passing_build())
    number, job_id = _waiting_on_the_model(kiln)
    for box in kiln.sandboxes(job_id):
        box.kill()  # as when the engine or the OOM killer takes the container

    body = kiln.wait_for_state(number, "done", timeout=120)

    assert _said_retrying(kiln) and "again" not in body
    assert len(kiln.emulator.pulls(OWNER, REPO)) == 1
    assert len(kiln.emulator.issue(OWNER, REPO, number).comments) == 1
    kiln.model.assert_done()
