"""One job's hold on an issue or pull request: admit, acknowledge, show progress, conclude."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kiln.states import BuildState, JobKind
from worker.state.lock import IssueLock
from worker.state.records import Records
from worker.thread import messages
from worker.thread.conversation import Conversation
from worker.thread.outcome import mark_outcome
from worker.thread.progress import Progress, ProgressComment, Report


@dataclass(frozen=True)
class Target:
    """Whose request a job serves and where: plain values from the job's arguments."""

    owner: str
    repo: str
    number: int
    sender: str
    job_id: str
    kind: JobKind  # BUILD or REVISE

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"


class JobSession:
    """What a build or revision shows on its thread and in its build record, under its lock.

    `open` takes the issue's lock (the caller has authorized the sender); everything after it
    goes to the one progress comment and the build record together.
    """

    def __init__(self, target: Target, conversation: Conversation, lock: IssueLock,
                 records: Records, edit_interval: float) -> None:
        self.target = target
        self.conversation = conversation
        self.lock = lock
        self.records = records
        self.comment = ProgressComment(conversation, edit_interval)
        self.build_id = ""
        self.progress = Progress(target.kind, BuildState.QUEUED, target.sender)

    def open(self, title: str, lock_ttl: int) -> bool:
        """Lock, then acknowledge; False (after one reply) when another job holds the lock."""
        if not self.lock.acquire(self.target.job_id, lock_ttl):
            self._reply_busy()
            return False
        self.conversation.react("eyes")
        t = self.target
        self.build_id = self.records.open(t.job_id, repo=t.full_name, number=t.number,
                                          kind=t.kind, trigger=t.sender, title=title)
        self.progress = dataclasses.replace(
            self.progress, build_url=self.records.build_url(self.build_id))
        self.comment.show(self.progress)
        return True

    def close(self) -> None:
        self.lock.release(self.target.job_id)

    def show(self, *, urgent: bool = True, **changes: Any) -> None:
        """Move the progress comment (and the build record's state) on."""
        self.progress = dataclasses.replace(self.progress, **changes)
        record = {field: value for field, value in self._record_fields().items()
                  if field in changes or (field == "iterations" and "iteration" in changes)}
        if record:
            self.records.history.update(self.build_id, **record)
        self.comment.show(self.progress, urgent=urgent)

    def _record_fields(self) -> dict[str, Any]:
        # What the dashboard shows live, from the same progress the comment shows (its plain
        # text: the page shows the plan as it is, not as Markdown).
        plan = "\n".join(self.progress.plan).replace("**", "")
        return {"state": self.progress.state, "plan": plan,
                "iterations": self.progress.iteration}

    def log(self, message: str, iteration: int | None = None, detail: str = "") -> None:
        self.records.history.log(self.build_id, message, iteration, detail)

    def published(self, diff: str) -> None:
        """Keep the published change for the build's page."""
        if diff:
            self.records.history.set_diff(self.build_id, diff)

    def conclude(self, state: BuildState, report: Report, outcome_url: str | None) -> None:
        """The final report: progress comment, reaction, label, history."""
        # The comment changes last, so whoever sees the final state also sees label and reaction.
        mark_outcome(self.conversation, state, self.target.kind)
        self.show(state=state, report=report)
        self.records.history.update(self.build_id, iterations=report.iterations,
                                    tokens=report.tokens, cost_usd=report.cost_usd,
                                    tests=report.tests, stop_reason=report.reason)
        self.records.history.finish(self.build_id, state, outcome_url)

    def _reply_busy(self) -> None:
        holder = self.lock.holder() or "?"
        record = self.records.of_job(holder)
        state = record.state.value if record else "starting"
        marker = messages.BUSY_MARKER.format(job_id=self.target.job_id)
        self.conversation.post_once(marker, messages.BUSY.format(
            marker=marker, login=self.target.sender, state=state))
