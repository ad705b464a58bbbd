"""A retry the worker queues is written as JSON, like every job Kiln queues."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable

import redis
from rq import Queue
from rq.job import Job

from kiln.jobs import BuildJob, arguments
from kiln.settings import Settings
from worker.state.queue import enqueue_once

BUILD = BuildJob(installation_id=1, owner="o", repo="r", issue_number=3, sender="s")


def test_a_queued_retry_is_json_never_pickle(redis_conn: redis.Redis,
                                             make_settings: Callable[..., Settings]) -> None:
    # The caller's queue is RQ's default (pickle); the job still goes in as JSON.
    enqueue_once(Queue("kiln", connection=redis_conn), BUILD, "retry-1", make_settings())

    stored = redis_conn.hget(Job.key_for("retry-1"), "data")
    assert isinstance(stored, bytes)
    data = zlib.decompress(stored)
    assert json.loads(data) == ["worker.jobs.build", None, [], arguments(BUILD)]
    assert redis_conn.lrange("rq:queue:kiln", 0, -1) == [b"retry-1"]


def test_a_retry_is_queued_once(redis_conn: redis.Redis,
                                make_settings: Callable[..., Settings]) -> None:
    for _ in range(2):
        enqueue_once(Queue("kiln", connection=redis_conn), BUILD, "retry-1", make_settings())

    assert redis_conn.llen("rq:queue:kiln") == 1
