"""Creating a locked-down container and running processes in it through the Docker API."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import docker
from docker.models.containers import Container
from docker.models.volumes import Volume

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
    """A tmpfs volume owned by the sandbox user: ``put_archive`` reaches it, unlike a tmpfs mount."""
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
        working_dir=WORKSPACE,
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
    return {str(volume.name): {"bind": WORKSPACE, "mode": "rw"}}


def ca_mount(bundle: Path | None) -> dict[str, dict[str, str]]:
    return {} if bundle is None else {str(bundle.resolve()): {"bind": CA_BUNDLE_PATH, "mode": "ro"}}


def run_process(
    client: docker.DockerClient,
    container: Container,
    argv: Sequence[str],
    sink: OutputSink,
    *,
    env: Mapping[str, str] | None = None,
    workdir: str = WORKSPACE,
) -> int:
    """Run ``argv`` as the sandbox user, streaming output to ``sink``; return its exit code."""
    api = client.api
    exec_id = api.exec_create(
        container.id, list(argv), user=EXEC_USER, workdir=workdir, environment=dict(env or {})
    )["Id"]
    for stdout, stderr in api.exec_start(exec_id, stream=True, demux=True):
        sink(stdout, stderr)
    return int(api.exec_inspect(exec_id)["ExitCode"])


def capture(
    client: docker.DockerClient, container: Container, argv: Sequence[str]
) -> tuple[int, bytes]:
    """Run a short internal command; its exit code and whole stdout."""
    out = bytearray()

    def collect(stdout: bytes | None, _stderr: bytes | None) -> None:
        out.extend(stdout or b"")

    return run_process(client, container, argv, collect), bytes(out)


def remove(container: Container | None) -> None:
    """Kill and remove a container and its anonymous volumes; quiet when it is already gone."""
    if container is None:
        return
    try:
        container.remove(force=True, v=True)
    except docker.errors.NotFound:
        pass


def remove_volume(volume: Volume | None) -> None:
    if volume is None:
        return
    try:
        volume.remove(force=True)
    except docker.errors.NotFound:
        pass
