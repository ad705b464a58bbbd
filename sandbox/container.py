"""Creating a locked-down container, its workspace volume, and removing both."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import docker
from docker.models.containers import Container
from docker.models.volumes import Volume
from docker.types import LogConfig, Mount

from sandbox.channel import SUPERVISOR_COMMAND
from sandbox.config import SandboxConfig
from sandbox.images import ImageMissing

SANDBOX_LABEL = "kiln.sandbox"
WORKSPACE = "/workspace"
DEPS_DIR = "/opt/kiln-deps"
# The supervisor starts as root with just what it needs to start commands as the sandbox
# user and to kill what they leave behind; the commands themselves hold no capability.
SUPERVISOR_USER = "0:0"
SUPERVISOR_CAPABILITIES = ["SETUID", "SETGID", "KILL"]

BASE_ENV = {
    "HOME": "/tmp",
    "USER": "sandbox",
    "LANG": "C.UTF-8",
    "PATH": f"{DEPS_DIR}/bin:{DEPS_DIR}/node_modules/.bin:"
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "PYTHONUSERBASE": DEPS_DIR,
    "PYTHONDONTWRITEBYTECODE": "1",
    "NODE_PATH": f"{DEPS_DIR}/node_modules",
}

# The storage drivers whose writable layer always takes a size. overlay2 takes one only on
# xfs mounted with pquota, which the engine does not report, so it is left uncapped.
SIZED_DRIVERS = frozenset({"btrfs", "zfs", "devicemapper", "windowsfilter"})


def sandbox_labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {**(labels or {}), SANDBOX_LABEL: "1"}


def create_workspace(
    client: docker.DockerClient, config: SandboxConfig, labels: Mapping[str, str]
) -> Volume:
    """A tmpfs volume owned by the sandbox user (``put_archive`` reaches it, not a tmpfs mount)."""
    options = f"size={config.workspace_size},uid=1000,gid=1000,mode=0755"
    return client.volumes.create(
        driver="local",
        driver_opts={"type": "tmpfs", "device": "tmpfs", "o": options},
        labels=dict(labels),
    )


def start_container(
    client: docker.DockerClient,
    image: str,
    config: SandboxConfig,
    mounts: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
    *,
    installing: bool = False,
    network: str = "none",
) -> Container:
    """Start the supervisor under every limit; ``installing`` gives it a writable root (capped
    where the storage driver allows) and ``network`` (else it has none)."""
    started = create_container(
        client,
        image,
        config.pull_images,
        command=SUPERVISOR_COMMAND,
        stdin_open=True,
        labels=dict(labels),
        mounts=as_mounts(mounts),
        environment=BASE_ENV,
        working_dir=DEPS_DIR if installing else WORKSPACE,
        user=SUPERVISOR_USER,
        init=True,
        network_mode=network,
        read_only=not installing,
        tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={config.tmpfs_size},mode=1777"},
        mem_limit=config.memory,
        memswap_limit=config.memory,
        nano_cpus=int(config.cpus * 1e9),
        pids_limit=config.pids,
        cap_drop=["ALL"],
        cap_add=SUPERVISOR_CAPABILITIES,
        security_opt=["no-new-privileges"],
        log_config=log_config(config.log_size),
        **(layer_size(client, config.layer_size) if installing else {}),
    )
    try:
        started.start()
    except BaseException:
        remove(started)
        raise
    return started


def create_container(
    client: docker.DockerClient, image: str, pull: bool, **options: Any
) -> Container:
    """Create a container; a missing image is pulled only when ``pull`` allows it.

    ``containers.run`` would pull a missing image from its registry without asking: that is
    code from anywhere, run as the sandbox's root supervisor.
    """
    try:
        return client.containers.create(image, **options)
    except docker.errors.ImageNotFound:
        if not pull:
            raise ImageMissing(image) from None
    client.images.pull(image)
    return client.containers.create(image, **options)


def as_mounts(mounts: Mapping[str, Mapping[str, str]]) -> list[Mount]:
    """``{source: {"bind": target, "mode": "rw,nocopy"}}`` as mounts: a path is bound, a
    name is a volume.

    Mounts, not the SDK's ``volumes=``: that also declares each target a volume in the
    container's config, which a commit copies into the image, and every container later
    started from it fails ("cannot mount volume over existing file").
    """
    return [Mount(spec["bind"], source, type="bind" if source.startswith("/") else "volume",
                  read_only="ro" in spec.get("mode", "").split(","),
                  no_copy="nocopy" in spec.get("mode", "").split(","))
            for source, spec in mounts.items()]


def log_config(size: str) -> LogConfig:
    """One capped log file: the engine keeps no more of a container's output than ``size``."""
    return LogConfig(type=LogConfig.types.JSON, config={"max-size": size, "max-file": "1"})


def layer_size(client: docker.DockerClient, size: str) -> dict[str, Any]:
    """``storage_opt`` capping a writable layer, when the engine's storage driver can."""
    if not size or not sizes_layers(str(client.info().get("Driver", ""))):
        return {}
    return {"storage_opt": {"size": size}}


def sizes_layers(driver: str) -> bool:
    return driver in SIZED_DRIVERS


def workspace_mount(volume: Volume) -> dict[str, dict[str, str]]:
    # nocopy: an image with its own /workspace would otherwise hand the empty volume its owner.
    return {str(volume.name): {"bind": WORKSPACE, "mode": "rw,nocopy"}}


def remove(container: Container | None) -> None:
    """Kill and remove a container and its anonymous volumes; quiet when it is already gone."""
    if container is None:
        return
    with contextlib.suppress(docker.errors.NotFound):
        container.remove(force=True, v=True)


def remove_volume(volume: Volume | None) -> None:
    if volume is None:
        return
    with contextlib.suppress(docker.errors.NotFound):
        volume.remove(force=True)
