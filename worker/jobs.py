"""The RQ job entry points named in `kiln/jobs.py`: typed jobs in, each flow wired and run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from githubkit import GitHub
from rq import get_current_job

from kiln.jobs import BuildJob, CiJob, CommandJob, ReportJob, ReviseJob, job_from
from kiln.metrics import SharedMetrics
from kiln.states import JobKind
from worker.flows.ci_followup import CiFollowUp, CiWatch
from worker.flows.commands import CommandRunner
from worker.flows.continuation import Continuation, Requeue
from worker.flows.ending import JobEnding
from worker.flows.failure import utc_now
from worker.flows.issue_build import IssueBuild, OpenSandbox
from worker.flows.redelivery import Redelivery
from worker.flows.revision import PullRevision
from worker.github.meter import ApiMeter
from worker.runtime import Runtime, current
from worker.sandboxes import sandbox_opener, sandbox_remover
from worker.state.ci import CiQueues, Follows
from worker.state.liveness import JobWatch
from worker.state.lock import IssueLock
from worker.state.outbox import Outbox
from worker.state.queue import enqueue_once, stop_job
from worker.state.redelivery import DeliveryLog
from worker.state.schedule import schedule_report
from worker.thread.conversation import Conversation
from worker.thread.courier import Courier
from worker.thread.session import JobSession, Target
from worker.watchdog import Watchdog, watching


def build(**arguments: Any) -> None:
    """Build an issue labelled with the trigger label."""
    job, runtime, job_id = job_from(BuildJob, arguments), current(), _job_id()
    with _wired(runtime, job.installation_id, job_id) as wired:
        session = _session(runtime, wired.gh, job, job_id, JobKind.BUILD, wired.meter)
        IssueBuild(session, wired.gh, runtime.settings, wired.open_llm, wired.open_sandbox,
                   job.issue_digest, Continuation(job, _requeue(runtime)),
                   _ci_watch(runtime, job)).run()


def revise(**arguments: Any) -> None:
    """Revise a Kiln pull request after a review or an `@kiln` comment."""
    job, runtime, job_id = job_from(ReviseJob, arguments), current(), _job_id()
    with _wired(runtime, job.installation_id, job_id) as wired:
        session = _session(runtime, wired.gh, job, job_id, JobKind.REVISE, wired.meter)
        PullRevision(session, wired.gh, runtime.settings, wired.open_llm, wired.open_sandbox,
                     job.review_id, job.comment_id, job.ci_head, _ci_watch(runtime, job)).run()


def ci(**arguments: Any) -> None:
    """Look at the checks other apps reported on a Kiln pull request's head, and act."""
    job, runtime = job_from(CiJob, arguments), current()
    queues = CiQueues(runtime.redis, runtime.settings)
    with runtime.github.installation(job.installation_id) as gh:
        CiFollowUp(job, gh, Follows(runtime.redis, runtime.settings.queue_name), queues.poll,
                   queues.revise, runtime.settings).run()


def _ci_watch(runtime: Runtime, job: BuildJob | ReviseJob) -> CiWatch:
    """What follows the repository's CI on the head a build or revision publishes."""
    return CiWatch(Follows(runtime.redis, runtime.settings.queue_name),
                   CiQueues(runtime.redis, runtime.settings).poll, job.installation_id,
                   job.owner, job.repo)


def command(**arguments: Any) -> None:
    """Answer a `/kiln <name>` comment."""
    job, runtime = job_from(CommandJob, arguments), current()
    with runtime.github.installation(job.installation_id) as gh:
        CommandRunner(job, gh, ending_for(runtime, gh, job),
                      lambda job_id: stop_job(runtime.redis, job_id), _requeue(runtime),
                      runtime.settings,
                      JobWatch(runtime.redis, runtime.settings.queue_name)).run()


def redeliver() -> None:
    """Ask GitHub again for the webhook deliveries that never reached Kiln (periodic)."""
    runtime = current()
    lookback = runtime.settings.redelivery_lookback_seconds
    memory = DeliveryLog(runtime.redis, runtime.settings.queue_name, lookback)
    with runtime.github.app() as gh:
        Redelivery(gh, memory, timedelta(seconds=lookback), utc_now).run()


