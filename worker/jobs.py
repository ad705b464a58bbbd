"""The RQ job entry points named in `kiln/jobs.py`: typed jobs in, each flow wired and run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from githubkit import GitHub
from rq import get_current_job

from kiln.jobs import BuildJob, CommandJob, ReviseJob, job_from
from kiln.states import JobKind
from worker.flows.commands import CommandRunner
from worker.flows.ending import JobEnding
from worker.flows.issue_build import IssueBuild
from worker.flows.revision import PullRevision
from worker.runtime import Runtime, current
from worker.sandboxes import sandbox_opener, sandbox_remover
from worker.state.lock import IssueLock
from worker.state.queue import enqueue_once, stop_job
from worker.thread.conversation import Conversation
from worker.thread.session import JobSession, Target


def build(**arguments: Any) -> None:
    """Build an issue labelled with the trigger label."""
    job, runtime, job_id = job_from(BuildJob, arguments), current(), _job_id()
    with _clients(runtime, job.installation_id) as (gh, docker_client):
        session = _session(runtime, gh, job, job_id, JobKind.BUILD)
        IssueBuild(session, gh, runtime.settings, lambda: runtime.open_llm(runtime.settings),
                   sandbox_opener(runtime.settings, docker_client, job_id),
                   job.issue_digest).run()


def revise(**arguments: Any) -> None:
    """Revise a Kiln pull request after a review or an `@kiln` comment."""
    job, runtime, job_id = job_from(ReviseJob, arguments), current(), _job_id()
    with _clients(runtime, job.installation_id) as (gh, docker_client):
        session = _session(runtime, gh, job, job_id, JobKind.REVISE)
        PullRevision(session, gh, runtime.settings, lambda: runtime.open_llm(runtime.settings),
                     sandbox_opener(runtime.settings, docker_client, job_id),
                     job.review_id, job.comment_id).run()


def command(**arguments: Any) -> None:
    """Answer a `/kiln <name>` comment."""
    job, runtime = job_from(CommandJob, arguments), current()
    with runtime.github.installation(job.installation_id) as gh:
        CommandRunner(job, gh, ending_for(runtime, gh, job),
                      lambda job_id: stop_job(runtime.redis, job_id),
                      lambda build, job_id: enqueue_once(runtime.queue(), build, job_id,
                                                         runtime.settings),
                      runtime.settings.trigger_label).run()


def ending_for(runtime: Runtime, gh: GitHub[Any],
               job: BuildJob | ReviseJob | CommandJob) -> JobEnding:
    """How a job's thread is closed from outside the job (cancelled, or found dead)."""
    return JobEnding(_conversation(runtime, gh, job), _lock(runtime, job), runtime.records,
                     sandbox_remover(runtime.open_docker))


def _session(runtime: Runtime, gh: GitHub[Any], job: BuildJob | ReviseJob, job_id: str,
             kind: JobKind) -> JobSession:
    target = Target(job.owner, job.repo, job.number, job.sender, job_id, kind)
    return JobSession(target, _conversation(runtime, gh, job), _lock(runtime, job),
                      runtime.records, runtime.settings.progress_edit_interval_seconds)


def _conversation(runtime: Runtime, gh: GitHub[Any],
                  job: BuildJob | ReviseJob | CommandJob) -> Conversation:
    return Conversation(gh, job.owner, job.repo, job.number, runtime.settings.bot_login)


def _lock(runtime: Runtime, job: BuildJob | ReviseJob | CommandJob) -> IssueLock:
    return IssueLock(runtime.redis, job.owner, job.repo, job.number)


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
