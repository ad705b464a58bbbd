"""End to end: projects whose tests need them installed build to green pull requests through
the install step's proxy (Python: `pip install -e .` with a build backend and a dependency
from the package index; Node: `npm ci` from a lock file), and the next build of each starts
from the cached environment."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import docker
import pytest

from emulators.model import Turn
from kiln.metrics import CacheResult, Count, SharedMetrics, series
from kiln.settings import Settings
from sandbox import SandboxConfig, deps
from tests.conftest import missing
from tests.sandbox.registries import npm_registry_host, pip_setup
from tests.worker import e2e_scripts as script
from tests.worker.blobs import blob_id
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack
from worker.builder.manifests import manifest_paths

pytestmark = pytest.mark.docker
TRIGGER = "build me"
# src layout: the tests import the package only once it is installed.
PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "greeting"
version = "0.1.0"
dependencies = ["iniconfig"]
"""
GREETING = 'def hello(name):\n    return f"hello {name}"\n'
SHOUT = GREETING + '\n\ndef shout(name):\n    return hello(name).upper() + "!"\n'
TEST = ("import iniconfig\nfrom greeting import hello, shout\n\n\ndef test_shout():\n"
        '    assert shout("ann") == "HELLO ANN!"\n\n\ndef test_the_dependency_is_there():\n'
        '    assert hello("x") and iniconfig.IniConfig\n')
PUBLISHED = {"src/greeting/__init__.py": SHOUT, "tests/test_greeting.py": TEST}


@pytest.fixture
def project() -> dict[str, str]:
    """The repository's files; a fresh nonce in pyproject.toml makes a fresh cache key."""
    return {"pyproject.toml": f"{PYPROJECT}# {uuid.uuid4().hex}\n",
            "src/greeting/__init__.py": GREETING}


@pytest.fixture
def install_command() -> str:
    """An editable install from this machine's own package index."""
    return f"pip install --index-url {pip_setup().index_url} -e ."


@pytest.fixture
def deps_tags(docker_client: docker.DockerClient, make_settings: Callable[..., Settings]
              ) -> Iterator[Callable[[str, str, Mapping[str, str]], str]]:
    """The tag a build's install image gets; those images are removed afterwards."""
    config, tags = SandboxConfig.from_settings(make_settings()), []

    def tag_for(language: str, command: str, files: Mapping[str, str]) -> str:
        manifests = {path: blob_id(files[path].encode()) for path in manifest_paths(files)}
        tags.append(deps.image_tag(docker_client, config.image_for(language), command,
                                   manifests))
        return tags[-1]

    yield tag_for
    for tag in tags:
        if deps.image_exists(docker_client, tag):
            docker_client.images.remove(tag, force=True)


def build(install_command: str, published: Mapping[str, str], **plan: str) -> list[Turn]:
    """Plan with the install step, write the code and its test, finish."""
    return [script.plan(goal="add shout", files=sorted(published),
                        install_command=install_command, **plan),
            Turn.tool_calls([script.write(path, text) for path, text in published.items()]),
            Turn.tool_calls([script.finish("Added shout.")])]


def online_kiln(start_kiln: Callable[..., KilnStack], turns: list[Turn]) -> KilnStack:
    """Kiln whose install step reaches this machine's package index through the proxy."""
    setup = pip_setup()
    kiln = start_kiln(turns, workers=0)
    hosts = [*setup.hosts, *filter(None, [npm_registry_host()])]
    kiln.env.update({"SANDBOX_INSTALL_NETWORK": "true",
                     "SANDBOX_INSTALL_ALLOW": ",".join(hosts),
                     "SANDBOX_CA_BUNDLE": str(setup.ca_bundle or "")})
    kiln.start_worker()
    return kiln


def installs(kiln: KilnStack, result: CacheResult) -> float:
    return SharedMetrics(kiln.redis).counters().get(
        series(Count.INSTALL_CACHE, result=result), 0.0)


def build_issue(kiln: KilnStack, title: str) -> str:
    number = kiln.emulator.open_issue(OWNER, REPO, title, "shout(name) says hello loudly.",
                                      MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, MAINTAINER)
    kiln.wait_for_state(number, "done", timeout=300)
    return f"kiln/issue-{number}"


