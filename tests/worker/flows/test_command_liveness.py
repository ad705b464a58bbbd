"""`/kiln status` and `/kiln cancel` against RQ's own records of jobs: queued builds, and a
build whose worker stopped sending heartbeats."""

from __future__ import annotations

from rq import Queue
from rq.executions import Execution
from rq.job import JobStatus

from kiln.jobs import JOB_FUNCTIONS, BuildJob, arguments
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.states import BuildState, JobKind
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows
from tests.worker.flows.test_commands import answer, running_build
from worker.state.queue import enqueue_once

HEARTBEAT_TTL = 20  # as `KilnWorker.get_heartbeat_ttl` gives a job


def queued_build(flows: Flows, number: int, job_id: str) -> None:
    """A build of `number` waiting on the build queue, as the web side leaves it."""
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, MAINTAINER)
    enqueue_once(Queue(flows.settings.queue_name, connection=flows.redis), job, job_id,
                 flows.settings)


def started_by_a_worker(flows: Flows, job_id: str, number: int) -> None:
    """A build RQ records as started, with a heartbeat lease, as a worker leaves it when it
    dies mid-build."""
    build = BuildJob(flows.world.installation_id, OWNER, REPO, number, MAINTAINER)
    job = KilnJob.create(JOB_FUNCTIONS[JobKind.BUILD], kwargs=arguments(build), id=job_id,
                         connection=flows.redis, serializer=JOB_SERIALIZER,
                         origin=flows.settings.queue_name)
    with flows.redis.pipeline() as pipe:
        job.save(pipeline=pipe)
        job.set_status(JobStatus.STARTED, pipeline=pipe)
        Execution.create(job, HEARTBEAT_TTL, pipeline=pipe)
        pipe.execute()


def test_status_of_a_build_whose_worker_stopped_beating_does_not_say_working(
        flows: Flows) -> None:
    number = running_build(flows, "job-dead")
    started_by_a_worker(flows, "job-dead", number)

    flows.command(number, "status", 201)
    flows.seconds_ahead = HEARTBEAT_TTL + 1
    flows.command(number, "status", 202)

    assert "working on this: building" in answer(flows, number, 201)
    dead = answer(flows, number, 202)
    assert "stopped responding" in dead and "job-dead" in dead and "working" not in dead


def test_cancel_takes_a_queued_build_off_the_queue_before_it_starts(flows: Flows) -> None:
    number = flows.open_issue()
    other = flows.open_issue("Another")
    queued_build(flows, number, "build-waiting")
    queued_build(flows, other, "build-elsewhere")

    flows.command(number, "status", 203)
    flows.command(number, "cancel", 204)

    assert "queued here (job `build-waiting`)" in answer(flows, number, 203)
    assert "queued build will not run" in answer(flows, number, 204)
    assert flows.stopped == ["build-waiting"]


def test_cancel_with_a_running_and_a_queued_build_stops_both(flows: Flows) -> None:
    number = running_build(flows)
    queued_build(flows, number, "build-next")

    flows.command(number, "cancel", 205)

    assert flows.stopped == ["build-next", "job-running"]
    record = flows.records.of_job("job-running")
    assert record is not None and record.state is BuildState.CANCELLED
    assert "Cancelled by @alice" in answer(flows, number, 205)
