"""The CI follow-up: after Kiln publishes, follow the checks other apps report on its head,
say when they pass, and revise with what they reported when one fails, a few rounds at most."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from githubkit import GitHub
from githubkit.exception import RequestFailed

from kiln.jobs import CiJob, ReviseJob
from kiln.settings import Settings
from worker.builder import Feedback
from worker.flows.ci_verdict import (
    Follow,
    Move,
    after_look,
    counted,
    failed,
    interruption,
    log_excerpt,
    polls_for,
    red_names,
    verdict,
)
from worker.github.checks import ACTIONS_APP, Check, ChecksReader, Status
from worker.state.ci import Follows
from worker.thread import ci_report
from worker.thread.conversation import Conversation
from worker.thread.progress import MARKER

QueuePoll = Callable[[CiJob], None]
QueueRevision = Callable[[ReviseJob, int], None]
"""Queue a CI revision; the int is the round it makes."""


class CiWatch:
    """Starts following a head Kiln just published (told by the build and revision flows)."""

    def __init__(self, follows: Follows, queue_poll: QueuePoll, installation_id: int,
                 owner: str, repo: str) -> None:
        self.follows = follows
        self.queue_poll = queue_poll
        self.installation_id = installation_id
        self.owner = owner
        self.repo = repo

    def published(self, pull_number: int, branch: str, head_sha: str, thread: int,
                  sender: str, limit: int, continuing: bool) -> None:
        """Follow `head_sha`; a CI revision (`continuing`) keeps the rounds already spent."""
        if limit == 0:
            self.follows.end(self.owner, self.repo, branch)
            return
        previous = self.follows.get(self.owner, self.repo, branch)
        rounds = previous.rounds if continuing and previous is not None else 0
        self.follows.put(self.owner, self.repo, branch,
                         Follow(pull_number, thread, head_sha, sender, rounds, limit))
        self.queue_poll(CiJob(self.installation_id, self.owner, self.repo, sender, branch,
                              head_sha, poll=1))

    def abandoned(self, branch: str, head_sha: str) -> None:
        """A CI revision of `head_sha` ended without a push (it failed, or it was moot): the
        follow it was revising for ends with it, rather than waiting on a push that will
        not come. A follow of a newer head (the revision published) is left alone."""
        follow = self.follows.get(self.owner, self.repo, branch)
        if follow is not None and follow.revising and follow.head_sha == head_sha:
            self.follows.end(self.owner, self.repo, branch)


class CiFollowUp:
    """Runs one CI job: looks at the followed head's checks, then acts once on what they say."""

    def __init__(self, job: CiJob, gh: GitHub[Any], follows: Follows, queue_poll: QueuePoll,
                 queue_revision: QueueRevision, settings: Settings) -> None:
        self.job = job
        self.gh = gh
        self.follows = follows
        self.queue_poll = queue_poll
        self.queue_revision = queue_revision
        self.settings = settings
        self.reader = ChecksReader(gh, job.owner, job.repo)

    def run(self) -> None:
        j = self.job
        follow = self.follows.get(j.owner, j.repo, j.branch)
        if follow is None:
            return  # not a head Kiln follows (a human's branch, or the loop ended)
        pull = self.gh.rest.pulls.get(j.owner, j.repo, follow.pull_number).parsed_data
        move = interruption(follow, j.head_sha, pull.state == "open", pull.head.sha)
        checks: list[Check] = []
        statuses: list[Status] = []
        if move is None:
            checks = counted(self.reader.checks(j.head_sha), self.settings.github_app_slug)
            statuses = self.reader.statuses(j.head_sha)
            allowed = polls_for(self.settings.ci_wait_seconds, self.settings.ci_poll_seconds)
            move = after_look(follow, verdict(checks, statuses), allowed)
        self._act(move, follow, pull.head.sha, checks, statuses)

    def _act(self, move: Move, follow: Follow, pull_head: str, checks: list[Check],
             statuses: list[Status]) -> None:
        j = self.job
        if move is Move.WAIT:
            self._wait(follow)
        elif move is Move.CLOSED:
            self.follows.end(j.owner, j.repo, j.branch)
        elif move is Move.TIMED_OUT:
            self.follows.end(j.owner, j.repo, j.branch)
            line = ci_report.TIMED_OUT_LINE.format(
                commit=follow.head_sha[:7], minutes=self.settings.ci_wait_seconds // 60,
                mention=self.settings.mention)
            self._say_on_pull(follow, ci_report.STOPPED_MARKER.format(sha=follow.head_sha), line)
            self._show_in_progress(follow, line)
        elif move is Move.PUSHED:
            self.follows.end(j.owner, j.repo, j.branch)
            self._say_on_pull(follow, ci_report.STOPPED_MARKER.format(sha=pull_head),
                              ci_report.PUSHED_LINE.format(commit=pull_head[:7]))
        elif move is not Move.IGNORE and self.follows.claim(j.owner, j.repo, j.branch, follow):
            self._conclude(move, follow, checks, statuses)

    def _wait(self, follow: Follow) -> None:
        """Only a poll queues the next poll: webhooks come and go as they please."""
        if self.job.poll == 0:
            return
        j = self.job
        self.follows.put(j.owner, j.repo, j.branch, dataclasses.replace(follow, polls=j.poll))
        self.queue_poll(dataclasses.replace(j, poll=j.poll + 1))

    def _conclude(self, move: Move, follow: Follow, checks: list[Check],
                  statuses: list[Status]) -> None:
        j, commit = self.job, follow.head_sha[:7]
        marker = ci_report.ROUND_MARKER.format(sha=follow.head_sha, rounds=follow.rounds)
        if move is Move.GREEN:
            self.follows.end(j.owner, j.repo, j.branch)
            line = ci_report.GREEN_LINE.format(
                commit=commit, names=ci_report.names([c.name for c in checks]
                                                     + [s.context for s in statuses]))
        elif move is Move.GIVE_UP:
            self.follows.end(j.owner, j.repo, j.branch)
            line = ci_report.RED_LINE.format(
                commit=commit, limit=follow.limit, s="" if follow.limit == 1 else "s",
                names=ci_report.names(red_names(checks, statuses)), mention=self.settings.mention)
        else:
            line = ci_report.REVISING_LINE.format(
                commit=commit, names=ci_report.names(red_names(checks, statuses)),
                round=follow.rounds + 1, limit=follow.limit)
            self._revise(follow)
        self._say_on_pull(follow, marker, line)
        self._show_in_progress(follow, line)

    def _revise(self, follow: Follow) -> None:
        j = self.job
        self.follows.put(j.owner, j.repo, j.branch,
                         dataclasses.replace(follow, rounds=follow.rounds + 1, revising=True))
        self.queue_revision(ReviseJob(j.installation_id, j.owner, j.repo, follow.pull_number,
                                      follow.sender, None, None, ci_head=follow.head_sha),
                            follow.rounds + 1)

    def _say_on_pull(self, follow: Follow, marker: str, line: str) -> None:
        self._conversation(follow.pull_number).post_once(
            marker, ci_report.PULL_COMMENT.format(marker=marker, line=line))

    def _show_in_progress(self, follow: Follow, line: str) -> None:
        """The CI line in the progress comment of the job that published the head."""
        conversation = self._conversation(follow.thread)
        progress = conversation.find_own(MARKER)
        if progress is not None:
            conversation.edit(progress.id, ci_report.with_ci_section(progress.body, line))

    def _conversation(self, number: int) -> Conversation:
        return Conversation(self.gh, self.job.owner, self.job.repo, number,
                            self.settings.bot_login)


