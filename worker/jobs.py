"""The RQ job entry points named in `kiln/jobs.py`: plain arguments in, the workflow run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rq import get_current_job

from kiln.states import JobKind
from worker.commands import CommandRequest, CommandRunner, stop_job
from worker.ending import JobEnding
from worker.issue_build import IssueBuild
from worker.revision import PullRevision
from worker.runtime import Runtime, current
from worker.sandboxes import sandbox_opener
from worker.session import JobSession, Target


def build(*, installation_id: int, owner: str, repo: str, issue_number: int, sender: str,
          delivery_id: str) -> None:
    """Build an issue labelled with the trigger label."""
    runtime, job_id = current(), _job_id()
    target = Target(installation_id, owner, repo, issue_number, sender, job_id, JobKind.BUILD)
    with _clients(runtime, installation_id) as (gh, docker_client):
        IssueBuild(JobSession(runtime, gh, target), lambda: runtime.open_llm(runtime.settings),
                   sandbox_opener(runtime.settings, docker_client, job_id)).run()


def revise(*, installation_id: int, owner: str, repo: str, pull_number: int, sender: str,
           review_id: int | None, comment_id: int | None, delivery_id: str) -> None:
    """Revise a Kiln pull request after a review or an `@kiln` comment."""
    runtime, job_id = current(), _job_id()
    target = Target(installation_id, owner, repo, pull_number, sender, job_id, JobKind.REVISE)
    with _clients(runtime, installation_id) as (gh, docker_client):
        PullRevision(JobSession(runtime, gh, target),
                     lambda: runtime.open_llm(runtime.settings),
                     sandbox_opener(runtime.settings, docker_client, job_id),
                     review_id, comment_id).run()


def command(*, installation_id: int, owner: str, repo: str, number: int,
            is_pull_request: bool, sender: str, name: str, comment_id: int,
            delivery_id: str) -> None:
    """Answer a `/kiln <name>` comment."""
    runtime = current()
    request = CommandRequest(installation_id, owner, repo, number, is_pull_request, sender,
                             name, comment_id)
    with runtime.github.installation(installation_id) as gh:
        ending = JobEnding(runtime, gh, owner, repo, number, runtime.open_docker)
        CommandRunner(runtime, gh, request, ending,
                      lambda job_id: stop_job(runtime.redis, job_id)).run()


def _job_id() -> str:
    job = get_current_job()
    if job is None:
        raise RuntimeError("Kiln jobs run inside an RQ worker")
    return job.id


@contextmanager
def _clients(runtime: Runtime, installation_id: int) -> Iterator[tuple[Any, Any]]:
    docker_client = runtime.open_docker()
    try:
        with runtime.github.installation(installation_id) as gh:
            yield gh, docker_client
    finally:
        docker_client.close()
