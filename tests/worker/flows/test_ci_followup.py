"""The CI follow-up in process: Kiln's pull request meets the repository's own CI (played by
the emulator as GitHub Actions, or as an external CI posting commit statuses), revises with
what it reported, and says how it ended."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest
from rq import Queue

from bot.app import create_app
from kiln.jobs import BuildJob, CiJob, ReviseJob, job_from
from kiln.rqjob import JOB_SERIALIZER
from kiln.states import JobKind
from tests.bot.live_server import serve
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows
from worker.flows.ci_followup import CiFollowUp, CiWatch
from worker.flows.ci_verdict import polls_for
from worker.flows.issue_build import IssueBuild
from worker.flows.revision import PullRevision
from worker.state.ci import Follows
from worker.thread.ci_report import CI_SECTION_START

LINT_ERROR = "calc.py:1:1: F401 `os` imported but unused"
LINT_LOG = "\n".join(f"2026-12-03T07:00:0{n}.0000000Z {line}" for n, line in enumerate([
    "##[group]Run actions/checkout@v4", "##[endgroup]", "##[group]Run ruff check .",
    "##[endgroup]", LINT_ERROR, "Found 1 error.",
    "##[error]Process completed with exit code 1."]))
ANNOTATION = {"path": "calc.py", "start_line": 1, "annotation_level": "failure",
              "message": "F401 unused import"}


@dataclass
class Ci:
    """Kiln's flows wired with the CI follow-up; the queues are lists the test drains."""

    flows: Flows
    follows: Follows
    polls: list[CiJob] = field(default_factory=list)
    revisions: list[ReviseJob] = field(default_factory=list)

    def watch(self) -> CiWatch:
        return CiWatch(self.follows, self.polls.append, self.flows.world.installation_id,
                       OWNER, REPO)

    def build(self, number: int) -> str:
        """A passing build of issue `number`; its pull request's head."""
        f = self.flows
        job = BuildJob(f.world.installation_id, OWNER, REPO, number, MAINTAINER)
        _, llm = f.serve_model(script.passing_build(), f.settings)
        IssueBuild(f.session(job, "job-build", JobKind.BUILD), f.gh, f.settings, lambda: llm,
                   lambda config: f.sandboxes, watch=self.watch()).run()
        return self.head()

    def head(self) -> str:
        (pull,) = self.flows.emulator.pulls(OWNER, REPO)
        return str(pull.head_sha)

    def look(self, sha: str, number: int, poll: int = 0) -> None:
        """The CI job a check's webhook (or a poll) queues."""
        job = CiJob(self.flows.world.installation_id, OWNER, REPO, MAINTAINER,
                    f"kiln/issue-{number}", sha, poll)
        self.run(job)

    def webhook_looks(self) -> list[CiJob]:
        """The CI jobs Kiln's web app queued from webhooks (on the command queue)."""
        queue = Queue(self.flows.settings.command_queue_name, connection=self.flows.redis,
                      serializer=JOB_SERIALIZER)
        return [job_from(CiJob, job.kwargs) for job in queue.get_jobs()
                if job.func_name == "worker.jobs.ci"]

    def run(self, job: CiJob) -> None:
        CiFollowUp(job, self.flows.gh, self.follows, self.polls.append,
                   lambda revise, round_number: self.revisions.append(revise),
                   self.flows.settings).run()

    def revise(self, job: ReviseJob, turns: list[Any]) -> Any:
        """The CI revision the follow-up queued; returns the scripted model."""
        f = self.flows
        model, llm = f.serve_model(turns, f.settings)
        PullRevision(f.session(job, f"job-ci-{len(self.revisions)}", JobKind.REVISE), f.gh,
                     f.settings, lambda: llm, lambda config: f.sandboxes, None, None,
                     job.ci_head, self.watch()).run()
        return model

    def red_build(self, config: str | None = None) -> tuple[int, str]:
        """A build (under `config` on the default branch) whose head's lint check fails:
        (issue, head)."""
        if config is not None:
            self.flows.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": config},
                                     "Kiln's config", author=MAINTAINER)
        number = self.flows.open_issue()
        head = self.build(number)
        self.lint_fails(head)
        return number, head

    def lint_fails(self, sha: str) -> None:
        self.flows.emulator.report_check(OWNER, REPO, sha, "test", "success")
        self.flows.emulator.report_check(
            OWNER, REPO, sha, "lint", "failure", log=LINT_LOG, annotations=[ANNOTATION],
            output={"title": "ruff found 1 error", "summary": "Run `ruff check .`"})


