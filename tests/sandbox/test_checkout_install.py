"""Installing against the checkout, offline: an editable install of the workspace's own
project, cached as an image a fresh sandbox starts from."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import docker
import pytest

from sandbox import Sandbox, SandboxConfig, deps, failures
from worker.builder.changeset import collect
from worker.builder.workspace import Workspace

pytestmark = pytest.mark.docker

# What an install leaves in the workspace (node_modules, say) must reach every sandbox.
EDITABLE = ("pip install --no-build-isolation --no-index -e . && mkdir -p vendor && "
            "echo kept > vendor/note.txt")
PYPROJECT = b"""\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "kilnedit"
version = "1.0"

[tool.setuptools]
packages = ["kilnedit"]
"""
TEST = b"import kilnedit\n\ndef test_value():\n    assert kilnedit.value() == 2\n"


@pytest.fixture
def project(docker_client: docker.DockerClient, config: SandboxConfig
            ) -> Iterator[dict[str, bytes]]:
    """A project importable only once installed; a fresh pyproject makes a fresh cache key."""
    nonce = f"# {uuid.uuid4().hex}\n".encode()
    files = {"pyproject.toml": PYPROJECT + nonce, "kilnedit/__init__.py": b"def value():\n"
             b"    return 1\n", "tests/test_value.py": TEST}
    yield files
    tag = deps.image_tag(docker_client, config.image_for("python"), EDITABLE,
                         {"pyproject.toml": files["pyproject.toml"]})
    if deps.image_exists(docker_client, tag):
        docker_client.images.remove(tag, force=True)


def manifests_of(files: dict[str, bytes]) -> dict[str, bytes]:
    return {"pyproject.toml": files["pyproject.toml"]}


def test_an_editable_install_works_from_the_cache_with_a_fresh_workspace(
    docker_client: docker.DockerClient, config: SandboxConfig, project: dict[str, bytes],
    job_label: dict[str, str],
) -> None:
    for expect_cached in (False, True):
        with Sandbox.start(docker_client, config.image_for("python"), config, job_label) as box:
            workspace = Workspace(box, project)
            installed = workspace.install(EDITABLE, manifests_of(project), timeout=120)
            assert installed.ok, installed.stdout + installed.stderr
            assert installed.cached is expect_cached
            # Editable: a change to the source is what the next import sees.
            workspace.write("kilnedit/__init__.py", b"def value():\n    return 2\n")
            tested = workspace.exec("python3 -m pytest -q tests")
            assert tested.exit_code == 0, tested.stdout
            assert workspace.sync() == []  # the install's own files are not the project's
            changes = collect(box, workspace.base_commit)
            assert sorted(changes.files) == ["kilnedit/__init__.py"]
            assert box.exec("cat vendor/note.txt").stdout == "kept\n"
            assert "vendor/" not in box.git(["status", "--porcelain"]).decode()
            # The installer's workspace and the sandbox's, mounted, are no part of the image.
            assert not docker_client.images.get(box.image).attrs["Config"].get("Volumes")
            assert box.exec("test ! -e /tmp/kiln-source").ok


def test_the_install_sees_the_whole_workspace_and_a_failure_leaves_it_alone(
    box: Sandbox, project: dict[str, bytes],
) -> None:
    Workspace(box, project)
    failing = "ls kilnedit/__init__.py tests/test_value.py && touch made-by-install && exit 3"
    failed = box.install(failing, manifests_of(project), timeout=60)
    assert failed.exit_code == 3
    assert failed.stdout.split() == ["kilnedit/__init__.py", "tests/test_value.py"]
    assert box.exec("test -e made-by-install").exit_code == 1
    assert box.changed_paths() == {}
    tag = deps.image_tag(box.client, box.image, failing, manifests_of(project))
    box.client.volumes.get(failures.failure_name(tag)).remove(force=True)
