"""The install step and its image cache, offline: a local package installed with pip."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig, deps
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


def test_install_is_cached_and_the_workspace_survives(
    docker_client: docker.DockerClient, config: SandboxConfig, manifests: dict[str, bytes],
    job_label: dict[str, str],
) -> None:
    nonce_line = manifests["localpkg/kilndemo.py"].decode().strip()
    for expect_cached in (False, True):
        with Sandbox.start(docker_client, config.image_for("python"), config, job_label) as box:
            box.put_files({"show.py": b"import kilndemo\nprint('X =', repr(kilndemo.X))\n"})
            installed = box.install(INSTALL, manifests, timeout=120)
            assert installed.ok, installed.stderr
            assert installed.cached is expect_cached
            shown = box.exec("python3 show.py")
            assert shown.stdout.strip() == nonce_line
            assert box.list_files() == ["show.py"]
            assert box.exec("touch /opt/kiln-deps/x").exit_code != 0


def test_failed_install_keeps_the_current_image(box: Sandbox, manifests: dict[str, bytes]) -> None:
    image = box.image
    failed = box.install("echo broken >&2; exit 2", manifests, timeout=60)
    assert (failed.exit_code, failed.stderr, failed.cached) == (2, "broken\n", False)
    assert box.image == image
    assert box.exec("echo still here").stdout == "still here\n"


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
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and not result.cached
    assert lines[:4] == ["/etc/kiln/ca-bundle.pem"] * 4
    assert lines[4:8] == [*bundle.read_text().splitlines(), "lo"]
    assert "test-key" not in result.stdout and "GITHUB" not in result.stdout