@pytest.fixture
def ci(flows: Flows) -> Ci:
    return Ci(flows, Follows(flows.redis, flows.settings.queue_name))


def ci_fix() -> list[Any]:
    """The CI revision: the lint error (from the job's log) must reach the model."""
    return [script.plan(expect=LINT_ERROR, goal="fix lint", files=["calc.py"]),
            script.Turn.tool_calls([script.write("calc.py", script.REVISED_CALC)]),
            script.Turn.tool_calls([script.finish("Removed the unused import.")])]


def pull_comments(ci: Ci) -> list[str]:
    (pull,) = ci.flows.emulator.pulls(OWNER, REPO)
    return ci.flows.replies(pull.number)


def test_failing_actions_check_is_revised_with_its_log_and_the_green_head_is_reported(
        ci: Ci) -> None:
    number, head = ci.red_build()

    ci.look(head, number)

    (revise,) = ci.revisions
    assert (revise.ci_head, revise.sender) == (head, MAINTAINER)
    assert any("CI failed" in c and "`lint`" in c and "round 1 of 2" in c
               for c in pull_comments(ci))
    assert "CI failed" in ci.flows.progress(number)
    model = ci.revise(revise, ci_fix())
    model.assert_done()
    prompt = str(model.requests[0])
    assert "ruff found 1 error" in prompt and "F401 unused import" in prompt
    assert "Run ruff check ." in prompt and "Run actions/checkout" not in prompt
    fixed = ci.head()
    assert fixed != head
    for check in ("lint", "test"):
        ci.flows.emulator.report_check(OWNER, REPO, fixed, check, "success")

    ci.look(fixed, number)

    (pull,) = ci.flows.emulator.pulls(OWNER, REPO)
    assert any(f"CI passed** on `{fixed[:7]}`" in c for c in pull_comments(ci))
    progress = ci.flows.progress(pull.number)
    assert "Kiln revision: done" in progress and "CI passed" in progress
    assert CI_SECTION_START in progress
    assert len(ci.revisions) == 1
    assert ci.follows.get(OWNER, REPO, f"kiln/issue-{number}") is None


def test_an_external_cis_failing_status_reaches_kiln_by_webhook_without_a_poll(
        ci: Ci) -> None:
    number = ci.flows.open_issue()
    head = ci.build(number)
    emulator = ci.flows.emulator
    jenkins = "jenkins[bot]"  # a bot sender: CI, not someone asking Kiln for anything

    with serve(create_app(ci.flows.settings)) as url:  # the real web app receives GitHub's
        emulator.set_webhook_url(f"{url}/api/github/webhooks")
        emulator.set_status(OWNER, REPO, head, "ci/jenkins", "pending", creator=jenkins)
        emulator.set_status(OWNER, REPO, head, "ci/jenkins", "failure", "2 tests failed",
                            creator=jenkins)

    statuses = [d for d in emulator.deliveries if d.event == "status"]
    assert [d.status_code for d in statuses] == [202, 202]
    (look,) = ci.webhook_looks()  # the pending status queued nothing
    assert (look.head_sha, look.branch, look.poll) == (head, f"kiln/issue-{number}", 0)
    (waiting,) = ci.polls  # the build's poll, never run here: only the webhook acts
    ci.run(look)

    (revise,) = ci.revisions
    assert (revise.ci_head, revise.sender) == (head, MAINTAINER)
    assert any("CI failed" in c and "`ci/jenkins`" in c and "round 1 of 2" in c
               for c in pull_comments(ci))
    assert "CI failed" in ci.flows.progress(number)
    assert ci.polls == [waiting]


