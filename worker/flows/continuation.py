"""Continuing a build from its branch: whether it can go on, what the thread says, the next run.

A build that stops before it is done leaves its work on `kiln/issue-N` and its progress in the
`Kiln-Progress:` trailer of the commit (`worker.github.trailer`). `/kiln continue`, or an
automatic continuation (`continuations:` in `.github/kiln.yml`, at most
``CONTINUATIONS_CEILING``), queues a `BuildJob` with ``resume`` set: it builds on the branch's
head with the carried plan, a fresh budget and a fresh context.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from githubkit import GitHub

from kiln.jobs import BuildJob
from worker.builder import BuildResult
from worker.builder.carryover import Carryover, carry_over
from worker.flows.repo_config import CONFIG_PATH
from worker.github.branches import branch_for
from worker.github.repository import Repository
from worker.github.trailer import find_progress, with_progress
from worker.thread.conversation import Conversation

Requeue = Callable[[BuildJob, str], None]
"""Queue a build job under an RQ job id, unless a job with that id exists."""

NOTHING_TO_CONTINUE = "there is no unfinished Kiln build on branch `{branch}` to continue"
NOTHING_TO_CONTINUE_NEXT = "Comment `/kiln retry` to build the issue from the start."
NOTHING_TO_CONTINUE_REPLY = ("@{login}, " + NOTHING_TO_CONTINUE + ". " + NOTHING_TO_CONTINUE_NEXT)
CONTINUE_QUEUED = ("@{login}, queued run {run} of this build: it goes on from branch `{branch}` "
                   "({tally}) with a fresh budget.")
CONTINUE_HINT = (
    "Stopped with {tally}; the work so far is on branch `{branch}`. Comment `/kiln continue` "
    "to go on from there with a fresh budget, or `/kiln retry` to start again.")
CONTINUING = "Stopped with {tally}; continuing automatically (run {run} of at most {most})."
ACROSS_RUNS = "**Across {runs} runs:** {tokens:,} tokens · ${cost:.4f}"
RUN_ENDED_MARKER = "<!-- kiln:run-ended {commit} -->"
RUN_ENDED = ("{marker}\nRun {run} of this build stopped ({reason}) with {tally} and "
             "${cost:.4f} spent; Kiln goes on from branch `{branch}` in run {next_run}.")


def resumable(carryover: Carryover | None) -> bool:
    """Whether a build's progress leaves something to continue: a plan, and no passing run."""
    return carryover is not None and not carryover.finished


def allowed_continuations(asked: int, ceiling: int) -> int:
    """The automatic continuations a repository gets: what it asks, within the operator's."""
    return min(asked, ceiling)


def continues_automatically(carryover: Carryover | None, allowed: int) -> bool:
    """Whether a run that just ended goes on by itself: it stopped on a budget, and fewer than
    `allowed` continuations have run (each run after the first is one)."""
    if carryover is None or not carryover.stopped_on_budget:
        return False
    return len(carryover.runs) - 1 < allowed


def continue_job_id(number: int, commit: str) -> str:
    """One automatic continuation per published commit, however often the ending job runs."""
    return f"build-continue-{number}-{commit[:12]}"


def command_job_id(comment_id: int | None) -> str:
    """One continuation per `/kiln continue` comment."""
    return f"build-continue-comment-{comment_id}"


def advice(carryover: Carryover | None, automatic: bool, allowed: int, branch: str) -> str:
    """What the final report says to do next about a build that stopped on a budget: that it
    goes on by itself (`automatic`, at most `allowed` times), or how to continue it. "" for
    any other build: the usual advice stands, though `/kiln continue` works after any stop."""
    if carryover is None or not carryover.stopped_on_budget:
        return ""
    tally = carryover.checklist().tally()
    if automatic:
        return CONTINUING.format(tally=tally, run=len(carryover.runs) + 1, most=allowed + 1)
    return CONTINUE_HINT.format(tally=tally, branch=branch)


def totals(carryover: Carryover | None) -> str:
    """The spend of all runs together, once there was more than one ("" before)."""
    if carryover is None or len(carryover.runs) < 2:
        return ""
    return ACROSS_RUNS.format(runs=len(carryover.runs), tokens=carryover.tokens,
                              cost=carryover.cost_usd)


def run_ended(carryover: Carryover, marker: str, branch: str) -> str:
    """The note a run leaves on the thread before an automatic continuation replaces its
    report in the progress comment."""
    last = carryover.last
    return RUN_ENDED.format(marker=marker, run=last.run, reason=last.stop_reason.value,
                            tally=carryover.checklist().tally(), cost=last.cost_usd,
                            branch=branch, next_run=last.run + 1)


class Continuation:
    """One build's link to the run before it (when ``job.resume``) and the one after it.

    Without a job (or a requeue) it is a plain build's: nothing resumed, nothing queued.
    """

    def __init__(self, job: BuildJob | None = None, requeue: Requeue | None = None) -> None:
        self.job = job
        self.requeue = requeue
        self.before: Carryover | None = None  # the progress this run starts from
        self.after: Carryover | None = None  # the progress it leaves
        self._next: tuple[BuildJob, str] | None = None

    @property
    def resuming(self) -> bool:
        return self.job is not None and self.job.resume

    def resume(self, gh: GitHub[Any], repository: Repository, number: int) -> str | None:
        """The branch head a resumed build starts from, with its progress loaded; None when
        the branch holds nothing to continue."""
        head = repository.branch_head(branch_for(number))
        if head is not None:
            self.before = find_progress(gh, repository.owner, repository.name, head, number)
        return head if resumable(self.before) else None

    @staticmethod
    def config_files(repository: Repository, default_head: str | None) -> Mapping[str, bytes]:
        """The config as the default branch has it: never the branch's, which is the
        model's work (the same rule as for revisions)."""
        raw = repository.file(default_head, CONFIG_PATH) if default_head else None
        return {} if raw is None else {CONFIG_PATH: raw}

    def commit_message(self, message: str, result: BuildResult, number: int) -> str:
        """The commit message with the progress after this run as its trailer."""
        self.after = carry_over(self.before, result)
        return with_progress(message, number, self.after)

    def report(self, conversation: Conversation, allowed: int, branch: str, commit: str | None,
               usual: str) -> str:
        """The final report's advice for a published run: the sum of all runs, and how an
        unfinished build goes on (else the `usual` advice)."""
        automatic = self._earn_next(conversation, allowed, branch, commit)
        going_on = advice(self.after, automatic, allowed, branch)
        return "\n\n".join(filter(None, [totals(self.after), going_on or usual]))

    def _earn_next(self, conversation: Conversation, allowed: int, branch: str,
                   commit: str | None) -> bool:
        """Keep the next run for `queue_next`, and say so on the thread, when this run earned
        one: it stopped on a budget with continuations left, and made a commit (the one that
        carries its progress, for the next run to read)."""
        if self.job is None or commit is None or self.after is None or \
                not continues_automatically(self.after, allowed):
            return False
        job = dataclasses.replace(self.job, resume=True, attempt=0)
        self._next = (job, continue_job_id(job.issue_number, commit))
        marker = RUN_ENDED_MARKER.format(commit=commit)
        conversation.post_once(marker, run_ended(self.after, marker, branch))
        return True

    def queue_next(self) -> None:
        """Queue the next run, if this one earned it: called once the issue's lock is free."""
        if self._next is not None and self.requeue is not None:
            self.requeue(*self._next)
