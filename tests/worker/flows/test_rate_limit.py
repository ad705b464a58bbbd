"""A build whose installation's rate limit runs out for an hour: final at once in its record,
its progress and report kept in the thread's outbox and shown once GitHub's limit resets,
never left "building", never shown twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from githubkit.exception import RateLimitExceeded
from rq.job import Job

from kiln.jobs import BuildJob, ReviseJob, arguments
from kiln.states import BuildState, JobKind
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows, no_later
from worker.flows.ending import JobEnding
from worker.flows.failure import FailureReporter
from worker.state.outbox import Outbox
from worker.thread.courier import RESET_MARGIN_SECONDS
from worker.thread.progress import Report
from worker.thread.session import JobSession

HOUR = 3600
NOW = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)
JOB_ID = "job-limited"
DONE = Report(tests="2 passed", iterations=1, tokens=10, cost_usd=0.0, reason="tests passed")
PULL_URL = "http://github.test/octo/demo/pull/9"


def _limited_while_building(flows: Flows, number: int) -> JobSession:
    """A build of `number` that has said "planning" when the limit runs out for an hour; its
    next progress edit is refused (kept in the outbox, the build goes on)."""
    session = flows.session(BuildJob(flows.world.installation_id, OWNER, REPO, number,
                                     MAINTAINER), JOB_ID, JobKind.BUILD)
    assert session.open("Add subtraction", 60)
    session.show(state=BuildState.PLANNING)
    flows.emulator.exhaust_rate_limit(flows.world.installation_id, reset_in=HOUR)
    session.show(state=BuildState.BUILDING, iteration=1)
    return session


def _after_the_reset(flows: Flows, number: int) -> None:
    """An hour on, for GitHub and for Kiln, then the drain RQ's scheduler would run."""
    flows.emulator.advance_rate_limit_clock(HOUR + 60)
    flows.seconds_ahead = HOUR + 60
    flows.courier(number).drain()


def _comment_edits(flows: Flows) -> int:
    return sum(1 for r in flows.emulator.requests
               if r.method == "PATCH" and "/issues/comments/" in r.path and r.status == 200)


def test_an_hour_long_limit_on_the_comment_edit_leaves_the_build_final_and_shown_after_reset(
        flows: Flows) -> None:
    number = flows.open_issue()
    session = _limited_while_building(flows, number)
    (job_id, at), = flows.drains  # one drain asked for, for just after the reset
    assert job_id == JOB_ID
    assert HOUR - 60 < (at - datetime.now(UTC)).total_seconds() <= HOUR + RESET_MARGIN_SECONDS

    session.conclude(BuildState.DONE, DONE, PULL_URL)  # GitHub still refuses: no exception
    session.close()

    record = flows.records.of_job(JOB_ID)  # the dashboard is final now, and says when GitHub is
    assert record is not None and record.state is BuildState.DONE and record.report_due
    assert "planning" in flows.progress(number)
    _after_the_reset(flows, number)

    body = flows.progress(number)
    assert "Kiln build: done" in body and "tests passed" in body
    issue = flows.emulator.issue(OWNER, REPO, number)
    assert "kiln: built" in issue.labels and {r.content for r in issue.reactions} == {
        "eyes", "rocket"}
    assert len(issue.comments) == 1
    shown = flows.records.of_job(JOB_ID)
    assert shown is not None and shown.report_due is None


def test_progress_edits_refused_meanwhile_are_shown_once_as_the_latest(flows: Flows) -> None:
    number = flows.open_issue()
    session = _limited_while_building(flows, number)
    edits = _comment_edits(flows)
    for iteration in range(2, 6):
        session.show(state=BuildState.BUILDING, iteration=iteration)
    # While GitHub's limit holds, nothing more is asked of it: one entry waits, the latest.
    assert len(Outbox(flows.redis, OWNER, REPO, number).pending()) == 1
    assert len(flows.drains) == 1

    _after_the_reset(flows, number)

    assert _comment_edits(flows) == edits + 1
    assert "Iteration 5" in flows.progress(number)


def test_a_build_failing_on_the_limit_is_reported_after_the_reset(flows: Flows) -> None:
    number = flows.open_issue()
    _limited_while_building(flows, number)
    limited = _refused(flows)

    @contextmanager
    def open_ending(typed: Any) -> Iterator[JobEnding]:
        yield flows.ending(typed.number)

    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, MAINTAINER)
    rq_job = Job.create("worker.jobs.build", kwargs=arguments(job), id=JOB_ID,
                        connection=flows.redis)
    FailureReporter(open_ending, _no_requeue, no_later, clock=lambda: NOW)(
        rq_job, type(limited), limited, None)

    record = flows.records.of_job(JOB_ID)
    assert record is not None and record.state is BuildState.FAILED and record.report_due
    until = NOW + limited.retry_after
    assert record.stop_reason == (f"GitHub's rate limit for this installation is used up until "
                                  f"{until:%H:%M} UTC; Kiln will report here then")
    assert flows.lock(number).holder() is None
    _after_the_reset(flows, number)

    body = flows.progress(number)
    assert "Kiln build: failed" in body and "rate limit for this installation" in body
    assert "kiln: failed" in flows.emulator.issue(OWNER, REPO, number).labels


def test_a_newer_build_on_the_thread_supersedes_what_waits(flows: Flows) -> None:
    number = flows.open_issue()
    session = _limited_while_building(flows, number)
    session.conclude(BuildState.DONE, DONE, PULL_URL)
    session.close()
    assert flows.lock(number).acquire("job-retry", 60)  # `/kiln retry` started another build

    _after_the_reset(flows, number)

    assert "Kiln build: done" not in flows.progress(number)
    assert Outbox(flows.redis, OWNER, REPO, number).pending() == []
    record = flows.records.of_job(JOB_ID)
    assert record is not None and record.report_due is None


def _refused(flows: Flows) -> RateLimitExceeded:
    """What GitHub answers the build's next call while the limit holds."""
    try:
        flows.gh.rest.issues.get(OWNER, REPO, 1)
    except RateLimitExceeded as limited:
        return limited
    raise AssertionError("GitHub took a call past the rate limit")


def _no_requeue(job: BuildJob | ReviseJob, job_id: str) -> None:
    raise AssertionError(f"a rate limit is not the infrastructure losing {job}")