def builds_twice(kiln: KilnStack, project: Mapping[str, str], published: Mapping[str, str],
                 docker_client: docker.DockerClient, tag: str) -> None:
    """Two issues built from the same default branch: the first installs, the second starts
    from the image the first left; each publishes the change alone."""
    kiln.emulator.push(OWNER, REPO, "main", project)
    misses, hits = installs(kiln, CacheResult.MISS), installs(kiln, CacheResult.HIT)
    first = build_issue(kiln, "Add shout")
    image = docker_client.images.get(tag).id
    assert installs(kiln, CacheResult.MISS) == misses + 1
    second = build_issue(kiln, "Add shout, again")

    assert installs(kiln, CacheResult.HIT) == hits + 1
    assert installs(kiln, CacheResult.MISS) == misses + 1
    assert docker_client.images.get(tag).id == image  # not installed again
    for branch in (first, second):
        files = kiln.emulator.files(OWNER, REPO, branch)
        # Only the change: nothing the install wrote (node_modules, egg-info) is published.
        changed = {path: data.decode() for path, data in files.items()
                   if path not in ("README.md", "calc.py") and project.get(path) != data.decode()}
        assert changed == published
    assert [run.conclusion for run in kiln.emulator.check_runs(OWNER, REPO)] == ["success"] * 2
    kiln.model.assert_done()


def test_an_installed_project_builds_green_and_the_next_build_reuses_its_environment(
        start_kiln: Callable[..., KilnStack], project: dict[str, str], install_command: str,
        deps_tags: Callable[..., str], docker_client: docker.DockerClient) -> None:
    turns = build(install_command, PUBLISHED)
    kiln = online_kiln(start_kiln, turns + turns)
    builds_twice(kiln, project, PUBLISHED, docker_client,
                 deps_tags("python", install_command, project))


# --- Node: `npm ci` from a lock file the test makes with this machine's npm -------------

NPM_CI = "npm ci --no-audit --no-fund"
PACKAGE = {"name": "greet", "version": "1.0.0", "private": True,
           "scripts": {"test": "node --test"}, "dependencies": {"is-number": "^7.0.0"}}
SHOUT_JS = ("const isNumber = require('is-number');\n\nexports.shout = (name) =>\n"
            "  (isNumber(name) ? 'NUMBER' : name.toUpperCase()) + '!';\n")
TEST_JS = ("const test = require('node:test');\nconst assert = require('node:assert');\n"
           "const { shout } = require('../index.js');\n\ntest('shout', () => {\n"
           "  assert.strictEqual(shout('ann'), 'ANN!');\n"
           "  assert.strictEqual(shout(5), 'NUMBER!');\n});\n")
NODE_PUBLISHED = {"index.js": SHOUT_JS, "test/greet.test.js": TEST_JS}


@pytest.fixture
def node_project(tmp_path: Path) -> dict[str, str]:
    """package.json (a fresh nonce in its description) and the lock file this machine's npm
    makes for it."""
    npm = shutil.which("npm")
    if npm is None:
        missing("npm")
    package = json.dumps({**PACKAGE, "description": uuid.uuid4().hex}, indent=2) + "\n"
    (tmp_path / "package.json").write_text(package)
    subprocess.run([npm, "install", "--package-lock-only", "--ignore-scripts", "--no-audit",
                    "--no-fund"], cwd=tmp_path, check=True, capture_output=True, timeout=120)
    return {"package.json": package,
            "package-lock.json": (tmp_path / "package-lock.json").read_text()}


def test_a_node_project_installed_with_npm_ci_builds_green_twice_from_one_install(
        start_kiln: Callable[..., KilnStack], node_project: dict[str, str],
        deps_tags: Callable[..., str], docker_client: docker.DockerClient) -> None:
    turns = build(NPM_CI, NODE_PUBLISHED, language="node", test_command="npm test")
    kiln = online_kiln(start_kiln, turns + turns)
    builds_twice(kiln, node_project, NODE_PUBLISHED, docker_client,
                 deps_tags("node", NPM_CI, node_project))
