"""The worker's Docker check against an engine that is not there, then one that is."""

from __future__ import annotations

import logging

import docker
import pytest
import redis

from kiln.metrics import DOCKER_FIELDS, GAUGES_KEY, DockerReport, SharedMetrics, docker_report
from worker.docker_check import DockerCheck

ABSENT_ENGINE = "unix:///nonexistent/kiln-test/docker.sock"


def reported(redis_conn: redis.Redis) -> DockerReport | None:
    return docker_report(redis_conn.hmget(GAUGES_KEY, list(DOCKER_FIELDS)))


def test_every_check_is_recorded_but_only_changes_are_logged(
        redis_conn: redis.Redis, docker_client: docker.DockerClient,
        caplog: pytest.LogCaptureFixture) -> None:
    engines = iter([ABSENT_ENGINE, ABSENT_ENGINE, None])
    times = iter([10.0, 20.0, 30.0])

    def open_docker() -> docker.DockerClient:
        url = next(engines)
        return docker.from_env() if url is None else docker.DockerClient(base_url=url)

    check = DockerCheck(open_docker, SharedMetrics(redis_conn), clock=lambda: next(times))
    with caplog.at_level(logging.INFO, logger="worker.docker_check"):
        assert [check.run(), check.run()] == [False, False]
        assert reported(redis_conn) == DockerReport(up=False, checked_at=20.0)
        assert check.run() is True

    assert reported(redis_conn) == DockerReport(up=True, checked_at=30.0)
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]
