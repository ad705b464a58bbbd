"""Exactly once under retries: GitHub carries out a POST and then answers 502; Kiln re-reads
what exists instead of sending it again, so a build makes what one clean build makes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from githubkit.exception import RequestFailed
from rq.job import Job

from kiln.jobs import BuildJob, CommandJob, ReviseJob, arguments
from kiln.states import BuildState, JobKind
from tests.worker import e2e_scripts as script
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows, no_later
from worker.flows.ending import JobEnd, JobEnding
from worker.flows.failure import FailureReporter
from worker.github.publisher import CheckResult, Publisher, PullRequestDraft
from worker.github.repository import Repository
from worker.state.lock import LockLost
from worker.thread.progress import Report

# Every POST a build makes on GitHub besides git objects (content-addressed, so resent freely).
POSTS = {
    "comment": r"/issues/\d+/comments$",
    "check run": r"/check-runs$",
    "ref": r"/git/refs$",
    "pull request": r"/pulls$",
    "reaction": r"/issues/\d+/reactions$",
    "label": r"/issues/\d+/labels$",
}


def assert_one_clean_build(flows: Flows, number: int) -> None:
    """What one passing build leaves: one progress comment saying done, one pull request with
    its reviewer, one branch with one commit on main, one check run, one reaction of each."""
    issue = flows.emulator.issue(OWNER, REPO, number)
    assert len(issue.comments) == 1 and "Kiln build: done" in flows.progress(number)
    (pull,) = flows.emulator.pulls(OWNER, REPO)
    assert pull.requested_reviewers == ["alice"]
    branch = f"kiln/issue-{number}"
    assert [name for name in flows.emulator.branches(OWNER, REPO) if name != "main"] == [branch]
    assert len(flows.emulator.commits(OWNER, REPO, branch)) == 2
    assert len(flows.emulator.check_runs(OWNER, REPO)) == 1
    contents = [r.content for r in issue.reactions]
    assert sorted(contents) == sorted(set(contents)) == ["eyes", "rocket"]
    assert "kiln: built" in issue.labels


@pytest.mark.parametrize("post", POSTS)
def test_a_post_carried_out_then_answered_502_is_not_made_twice(flows: Flows, post: str) -> None:
    number = flows.open_issue()
    flows.emulator.fail_next("POST", POSTS[post], kind="502_after_success")

    flows.build(number, script.passing_build())

    assert_one_clean_build(flows, number)
    record = flows.records.of_job("job-build")
    assert record is not None and record.state == "done"


def _one_build_on_github(flows: Flows, number: int) -> None:
    """One progress comment, one pull request, one branch with one commit, one check run."""
    assert len(flows.emulator.issue(OWNER, REPO, number).comments) == 1
    assert len(flows.emulator.pulls(OWNER, REPO)) == 1
    branch = f"kiln/issue-{number}"
    assert [name for name in flows.emulator.branches(OWNER, REPO) if name != "main"] == [branch]
    assert len(flows.emulator.commits(OWNER, REPO, branch)) == 2
    assert len(flows.emulator.check_runs(OWNER, REPO)) == 1


def test_a_relabel_queued_behind_a_running_build_is_answered_not_built(flows: Flows) -> None:
    number = flows.open_issue()
    flows.build(number, script.passing_build(), job_id="job-first")
    raw: dict[bytes, bytes] = flows.redis.hgetall(flows.lock(number).hold_key)  # type: ignore[assignment]
    hold = {key.decode(): float(value) for key, value in raw.items() if key != b"token"}

    # The label again, while the first build ran: queued then, run once it ended.
    model = flows.build(number, script.passing_build(), job_id="job-second",
                        queued_at=(hold["since"] + hold["until"]) / 2)

    assert model.requests == []
    (reply,) = flows.replies(number)
    assert "that build has ended (done)" in reply and "/kiln retry" in reply
    assert flows.records.of_job("job-second") is None
    assert flows.lock(number).holder() is None
    comments = flows.comments(number)
    assert len(comments) == 2  # the progress comment and the one answer
    assert len(flows.emulator.pulls(OWNER, REPO)) == 1
    assert len(flows.emulator.commits(OWNER, REPO, f"kiln/issue-{number}")) == 2
    assert len(flows.emulator.check_runs(OWNER, REPO)) == 1


def test_a_label_after_a_build_ended_builds_again(flows: Flows) -> None:
    number = flows.open_issue()
    flows.build(number, script.passing_build(), job_id="job-first")

    model = flows.build(number, script.passing_build(), job_id="job-second",
                        queued_at=time.time())

    model.assert_done()
    assert flows.replies(number) == []


def test_an_orphaned_work_horse_cannot_overwrite_the_outcome_of_the_retry(
        flows: Flows) -> None:
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice")
    orphan = flows.session(job, "job-orphan", JobKind.BUILD)
    assert orphan.open("Add subtraction", 60)
    orphan.show(state=BuildState.BUILDING, iteration=1)
    # Its worker died: reported failed from outside; then `/kiln retry` builds it.
    flows.ending(number).end("job-orphan", JobEnd(BuildState.FAILED, note="worker gone"))
    flows.build(number, script.passing_build(), job_id="job-retry")

    # The orphaned work-horse goes on, and is stopped at its first write.
    with pytest.raises(LockLost):
        orphan.show(state=BuildState.PUBLISHING)
    with pytest.raises(LockLost):
        orphan.conclude(BuildState.FAILED, Report("", 1, 0, 0.0, reason="boom"), None)

    _one_build_on_github(flows, number)
    assert "Kiln build: done" in flows.progress(number)
    labels = flows.emulator.issue(OWNER, REPO, number).labels
    assert "kiln: built" in labels and "kiln: failed" not in labels
    first = flows.records.of_job("job-orphan")
    assert first is not None and first.state is BuildState.FAILED
    assert first.stop_reason == "worker gone"


def test_ten_502s_on_the_permission_check_end_the_build_later_through_the_outbox(
        flows: Flows) -> None:
    number = flows.open_issue()
    flows.emulator.fail_next("GET", r"/collaborators/alice/permission$", "502", times=10)
    flows.emulator.fail_next("POST", rf"/issues/{number}/comments$", "502", times=3)
    with pytest.raises(RequestFailed):
        flows.build(number, script.passing_build(), job_id="job-down")
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice")

    # The failure handler's part: the record is final at once, the report waits for GitHub.
    flows.ending(number).end("job-down", JobEnd(BuildState.FAILED, note="GitHub answered 502",
                                                 next_step="Comment `/kiln retry`."), job)
    record = flows.records.of_job("job-down")
    assert record is not None and record.state is BuildState.FAILED and record.report_due
    assert flows.progress(number) == ""
    ((job_id, _),) = flows.drains
    assert job_id == "job-down"

    flows.seconds_ahead = 120  # past the back-off, when RQ's scheduler runs the drain
    flows.courier(number).drain()

    assert "Kiln build: failed" in flows.progress(number)
    assert len(flows.comments(number)) == 1
    assert "kiln: failed" in flows.emulator.issue(OWNER, REPO, number).labels
    shown = flows.records.of_job("job-down")
    assert shown is not None and shown.report_due is None


def test_a_crash_report_carries_the_tokens_and_cost_already_spent(flows: Flows) -> None:
    number = flows.open_issue()
    flows.emulator.fail_next("POST", r"/pulls$", "502", times=10)  # GitHub down at the end
    with pytest.raises(RequestFailed) as crash:
        flows.build(number, script.passing_build(), job_id="job-crash")
    spent = flows.records.of_job("job-crash")
    assert spent is not None and spent.tokens > 0  # written as the build went

    @contextmanager
    def open_ending(typed: BuildJob | ReviseJob | CommandJob) -> Iterator[JobEnding]:
        yield flows.ending(typed.number)

    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice")
    rq_job = Job.create("worker.jobs.build", kwargs=arguments(job), id="job-crash",
                        connection=flows.redis)
    FailureReporter(open_ending, _no_requeue, no_later)(rq_job, RequestFailed, crash.value, None)

    body = flows.progress(number)
    assert "Kiln build: failed" in body and f"**Tokens:** {spent.tokens:,}" in body
    record = flows.records.of_job("job-crash")
    assert record is not None and record.tokens == spent.tokens


def _no_requeue(job: BuildJob | ReviseJob, job_id: str) -> None:
    raise AssertionError(f"GitHub's answer is not the infrastructure losing {job}")


def test_a_cancel_during_publishing_opens_no_pull_request(flows: Flows) -> None:
    number = flows.open_issue()
    repository = Repository(flows.gh, OWNER, REPO)
    base = repository.bare_snapshot(repository.branch_head("main") or "")
    draft = PullRequestDraft(branch=f"kiln/issue-{number}", title="Add sub", body="",
                             commit_message="Add sub", reviewer="alice", draft=False)
    lock = flows.lock(number)  # `/kiln cancel` ended the job: its lock is gone

    with pytest.raises(LockLost):
        Publisher(repository).pull_request(
            base, "main", draft, {"sub.py": b"def sub(a, b):\n    return a - b\n"},
            CheckResult(True, "1 passed", ""), still_ours=lambda: lock.hold("job-cancelled"))

    assert flows.emulator.pulls(OWNER, REPO) == []
