"""One job's hold on an issue or pull request: authorize, lock, acknowledge, show, conclude."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kiln.states import BuildState, JobKind, Label
from worker import messages
from worker.authorization import is_authorized
from worker.conversation import Conversation
from worker.lock import IssueLock
from worker.progress import Progress, ProgressComment, Report
from worker.runtime import Runtime

LOCK_MARGIN_SECONDS = 300
OUTCOME_REACTIONS = {BuildState.DONE: "rocket", BuildState.FAILED: "confused"}
OUTCOME_LABELS = {BuildState.DONE: Label.BUILT, BuildState.FAILED: Label.FAILED}


def mark_outcome(conversation: Conversation, state: BuildState, kind: JobKind) -> None:
    """The outcome's reaction, and on an issue its label (replacing the other one)."""
    if state in OUTCOME_REACTIONS:
        conversation.react(OUTCOME_REACTIONS[state])
    if state in OUTCOME_LABELS and kind is JobKind.BUILD:
        other = tuple(label for label in OUTCOME_LABELS.values() if label != OUTCOME_LABELS[state])
        conversation.label(OUTCOME_LABELS[state], remove=other)


@dataclass(frozen=True)
class Target:
    """Whose request a job serves and where: plain values from the job's arguments."""

    installation_id: int
    owner: str
    repo: str
    number: int
    sender: str
    job_id: str
    kind: JobKind  # BUILD or REVISE


class JobSession:
    """Everything a build or revision shows on its thread, and its lock and history record."""

    def __init__(self, runtime: Runtime, gh: Any, target: Target) -> None:
        self.runtime = runtime
        self.target = target
        self.conversation = Conversation(gh, target.owner, target.repo, target.number,
                                         runtime.settings.bot_login)
        self.lock = IssueLock(runtime.redis, target.owner, target.repo, target.number)
        self.comment = ProgressComment(self.conversation,
                                       runtime.settings.progress_edit_interval_seconds)
        self.build_id = ""
        self.progress = Progress(target.kind, BuildState.QUEUED, target.sender)

    def open(self, title: str) -> bool:
        """Authorize and lock, then acknowledge; False (after one reply) when the job must
        not run."""
        t = self.target
        if not is_authorized(self.conversation.gh, t.owner, t.repo, t.sender):
            marker = messages.UNAUTHORIZED_MARKER.format(login=t.sender)
            self.conversation.post_once(marker, messages.UNAUTHORIZED.format(
                marker=marker, login=t.sender, label=self.runtime.settings.trigger_label))
            return False
        if not self.lock.acquire(t.job_id, self._lock_ttl()):
            self._reply_busy()
            return False
        self.conversation.react("eyes")
        self._start_record(title)
        self.comment.show(self.progress)
        return True

    def close(self) -> None:
        self.lock.release(self.target.job_id)

    def show(self, *, urgent: bool = True, **changes: Any) -> None:
        """Move the progress comment (and the history record's state) on."""
        self.progress = dataclasses.replace(self.progress, **changes)
        record = {field: value for field, value in self._record_fields().items()
                  if field in changes or (field == "iterations" and "iteration" in changes)}
        if record:
            self.runtime.history.update(self.build_id, **record)
        self.comment.show(self.progress, urgent=urgent)

    def _record_fields(self) -> dict[str, Any]:
        # What the dashboard shows live, from the same progress the comment shows (its plain
        # text: the page shows the plan as it is, not as Markdown).
        plan = "\n".join(self.progress.plan).replace("**", "")
        return {"state": self.progress.state, "plan": plan,
                "iterations": self.progress.iteration}

    def log(self, message: str, iteration: int | None = None) -> None:
        self.runtime.history.log(self.build_id, message, iteration)

    def conclude(self, state: BuildState, report: Report, outcome_url: str | None) -> None:
        """The final report: progress comment, reaction, label, history."""
        # The comment changes last, so whoever sees the final state also sees label and reaction.
        mark_outcome(self.conversation, state, self.target.kind)
        self.show(state=state, report=report)
        self.runtime.history.update(self.build_id, iterations=report.iterations,
                                    tokens=report.tokens, cost_usd=report.cost_usd,
                                    tests=report.tests, stop_reason=report.reason)
        self.runtime.history.finish(self.build_id, state, outcome_url)

    def _start_record(self, title: str) -> None:
        t = self.target
        known = self.runtime.ledger.build_of(t.job_id)
        self.build_id = known or self.runtime.history.start(
            repo=f"{t.owner}/{t.repo}", number=t.number, kind=t.kind, trigger=t.sender,
            job_id=t.job_id, title=title)
        self.runtime.ledger.remember(t.job_id, self.build_id)
        self.progress = dataclasses.replace(
            self.progress, build_url=self.runtime.build_url(self.build_id))

    def _reply_busy(self) -> None:
        holder = self.lock.holder() or "?"
        build_id = self.runtime.ledger.build_of(holder)
        record = self.runtime.history.get(build_id) if build_id else None
        state = record.state.value if record else "starting"
        marker = messages.BUSY_MARKER.format(job_id=self.target.job_id)
        self.conversation.post_once(marker, messages.BUSY.format(
            marker=marker, login=self.target.sender, state=state))

    def _lock_ttl(self) -> int:
        # Outlive the job's own timeout, so only a dead worker's lock ever expires by itself.
        return self.runtime.settings.job_timeout_seconds + LOCK_MARGIN_SECONDS
