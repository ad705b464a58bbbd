"""Ending a job from outside it (cancelled or crashed): its thread, record, lock and sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker

from kiln.states import BuildState, JobKind
from sandbox import remove_by_label
from worker.conversation import Conversation
from worker.history import BuildRecord
from worker.lock import IssueLock
from worker.progress import Progress, ProgressComment, Report
from worker.runtime import Runtime
from worker.session import mark_outcome

JOB_LABEL = "kiln.job"


@dataclass(frozen=True)
class JobEnd:
    """How a job ended, as its progress comment will say."""

    state: BuildState
    note: str = ""
    next_step: str = ""


class JobEnding:
    """Closes the books on a job that cannot do it itself."""

    def __init__(self, runtime: Runtime, gh: Any, owner: str, repo: str, number: int,
                 open_docker: Callable[[], docker.DockerClient]) -> None:
        self.runtime = runtime
        self.conversation = Conversation(gh, owner, repo, number, runtime.settings.bot_login)
        self.lock = IssueLock(runtime.redis, owner, repo, number)
        self.open_docker = open_docker

    def end(self, job_id: str, end: JobEnd) -> None:
        """Stop its sandbox, free its lock, show the end on the thread and in the history."""
        self.remove_sandboxes(job_id)
        self.lock.release(job_id)
        build_id = self.runtime.ledger.build_of(job_id)
        record = self.runtime.history.get(build_id) if build_id else None
        if record is None or record.state.is_final:
            return  # the job never got as far as acknowledging, or already reported its end
        self._show(record, end)
        self.runtime.history.finish(record.id, end.state, record.outcome_url)

    def remove_sandboxes(self, job_id: str) -> None:
        client = self.open_docker()
        try:
            remove_by_label(client, JOB_LABEL, job_id)
        finally:
            client.close()

    def _show(self, record: BuildRecord, end: JobEnd) -> None:
        report = None
        if end.state is BuildState.FAILED:
            report = Report(tests=record.tests, iterations=record.iterations,
                            tokens=record.tokens, cost_usd=record.cost_usd,
                            link=record.outcome_url, link_text="the last result",
                            reason=end.note, next_step=end.next_step)
        kind = JobKind(record.kind)
        progress = Progress(kind, end.state, record.trigger, iteration=record.iterations,
                            note=end.note, report=report,
                            build_url=self.runtime.build_url(record.id))
        mark_outcome(self.conversation, end.state, kind)
        ProgressComment(self.conversation, 0).show(progress)
