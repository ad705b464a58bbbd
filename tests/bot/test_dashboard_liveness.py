"""The dashboard never says "building" for a build whose worker is gone: it shows it as lost,
on the list, on its page and in its live status, from RQ's own record of the job."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from rq.executions import Execution
from rq.job import JobStatus

from bot.app import create_app
from emulators.localhost import wait_until
from kiln.history import BuildHistory
from kiln.jobs import JOB_FUNCTIONS, BuildJob, arguments
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.settings import Settings
from kiln.states import BuildState, JobKind
from tests.bot.live_server import serve
from tests.bot.sse_client import read_events

LEASE_SECONDS = 1  # the heartbeat lease the dead worker last renewed


@pytest.fixture
def base_url(settings: Settings, redis_conn: redis.Redis) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


def building(history: BuildHistory, settings: Settings, redis_conn: redis.Redis,
             job_id: str, number: int) -> str:
    """A build whose record says "building", its job started by a worker with a lease."""
    build = BuildJob(1, "octo", "app", number, "mona")
    job = KilnJob.create(JOB_FUNCTIONS[JobKind.BUILD], kwargs=arguments(build), id=job_id,
                         connection=redis_conn, serializer=JOB_SERIALIZER,
                         origin=settings.queue_name)
    with redis_conn.pipeline() as pipe:
        job.save(pipeline=pipe)
        job.set_status(JobStatus.STARTED, pipeline=pipe)
        Execution.create(job, LEASE_SECONDS if job_id.startswith("dead") else 3600,
                         pipeline=pipe)
        pipe.execute()
    build_id = history.start(repo="octo/app", number=number, kind="build", trigger="mona",
                             job_id=job_id)
    history.update(build_id, state=BuildState.BUILDING)
    return build_id


def test_a_build_whose_worker_is_gone_shows_as_lost(base_url: str, settings: Settings,
                                                    redis_conn: redis.Redis) -> None:
    history = BuildHistory(redis_conn, 3600)
    alive = building(history, settings, redis_conn, "alive-job", 1)
    dead = building(history, settings, redis_conn, "dead-job", 2)

    wait_until(lambda: "state-lost" in httpx.get(f"{base_url}/builds/").text, 10,
               "the dead worker's lease to lapse")
    listing = httpx.get(f"{base_url}/builds/").text
    assert listing.count("state-lost") == 1 and listing.count("state-building") == 1
    assert 'class="state state-lost">lost<' in httpx.get(f"{base_url}/builds/{dead}").text
    assert ">building<" in httpx.get(f"{base_url}/builds/{alive}").text
    with httpx.stream("GET", f"{base_url}/builds/{dead}/events") as stream:
        status = next(event for event in read_events(stream) if event.name == "status")
    assert status.data["state"] == "lost"
