"""The compose stack end to end: Kiln's image, `up` with a filled .env, a signed webhook, a
pull request on the GitHub emulator, `down -v`.

The image is built here without a registry (`deploy`: a Debian base from debootstrap, the
layer cache reused from one run to the next), Redis runs `kiln-redis:bookworm`, and the
GitHub emulator and the scripted model serve on the gateway of a Docker network this test
creates, which the stack joins: nothing listens beyond loopback and that network.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.base import KILN_BASE, KILN_REDIS, build_bases
from deploy.image import build_image
from deploy.machine import ca_bundle, index_build_args, pip_config
from emulators.github import GitHubEmulator
from emulators.localhost import free_port, wait_until
from emulators.model import ScriptedModel
from emulators.serving import serving
from sandbox import remove_by_label
from tests.conftest import missing
from tests.worker import e2e_scripts as script
from worker.sandboxes import JOB_LABEL

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
IMAGE = "kiln:latest"
OWNER, REPO, MAINTAINER = "octo", "demo", "alice"
# Compose reads these from the environment before .env; the test's .env alone must count.
COMPOSE_VARIABLES = ("REDIS_PASSWORD", "KILN_PUBLISH", "DOCKER_SOCKET", "KILN_IMAGE",
                     "KILN_BASE_IMAGE", "REDIS_IMAGE", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME")


def compose_command() -> list[str]:
    """Debian's docker-compose (1.29), else the Compose v2 plugin."""
    if (legacy := shutil.which("docker-compose")) is not None:
        return [legacy]
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True)
    if plugin.returncode == 0:
        return ["docker", "compose"]
    missing("docker-compose (Debian's package) or the Compose plugin")


@pytest.fixture(scope="module")
def kiln_image(docker_client: Any) -> Iterator[float]:
    """Kiln's image and the Redis image, built as `python -m deploy build` does; yields the
    seconds that took."""
    compose_command()
    started = time.monotonic()
    config, environ = pip_config(), dict(os.environ)
    build_bases(docker_client, print, ca_bundle=ca_bundle(config, environ))
    build_image(docker_client, print, index_args=index_build_args(config, environ), tag=IMAGE,
                base=KILN_BASE)
    yield time.monotonic() - started


@pytest.fixture
def network(docker_client: Any) -> Iterator[tuple[str, str]]:
    """A Docker network of the test's own: (name, the host's address on it)."""
    name = f"kiln-compose-{secrets.token_hex(4)}"
    created = docker_client.networks.create(name, driver="bridge")
    try:
        created.reload()
        gateway = created.attrs["IPAM"]["Config"][0]["Gateway"]
        yield name, gateway
    finally:
        created.remove()


@contextmanager
def serve_emulator(emulator: GitHubEmulator, host: str) -> Iterator[str]:
    """`GitHubEmulator.serve` on another address than loopback: the URLs in its answers and
    its git remotes name that address, so containers can follow them."""
    emulator.webhooks.start()
    try:
        with serving(emulator.server.asgi(), host=host, grace_seconds=10) as url:
            emulator.state.base_url = url
            yield url
    finally:
        emulator.webhooks.stop()


@dataclass
class Stack:
    """The compose project, driven through the compose command line."""

    command: list[str]
    workdir: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 300, check: bool = True,
            ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.command, *args], cwd=self.workdir, env=self.env, text=True,
                              capture_output=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}{done.stderr}")
        return done

    def redis(self, *args: str) -> str:
        return self.run("exec", "-T", "redis", "redis-cli", *args).stdout.strip()


