"""The dependency cache: an install step committed as an image keyed by what it installed."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import docker
from docker.models.containers import Container

from sandbox import archive, command, container
from sandbox.channel import Channel
from sandbox.config import SandboxConfig
from sandbox.credentials import (
    FILE_ENV_NAMES,
    LEAKED,
    PATTERNS_FILE,
    SECRETS_DIR,
    install_files,
    redacted,
    secrets_in,
)
from sandbox.egress import Egress, proxy_env
from sandbox.eviction import DEPS_LABEL, DEPS_REPOSITORY, prune
from sandbox.failures import recall_failure, remember_failure
from sandbox.result import ExecResult

DEPS = PurePosixPath(container.DEPS_DIR)
SETUP_SECONDS = 60.0
REFUSED = ("kiln: the install's proxy refused {hosts}: only the hosts in the operator's "
           "SANDBOX_INSTALL_ALLOW are reachable while installing.")
DELETED = 2  # the kind of a path `docker diff` reports removed

Mounts = Mapping[str, Mapping[str, str]]
"""Volumes an installer mounts, as ``container.start_container`` takes them."""

CacheTally = Callable[[bool], None]
"""Told, for each install step, whether the cache had its image (the worker counts these)."""

# pip installs into PYTHONUSERBASE (the deps directory, on the sandbox's sys.path); Debian
# marks its Python externally managed, which only a user install with this override passes.
INSTALL_ENV = {
    "PIP_USER": "1",
    "PIP_BREAK_SYSTEM_PACKAGES": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "NPM_CONFIG_PREFIX": container.DEPS_DIR,
    "NPM_CONFIG_UPDATE_NOTIFIER": "false",
}


def cache_key(image_id: str, command: str, manifests: Mapping[str, bytes]) -> str:
    """SHA-256 over the base image's id, the install command and every manifest."""
    digest = hashlib.sha256()
    for part in (image_id.encode(), command.encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    for name in sorted(manifests):
        for part in (name.encode(), manifests[name]):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def image_tag(
    client: docker.DockerClient, image: str, command: str, manifests: Mapping[str, bytes]
) -> str:
    image_id = str(client.images.get(image).id)
    return f"{DEPS_REPOSITORY}:{cache_key(image_id, command, manifests)}"


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def look_up(client: docker.DockerClient, tag: str, tally: CacheTally | None) -> bool:
    """Whether the cache has `tag`'s image, told to `tally` too; a hit is tagged again, which
    marks it used (the engine's LastTagTime is what pruning orders by)."""
    found = image_exists(client, tag)
    if found:
        repository, _, key = tag.partition(":")
        client.images.get(tag).tag(repository, key)
    if tally is not None:
        tally(found)
    return found


def install_env(config: SandboxConfig, files: Mapping[str, bytes], networked: bool
                ) -> dict[str, str]:
    """The installer's environment: user installs into the deps directory, each file's
    variables pointing at it, and the proxy when the install has the network."""
    pointers = {variable: f"{SECRETS_DIR}/{name}"
                for name in files for variable in FILE_ENV_NAMES.get(name, ())}
    return {**container.BASE_ENV, **INSTALL_ENV, **pointers,
            **(proxy_env() if networked else {})}


def start_installer(
    client: docker.DockerClient,
    image: str,
    config: SandboxConfig,
    manifests: Mapping[str, bytes],
    labels: Mapping[str, str],
    network: str = "none",
    mounts: Mounts | None = None,
) -> Container:
    """A writable container on ``network`` with the manifests in the deps directory (and
    ``mounts``: the workspace the install runs against)."""
    installer = container.start_container(
        client, image, config, mounts or {}, labels, installing=True, network=network)
    try:
        files = {f"{DEPS.name}/{archive.workspace_path(name)}": data
                 for name, data in manifests.items()}
        installer.put_archive(str(DEPS.parent), archive.pack(files, time.time(), dirs=[DEPS.name]))
    except BaseException:
        container.remove(installer)
        raise
    return installer


@dataclass
class Installer:
    """A started installer: its supervisor's channel and the environment to install with."""

    box: Container
    channel: Channel
    env: dict[str, str]
    secrets: list[str]
    egress: Egress | None = None
    workdir: str = container.DEPS_DIR

    def explained(self, result: ExecResult) -> ExecResult:
        """A failed result with the hosts the proxy refused named, and what would allow them."""
        refused = self.egress.refused() if self.egress and not result.ok else []
        if not refused:
            return result
        note = REFUSED.format(hosts=", ".join(refused))
        return dataclasses.replace(result, stderr=f"{result.stderr}\n{note}".lstrip())

    def leaks(self) -> list[str]:
        """The files the commit would keep that hold a credential's secret value."""
        if not self.secrets:
            return []
        changed = [str(change["Path"]) for change in self.box.diff() or ()
                   if change["Kind"] != DELETED]
        script = f"xargs -0 -r grep -lsF -d skip -f {SECRETS_DIR}/{PATTERNS_FILE} -- || true"
        out = _internal(self.channel, ["sh", "-c", script], "\0".join(changed).encode())
        return out.decode(errors="replace").splitlines()

    def commit(self, tag: str) -> None:
        """Remove the install's own files, then commit the container as ``tag``."""
        _internal(self.channel, ["rm", "-rf", SECRETS_DIR])
        repository, _, key = tag.partition(":")
        self.box.commit(repository=repository, tag=key, changes=[f"LABEL {DEPS_LABEL}=1"])


@contextlib.contextmanager
def installer(
    client: docker.DockerClient,
    image: str,
    config: SandboxConfig,
    manifests: Mapping[str, bytes],
    labels: Mapping[str, str],
    mounts: Mounts | None = None,
) -> Iterator[Installer]:
    """An installer behind the egress proxy (when the install may use the network) with the
    operator's files in its tmpfs; all of it removed on the way out."""
    with contextlib.ExitStack() as stack:
        network, egress = "none", None
        if config.install_network:
            # The proxy image is built on the Python base image, whatever this install runs on.
            egress = Egress.open(client, config.image_for("python"), config.install_allow,
                                 labels, config.log_size)
            stack.callback(egress.close)
            network = egress.name
        box = start_installer(client, image, config, manifests, labels, network, mounts)
        stack.callback(container.remove, box)
        channel = Channel.attach(client, box)
        stack.callback(channel.close)
        files = install_files(config)
        secrets = secrets_in(files)
        if secrets:
            files[PATTERNS_FILE] = "".join(f"{secret}\n" for secret in secrets).encode()
        if files:
            _internal(channel, ["sh", "-c", f"umask 077 && mkdir -p {SECRETS_DIR} && exec "
                                + " ".join(command.unpack_argv(SECRETS_DIR))], archive.pack(
                                    files, time.time()))
        yield Installer(box, channel, install_env(config, files, network != "none"), secrets,
                        egress)


def install(
    client: docker.DockerClient,
    image: str,
    config: SandboxConfig,
    manifests: Mapping[str, bytes],
    labels: Mapping[str, str],
    tag: str,
    run: Callable[[Installer], ExecResult],
    mounts: Mounts | None = None,
) -> ExecResult:
    """Install unless this key failed lately: ``run`` runs the command in the installer; on
    success the result is committed as ``tag`` and old images pruned, a failure remembered."""
    remembered = recall_failure(client, tag, config.failure_ttl)
    if remembered is not None:
        return remembered
    with installer(client, image, config, manifests, labels, mounts) as started:
        result = started.explained(redacted(run(started), started.secrets))
        if result.ok and (leaked := started.leaks()):
            result = ExecResult(1, result.stdout, "\n".join([LEAKED, *leaked]), result.duration)
        if result.ok:
            started.commit(tag)
    if result.ok:
        prune(client, config)
    else:
        remember_failure(client, tag, result, config.failure_ttl)
    return result


def _internal(channel: Channel, argv: list[str], stdin: bytes = b"") -> bytes:
    """Run one of Kiln's own commands in the installer; its standard output (RuntimeError
    when it fails)."""
    streams = {"stdout": bytearray(), "stderr": bytearray()}
    outcome = channel.run(argv, cwd="/tmp", env=container.BASE_ENV, timeout=SETUP_SECONDS,
                          stdin=stdin, sink=lambda name, chunk: streams[name].extend(chunk))
    if outcome.exit_code != 0:
        raise RuntimeError(f"installer command {argv[0]} failed: "
                           f"{streams['stderr'].decode(errors='replace')[-500:]}")
    return bytes(streams["stdout"])