def test_rounds_stop_at_the_configured_limit_and_say_what_is_still_red(ci: Ci) -> None:
    number, head = ci.red_build("ci_rounds: 1\n")
    ci.look(head, number)
    ci.revise(ci.revisions[0], ci_fix())
    again = ci.head()
    ci.lint_fails(again)

    ci.look(again, number)
    ci.look(again, number)  # the suite's webhook comes too: it is answered once

    assert len(ci.revisions) == 1
    still = [c for c in pull_comments(ci) if "CI still fails" in c]
    assert len(still) == 1 and "after 1 round of revision: `lint`" in still[0]
    (pull,) = ci.flows.emulator.pulls(OWNER, REPO)
    assert "CI still fails" in ci.flows.progress(pull.number)
    assert ci.follows.get(OWNER, REPO, f"kiln/issue-{number}") is None


def test_a_human_push_to_the_branch_stops_the_loop(ci: Ci) -> None:
    number, head = ci.red_build()
    human = ci.flows.emulator.push(OWNER, REPO, f"kiln/issue-{number}",
                                   {"NOTES.md": "mine now\n"}, "Take over", author=MAINTAINER)
    ci.lint_fails(human)

    ci.look(human, number)
    ci.look(head, number)  # the older head's webhooks, arriving late

    assert ci.revisions == []
    assert any("stopped following CI" in c and human[:7] in c for c in pull_comments(ci))
    assert ci.follows.get(OWNER, REPO, f"kiln/issue-{number}") is None


def test_a_ci_revision_queued_before_a_human_push_does_nothing(ci: Ci) -> None:
    number, head = ci.red_build()
    ci.look(head, number)
    human = ci.flows.emulator.push(OWNER, REPO, f"kiln/issue-{number}",
                                   {"NOTES.md": "mine now\n"}, "Take over", author=MAINTAINER)

    model = ci.revise(ci.revisions[0], ci_fix())

    assert model.requests == []
    assert ci.head() == human


def test_without_any_webhook_the_poll_finds_the_result(ci: Ci) -> None:
    number = ci.flows.open_issue()
    head = ci.build(number)
    (first,) = ci.polls
    assert (first.head_sha, first.poll) == (head, 1)
    ci.flows.emulator.report_check(OWNER, REPO, head, "test", None, status="in_progress")

    ci.run(first)

    second = ci.polls[-1]
    assert second.poll == 2 and ci.flows.replies(number) == []
    ci.flows.emulator.report_check(OWNER, REPO, head, "test", "success")
    ci.run(second)
    assert any("CI passed" in c for c in pull_comments(ci))
    assert "CI passed" in ci.flows.progress(number)
    assert len(ci.polls) == 2


def test_ci_rounds_zero_turns_the_follow_up_off(ci: Ci) -> None:
    number, head = ci.red_build("ci_rounds: 0\n")

    ci.look(head, number)

    assert ci.polls == [] and ci.revisions == []
    assert not any("CI" in c for c in pull_comments(ci))


def test_a_ci_that_never_ends_is_given_up_on_and_said_so(ci: Ci) -> None:
    number = ci.flows.open_issue()
    head = ci.build(number)
    (first,) = ci.polls
    ci.flows.emulator.report_check(OWNER, REPO, head, "test", None, status="in_progress")
    settings = ci.flows.settings
    allowed = polls_for(settings.ci_wait_seconds, settings.ci_poll_seconds)

    ci.run(dataclasses.replace(first, poll=allowed))  # the last poll that may still wait
    ci.run(ci.polls[-1])

    assert ci.polls[-1].poll == allowed + 1  # and nothing queued after it
    assert any("stopped following CI" in c for c in pull_comments(ci))
    assert "stopped following CI" in ci.flows.progress(number)


def test_a_ci_revision_that_fails_ends_the_follow_it_was_revising_for(ci: Ci) -> None:
    number, head = ci.red_build()
    ci.look(head, number)
    (revise,) = ci.revisions
    branch = f"kiln/issue-{number}"
    following = ci.follows.get(OWNER, REPO, branch)
    assert following is not None and following.revising

    ci.revise(revise, [script.Turn.text("no plan")] * ci.flows.settings.plan_attempts)

    assert ci.head() == head  # nothing was pushed
    assert ci.follows.get(OWNER, REPO, branch) is None  # not left "revising" for good
    (pull,) = ci.flows.emulator.pulls(OWNER, REPO)
    assert "Kiln revision: failed" in ci.flows.progress(pull.number)
