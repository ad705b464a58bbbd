"""The `/kiln retry`, `/kiln cancel` and `/kiln status` comment commands (and unknown ones)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from githubkit import GitHub

from kiln.jobs import BuildJob, CommandJob, text_digest
from kiln.states import BuildState, Command
from worker.flows.admission import admitted
from worker.flows.ending import JobEnd, JobEnding
from worker.flows.notices import post_notice
from worker.github.branches import issue_of
from worker.thread import messages

COMMAND_MARKER = "<!-- kiln:command {comment_id} -->"

Requeue = Callable[[BuildJob, str], None]
"""Queue a build job under an RQ job id, unless a job with that id exists."""


def retry_job_id(comment_id: int | None) -> str:
    """One retry per command comment, however often the command job itself runs."""
    return f"build-retry-{comment_id}"


class CommandRunner:
    """Answers one command comment, once: replies carry a marker naming the command comment.
    A notice job (``job.notice``) only posts its notice: the web side has decided already."""

    def __init__(self, job: CommandJob, gh: GitHub[Any], ending: JobEnding,
                 stop: Callable[[str], None], requeue: Requeue, trigger_label: str) -> None:
        self.job = job
        self.gh = gh
        self.ending = ending
        self.conversation = ending.conversation
        self.stop = stop
        self.requeue = requeue
        self.trigger_label = trigger_label

    def run(self) -> None:
        if self.job.notice is not None:
            post_notice(self.conversation, self.job.notice, self.job.sender, self.trigger_label)
            return
        if not admitted(self.gh, self.conversation, self.job.sender, self.trigger_label):
            return
        actions: dict[str, Callable[[], str]] = {
            Command.RETRY: self.retry, Command.CANCEL: self.cancel, Command.STATUS: self.status}
        action = actions.get(self.job.name)
        self._reply(action() if action else messages.UNKNOWN_COMMAND.format(
            login=self.job.sender, name=self.job.name))

    def retry(self) -> str:
        """Queue a new build of the issue (a Kiln pull request's issue, on a pull request)."""
        j = self.job
        number = self._issue_number()
        issue = self.gh.rest.issues.get(j.owner, j.repo, number).parsed_data
        build = BuildJob(installation_id=j.installation_id, owner=j.owner, repo=j.repo,
                         issue_number=number, sender=j.sender,
                         issue_digest=text_digest(issue.title, issue.body or ""))
        self.requeue(build, retry_job_id(j.comment_id))
        return messages.RETRY_QUEUED.format(login=j.sender)

    def cancel(self) -> str:
        holder = self.ending.lock.holder()
        if holder is None:
            return messages.NOTHING_TO_CANCEL.format(login=self.job.sender)
        self.stop(holder)
        note = messages.CANCELLED.format(login=self.job.sender)
        self.ending.end(holder, JobEnd(BuildState.CANCELLED, note=note))
        return note

    def status(self) -> str:
        holder = self.ending.lock.holder()
        login = self.job.sender
        if holder is None:
            return messages.STATUS_IDLE.format(login=login)
        records = self.ending.records
        record = records.of_job(holder)
        state = record.state.value if record else BuildState.QUEUED.value
        link = records.build_url(record.id) if record else None
        where = f" [Build log]({link})" if link else ""
        return messages.STATUS_RUNNING.format(login=login, state=state, job_id=holder) + where

    def _issue_number(self) -> int:
        if not self.job.is_pull_request:
            return self.job.number
        pull = self.gh.rest.pulls.get(self.job.owner, self.job.repo, self.job.number).parsed_data
        number = issue_of(pull.head.ref)
        return number if number is not None else self.job.number

    def _reply(self, text: str) -> None:
        marker = COMMAND_MARKER.format(comment_id=self.job.comment_id)
        self.conversation.post_once(marker, f"{marker}\n{text}")
