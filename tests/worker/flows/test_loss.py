"""Builds lost to the infrastructure are tried once more; everything else, and a second loss,
is reported with the retry hint. Reporting needs GitHub only, not Docker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import docker
import pytest
import redis
import requests
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from kiln.jobs import BuildJob, ReviseJob, arguments
from kiln.states import BuildState, JobKind
from sandbox.channel import SupervisorGone
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows, no_later
from worker.flows.ending import JobEnding
from worker.flows.failure import FailureReporter
from worker.flows.loss import lost_to_infrastructure, retry_job_id, verdict
from worker.sandboxes import sandbox_remover
from worker.watchdog import Stalled, Waiting

DEAD_DOCKER = "unix:///nonexistent/docker.sock"

LOST: list[BaseException] = [
    AbandonedJobError(), redis.exceptions.ConnectionError("gone"),
    requests.exceptions.ConnectionError("docker.sock"), SupervisorGone("no frame"),
    docker.errors.DockerException("no engine"),
    docker.errors.APIError("daemon", explanation="internal", response=None)]
NOT_LOST: list[BaseException] = [
    JobTimeoutException(), Stalled(Waiting.MODEL, 300), RuntimeError("a bug"),
    docker.errors.ImageNotFound("no such image: the repository's own")]


@pytest.mark.parametrize("exc", LOST, ids=lambda e: type(e).__name__)
def test_the_infrastructures_failures_are_losses(exc: BaseException) -> None:
    if isinstance(exc, docker.errors.APIError):
        exc.response = _status(500)
    assert lost_to_infrastructure(type(exc), exc)


@pytest.mark.parametrize("exc", NOT_LOST, ids=lambda e: type(e).__name__)
def test_the_requests_the_models_and_the_tests_failures_are_not(exc: BaseException) -> None:
    if isinstance(exc, docker.errors.APIError):
        exc.response = _status(404)
    assert not lost_to_infrastructure(type(exc), exc)


def _status(code: int) -> requests.Response:
    response = requests.Response()
    response.status_code = code
    return response


def test_a_loss_is_retried_once_then_reported() -> None:
    first = BuildJob(1, "o", "r", 3, "alice")
    once = verdict(first, True, "the worker running it stopped responding")
    assert once.retry == BuildJob(1, "o", "r", 3, "alice", attempt=1)
    twice = verdict(once.retry, True, "the worker running it stopped responding")
    assert twice.retry is None and twice.reason == (
        "the worker running it stopped responding, again after an automatic retry")
    assert verdict(first, False, "the model gave up").retry is None
    assert retry_job_id("abc") == "abc-again"


class Requeued(list[tuple[BuildJob | ReviseJob, str]]):
    def __call__(self, job: BuildJob | ReviseJob, job_id: str) -> None:
        self.append((job, job_id))


def _reporter(flows: Flows, requeued: Requeued,
              ending: Callable[[int], JobEnding] | None = None) -> FailureReporter:
    @contextmanager
    def open_ending(typed: Any) -> Iterator[JobEnding]:
        yield (ending or flows.ending)(typed.number)

    return FailureReporter(open_ending, requeued, no_later)


def _started(flows: Flows, job_id: str, attempt: int = 0) -> tuple[int, BuildJob, Job]:
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, "alice", attempt=attempt)
    assert flows.session(job, job_id, JobKind.BUILD).open("Add subtraction", 60)
    return number, job, Job.create("worker.jobs.build", kwargs=arguments(job), id=job_id,
                                   connection=flows.redis)


def test_a_dead_workers_build_is_queued_once_more_saying_so(flows: Flows) -> None:
    number, job, rq_job = _started(flows, "job-x")
    requeued = Requeued()
    reporter = _reporter(flows, requeued)
    for _ in range(2):  # RQ may report one loss twice (handler, then maintenance)
        reporter(rq_job, AbandonedJobError, AbandonedJobError(), None)

    assert requeued == [(BuildJob(job.installation_id, OWNER, REPO, number, "alice",
                                  attempt=1), "job-x-again")]
    body = flows.progress(number)
    assert "Kiln build: queued" in body and "Kiln is trying once more" in body
    assert "/kiln retry" not in body
    record = flows.records.of_job("job-x")
    assert record is not None and record.state is BuildState.FAILED
    assert flows.lock(number).holder() is None and set(flows.removed) == {"job-x"}


def test_a_second_loss_is_reported_with_the_retry_hint(flows: Flows) -> None:
    number, _, rq_job = _started(flows, "job-x-again", attempt=1)
    requeued = Requeued()
    _reporter(flows, requeued).horse_killed(rq_job, 1234, 9, None)

    body = flows.progress(number)
    assert "Kiln build: failed" in body and "again after an automatic retry" in body
    assert "/kiln retry" in body and requeued == []


def test_a_stalled_build_is_reported_not_retried(flows: Flows) -> None:
    number, _, rq_job = _started(flows, "job-stalled")
    requeued = Requeued()
    stalled = Stalled(Waiting.MODEL, 300)
    _reporter(flows, requeued)(rq_job, Stalled, stalled, None)

    body = flows.progress(number)
    assert "the model had not answered for 300 s" in body and "/kiln retry" in body
    assert requeued == []


@pytest.mark.parametrize("open_docker", [
    lambda: docker.DockerClient(base_url=DEAD_DOCKER),  # the engine unreachable
    lambda: FailingDocker(),  # the engine there, refusing the clean-up
], ids=["docker-down", "cleanup-fails"])
def test_the_report_lands_whatever_docker_does(flows: Flows,
                                               open_docker: Callable[[], Any]) -> None:
    number, _, rq_job = _started(flows, "job-docker", attempt=1)

    def ending(number: int) -> JobEnding:
        made = flows.ending(number)
        made.remove_sandboxes = sandbox_remover(open_docker)  # as the worker wires it
        return made

    _reporter(flows, Requeued(), ending)(
        rq_job, SupervisorGone, SupervisorGone("the sandbox's container is gone"), None)

    body = flows.progress(number)
    assert "Kiln build: failed" in body and "sandbox stopped under it" in body
    assert flows.lock(number).holder() is None


class FailingDocker:
    """A Docker client whose engine answers, and fails, every clean-up call."""

    class Containers:
        def list(self, **_: Any) -> list[Any]:
            raise docker.errors.APIError("removal failed", response=_status(500))

    containers = Containers()

    def close(self) -> None:
        pass
