"""Ending a job from outside it (cancelled or crashed): its thread, record, lock and sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiln.history import BuildRecord
from kiln.jobs import BuildJob, ReviseJob
from kiln.states import BuildState, JobKind
from worker.state.lock import IssueLock
from worker.state.records import Records
from worker.thread.courier import Courier
from worker.thread.outcome import outcome_marks
from worker.thread.progress import Progress, ProgressComment, Report


@dataclass(frozen=True)
class JobEnd:
    """How a job ended, as its progress comment will say."""

    state: BuildState
    note: str = ""
    next_step: str = ""


def end_report(record: BuildRecord, end: JobEnd) -> Report | None:
    """The report a failed job's comment ends with (or a finished one's, shown late), from
    what its record kept."""
    if end.state not in (BuildState.FAILED, BuildState.DONE):
        return None
    link_text = "the last result" if end.state is BuildState.FAILED else "the result"
    return Report(tests=record.tests, iterations=record.iterations, tokens=record.tokens,
                  cost_usd=record.cost_usd, link=record.outcome_url,
                  link_text=link_text, reason=end.note, next_step=end.next_step)


class JobEnding:
    """Closes the books on a job that cannot do it itself."""

    def __init__(self, courier: Courier, lock: IssueLock, records: Records,
                 remove_sandboxes: Callable[[str], None]) -> None:
        self.courier = courier
        self.conversation = courier.conversation
        self.lock = lock
        self.records = records
        self.remove_sandboxes = remove_sandboxes

    def end(self, job_id: str, end: JobEnd, job: BuildJob | ReviseJob | None = None) -> None:
        """Stop its sandbox, free its lock, show the end on the thread and in the history.

        A job that failed before it opened its record (GitHub refused the permission check
        or the issue) gets one now when `job` says whose it was, so its end is never silent.
        """
        record = self.close(job_id, end, job)
        if record is not None:
            self.show(record, end)

    def close(self, job_id: str, end: JobEnd, job: BuildJob | ReviseJob | None = None,
              ) -> BuildRecord | None:
        """Everything but GitHub: sandbox, lock, and the record made final (the dashboard is
        final even when GitHub is what failed). The record when this ended it; None for a
        cancelled job that never started, or one that reported its own end."""
        self.remove_sandboxes(job_id)
        self.lock.release(job_id)
        record = self.records.of_job(job_id) or self._open_record(job_id, job)
        if record is None or record.state.is_final:
            return None
        if end.note:
            self.records.history.update(record.id, stop_reason=end.note)
        self.records.history.finish(record.id, end.state, record.outcome_url)
        return record

    def _open_record(self, job_id: str, job: BuildJob | ReviseJob | None) -> BuildRecord | None:
        if job is None:
            return None
        c = self.conversation
        build_id = self.records.open(job_id, repo=f"{c.owner}/{c.repo}", number=c.number,
                                     kind=job.kind, trigger=job.sender, title="")
        return self.records.history.get(build_id)

    def show(self, record: BuildRecord, end: JobEnd) -> None:
        """The end on the thread (reaction, label and the progress comment's last edit),
        through its outbox: shown now, or once GitHub takes it. Nothing when a newer job
        holds the thread: its own comment supersedes this end."""
        if self.lock.holder() not in (None, record.job_id):
            return
        kind = JobKind(record.kind)
        progress = Progress(kind, end.state, record.trigger, iteration=record.iterations,
                            note=end.note, report=end_report(record, end),
                            build_url=self.records.build_url(record.id))
        ProgressComment(self.courier, record.job_id, 0).show(
            progress, along=outcome_marks(end.state, kind, record.job_id))
