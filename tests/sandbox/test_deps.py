"""The install step and its image cache, offline: a local package installed with pip."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import docker
import pytest

from kiln.settings import Settings
from sandbox import (
    Sandbox,
    SandboxConfig,
    container,
    credentials,
    deps,
    dockertime,
    eviction,
    failures,
)
from sandbox.result import ExecResult
from tests.sandbox.conftest import SMALL_LIMITS

pytestmark = pytest.mark.docker

INSTALL = "pip install --no-build-isolation --no-index ./localpkg"
PYPROJECT = b"""\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "kilndemo"
version = "1.0"
"""


@pytest.fixture
def manifests(
    docker_client: docker.DockerClient, config: SandboxConfig
) -> Iterator[dict[str, bytes]]:
    # A fresh value makes a fresh cache key, so the first install is always a miss.
    module = f"X = {uuid.uuid4().hex!r}\n".encode()
    files = {"localpkg/pyproject.toml": PYPROJECT, "localpkg/kilndemo.py": module}
    yield files
    tag = deps.image_tag(docker_client, config.image_for("python"), INSTALL, files)
    if deps.image_exists(docker_client, tag):
        docker_client.images.remove(tag, force=True)


def forget(client: docker.DockerClient, image: str, command: str,
           manifests: dict[str, bytes]) -> None:
    """Remove the failure an install of the test's left remembered, if any."""
    name = failures.failure_name(deps.image_tag(client, image, command, manifests))
    for record in client.volumes.list(filters={"name": name}):
        record.remove(force=True)


def test_install_is_cached_and_the_workspace_survives(
    docker_client: docker.DockerClient, config: SandboxConfig, manifests: dict[str, bytes],
    job_label: dict[str, str],
) -> None:
    nonce_line = manifests["localpkg/kilndemo.py"].decode().strip()
    for expect_cached in (False, True):
        with Sandbox.start(docker_client, config.image_for("python"), config, job_label) as box:
            box.put_files({**manifests,
                           "show.py": b"import kilndemo\nprint('X =', repr(kilndemo.X))\n"})
            installed = box.install(INSTALL, manifests, timeout=120)
            assert installed.ok, installed.stderr
            assert installed.cached is expect_cached
            shown = box.exec("python3 show.py")
            assert shown.stdout.strip() == nonce_line
            # What the install added there (build/, egg-info) is put back beside them.
            assert {"show.py", *manifests} <= set(box.list_files())
            assert box.exec("touch /opt/kiln-deps/x").exit_code != 0


def test_failed_install_keeps_the_current_image(box: Sandbox, manifests: dict[str, bytes]) -> None:
    image = box.image
    failed = box.install("echo broken >&2; exit 2", manifests, timeout=60)
    assert (failed.exit_code, failed.stderr, failed.cached) == (2, "broken\n", False)
    assert box.image == image
    assert box.exec("echo still here").stdout == "still here\n"
    forget(box.client, image, "echo broken >&2; exit 2", manifests)


