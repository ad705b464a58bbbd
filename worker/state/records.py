"""A job's build record: the history entry the dashboard shows, found again by the job's id."""

from __future__ import annotations

from dataclasses import dataclass

from kiln.history import BuildHistory, BuildRecord, build_page_url
from kiln.states import JobKind
from worker.state.ledger import JobLedger


@dataclass(frozen=True)
class Records:
    """The build history, the ledger that ties RQ jobs to its records, and their public links."""

    history: BuildHistory
    ledger: JobLedger
    public_url: str | None

    def build_url(self, build_id: str) -> str | None:
        """The dashboard page of a build, when Kiln has a public address."""
        return build_page_url(self.public_url, build_id)

    def of_job(self, job_id: str) -> BuildRecord | None:
        """The record of the build an RQ job runs, if it got as far as opening one."""
        build_id = self.ledger.build_of(job_id)
        return self.history.get(build_id) if build_id else None

    def open(self, job_id: str, *, repo: str, number: int, kind: JobKind, trigger: str,
             title: str) -> str:
        """The job's record, opened now or (for a retried job) found again; its build id. A
        finished record is never reopened: a job run again after its end gets a new one."""
        build_id = self.ledger.build_of(job_id)
        record = self.history.get(build_id) if build_id else None
        if build_id is None or record is None or record.state.is_final:
            build_id = self.history.start(repo=repo, number=number, kind=kind, trigger=trigger,
                                          job_id=job_id, title=title)
        self.ledger.remember(job_id, build_id)
        return build_id
