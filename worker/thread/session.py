"""One job's hold on an issue or pull request: admit, acknowledge, show progress, conclude."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kiln.states import BuildState, JobKind
from worker.github.meter import ApiMeter
from worker.state.lock import IssueLock
from worker.state.outbox import Entry
from worker.state.records import Records
from worker.thread import messages
from worker.thread.courier import Courier
from worker.thread.outcome import outcome_marks
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
    queued_at: float | None = None  # when the trigger was queued (epoch seconds), if known

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"


class JobSession:
    """What a build or revision shows on its thread and in its build record, under its lock.

    `open` takes the issue's lock (the caller has authorized the sender); everything after it
    goes to the one progress comment (through the thread's outbox, so GitHub refusing it never
    stops the build) and the build record together, and only while the job holds the lock.
    """

    def __init__(self, target: Target, courier: Courier, lock: IssueLock,
                 records: Records, edit_interval: float, meter: ApiMeter | None = None) -> None:
        self.meter = meter  # the job's GitHub calls, counted into its build record
        self.target = target
        self.courier = courier
        self.conversation = courier.conversation
        self.lock = lock
        self.records = records
        self.comment = ProgressComment(courier, target.job_id, edit_interval)
        self.build_id = ""
        self.progress = Progress(target.kind, BuildState.QUEUED, target.sender)
        self._spent = (0, 0.0)  # the running totals last written to the record

    def open(self, title: str, lock_ttl: int) -> bool:
        """Lock, then acknowledge; False (after one reply) when another job holds the lock,
        or held it when this build was asked for (a second trigger during a build is answered,
        not built again)."""
        t = self.target
        earlier = self._running_when_queued()
        if not self.lock.acquire(t.job_id, lock_ttl):
            self._reply_busy()
            return False
        if earlier is not None:
            self.lock.release(t.job_id)
            self._reply_queued_behind(earlier)
            return False
        self.build_id = self.records.open(t.job_id, repo=t.full_name, number=t.number,
                                          kind=t.kind, trigger=t.sender, title=title)
        self.progress = dataclasses.replace(
            self.progress, build_url=self.records.build_url(self.build_id))
        if self.meter is not None:
            self.meter.report_to(self._count_calls)
        self.comment.show(self.progress, along=(Entry.reaction("eyes", t.job_id),))
        return True

    def close(self) -> None:
        self.lock.release(self.target.job_id)

    def show(self, *, urgent: bool = True, **changes: Any) -> None:
        """Move the progress comment (and the build record's state) on."""
        self.hold()
        self.progress = dataclasses.replace(self.progress, **changes)
        record = {field: value for field, value in self._record_fields().items()
                  if field in changes or (field == "iterations" and "iteration" in changes)}
        if record:
            self.records.history.update(self.build_id, **record)
        self.comment.show(self.progress, urgent=urgent)

    def hold(self) -> None:
        """Raise LockLost unless this job still holds its thread (cancelled or reported dead
        meanwhile): asked before each write of its state, and before opening a pull request."""
        self.lock.hold(self.target.job_id)

    def _count_calls(self, calls: int) -> None:
        self.records.history.update(self.build_id, github_calls=calls)

    def _record_fields(self) -> dict[str, Any]:
        # What the dashboard shows live, from the same progress the comment shows (its plain
        # text: the page shows the plan as it is, not as Markdown).
        plan = "\n".join(self.progress.plan).replace("**", "")
        return {"state": self.progress.state, "plan": plan,
                "iterations": self.progress.iteration}

    def log(self, message: str, iteration: int | None = None, detail: str = "") -> None:
        self.records.history.log(self.build_id, message, iteration, detail)

    def spent(self, tokens: int, cost_usd: float) -> None:
        """Keep the build's running totals in its record, so that whoever reports it (a crash
        handler too) says what it spent."""
        if (tokens, cost_usd) != self._spent:
            self.hold()
            self.records.history.update(self.build_id, tokens=tokens, cost_usd=cost_usd)
            self._spent = (tokens, cost_usd)

    def published(self, diff: str) -> None:
        """Keep the published change for the build's page."""
        if diff:
            self.hold()
            self.records.history.set_diff(self.build_id, diff)

    def conclude(self, state: BuildState, report: Report, outcome_url: str | None) -> None:
        """The final report: history, then reaction, label and progress comment together."""
        # The record first: the dashboard is final even if GitHub refuses what follows. The
        # comment changes last, so whoever sees the final state also sees label and reaction.
        self.hold()
        self.records.history.update(self.build_id, iterations=report.iterations,
                                    tokens=report.tokens, cost_usd=report.cost_usd,
                                    tests=report.tests, stop_reason=report.reason)
        self.records.history.finish(self.build_id, state, outcome_url)
        self.progress = dataclasses.replace(self.progress, state=state, report=report)
        self.comment.show(self.progress, along=outcome_marks(
            state, self.target.kind, self.target.job_id))

    def _running_when_queued(self) -> str | None:
        """The job that held this issue when this build was queued, if another did."""
        t = self.target
        if t.kind is not JobKind.BUILD or t.queued_at is None:
            return None
        holder = self.lock.held_at(t.queued_at)
        return holder if holder != t.job_id else None

    def _reply_queued_behind(self, earlier: str) -> None:
        record = self.records.of_job(earlier)
        marker = messages.BUSY_MARKER.format(job_id=self.target.job_id)
        self.conversation.post_once(marker, messages.QUEUED_BEHIND.format(
            marker=marker, login=self.target.sender,
            state=record.state.value if record else "ended"))

    def _reply_busy(self) -> None:
        holder = self.lock.holder() or "?"
        record = self.records.of_job(holder)
        state = record.state.value if record else "starting"
        marker = messages.BUSY_MARKER.format(job_id=self.target.job_id)
        self.conversation.post_once(marker, messages.BUSY.format(
            marker=marker, login=self.target.sender, state=state))