def test_install_sees_the_ca_bundle_but_no_network_unless_allowed(
    docker_client: docker.DockerClient,
    make_settings: Callable[..., Settings],
    manifests: dict[str, bytes],
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n")
    config = SandboxConfig.from_settings(make_settings(**SMALL_LIMITS, sandbox_ca_bundle=bundle))
    probe = 'for v in PIP_CERT REQUESTS_CA_BUNDLE NODE_EXTRA_CA_CERTS SSL_CERT_FILE; do ' \
        'printenv $v; done; cat "$PIP_CERT"; ls /sys/class/net; env; exit 1'
    with Sandbox.start(docker_client, config.image_for("python"), config) as box:
        result = box.install(probe, manifests, timeout=60)
    forget(docker_client, config.image_for("python"), probe, manifests)
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and not result.cached
    assert lines[:4] == [f"{credentials.SECRETS_DIR}/{credentials.CA_FILE}"] * 4
    assert lines[4:8] == [*bundle.read_text().splitlines(), "lo"]
    assert "test-key" not in result.stdout and "GITHUB" not in result.stdout


def test_a_failed_install_is_remembered_until_its_key_changes(
    docker_client: docker.DockerClient, config: SandboxConfig, manifests: dict[str, bytes],
) -> None:
    failing = "echo broken >&2; exit 3"
    changed = {**manifests, "requirements.txt": b"# changed\n"}
    image = config.image_for("python")
    try:
        with Sandbox.start(docker_client, image, config) as box:
            first = box.install(failing, manifests, timeout=60)
            again = box.install(failing, manifests, timeout=60)
            retried = box.install(failing, changed, timeout=60)
        assert (first.exit_code, first.cached) == (3, False)
        assert (again.exit_code, again.cached) == (3, True)
        assert again.stderr == f"{failures.REMEMBERED}\nbroken"
        assert (retried.exit_code, retried.cached) == (3, False)
        forgetful = replace(config, failure_ttl=0.0)
        with Sandbox.start(docker_client, image, forgetful) as box:
            assert box.install(failing, manifests, timeout=60).cached is False
    finally:
        forget(docker_client, image, failing, manifests)
        forget(docker_client, image, failing, changed)


def test_a_ca_bundle_leaves_nothing_in_the_cached_image(
    docker_client: docker.DockerClient, config: SandboxConfig, manifests: dict[str, bytes],
    tmp_path: Path,
) -> None:
    """The regression: a bundle once left a volume in the image no later sandbox could start."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n")
    with_ca = replace(config, ca_bundle=bundle)
    install = f'test -s "$PIP_CERT" && {INSTALL}'
    image = config.image_for("python")
    with Sandbox.start(docker_client, image, with_ca) as box:
        box.put_files(manifests)
        assert box.install(install, manifests, timeout=120).ok
    tag = deps.image_tag(docker_client, image, install, manifests)
    try:
        committed = docker_client.images.get(tag).attrs["Config"]
        assert not committed.get("Volumes")
        with Sandbox.start(docker_client, image, with_ca) as box:
            assert box.install(install, manifests, timeout=120).cached
            probe = box.exec(
                f"python3 -c 'import kilndemo'; ls -a {credentials.SECRETS_DIR} /etc/kiln")
        assert probe.exit_code == 2 and "No such file" in probe.stderr
        assert probe.stderr.count("No such file") == 2
    finally:
        docker_client.images.remove(tag, force=True)


def test_credentials_exist_only_during_the_install(
    docker_client: docker.DockerClient, config: SandboxConfig, manifests: dict[str, bytes],
    tmp_path: Path,
) -> None:
    secret = f"tests-secret-{uuid.uuid4().hex}"
    netrc, npmrc = tmp_path / "netrc", tmp_path / "npmrc"
    netrc.write_text(f"machine mirror.example.com login kiln password {secret}\n")
    npmrc.write_text(f"//mirror.example.com/:_authToken={secret}\n")
    with_secrets = replace(config, install_netrc=netrc, install_npmrc=npmrc)
    install = f'cat "$NETRC" "$NPM_CONFIG_USERCONFIG" && {INSTALL}'
    image = config.image_for("python")
    with Sandbox.start(docker_client, image, with_secrets) as box:
        box.put_files(manifests)
        installed = box.install(install, manifests, timeout=120)
        # The files were there, and what the install printed of them reaches no one.
        assert installed.ok and installed.stdout.count(credentials.REDACTED) == 2
        assert secret not in installed.stdout
        leftover = box.exec(f"ls {credentials.SECRETS_DIR}; env")
    tag = deps.image_tag(docker_client, image, install, manifests)
    try:
        assert leftover.exit_code == 0 and secret not in leftover.stdout + leftover.stderr
        assert secret not in json.dumps(docker_client.images.get(tag).attrs)
        assert not exported_contains(docker_client, tag, secret.encode())
    finally:
        docker_client.images.remove(tag, force=True)


def exported_contains(client: docker.DockerClient, image: str, needle: bytes) -> bool:
    """Whether any byte of the image's whole file system holds ``needle``."""
    created = client.containers.create(image)
    try:
        tail = b""
        # The SDK's stubs call the stream str; it carries the tar's bytes.
        for chunk in cast(Iterator[bytes], created.export()):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
        return False
    finally:
        created.remove(force=True)


def test_prune_removes_the_least_recently_used_beyond_the_count(
    docker_client: docker.DockerClient, config: SandboxConfig,
) -> None:
    repository = f"kiln-deps-test-{uuid.uuid4().hex[:8]}"
    tags = [f"{repository}:{n}" for n in range(3)]
    source = docker_client.containers.create(config.image_for("python"))
    try:
        for tag in tags:
            source.commit(repository=repository, tag=tag.partition(":")[2],
                          changes=[f"LABEL {eviction.DEPS_LABEL}=1"])
        assert deps.look_up(docker_client, tags[0], None)  # used again: now the newest
        removed = eviction.prune(docker_client, replace(config, deps_max_images=2), repository)
        assert removed == [tags[1]]
        assert [deps.image_exists(docker_client, tag) for tag in tags] == [True, False, True]
    finally:
        source.remove(force=True)
        for tag in tags:
            if deps.image_exists(docker_client, tag):
                docker_client.images.remove(tag)


def test_to_prune_keeps_the_newest_within_count_and_size() -> None:
    images = [eviction.CachedImage("d:old", 5, 1.0), eviction.CachedImage("d:new", 5, 3.0),
              eviction.CachedImage("d:mid", 5, 2.0)]
    assert eviction.to_prune(images, 2, 100) == ["d:old"]
    assert eviction.to_prune(images, 5, 10) == ["d:old"]
    assert eviction.to_prune(images, 5, 1) == ["d:mid", "d:old"]


def test_docker_times_read_to_the_fraction() -> None:
    assert dockertime.timestamp("1970-01-01T00:00:01.500000000Z") == 1.5
    assert dockertime.timestamp("1970-01-01T01:00:00+01:00") == 0.0
    assert dockertime.timestamp("") == 0.0


def test_a_credential_the_install_copies_is_caught_before_the_commit(
    docker_client: docker.DockerClient, config: SandboxConfig, manifests: dict[str, bytes],
    tmp_path: Path,
) -> None:
    secret = f"tests-secret-{uuid.uuid4().hex}"
    npmrc = tmp_path / "npmrc"
    npmrc.write_text(f"//mirror.example.com/:_authToken={secret}\n")
    with_secret = replace(config, install_npmrc=npmrc)
    install = f'grep -o "tests-secret-.*" "$NPM_CONFIG_USERCONFIG" > {container.DEPS_DIR}/token'
    image = config.image_for("python")
    try:
        with Sandbox.start(docker_client, image, with_secret) as box:
            caught = box.install(install, manifests, timeout=60)
        assert caught.exit_code == 1 and not caught.cached
        assert caught.stderr.splitlines() == [credentials.LEAKED, f"{container.DEPS_DIR}/token"]
        assert not deps.image_exists(docker_client, deps.image_tag(
            docker_client, image, install, manifests))
    finally:
        forget(docker_client, image, install, manifests)


def test_the_secrets_are_the_credentials_values_only() -> None:
    files = {credentials.NETRC_FILE: b"machine m.example.com login kiln password s3cret-one\n",
             credentials.NPMRC_FILE: b"registry=https://m.example.com/\n"
                               b"//m.example.com/:_authToken=s3cret-two\n",
             credentials.CA_FILE: b"-----BEGIN CERTIFICATE-----\n"}
    assert credentials.secrets_in(files) == ["s3cret-one", "s3cret-two"]


class Record:
    """A failure record as the engine lists it: created at a time, removable."""

    def __init__(self, name: str, created: str) -> None:
        self.name, self.attrs, self.removed = name, {"CreatedAt": created}, False

    def remove(self, force: bool = False) -> None:
        self.removed = True


class Volumes:
    """The engine's volumes, as far as remembering failures asks."""

    def __init__(self, records: list[Record]) -> None:
        self.records: list[Record] = records
        self.created: list[str] = []

    def list(self, filters: dict[str, str]) -> list[Record]:
        assert filters == {"label": failures.FAILURE_LABEL}
        return self.records

    def create(self, name: str, labels: dict[str, str]) -> None:
        self.created.append(name)


class Engine:
    def __init__(self, records: list[Record]) -> None:
        self.volumes = Volumes(records)


def test_failures_older_than_the_ttl_are_dropped_when_another_is_kept() -> None:
    now = datetime.now(UTC)
    old = Record("old", (now - timedelta(hours=2)).isoformat().replace("+00:00", "Z"))
    recent = Record("recent", (now - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"))
    engine = Engine([old, recent])
    failures.remember_failure(cast(docker.DockerClient, engine), "kiln-deps:new",
                              ExecResult(1, "", "boom", 0.1), ttl=3600)
    assert (old.removed, recent.removed) == (True, False)
    assert engine.volumes.created == [failures.failure_name("kiln-deps:new")]
    failures.remember_failure(cast(docker.DockerClient, engine), "kiln-deps:other",
                              ExecResult(1, "", "boom", 0.1), ttl=0)
    assert engine.volumes.created == [failures.failure_name("kiln-deps:new")]
