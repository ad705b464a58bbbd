"""Bounded disk: every container's log capped, an installer's layer capped where it can be."""

from __future__ import annotations

from typing import Any, cast

import docker
import pytest

from sandbox import Sandbox, SandboxConfig, container, deps

CAPPED_LOG = {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "1"}}


class Engine:
    """A Docker client as far as ``layer_size`` asks: which storage driver it runs."""

    def __init__(self, driver: str) -> None:
        self.driver = driver

    def info(self) -> dict[str, Any]:
        return {"Driver": self.driver}


def sized(driver: str, size: str) -> dict[str, Any]:
    return container.layer_size(cast(docker.DockerClient, Engine(driver)), size)


def test_a_layer_is_sized_only_where_the_storage_driver_can() -> None:
    assert sized("btrfs", "4g") == {"storage_opt": {"size": "4g"}}
    assert sized("zfs", "4g") == {"storage_opt": {"size": "4g"}}
    assert sized("overlay2", "4g") == {}
    assert sized("btrfs", "") == {}


@pytest.mark.docker
def test_sandbox_and_installer_logs_are_capped(
    docker_client: docker.DockerClient, config: SandboxConfig, job_label: dict[str, str],
) -> None:
    image = config.image_for("python")
    with Sandbox.start(docker_client, image, config, job_label):
        label = f"kiln.job={job_label['kiln.job']}"
        [box] = docker_client.containers.list(filters={"label": label})
        assert box.attrs["HostConfig"]["LogConfig"] == CAPPED_LOG
    with deps.installer(docker_client, image, config, {}, job_label) as started:
        started.box.reload()
        host = started.box.attrs["HostConfig"]
        assert host["LogConfig"] == CAPPED_LOG
        driver = str(docker_client.info()["Driver"])
        expected = {"size": config.layer_size} if container.sizes_layers(driver) else None
        assert host.get("StorageOpt") == expected
