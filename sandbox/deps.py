"""The dependency cache: an install step committed as an image keyed by what it installed."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from pathlib import PurePosixPath

import docker
from docker.models.containers import Container

from sandbox import archive, container
from sandbox.config import SandboxConfig

DEPS_REPOSITORY = "kiln-deps"
DEPS_LABEL = "kiln.deps"
DEPS = PurePosixPath(container.DEPS_DIR)
CA_ENV_NAMES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE")

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


def install_env(config: SandboxConfig) -> dict[str, str]:
    ca = dict.fromkeys(CA_ENV_NAMES, container.CA_BUNDLE_PATH) if config.ca_bundle else {}
    return {**INSTALL_ENV, **ca}


def start_installer(
    client: docker.DockerClient,
    image: str,
    config: SandboxConfig,
    manifests: Mapping[str, bytes],
    labels: Mapping[str, str],
) -> Container:
    """A writable container (network only if allowed) with the manifests in the deps directory."""
    installer = container.start_container(
        client, image, config, container.ca_mount(config.ca_bundle), labels, installing=True)
    try:
        files = {f"{DEPS.name}/{archive.workspace_path(name)}": data
                 for name, data in manifests.items()}
        installer.put_archive(str(DEPS.parent), archive.pack(files, time.time(), dirs=[DEPS.name]))
    except BaseException:
        container.remove(installer)
        raise
    return installer


def commit(installer: Container, tag: str) -> None:
    repository, _, key = tag.partition(":")
    installer.commit(repository=repository, tag=key, changes=[f"LABEL {DEPS_LABEL}=1"])
