"""`/healthz` over real HTTP: Redis asked now, Docker as a worker's real check last found it."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import httpx
import pytest
import redis

from bot.app import create_app
from bot.health import Health, Status, health_with
from kiln.metrics import DockerReport, SharedMetrics
from kiln.settings import Settings
from tests.bot.live_server import serve
from worker.docker_check import DockerCheck

ABSENT_ENGINE = "unix:///nonexistent/kiln-test/docker.sock"


@pytest.fixture
def base_url(settings: Settings, redis_conn: redis.Redis) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


def test_docker_is_unknown_until_a_worker_reports(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")

    assert (response.status_code, response.json()) == (
        200, {"redis": "ok", "docker": "unknown", "docker_age_seconds": None})


def test_docker_reported_down_is_named_with_its_age(base_url: str,
                                                    redis_conn: redis.Redis) -> None:
    check = DockerCheck(lambda: docker.DockerClient(base_url=ABSENT_ENGINE),
                        SharedMetrics(redis_conn), clock=lambda: 1000.0)

    assert check.run() is False
    response = httpx.get(f"{base_url}/healthz")

    # Only Redis decides the status: Docker is the workers' dependency, not the web's.
    assert response.status_code == 200
    body = response.json()
    assert (body["redis"], body["docker"]) == ("ok", "down")
    assert body["docker_age_seconds"] > 0  # checked "at 1000", long before now


def test_docker_reported_answering_is_ok(base_url: str, redis_conn: redis.Redis,
                                         docker_client: docker.DockerClient) -> None:
    assert DockerCheck(docker.from_env, SharedMetrics(redis_conn)).run() is True

    body = httpx.get(f"{base_url}/healthz").json()

    assert body["docker"] == "ok" and body["docker_age_seconds"] >= 0


def test_a_report_is_aged_against_the_clock() -> None:
    assert health_with(DockerReport(up=True, checked_at=100.0), now=142.26) == Health(
        Status.OK, Status.OK, 42.3)
    assert health_with(None, now=5.0) == Health(Status.OK, Status.UNKNOWN, None)
