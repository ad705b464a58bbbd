"""Worker fixtures: the GitHub emulator with Kiln installed, clients, and Kiln run end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from rq import Worker

from bot.app import create_app
from emulators.github import EmulatedApp, GitHubEmulator
from emulators.localhost import (
    REDIS_STOP_SECONDS,
    NotReady,
    redis_command,
    wait_for_redis,
    wait_until,
)
from emulators.model import ScriptedModel
from emulators.serving import serving
from kiln.settings import Settings
from sandbox import remove_by_label
from worker.github.clients import GitHubClients
from worker.sandboxes import JOB_LABEL
from worker.state.lock import IssueLock
from worker.thread.progress import MARKER

OWNER = "octo"
REPO = "demo"
MAINTAINER = "alice"
STRANGER = "mallory"


@dataclass
class GitHubWorld:
    """An emulated GitHub with the Kiln App installed on octo/demo, and a maintainer."""

    emulator: GitHubEmulator
    url: str
    app: EmulatedApp
    installation_id: int

    def settings(self, make_settings: Callable[..., Settings], **overrides: Any) -> Settings:
        return make_settings(github_app_id=self.app.id, github_private_key=self.app.private_key_pem,
                             github_webhook_secret=self.app.webhook_secret,
                             github_api_url=self.url, github_app_slug=self.app.slug,
                             **overrides)


@pytest.fixture
def github_world() -> Iterator[GitHubWorld]:
    emulator = GitHubEmulator()
    with emulator.serve() as url:
        app = emulator.create_app(slug="kiln", webhook_secret="e2e-secret")
        emulator.add_org(OWNER)  # an organization, so new-repository mode can create repos
        emulator.add_user(MAINTAINER)
        emulator.add_user(STRANGER)
        emulator.create_repo(OWNER, REPO, files={"README.md": "# demo\n",
                                                 "calc.py": "def add(a, b):\n    return a + b\n"})
        emulator.set_permission(OWNER, REPO, MAINTAINER, "write")
        emulator.set_permission(OWNER, REPO, STRANGER, "read")
        installation_id = emulator.install(app, OWNER)
        yield GitHubWorld(emulator, url, app, installation_id)
        assert emulator.unexpected == [], "Kiln called endpoints the emulator does not know"


@pytest.fixture
def gh(github_world: GitHubWorld, make_settings: Callable[..., Settings],
       redis_conn: redis.Redis) -> Iterator[Any]:
    """An installation client as the worker makes it (tokens cached in the test Redis)."""
    settings = github_world.settings(make_settings)
    client = GitHubClients(settings, redis_conn).installation(github_world.installation_id)
    with client:
        yield client


# --- builder: a scripted model over HTTP, and sandboxes per language ---------------------

@pytest.fixture
def serve_model() -> Iterator[Callable[..., tuple[Any, Any]]]:
    """Start a ScriptedModel over real HTTP; returns it with Kiln's openai client for it."""
    from contextlib import ExitStack

    from emulators.model import ScriptedModel
    from worker.llm import make_llm

    with ExitStack() as stack:
        def start(turns: list[Any], settings: Settings) -> tuple[ScriptedModel, Any]:
            model = ScriptedModel(turns)
            url = stack.enter_context(model.serve())
            llm = make_llm(settings.model_copy(update={"openai_base_url": url}))
            return model, stack.enter_context(llm)

        yield start


@pytest.fixture
def open_sandbox(docker_client: Any,
                 make_settings: Callable[..., Settings]) -> Callable[[str], Any]:
    """The builder's ``open_sandbox``: a real sandbox for a language, removed on exit."""
    from sandbox import Sandbox, SandboxConfig

    config = SandboxConfig.from_settings(make_settings())

    def start(language: str) -> Sandbox:
        return Sandbox.start(docker_client, config.image_for(language), config,
                             labels={"kiln.job": "test-builder"})

    return start


# --- end to end: web app, real `rq worker` processes, emulator, scripted model ------------

WORKER_START_SECONDS = 30.0


