"""A failed RQ job is read back as the typed job whose thread gets the report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rq.exceptions import AbandonedJobError
from rq.job import Job

from kiln.jobs import BuildJob, ReviseJob, arguments
from kiln.states import BuildState, JobKind
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows
from worker.flows.ending import JobEnding
from worker.flows.failure import FailureReporter, reported_job


def rq_job(redis_conn, function: str, kwargs: dict, job_id: str = "job-x") -> Job:
    return Job.create(function, kwargs=kwargs, id=job_id, connection=redis_conn)


def test_builds_and_revisions_are_reported_commands_are_not(redis_conn) -> None:
    build = BuildJob(1, "o", "r", 3, "s")
    revise = ReviseJob(1, "o", "r", 4, "s", 7, None)

    assert reported_job(rq_job(redis_conn, "worker.jobs.build", arguments(build))) == build
    assert reported_job(rq_job(redis_conn, "worker.jobs.revise", arguments(revise))) == revise
    assert reported_job(rq_job(redis_conn, "worker.jobs.command", {})) is None
    assert reported_job(rq_job(redis_conn, "tests.bot.probe_jobs.echo", {})) is None


def test_a_dead_workers_build_ends_failed_on_its_thread(flows: Flows, redis_conn) -> None:
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice")
    assert flows.session(job, "job-x", JobKind.BUILD).open("Add subtraction", 60)

    @contextmanager
    def open_ending(typed: BuildJob | ReviseJob) -> Iterator[JobEnding]:
        assert typed == job
        yield flows.ending(typed.number)

    FailureReporter(open_ending)(rq_job(redis_conn, "worker.jobs.build", arguments(job)),
                                 AbandonedJobError, AbandonedJobError(), None)

    body = flows.progress(number)
    assert "Kiln build: failed" in body and "stopped responding" in body
    record = flows.records.of_job("job-x")
    assert record is not None and record.state is BuildState.FAILED
    assert flows.lock(number).holder() is None and flows.removed == ["job-x"]
