"""The periodic redelivery job, kept scheduled on RQ's scheduler by every worker's maintenance."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq import Queue
from rq.job import Job

from kiln.jobs import REDELIVERY_FUNCTION
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.settings import Settings

REDELIVERY_JOB_ID = "kiln-redelivery"
REDELIVERY_TIMEOUT_SECONDS = 300


def keep_redelivery_scheduled(connection: Redis, settings: Settings) -> bool:
    """Schedule the next pass one interval from now unless one is scheduled, queued or
    running; True when this call scheduled it.

    One fixed job id makes this idempotent: workers racing here write the same job. The job
    leaves nothing behind when it ends (no result, a failure kept one interval), so the pass
    after it is scheduled by whichever worker's maintenance comes next, even after Redis
    lost everything.
    """
    if Job.exists(REDELIVERY_JOB_ID, connection=connection):
        return False
    interval = settings.redelivery_interval_seconds
    queue = Queue(settings.command_queue_name, connection=connection, job_class=KilnJob,
                  serializer=JOB_SERIALIZER)
    queue.enqueue_in(timedelta(seconds=interval), REDELIVERY_FUNCTION, job_id=REDELIVERY_JOB_ID,
                     result_ttl=0, failure_ttl=interval, job_timeout=REDELIVERY_TIMEOUT_SECONDS)
    return True
