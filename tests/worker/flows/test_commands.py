"""The comment commands in process: each answered once, acting on the issue's lock and record."""

from __future__ import annotations

from kiln.jobs import BuildJob, text_digest
from kiln.states import BuildState, JobKind
from tests.worker import e2e_scripts as script
from tests.worker.conftest import OWNER, REPO, STRANGER
from tests.worker.flows.conftest import Flows
from worker.flows.commands import COMMAND_MARKER


def answer(flows: Flows, number: int, comment_id: int) -> str:
    marker = COMMAND_MARKER.format(comment_id=comment_id)
    (body,) = [reply for reply in flows.replies(number) if marker in reply]
    return body


def running_build(flows: Flows, job_id: str = "job-running") -> int:
    """An issue whose build holds the lock and shows `building`, as a live job leaves it."""
    number = flows.open_issue()
    session = flows.session(BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice"),
                            job_id, JobKind.BUILD)
    assert session.open("Add subtraction", 60)
    session.show(state=BuildState.BUILDING)
    return number


def test_status_names_the_running_build_and_links_its_page(flows: Flows) -> None:
    number = running_build(flows)

    flows.command(number, "status", 101)

    reply = answer(flows, number, 101)
    assert "working on this: building (job `job-running`)" in reply
    build_id = flows.records.ledger.build_of("job-running")
    assert f"http://kiln.test/builds/{build_id}" in reply


def test_cancel_stops_the_job_ends_its_record_and_frees_the_issue(flows: Flows) -> None:
    number = running_build(flows)

    flows.command(number, "cancel", 102)

    assert "Cancelled by @alice" in answer(flows, number, 102)
    assert (flows.stopped, flows.removed) == (["job-running"], ["job-running"])
    assert flows.lock(number).holder() is None
    record = flows.records.of_job("job-running")
    assert record is not None and record.state is BuildState.CANCELLED
    assert "Cancelled by @alice" in flows.progress(number)


def test_with_nothing_running_status_and_cancel_say_so(flows: Flows) -> None:
    number = flows.open_issue()

    flows.command(number, "status", 103)
    flows.command(number, "cancel", 104)

    assert "nothing is running here" in answer(flows, number, 103)
    assert "nothing to cancel" in answer(flows, number, 104)
    assert flows.stopped == []


def test_retry_on_a_pull_request_queues_its_issue_once_per_comment(flows: Flows) -> None:
    number = flows.open_issue()
    flows.build(number, script.passing_build())
    (pull,) = flows.emulator.pulls(OWNER, REPO)

    for _ in range(2):  # a retried command job answers once
        flows.command(pull.number, "retry", 105, is_pull_request=True)

    (queued, job_id), *_ = flows.requeued
    assert (queued.issue_number, queued.sender, job_id) == (number, "alice", "build-retry-105")
    assert queued.issue_digest == text_digest("Add subtraction", "calc.sub(a, b)")
    assert "queued a new build" in answer(flows, pull.number, 105)


def test_an_unknown_command_lists_the_known_ones(flows: Flows) -> None:
    number = flows.open_issue()

    flows.command(number, "frobnicate", 106)

    reply = answer(flows, number, 106)
    assert "`/kiln frobnicate`" in reply and "`/kiln retry`" in reply


def test_an_outsider_is_refused_and_nothing_happens(flows: Flows) -> None:
    number = running_build(flows)

    flows.command(number, "cancel", 107, sender=STRANGER)

    assert flows.stopped == [] and flows.lock(number).holder() == "job-running"
    assert any("write access" in reply for reply in flows.replies(number))
