"""The worker's sandbox opener against real Docker: sandboxes started and install steps'
cache hits and misses are counted, and each start reports Docker up."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import docker
import pytest
import redis

from kiln.metrics import DOCKER_FIELDS, GAUGES_KEY, SharedMetrics, docker_report, series
from kiln.settings import Settings
from sandbox import SandboxConfig, deps, remove_by_label
from worker.flows.repo_config import RepoConfig
from worker.sandboxes import JOB_LABEL, sandbox_opener

pytestmark = pytest.mark.docker

INSTALL = "cp requirements.txt installed.txt"


@pytest.fixture
def job_id(docker_client: docker.DockerClient) -> Iterator[str]:
    job = f"test-{uuid.uuid4()}"
    yield job
    remove_by_label(docker_client, JOB_LABEL, job)


@pytest.fixture
def manifests(docker_client: docker.DockerClient,
              make_settings: Callable[..., Settings]) -> Iterator[dict[str, bytes]]:
    # A fresh manifest makes a fresh cache key, so the first install is a miss.
    files = {"requirements.txt": f"# {uuid.uuid4()}\n".encode()}
    yield files
    image = SandboxConfig.from_settings(make_settings()).image_for("python")
    tag = deps.image_tag(docker_client, image, INSTALL, files)
    if deps.image_exists(docker_client, tag):
        docker_client.images.remove(tag, force=True)


def test_starts_and_install_cache_lookups_are_counted(
        docker_client: docker.DockerClient, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis, job_id: str, manifests: dict[str, bytes]) -> None:
    metrics = SharedMetrics(redis_conn)
    open_sandbox = sandbox_opener(make_settings(), docker_client, job_id, metrics)(RepoConfig())

    for expect_cached in (False, True):
        with open_sandbox("python") as box:
            box.put_files(manifests)  # the install runs against the workspace
            assert box.install(INSTALL, manifests, timeout=60).cached is expect_cached

    assert metrics.counters() == {series("sandbox_starts"): 2.0,
                                  series("install_cache", result="miss"): 1.0,
                                  series("install_cache", result="hit"): 1.0}
    report = docker_report(redis_conn.hmget(GAUGES_KEY, list(DOCKER_FIELDS)))
    assert report is not None and report.up
