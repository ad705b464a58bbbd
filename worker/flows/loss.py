"""Builds lost to the infrastructure: which failures those are, and whether to try once more.

A worker or work-horse that died, a Docker engine or a Redis server that went away says
nothing about the request: the same build may well succeed on the next try. A failure of the
request, the model or the tests (anything else) would fail the same way again, so it is
reported and left to a human.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import docker
import redis
import requests
from rq.exceptions import AbandonedJobError

from kiln.jobs import BuildJob, ReviseJob
from sandbox.channel import SupervisorGone

# Automatic retries of one build: a second loss in a row points at something lasting.
MAX_AUTOMATIC_RETRIES = 1

RETRYING = "{reason}; Kiln is trying once more"
LOST_AGAIN = "{reason}, again after an automatic retry"

# What a lost worker, Docker engine or Redis connection raises in a job: the Docker SDK lets
# `requests`' connection errors through once it is connected; a sandbox's supervisor is gone
# when its container is.
LOST_CONNECTIONS = (AbandonedJobError, redis.exceptions.ConnectionError,
                    redis.exceptions.TimeoutError, requests.exceptions.ConnectionError,
                    SupervisorGone)


@dataclass(frozen=True)
class Verdict:
    """What to do with a failed build: try it again (as `retry`), or report `reason`."""

    retry: BuildJob | ReviseJob | None
    reason: str


def lost_to_infrastructure(exc_type: type[BaseException] | None,
                           exc: BaseException | None) -> bool:
    """Whether a job failed because what runs it went away, not because of what it built.
    A Docker API error the engine answered for the request (an image not found) is not."""
    if exc_type is None:
        return False
    if issubclass(exc_type, LOST_CONNECTIONS):
        return True
    if isinstance(exc, docker.errors.APIError):
        return exc.is_server_error()
    return issubclass(exc_type, docker.errors.DockerException)


def verdict(job: BuildJob | ReviseJob, lost: bool, reason: str) -> Verdict:
    """Retry a build the infrastructure lost, once; report anything else with `reason`."""
    if not lost:
        return Verdict(None, reason)
    if job.attempt >= MAX_AUTOMATIC_RETRIES:
        return Verdict(None, LOST_AGAIN.format(reason=reason))
    return Verdict(dataclasses.replace(job, attempt=job.attempt + 1), reason)


def retry_job_id(job_id: str) -> str:
    """The retry's RQ job id: one per lost job, however often its loss is reported."""
    return f"{job_id}-again"