def write_env(path: Path, values: dict[str, str]) -> None:
    lines = [f'{key}="{value}"' if "\n" in value else f"{key}={value}"
             for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.timeout(900)  # a first run builds the base and the image: about two minutes here
def test_compose_runs_kiln_from_a_signed_webhook_to_a_pull_request(
        kiln_image: float, network: tuple[str, str], docker_client: Any,
        tmp_path: Path) -> None:
    network_name, gateway = network
    emulator = GitHubEmulator()
    model = ScriptedModel(script.passing_build())
    with serve_emulator(emulator, gateway) as github_url, model.serve(gateway) as model_url:
        app = emulator.create_app(slug="kiln", webhook_secret=secrets.token_hex(16))
        emulator.add_org(OWNER)
        emulator.add_user(MAINTAINER)
        emulator.create_repo(OWNER, REPO, files={"README.md": "# demo\n",
                                                 "calc.py": "def add(a, b):\n    return a + b\n"})
        emulator.set_permission(OWNER, REPO, MAINTAINER, "write")
        emulator.install(app, OWNER)

        port = free_port()
        write_env(tmp_path / ".env", {
            "GITHUB_APP_ID": str(app.id),
            "GITHUB_PRIVATE_KEY": app.private_key_pem.strip(),
            "GITHUB_WEBHOOK_SECRET": app.webhook_secret,
            "GITHUB_API_URL": github_url,
            "GITHUB_APP_SLUG": app.slug,
            "OPENAI_API_KEY": "test-key",
            "OPENAI_BASE_URL": model_url,
            "MODEL_MAX_RETRIES": "0",
            "PROGRESS_EDIT_INTERVAL_SECONDS": "0.5",
            "PUBLIC_URL": "http://kiln.test",
            "REDIS_PASSWORD": secrets.token_hex(16),
            "KILN_PUBLISH": f"127.0.0.1:{port}",
            "KILN_IMAGE": IMAGE,
            "REDIS_IMAGE": KILN_REDIS,
        })
        # The stack joins the test's network instead of making its own.
        (tmp_path / "network.yaml").write_text(
            f"networks:\n  default:\n    external: true\n    name: {network_name}\n")
        env = {k: v for k, v in os.environ.items() if k not in COMPOSE_VARIABLES}
        stack = Stack([*compose_command(), "-p", network_name, "-f", str(COMPOSE_FILE),
                       "-f", str(tmp_path / "network.yaml"), "--project-directory",
                       str(tmp_path)], tmp_path, env)
        timings = {"image": kiln_image}
        try:
            started = time.monotonic()
            stack.run("up", "-d", "--no-build", "--scale", "worker=2")
            web = f"http://127.0.0.1:{port}"
            wait_until(lambda: _healthy(f"{web}/healthz"), 60, "the web service's /healthz")
            timings["up"] = time.monotonic() - started
            assert len(stack.run("ps", "-q", "worker").stdout.split()) == 2

            started = time.monotonic()
            emulator.set_webhook_url(f"{web}/api/github/webhooks")
            number = emulator.open_issue(OWNER, REPO, "Add subtraction",
                                         "calc.sub(a, b) should return a - b.", MAINTAINER)
            emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
            wait_until(lambda: emulator.issue(OWNER, REPO, number).reactions, 30, "👀")
            wait_until(lambda: ": done\n" in _progress(emulator, number), 120,
                       "the progress comment to say done")
            timings["build"] = time.monotonic() - started

            labelled = [d for d in emulator.deliveries
                        if (d.event, d.action) == ("issues", "labeled")
                        and json.loads(d.body)["label"]["name"] == "build me"]
            assert [d.status_code for d in labelled] == [202]
            (pull,) = emulator.pulls(OWNER, REPO)
            assert pull.head_ref == f"kiln/issue-{number}"
            assert emulator.files(OWNER, REPO, pull.head_ref)["calc.py"] == script.CALC.encode()
            issue = emulator.issue(OWNER, REPO, number)
            (progress,) = issue.comments
            assert progress.user == app.bot_login and f"pull request #{pull.number}" in \
                progress.body
            assert "kiln: built" in issue.labels and "rocket" in _reactions(emulator, number)
            model.assert_done()
            assert emulator.unexpected == []

            # Redis asks for the password and keeps its data on the volume.
            assert "NOAUTH" in stack.run("exec", "-T", "-e", "REDISCLI_AUTH=", "redis",
                                         "redis-cli", "ping").stdout
            assert stack.redis("config", "get", "appendonly").split() == ["appendonly", "yes"]
            assert stack.redis("config", "get", "dir").split() == ["dir", "/data"]
        except BaseException:
            print(stack.run("logs", "--no-color", "--tail", "200", check=False).stdout)
            raise
        finally:
            started = time.monotonic()
            jobs = stack.run("exec", "-T", "redis", "redis-cli", "--scan", "--pattern",
                             "rq:job:*", check=False).stdout.split()
            stack.run("down", "-v", "--remove-orphans", "-t", "5", timeout=120)
            for key in jobs:  # a sandbox a stopped worker left behind
                if ":" not in (job_id := key.removeprefix("rq:job:")):
                    remove_by_label(docker_client, JOB_LABEL, job_id)
            timings["down"] = time.monotonic() - started
            print("compose test seconds:", {k: round(v, 1) for k, v in timings.items()})
    assert not docker_client.volumes.list(
        filters={"label": f"com.docker.compose.project={network_name}"})


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _progress(emulator: GitHubEmulator, number: int) -> str:
    return "".join(c.body for c in emulator.issue(OWNER, REPO, number).comments)


def _reactions(emulator: GitHubEmulator, number: int) -> list[str]:
    return [r.content for r in emulator.issue(OWNER, REPO, number).reactions]
