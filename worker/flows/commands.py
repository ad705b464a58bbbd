"""The `/kiln retry`, `continue`, `cancel`, `status` and `help` comment commands (unknown ones
get help)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from githubkit import GitHub

from kiln.jobs import BuildJob, CommandJob, text_digest
from kiln.settings import Settings
from kiln.states import BuildState, Command
from worker.flows.admission import admitted
from worker.flows.continuation import (
    CONTINUE_QUEUED,
    NOTHING_TO_CONTINUE_REPLY,
    Continuation,
    Requeue,
    command_job_id,
)
from worker.flows.ending import JobEnd, JobEnding
from worker.flows.notices import post_notice
from worker.flows.overview import overview, overview_inputs
from worker.github.branches import branch_for, issue_of
from worker.github.outline import read_outline
from worker.github.repository import Repository
from worker.state.liveness import JobWatch
from worker.thread import messages
from worker.thread.help import help_reply

COMMAND_MARKER = "<!-- kiln:command {comment_id} -->"


def retry_job_id(comment_id: int | None) -> str:
    """One retry per command comment, however often the command job itself runs."""
    return f"build-retry-{comment_id}"


class CommandRunner:
    """Answers one command comment, once: replies carry a marker naming the command comment.
    A notice job (``job.notice``) only posts its notice: the web side has decided already."""

    def __init__(self, job: CommandJob, gh: GitHub[Any], ending: JobEnding,
                 stop: Callable[[str], None], requeue: Requeue, settings: Settings,
                 watch: JobWatch) -> None:
        self.job = job
        self.gh = gh
        self.ending = ending
        self.conversation = ending.conversation
        self.stop = stop
        self.requeue = requeue
        self.settings = settings
        self.watch = watch  # queued jobs and dead workers (#18)

    def run(self) -> None:
        label = self.settings.trigger_label
        if self.job.notice is not None:
            post_notice(self.conversation, self.job.notice, self.job.sender, label)
            return
        if not admitted(self.gh, self.conversation, self.job.sender, label):
            return
        actions: dict[str, Callable[[], str]] = {
            Command.RETRY: self.retry, Command.CANCEL: self.cancel, Command.STATUS: self.status,
            Command.HELP: self.help, Command.CONTINUE: self.continue_build}
        action = actions.get(self.job.name)
        self._reply(action() if action else self.help(unknown=self.job.name))

    def retry(self) -> str:
        """Queue a new build of the issue (a Kiln pull request's issue, on a pull request)."""
        self.requeue(self._build_job(self._issue_number()), retry_job_id(self.job.comment_id))
        return messages.RETRY_QUEUED.format(login=self.job.sender)

    def continue_build(self) -> str:
        """Queue the next run of the issue's unfinished build, on its branch (#15)."""
        j, number = self.job, self._issue_number()
        branch, continuation = branch_for(number), Continuation()
        head = continuation.resume(self.gh, Repository(self.gh, j.owner, j.repo), number)
        progress = continuation.before if head is not None else None
        if progress is None:
            return NOTHING_TO_CONTINUE_REPLY.format(login=j.sender, branch=branch)
        self.requeue(self._build_job(number, resume=True), command_job_id(j.comment_id))
        return CONTINUE_QUEUED.format(login=j.sender, run=len(progress.runs) + 1, branch=branch,
                                      tally=progress.checklist().tally())

    def _build_job(self, number: int, resume: bool = False) -> BuildJob:
        """A build of the issue's text as it stands now."""
        j = self.job
        issue = self.gh.rest.issues.get(j.owner, j.repo, number).parsed_data
        return BuildJob(installation_id=j.installation_id, owner=j.owner, repo=j.repo,
                        issue_number=number, sender=j.sender,
                        issue_digest=text_digest(issue.title, issue.body or ""), resume=resume)

    def cancel(self) -> str:
        # --- #18: builds still queued for this thread are cancelled before they start
        queued = self._queued()
        for job_id in queued:
            self.stop(job_id)
        # ---
        holder = self.ending.lock.holder()
        if holder is None:
            nothing = messages.CANCELLED_QUEUED if queued else messages.NOTHING_TO_CANCEL
            return nothing.format(login=self.job.sender)
        self.stop(holder)
        note = messages.CANCELLED.format(login=self.job.sender)
        self.ending.end(holder, JobEnd(BuildState.CANCELLED, note=note))
        return note

    def status(self) -> str:
        holder = self.ending.lock.holder()
        login = self.job.sender
        # --- #18: a queued build, or a build whose worker is dead, is not "working"
        if holder is None and (queued := self._queued()):
            return messages.STATUS_QUEUED.format(login=login, job_id=queued[0])
        if holder is not None and self.watch.abandoned(holder):
            return messages.STATUS_ABANDONED.format(login=login, job_id=holder)
        # ---
        if holder is None:
            return messages.STATUS_IDLE.format(login=login)
        records = self.ending.records
        record = records.of_job(holder)
        state = record.state.value if record else BuildState.QUEUED.value
        link = records.build_url(record.id) if record else None
        where = f" [Build log]({link})" if link else ""
        return messages.STATUS_RUNNING.format(login=login, state=state, job_id=holder) + where

    def help(self, unknown: str | None = None) -> str:
        """The commands and what a build here would get, read from the default branch."""
        j = self.job
        outline = read_outline(self.gh, j.owner, j.repo, overview_inputs)
        return help_reply(j.sender, unknown, overview(self.settings, outline.files),
                          outline.branch, self.settings)

    def _queued(self) -> list[str]:
        return self.watch.waiting(self.job.owner, self.job.repo, self.job.number)

    def _issue_number(self) -> int:
        if not self.job.is_pull_request:
            return self.job.number
        pull = self.gh.rest.pulls.get(self.job.owner, self.job.repo, self.job.number).parsed_data
        number = issue_of(pull.head.ref)
        return number if number is not None else self.job.number

    def _reply(self, text: str) -> None:
        marker = COMMAND_MARKER.format(comment_id=self.job.comment_id)
        self.conversation.post_once(marker, f"{marker}\n{text}")
