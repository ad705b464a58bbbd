"""Creating a locked-down container and running processes in it through the Docker API."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import docker
from docker.models.containers import Container
from docker.models.volumes import Volume
from docker.utils.socket import STDOUT, frames_iter

from sandbox.config import SandboxConfig

SANDBOX_LABEL = "kiln.sandbox"
WORKSPACE = "/workspace"
DEPS_DIR = "/opt/kiln-deps"
CA_BUNDLE_PATH = "/etc/kiln/ca-bundle.pem"
EXEC_USER = "1000:1000"
# The keep-alive runs as a second unprivileged user so the sandbox user cannot kill it.
KEEPALIVE_USER = "1001:1001"
KEEPALIVE = ["sleep", "infinity"]

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

OutputSink = Callable[[bytes | None, bytes | None], None]
"""Receives each ``(stdout chunk, stderr chunk)`` pair as the process writes it."""


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
) -> Container:
    """Start the keep-alive under every limit; ``installing`` allows network and a writable root."""
    network = installing and config.install_network
    return client.containers.run(
        image,
        KEEPALIVE,
        detach=True,
        labels=dict(labels),
        volumes={source: dict(target) for source, target in mounts.items()},
        environment=BASE_ENV,
        working_dir=DEPS_DIR if installing else WORKSPACE,
        user=KEEPALIVE_USER,
        init=True,
        network_mode="bridge" if network else "none",
        read_only=not installing,
        tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={config.tmpfs_size},mode=1777"},
        mem_limit=config.memory,
        memswap_limit=config.memory,
        nano_cpus=int(config.cpus * 1e9),
        pids_limit=config.pids,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
    )


def workspace_mount(volume: Volume) -> dict[str, dict[str, str]]:
    # nocopy: an image with its own /workspace would otherwise hand the empty volume its owner.
    return {str(volume.name): {"bind": WORKSPACE, "mode": "rw,nocopy"}}


def ca_mount(bundle: Path | None) -> dict[str, dict[str, str]]:
    return {} if bundle is None else {str(bundle.resolve()): {"bind": CA_BUNDLE_PATH, "mode": "ro"}}


def run_process(
    client: docker.DockerClient,
    container: Container,
    argv: Sequence[str],
    sink: OutputSink,
    *,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str = WORKSPACE,
) -> int:
    """Run ``argv`` as the sandbox user, fed ``stdin``, streaming output to ``sink``.

    Returns the exit code. Output is read while a thread writes the input, so a process
    that stops reading early cannot block the caller.
    """
    api = client.api
    exec_id = api.exec_create(
        container.id, list(argv), user=EXEC_USER, workdir=workdir,
        environment=dict(env or {}), stdin=stdin is not None,
    )["Id"]
    connection = api.exec_start(exec_id, socket=True)
    try:
        if stdin is not None:
            threading.Thread(target=_feed, args=(connection, stdin), daemon=True).start()
        for stream, chunk in frames_iter(connection, tty=False):
            if stream == STDOUT:
                sink(chunk, None)
            else:
                sink(None, chunk)
    finally:
        connection.close()
    return int(api.exec_inspect(exec_id)["ExitCode"])


def _feed(connection: Any, data: bytes) -> None:
    # Closing our half of the connection is how the engine learns the input has ended.
    raw = connection._sock
    with contextlib.suppress(OSError):
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)


def capture(
    client: docker.DockerClient,
    container: Container,
    argv: Sequence[str],
    stdin: bytes | None = None,
) -> tuple[int, bytes, bytes]:
    """Run a short internal command; its exit code, whole stdout and whole stderr."""
    out, err = bytearray(), bytearray()

    def collect(stdout: bytes | None, stderr: bytes | None) -> None:
        out.extend(stdout or b"")
        err.extend(stderr or b"")

    return run_process(client, container, argv, collect, stdin=stdin), bytes(out), bytes(err)


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