@dataclass
class KilnStack:
    """Kiln running for real against the emulator: the web app, workers, the scripted model."""

    world: GitHubWorld
    model: Any
    settings: Settings
    redis: redis.Redis
    env: dict[str, str]
    workdir: Path
    docker: Any
    workers: list[subprocess.Popen[bytes]]
    web_url: str  # where the web app (webhooks, dashboard) answers

    @property
    def emulator(self) -> GitHubEmulator:
        return self.world.emulator

    def start_worker(self, commands_only: bool = False) -> subprocess.Popen[bytes]:
        """A real `rq worker` process with the KilnWorker class and RQ's scheduler, ready to
        take jobs: commands first, then builds (as the Procfile's `worker`), or commands only
        (its `commands`)."""
        name = f"kiln-test-{len(self.workers)}"
        queues = ["--with-scheduler", self.settings.command_queue_name]
        if not commands_only:
            queues.append(self.settings.queue_name)
        with (self.workdir / f"{name}.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "rq.cli", "worker", "--url", self.settings.redis_url,
                 "--worker-class", "worker.runner.KilnWorker", "--worker-ttl", "20",
                 "--maintenance-interval", "5", "--name", name, *queues],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.workers.append(proc)
        wait_until(lambda: any(w.name == name for w in Worker.all(connection=self.redis)),
                   WORKER_START_SECONDS, f"worker {name} to register")
        return proc

    def start_build(self) -> tuple[int, str]:
        """Label a new issue and wait until its build works in its sandbox: (issue, job id)."""
        number = self.emulator.open_issue(OWNER, REPO, "Add subtraction", "calc.sub", MAINTAINER)
        self.emulator.label_issue(OWNER, REPO, number, "build me", MAINTAINER)
        self.wait_for_state(number, "building")
        job_id = IssueLock(self.redis, OWNER, REPO, number).holder()
        assert job_id is not None
        wait_until(lambda: self.sandboxes(job_id), 30, "the build's sandbox")
        return number, job_id

    def sandboxes(self, job_id: str) -> list[Any]:
        # Sparse: a full listing inspects each container after listing it, and a short-lived
        # one (an installer) gone in between would fail the listing with a 404.
        return list(self.docker.containers.list(
            all=True, sparse=True, filters={"label": f"{JOB_LABEL}={job_id}"}))

    def kill_worker(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker and its work-horse, as when their machine dies."""
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        for pid in [proc.pid, *map(int, children)]:
            os.kill(pid, signal.SIGKILL)
        proc.wait(5)

    def worker_logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.workdir.glob("*.log")))

    def progress_body(self, number: int) -> str:
        bodies = [c.body for c in self.emulator.issue("octo", "demo", number).comments
                  if MARKER in c.body and c.user == self.world.app.bot_login]
        assert len(bodies) <= 1, "more than one progress comment"
        return bodies[0] if bodies else ""

    def wait_for_state(self, number: int, state: str, timeout: float = 90.0) -> str:
        """The progress comment once it shows `state` (e.g. "done")."""
        try:
            return str(wait_until(lambda: (body := self.progress_body(number))
                                  and f": {state}\n" in body and body,
                                  timeout, f"the progress comment of #{number} to say {state}"))
        except (AssertionError, NotReady):  # the check asserts one progress comment, too
            print(self.worker_logs())
            print("scripted model failures:", self.model.failures)
            for comment in self.emulator.issue(OWNER, REPO, number).comments:
                print(f"--- comment by {comment.user}:\n{comment.body}")
            raise


@contextmanager
def _serve_web(settings: Settings) -> Iterator[str]:
    with serving(create_app(settings), lifespan=True) as url:
        yield url


def _worker_env(settings: Settings, model_url: str) -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GITHUB_", "OPENAI_", "KILN_", "REDIS_"))}
    env.update({
        "PYTHONPATH": str(root),
        "GITHUB_APP_ID": str(settings.github_app_id),
        "GITHUB_PRIVATE_KEY": settings.private_key_pem,
        "GITHUB_WEBHOOK_SECRET": settings.app.webhook_secret,
        "GITHUB_API_URL": settings.github_api_url,
        "GITHUB_APP_SLUG": settings.github_app_slug,
        "REDIS_URL": settings.redis_url,
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": model_url,
        "MODEL_MAX_RETRIES": "0",
        "PROGRESS_EDIT_INTERVAL_SECONDS": str(settings.progress_edit_interval_seconds),
        "PUBLIC_URL": settings.public_url or "",
        "REDELIVERY_INTERVAL_SECONDS": str(settings.redelivery_interval_seconds),
        "STALL_SECONDS": str(settings.stall_seconds),
    })
    return env


class RestartableRedis:
    """A private redis-server keeping its data in an append-only file, as compose.yaml's does,
    so that it can be stopped and started again on the same port with its data."""

    def __init__(self, workdir: Path) -> None:
        self.argv, self.url = redis_command(workdir)
        self.argv[self.argv.index("--appendonly") + 1] = "yes"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        proc = self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL)
        wait_for_redis(self.url, alive=lambda: proc.poll() is None)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis writes what it holds to its file and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(REDIS_STOP_SECONDS)


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    """Ask for it before `start_kiln`, which then stops its workers while Redis still runs."""
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RestartableRedis(workdir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_kiln(github_world: GitHubWorld, make_settings: Callable[..., Settings],
               redis_url: str, redis_conn: redis.Redis, docker_client: Any,
               tmp_path: Path) -> Iterator[Callable[..., KilnStack]]:
    """Start Kiln against a script of model turns: `start_kiln(turns, workers=1)`, plus
    `command_workers` that take commands only (and `redis_url=` for a Redis of its own)."""
    with ExitStack() as stack:
        stacks: list[KilnStack] = []

        def start(turns: list[Any], workers: int = 1, command_workers: int = 0,
                  **overrides: Any) -> KilnStack:
            settings = github_world.settings(make_settings, public_url="http://kiln.test",
                                             progress_edit_interval_seconds=0.5, **overrides)
            model = ScriptedModel(turns)
            model_url = stack.enter_context(model.serve())
            web_url = stack.enter_context(_serve_web(settings))
            github_world.emulator.set_webhook_url(f"{web_url}/api/github/webhooks")
            connection = redis_conn if settings.redis_url == redis_url else \
                stack.enter_context(closing(redis.Redis.from_url(settings.redis_url)))
            kiln = KilnStack(github_world, model, settings, connection,
                             _worker_env(settings, model_url), tmp_path, docker_client, [],
                             web_url)
            stacks.append(kiln)
            for _ in range(workers):
                kiln.start_worker()
            for _ in range(command_workers):
                kiln.start_worker(commands_only=True)
            return kiln

        yield start
        for kiln in stacks:
            _stop_workers(kiln.workers)
            _remove_job_sandboxes(kiln.redis, docker_client)


def _remove_job_sandboxes(client: redis.Redis, docker_client: Any) -> None:
    """Remove what a killed work-horse left behind, by the job label Kiln gives sandboxes."""
    for key in client.scan_iter("rq:job:*"):
        job_id = key.decode().removeprefix("rq:job:")
        if ":" not in job_id:
            remove_by_label(docker_client, JOB_LABEL, job_id)


def _stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    # A second SIGTERM makes RQ stop at once, killing a work-horse still on a job.
    for _ in range(2):
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        time.sleep(1)
    for proc in workers:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
