"""Fixtures for the sandbox tests: small limits, a unique job label, a started sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import docker
import pytest

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig

SMALL_LIMITS = {
    "sandbox_memory": "128m",
    "sandbox_pids": 64,
    "sandbox_output_cap_bytes": 4000,
    "sandbox_tmpfs_size": "16m",
    "sandbox_workspace_size": "32m",
    "sandbox_exec_timeout_seconds": 60,
}


@pytest.fixture
def config(make_settings: Callable[..., Settings]) -> SandboxConfig:
    return SandboxConfig.from_settings(make_settings(**SMALL_LIMITS))


@pytest.fixture
def job_label() -> dict[str, str]:
    return {"kiln.job": f"test-{uuid.uuid4()}"}


def leftovers(client: docker.DockerClient, labels: dict[str, str]) -> list[str]:
    """Names of containers and volumes still carrying ``labels``."""
    filters: dict[str, str | list[str] | bool] = {
        "label": [f"{key}={value}" for key, value in labels.items()]
    }
    containers = [str(c.name) for c in client.containers.list(all=True, filters=filters)]
    return containers + [str(v.name) for v in client.volumes.list(filters=filters)]


@pytest.fixture
def box(
    docker_client: docker.DockerClient, config: SandboxConfig, job_label: dict[str, str]
) -> Iterator[Sandbox]:
    with Sandbox.start(docker_client, config.image_for("python"), config, job_label) as started:
        yield started
    assert leftovers(docker_client, job_label) == []
