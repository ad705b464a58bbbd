"""The redelivery job is kept scheduled once, as a JSON job on the command queue."""

from __future__ import annotations

from collections.abc import Callable

import redis
from rq.registry import ScheduledJobRegistry

from kiln.jobs import REDELIVERY_FUNCTION
from kiln.rqjob import KilnJob
from kiln.settings import Settings
from worker.state.periodic import REDELIVERY_JOB_ID, keep_redelivery_scheduled


def test_the_next_pass_is_scheduled_once_until_it_has_run(
        redis_conn: redis.Redis, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(redelivery_interval_seconds=30)

    made = [keep_redelivery_scheduled(redis_conn, settings) for _ in range(2)]

    assert made == [True, False]
    registry = ScheduledJobRegistry(settings.command_queue_name, connection=redis_conn)
    assert registry.get_job_ids() == [REDELIVERY_JOB_ID]
    job = KilnJob.fetch(REDELIVERY_JOB_ID, connection=redis_conn)
    assert (job.func_name, job.kwargs, job.result_ttl) == (REDELIVERY_FUNCTION, {}, 0)
    assert job.func is not None  # a function Kiln's workers agree to run
    redis_conn.delete(job.key)  # as when it ran (no result is kept)
    assert keep_redelivery_scheduled(redis_conn, settings)