def report(**arguments: Any) -> None:
    """Deliver what GitHub refused earlier on a thread (its outbox), now it may take it."""
    job, runtime = job_from(ReportJob, arguments), current()
    with runtime.github.installation(job.installation_id) as gh:
        _courier(runtime, gh, job).drain()


def _requeue(runtime: Runtime) -> Requeue:
    """Queue a build once under a job id: a retry, or the next run of a build (#15)."""
    return lambda build, job_id: enqueue_once(runtime.queue(), build, job_id, runtime.settings)


def ending_for(runtime: Runtime, gh: GitHub[Any],
               job: BuildJob | ReviseJob | CommandJob | ReportJob) -> JobEnding:
    """How a job's thread is closed from outside the job (cancelled, or found dead)."""
    return JobEnding(_courier(runtime, gh, job), _lock(runtime, job), runtime.records,
                     sandbox_remover(runtime.open_docker))


def _session(runtime: Runtime, gh: GitHub[Any], job: BuildJob | ReviseJob, job_id: str,
             kind: JobKind, meter: ApiMeter) -> JobSession:
    target = Target(job.owner, job.repo, job.number, job.sender, job_id, kind, _queued_at())
    return JobSession(target, _courier(runtime, gh, job), _lock(runtime, job),
                      runtime.records, runtime.settings.progress_edit_interval_seconds, meter)


def _courier(runtime: Runtime, gh: GitHub[Any],
             job: BuildJob | ReviseJob | CommandJob | ReportJob) -> Courier:
    """The thread's outbox and its delivery, drained later by a `ReportJob` when GitHub
    refuses."""
    def schedule(job_id: str, at: datetime) -> None:
        drain = ReportJob(job.installation_id, job.owner, job.repo, job.number, job_id,
                          int(at.timestamp()))
        schedule_report(runtime.redis, runtime.settings, drain, at)

    return Courier(_conversation(runtime, gh, job),
                   Outbox(runtime.redis, job.owner, job.repo, job.number), _lock(runtime, job),
                   runtime.records, schedule, runtime.settings.outbox_horizon_seconds)


def _conversation(runtime: Runtime, gh: GitHub[Any],
                  job: BuildJob | ReviseJob | CommandJob | ReportJob) -> Conversation:
    return Conversation(gh, job.owner, job.repo, job.number, runtime.settings.bot_login)


def _lock(runtime: Runtime, job: BuildJob | ReviseJob | CommandJob | ReportJob) -> IssueLock:
    return IssueLock(runtime.redis, job.owner, job.repo, job.number)


def _queued_at() -> float | None:
    """When the running job was queued (epoch seconds), as RQ noted it."""
    job = get_current_job()
    enqueued = job.enqueued_at if job is not None else None
    if enqueued is None:
        return None
    # RQ notes UTC, without a zone on older versions.
    return (enqueued if enqueued.tzinfo else enqueued.replace(tzinfo=UTC)).timestamp()


def _job_id() -> str:
    job = get_current_job()
    if job is None:
        raise RuntimeError("Kiln jobs run inside an RQ worker")
    return job.id


@dataclass(frozen=True)
class Wiring:
    """What a build or revision works with: GitHub, the model and sandboxes, each telling
    the job's stall watchdog of its progress."""

    gh: GitHub[Any]
    meter: ApiMeter
    open_llm: Callable[[], Any]
    open_sandbox: OpenSandbox


@contextmanager
def _wired(runtime: Runtime, installation_id: int, job_id: str) -> Iterator[Wiring]:
    """The job's clients, under a stall watchdog (`STALL_SECONDS`) for as long as they last."""
    dog = Watchdog(runtime.settings.stall_seconds)
    docker_client = runtime.open_docker()
    meter = runtime.github.meter(installation_id)
    meter.listen(dog.progress)
    opener = sandbox_opener(runtime.settings, docker_client, job_id,
                            SharedMetrics(runtime.redis), dog.progress)
    try:
        with runtime.github.installation(installation_id, meter) as gh, watching(dog):
            yield Wiring(gh, meter, lambda: runtime.open_llm(runtime.settings, dog), opener)
    finally:
        docker_client.close()
