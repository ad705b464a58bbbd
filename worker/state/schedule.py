"""Kiln's jobs put off until later, on RQ's scheduler (the Procfile's `worker --with-scheduler`)."""

from __future__ import annotations

from datetime import datetime

from redis import Redis
from rq import Queue
from rq.job import Job

from kiln.jobs import JOB_FUNCTIONS, CommandJob, ReportJob, arguments
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.settings import Settings


def report_job_id(job: ReportJob) -> str:
    """One id per job and time: a drain asked twice for one time is queued once."""
    return f"report-{job.job_id}-{job.due}"


def schedule_report(connection: Redis, settings: Settings, job: ReportJob, at: datetime) -> None:
    """Queue `job` on the command queue (which every worker serves) to run at `at`."""
    schedule(connection, settings, job, report_job_id(job), at)


def schedule_command(connection: Redis, settings: Settings, job: CommandJob, job_id: str,
                     at: datetime) -> None:
    """Queue a command again under `job_id` to run at `at`, unless that id exists already."""
    if not Job.exists(job_id, connection=connection):
        schedule(connection, settings, job, job_id, at)


def schedule(connection: Redis, settings: Settings, job: ReportJob | CommandJob, job_id: str,
             at: datetime) -> None:
    """Queue `job` under `job_id` on the command queue (which every worker serves) to run at
    `at`."""
    queue = Queue(settings.command_queue_name, connection=connection, job_class=KilnJob,
                  serializer=JOB_SERIALIZER)
    queue.enqueue_at(at, JOB_FUNCTIONS[job.kind], job_id=job_id, kwargs=arguments(job),
                     job_timeout=settings.job_timeout_seconds,
                     failure_ttl=settings.job_failure_ttl_seconds)
