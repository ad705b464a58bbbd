"""Ending a job from outside it (cancelled or crashed): its thread, record, lock and sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiln.history import BuildRecord
from kiln.jobs import BuildJob, ReviseJob
from kiln.states import BuildState, JobKind
from worker.state.lock import IssueLock
from worker.state.records import Records
from worker.thread.conversation import Conversation
from worker.thread.outcome import mark_outcome
from worker.thread.progress import Progress, ProgressComment, Report


@dataclass(frozen=True)
class JobEnd:
    """How a job ended, as its progress comment will say."""

    state: BuildState
    note: str = ""
    next_step: str = ""


def end_report(record: BuildRecord, end: JobEnd) -> Report | None:
    """The report a failed job's comment ends with, from what its record kept."""
    if end.state is not BuildState.FAILED:
        return None
    return Report(tests=record.tests, iterations=record.iterations, tokens=record.tokens,
                  cost_usd=record.cost_usd, link=record.outcome_url,
                  link_text="the last result", reason=end.note, next_step=end.next_step)


class JobEnding:
    """Closes the books on a job that cannot do it itself."""

    def __init__(self, conversation: Conversation, lock: IssueLock, records: Records,
                 remove_sandboxes: Callable[[str], None]) -> None:
        self.conversation = conversation
        self.lock = lock
        self.records = records
        self.remove_sandboxes = remove_sandboxes

    def end(self, job_id: str, end: JobEnd, job: BuildJob | ReviseJob | None = None) -> None:
        """Stop its sandbox, free its lock, show the end on the thread and in the history.

        A job that failed before it opened its record (GitHub refused the permission check
        or the issue) gets one now when `job` says whose it was, so its end is never silent.
        """
        self.remove_sandboxes(job_id)
        self.lock.release(job_id)
        record = self.records.of_job(job_id) or self._open_record(job_id, job)
        if record is None or record.state.is_final:
            return  # a cancelled job that never started, or one that reported its own end
        # The record first: the dashboard is final even when GitHub is what failed.
        self.records.history.finish(record.id, end.state, record.outcome_url)
        self._show(record, end)

    def _open_record(self, job_id: str, job: BuildJob | ReviseJob | None) -> BuildRecord | None:
        if job is None:
            return None
        c = self.conversation
        build_id = self.records.open(job_id, repo=f"{c.owner}/{c.repo}", number=c.number,
                                     kind=job.kind, trigger=job.sender, title="")
        return self.records.history.get(build_id)

    def _show(self, record: BuildRecord, end: JobEnd) -> None:
        kind = JobKind(record.kind)
        progress = Progress(kind, end.state, record.trigger, iteration=record.iterations,
                            note=end.note, report=end_report(record, end),
                            build_url=self.records.build_url(record.id))
        mark_outcome(self.conversation, end.state, kind)
        ProgressComment(self.conversation, 0).show(progress)
