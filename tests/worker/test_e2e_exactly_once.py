"""End to end with real workers: GitHub carrying out POSTs and then answering 502, and a second
label queued behind a running build with one build worker. Each leaves exactly what one clean
build makes: one progress comment, one pull request, one branch with one commit, one check run."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from emulators.localhost import wait_until
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack
from worker.github.clients import GitHubClients

pytestmark = pytest.mark.docker
TRIGGER = "build me"
THINKING_SECONDS = 2.0


def _one_clean_build(kiln: KilnStack, number: int, replies: int = 0) -> None:
    bot = kiln.world.app.bot_login
    comments = [c for c in kiln.emulator.issue(OWNER, REPO, number).comments if c.user == bot]
    assert len(comments) == 1 + replies
    (pull,) = kiln.emulator.pulls(OWNER, REPO)
    assert pull.requested_reviewers == [MAINTAINER]
    branch = f"kiln/issue-{number}"
    assert [name for name in kiln.emulator.branches(OWNER, REPO) if name != "main"] == [branch]
    assert len(kiln.emulator.commits(OWNER, REPO, branch)) == 2
    assert len(kiln.emulator.check_runs(OWNER, REPO)) == 1


def test_posts_carried_out_then_answered_502_are_made_once(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build())
    for path in (r"/issues/\d+/comments$", r"/check-runs$", r"/git/refs$", r"/pulls$",
                 r"/issues/\d+/reactions$", r"/issues/\d+/labels$"):
        kiln.emulator.fail_next("POST", path, kind="502_after_success")
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, MAINTAINER)

    kiln.wait_for_state(number, "done")

    _one_clean_build(kiln, number)
    assert "kiln: built" in kiln.emulator.issue(OWNER, REPO, number).labels


def test_a_relabel_behind_a_running_build_is_answered_not_built(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.paced(script.passing_build(), THINKING_SECONDS) +
                      script.passing_build(), workers=1)
    number = kiln.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub", MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, MAINTAINER)
    kiln.wait_for_state(number, "building")
    with GitHubClients(kiln.settings, kiln.redis).installation(
            kiln.world.installation_id) as gh:  # someone takes the label off and on again
        gh.rest.issues.remove_label(OWNER, REPO, number, TRIGGER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, MAINTAINER)
    queue = f"rq:queue:{kiln.settings.queue_name}"
    wait_until(lambda: kiln.redis.llen(queue) == 1, 30, "the second build to be queued")

    kiln.wait_for_state(number, "done")
    reply = str(wait_until(lambda: next((c.body for c in kiln.emulator.issue(
        OWNER, REPO, number).comments if "that build has ended" in (c.body or "")), None), 60,
        "the answer to the second label"))

    assert "(done)" in reply and "/kiln retry" in reply
    wait_until(lambda: kiln.redis.llen(queue) == 0, 30, "the queue to empty")
    _one_clean_build(kiln, number, replies=1)
    assert len(kiln.model.requests) == 3  # the first build's turns only


ORPHAN_THINKING_SECONDS = 60  # the orphan's model answer comes after the retry has finished


def test_an_orphaned_work_horse_cannot_overwrite_the_outcome_of_the_retry(
        start_kiln: Callable[..., KilnStack]) -> None:
    broken = script.never_finishing_build()[:2]
    slow = [*broken, script.Turn.tool_calls([script.ToolCall("run_command", {
        "command": "true"})], delay=ORPHAN_THINKING_SECONDS)]
    kiln = start_kiln(slow + script.passing_build(), workers=1, command_workers=1)
    number, _ = kiln.start_build()
    wait_until(lambda: len(kiln.model.requests) == 3, 30, "the build to wait on the model")
    (worker,) = kiln.workers[:1]
    # Its children: RQ's scheduler, started with it, then the work-horse running the build.
    children = sorted(map(int, Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
                          .read_text().split()))
    horse = children[-1]
    try:
        os.kill(worker.pid, signal.SIGKILL)  # the worker dies; its work-horse lives on
        worker.wait(5)
        kiln.wait_for_state(number, "queued", timeout=60)  # reported, and tried once more
        kiln.start_worker()
        kiln.wait_for_state(number, "done", timeout=90)
        # The orphan's model answer comes: it is stopped at its first write, and ends.
        wait_until(lambda: not _running(horse), ORPHAN_THINKING_SECONDS + 30,
                   "the orphaned work-horse to end")
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert "LockLost" in kiln.worker_logs()

    assert "Kiln build: done" in kiln.progress_body(number)
    labels = kiln.emulator.issue(OWNER, REPO, number).labels
    assert "kiln: built" in labels and "kiln: failed" not in labels
    _one_clean_build(kiln, number)


def _running(pid: int) -> bool:
    """Whether `pid` is alive (not gone, not a zombie nobody reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False