def ci_feedback(reader: ChecksReader, sha: str, own_app: str) -> tuple[Feedback, ...]:
    """What a developer would read of `sha`'s failed checks, as one instruction for a revision:
    each check's output and annotations, an Actions job's failed step, failed statuses."""
    checks = [c for c in counted(reader.checks(sha), own_app) if failed(c)]
    statuses = [s for s in reader.statuses(sha) if s.state in ("error", "failure")]
    parts = [ci_report.FEEDBACK_INTRO.format(commit=sha[:7])]
    parts += [ci_report.cut(_check_section(reader, check)) for check in checks]
    parts += [ci_report.STATUS_LINE.format(
        context=s.context, state=s.state,
        description=f" ({s.description})" if s.description else "") for s in statuses]
    return (Feedback(body="\n\n".join(parts)),)


def _check_section(reader: ChecksReader, check: Check) -> str:
    lines = [ci_report.CHECK_HEADING.format(name=check.name, app=check.app,
                                            conclusion=check.conclusion)]
    lines += [text for text in (check.title, check.summary, check.text) if text.strip()]
    annotations = reader.annotations(check.id)
    if annotations:
        lines.append(ci_report.ANNOTATIONS_HEADING)
        lines += [ci_report.ANNOTATION_LINE.format(path=a.path, line=a.line, level=a.level,
                                                   message=a.message) for a in annotations]
    log = _job_log(reader, check)
    if log:
        lines += [ci_report.LOG_HEADING, ci_report.fenced(log_excerpt(log))]
    return "\n".join(lines)


def _job_log(reader: ChecksReader, check: Check) -> str:
    """An Actions job's log ("" for another app's check, or a log GitHub no longer has)."""
    if check.app != ACTIONS_APP:
        return ""
    try:
        return reader.job_log(check.id)
    except RequestFailed as exc:
        if exc.response.status_code in (404, 410):
            return ""
        raise
