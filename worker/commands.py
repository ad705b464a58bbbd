"""The `/kiln retry`, `/kiln cancel` and `/kiln status` comment commands (and unknown ones)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus

from kiln.jobs import JOB_FUNCTIONS
from kiln.states import BuildState, Command, JobKind
from worker import messages
from worker.authorization import is_authorized
from worker.conversation import Conversation
from worker.ending import JobEnd, JobEnding
from worker.lock import IssueLock
from worker.revision import ISSUE_BRANCH
from worker.runtime import Runtime

COMMAND_MARKER = "<!-- kiln:command {comment_id} -->"
STOP_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class CommandRequest:
    """One `/kiln <name>` comment: plain values from the job's arguments."""

    installation_id: int
    owner: str
    repo: str
    number: int
    is_pull_request: bool
    sender: str
    name: str
    comment_id: int


def stop_job(connection: Any, job_id: str, wait: float = STOP_WAIT_SECONDS) -> None:
    """Stop a running job (its work-horse is killed) or cancel a queued one; returns once the
    job no longer runs, so nothing it does can overwrite what the caller writes next."""
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return
    if job.get_status() != JobStatus.STARTED:
        job.cancel()
        return
    try:
        send_stop_job_command(connection, job_id)
    except InvalidJobOperation:
        return
    deadline = time.monotonic() + wait
    while job.get_status() == JobStatus.STARTED and time.monotonic() < deadline:
        time.sleep(0.05)


class CommandRunner:
    """Answers one command comment, once: replies carry a marker naming the command comment."""

    def __init__(self, runtime: Runtime, gh: Any, request: CommandRequest,
                 ending: JobEnding, stop: Callable[[str], None]) -> None:
        self.runtime = runtime
        self.gh = gh
        self.request = request
        self.ending = ending
        self.stop = stop
        self.conversation = Conversation(gh, request.owner, request.repo, request.number,
                                         runtime.settings.bot_login)
        self.lock = IssueLock(runtime.redis, request.owner, request.repo, request.number)

    def run(self) -> None:
        r = self.request
        if not is_authorized(self.gh, r.owner, r.repo, r.sender):
            marker = messages.UNAUTHORIZED_MARKER.format(login=r.sender)
            self.conversation.post_once(marker, messages.UNAUTHORIZED.format(
                marker=marker, login=r.sender, label=self.runtime.settings.trigger_label))
            return
        actions: dict[str, Callable[[], str]] = {
            Command.RETRY: self.retry, Command.CANCEL: self.cancel, Command.STATUS: self.status}
        action = actions.get(r.name)
        self._reply(action() if action else messages.UNKNOWN_COMMAND.format(
            login=r.sender, name=r.name))

    def retry(self) -> str:
        """Queue a new build of the issue (a Kiln pull request's issue, on a pull request)."""
        r = self.request
        issue_number = self._issue_number()
        job_id = f"build-retry-{r.comment_id}"
        if not Job.exists(job_id, connection=self.runtime.redis):
            self.runtime.queue().enqueue_call(
                JOB_FUNCTIONS[JobKind.BUILD], job_id=job_id,
                kwargs={"installation_id": r.installation_id, "owner": r.owner, "repo": r.repo,
                        "issue_number": issue_number, "sender": r.sender,
                        "delivery_id": f"retry-{r.comment_id}"},
                timeout=self.runtime.settings.job_timeout_seconds,
                failure_ttl=self.runtime.settings.job_failure_ttl_seconds)
        return messages.RETRY_QUEUED.format(login=r.sender)

    def cancel(self) -> str:
        holder = self.lock.holder()
        if holder is None:
            return messages.NOTHING_TO_CANCEL.format(login=self.request.sender)
        self.stop(holder)
        note = messages.CANCELLED.format(login=self.request.sender)
        self.ending.end(holder, JobEnd(BuildState.CANCELLED, note=note))
        return note

    def status(self) -> str:
        holder = self.lock.holder()
        login = self.request.sender
        if holder is None:
            return messages.STATUS_IDLE.format(login=login)
        build_id = self.runtime.ledger.build_of(holder)
        record = self.runtime.history.get(build_id) if build_id else None
        state = record.state.value if record else BuildState.QUEUED.value
        link = self.runtime.build_url(build_id) if build_id else None
        where = f" [Build log]({link})" if link else ""
        return messages.STATUS_RUNNING.format(login=login, state=state, job_id=holder) + where

    def _issue_number(self) -> int:
        r = self.request
        if not r.is_pull_request:
            return r.number
        pull = self.gh.rest.pulls.get(r.owner, r.repo, r.number).parsed_data
        match = ISSUE_BRANCH.match(pull.head.ref)
        return int(match.group(1)) if match else r.number

    def _reply(self, text: str) -> None:
        marker = COMMAND_MARKER.format(comment_id=self.request.comment_id)
        self.conversation.post_once(marker, f"{marker}\n{text}")
