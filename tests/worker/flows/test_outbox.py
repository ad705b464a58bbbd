"""The outbox's delivery against the emulator: an outage is waited out with a back-off, a
drain that finds GitHub still down asks for a later one, and past the horizon Kiln gives up,
saying so on the build's page."""

from __future__ import annotations

from kiln.jobs import BuildJob
from kiln.states import BuildState, JobKind
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows
from worker.state.outbox import Outbox
from worker.thread.courier import BACKOFF_SECONDS, GAVE_UP
from worker.thread.progress import Report
from worker.thread.session import JobSession

COMMENTS = r"/issues/\d+/comments$"
DONE = Report(tests="1 passed", iterations=1, tokens=5, cost_usd=0.0, reason="tests passed")


def _done_while_github_is_down(flows: Flows, number: int, failures: int) -> JobSession:
    """A build that ends while every attempt to post its progress comment answers 502."""
    flows.emulator.fail_next("POST", COMMENTS, "502", times=failures)
    session = flows.session(BuildJob(flows.world.installation_id, OWNER, REPO, number,
                                     MAINTAINER), "job-out", JobKind.BUILD)
    assert session.open("Add subtraction", 60)  # the acknowledgement waits in the outbox
    session.conclude(BuildState.DONE, DONE, None)
    session.close()
    return session


def test_an_outage_is_waited_out_with_a_growing_back_off(flows: Flows) -> None:
    number = flows.open_issue()
    _done_while_github_is_down(flows, number, failures=6)  # two drains' worth of tries
    (_, first), = flows.drains
    assert flows.progress(number) == ""

    flows.seconds_ahead = BACKOFF_SECONDS + 1
    flows.courier(number).drain()  # GitHub still down: a later drain, further off
    (_, second) = flows.drains[-1]
    assert len(flows.drains) == 2 and (second - first).total_seconds() > BACKOFF_SECONDS

    flows.seconds_ahead = 4 * BACKOFF_SECONDS
    flows.courier(number).drain()

    assert "Kiln build: done" in flows.progress(number) and len(flows.comments(number)) == 1
    assert Outbox(flows.redis, OWNER, REPO, number).pending() == []
    record = flows.records.of_job("job-out")
    assert record is not None and record.report_due is None


def test_past_the_horizon_kiln_gives_up_and_says_so_on_the_build_page(flows: Flows) -> None:
    number = flows.open_issue()
    session = _done_while_github_is_down(flows, number, failures=3)
    record = flows.records.of_job("job-out")
    assert record is not None and record.state is BuildState.DONE and record.report_due

    flows.seconds_ahead = flows.settings.outbox_horizon_seconds + 1
    flows.courier(number).drain()

    assert flows.progress(number) == ""
    assert Outbox(flows.redis, OWNER, REPO, number).pending() == []
    given_up = flows.records.of_job("job-out")
    assert given_up is not None and given_up.report_due is None
    lines = [message for _, message in flows.records.history.tail(session.build_id)]
    hours = flows.settings.outbox_horizon_seconds / 3600
    assert GAVE_UP.format(hours=hours) in lines


def test_a_drain_that_comes_early_asks_for_another_at_the_waiting_entrys_time(
        flows: Flows) -> None:
    number = flows.open_issue()
    _done_while_github_is_down(flows, number, failures=3)
    (job_id, due), = flows.drains

    flows.courier(number).drain()  # before the back-off is over: nothing is sent

    assert flows.drains[-1] == (job_id, due) and len(flows.drains) == 2
    assert flows.progress(number) == ""
