"""Kiln's local demo: every part on this machine, one example issue built into a pull request.

Starts a private Redis, the GitHub emulator, the web app, a worker and (without a real
model configured) the scripted model replaying a recorded build; files an issue, labels it
``build me``, prints the progress comment as it changes and shows the pull request. Everything
it started is stopped on exit, Ctrl-C or SIGTERM.

With ``--repo PATH --request "..."`` the emulator's repository is a local git repository's
current branch instead (its files, modes and history, pushed with git itself), and the request
is built against it by the configured model.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import docker
import httpx
import redis
from githubkit import AppAuthStrategy, GitHub
from rq import Worker

from emulators.github import EmulatedApp, GitHubEmulator
from emulators.localhost import NotReady, free_port, redis_command, wait_for_redis, wait_until
from emulators.model import ScriptedModel
from kiln.history import BuildHistory, BuildRecord, build_page_url
from kiln.states import BuildState
from sandbox.reaper import remove_by_label
from worker.sandboxes import JOB_LABEL

ROOT = Path(__file__).resolve().parents[1]
RECORDED_BUILD = ROOT / "scripts" / "demo-build.json"
ORG, REPO, USER = "kiln-demo", "hello", "mona"
TRIGGER_LABEL = "build me"
EXAMPLE_TITLE = "Add a greet() function"
EXAMPLE_REQUEST = (
    "Please add a Python module `greet.py` with a function `greet(name)` that returns "
    "`Hello, <name>!`, and `Hello, world!` when the name is empty. Add pytest tests."
)
STARTING_FILES = {"README.md": "# hello\n\nA tiny example project for the Kiln demo.\n"}
REPLAY_MODEL = "gpt-4.1-mini"
POLL_SECONDS = 0.5
LOADED_KINDS = {"100755": "executable", "120000": "symlinks", "160000": "submodules"}
STOP_GRACE_SECONDS = 8.0
SHOWN_FILE_LINES = 30


class DemoError(Exception):
    """The demo cannot go on; the message says why."""


@dataclass(frozen=True)
class Model:
    """Where the worker's model calls go, and whether that is a replay."""

    replay: bool
    environment: dict[str, str]
    description: str


@dataclass(frozen=True)
class LocalRepo:
    """A local git repository's current branch, as the demo loads it into the emulator."""

    path: Path
    branch: str
    commits: int
    name: str  # the emulator repository's name: the directory's

    @property
    def description(self) -> str:
        return f"{self.path} (branch {self.branch}, {self.commits:,} commits)"


@dataclass(frozen=True)
class Stack:
    """Addresses and handles of everything the demo started."""

    emulator: GitHubEmulator
    redis_url: str
    app_url: str
    bot_login: str
    repo: str  # the emulator repository the issue is filed on, in ORG


def say(text: str = "") -> None:
    print(text, flush=True)


# --- processes ------------------------------------------------------------------------


class Processes:
    """Child processes, each in its own process group so stopping one stops its children."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, cwd=ROOT, env=dict(env), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.started.append((name, proc))
        say(f"  started {name:<13} pid {proc.pid}")
        return proc

    def stop(self, name: str) -> None:
        for entry in [entry for entry in self.started if entry[0] == name]:
            self.started.remove(entry)
            stop_group(entry[1])
            say(f"  stopped {name:<13} pid {entry[1].pid}")

    def stop_all(self) -> None:
        """Newest first, so the worker stops before the services it uses; safe to repeat."""
        for name, _ in reversed(list(self.started)):
            self.stop(name)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL what is left after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(STOP_GRACE_SECONDS)
            os.killpg(proc.pid, signal.SIGKILL)  # children the leader left behind
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            pass
        break
    proc.wait()
    _wait_gone(proc.pid)


def _wait_gone(group: int, seconds: float = 10.0) -> None:
    """Until no process of the group is left: a child killed with the group may take a
    moment to die and be reaped after its leader has gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def show_logs(work: Path, lines: int = 15) -> None:
    """The end of each process's log, to say why the demo stopped."""
    for path in sorted(work.glob("*.log")):
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        say(f"\n  ---- last lines of {path} ----")
        for line in tail:
            say(f"  {line}")


def raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


# --- the stack ------------------------------------------------------------------------


def start_redis(processes: Processes, work: Path) -> str:
    """One of `processes` rather than `redis_server`: so it has a log, its own session (Ctrl-C
    must not stop it before `shutdown` has read it) and stops after the processes using it."""
    argv, url = redis_command(work)
    proc = processes.start("redis-server", argv, os.environ)
    wait_for_redis(url, alive=lambda: proc.poll() is None)
    return url


def seed_emulator(emulator: GitHubEmulator, secret: str,
                  local: LocalRepo | None) -> tuple[EmulatedApp, int, str]:
    """An organisation with one repository (the example's, or an empty one for a local
    repository), a user with write access, the App installed: app, installation, repository."""
    app = emulator.create_app(slug="kiln", webhook_secret=secret)
    emulator.add_org(ORG)
    emulator.add_user(USER)
    name, branch = (local.name, local.branch) if local else (REPO, "main")
    emulator.create_repo(ORG, name, files=None if local else dict(STARTING_FILES),
                         default_branch=branch)
    emulator.set_permission(ORG, name, USER, "write")
    return app, emulator.install(app, account=ORG), name


# --- a local repository -----------------------------------------------------------------


def local_git(path: Path, *args: str) -> str | None:
    """What `git -C path args` prints, or None when it fails."""
    done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                          env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def read_local_repo(path: str) -> LocalRepo:
    """The repository at `path`, checked before anything starts."""
    top = local_git(Path(path), "rev-parse", "--show-toplevel")
    if top is None:
        raise DemoError(f"--repo {path}: not a git repository")
    root = Path(top)
    if local_git(root, "rev-parse", "--is-shallow-repository") == "true":
        raise DemoError(f"--repo {path}: a shallow clone lacks its history; run "
                        "`git fetch --unshallow` in it first")
    commits = local_git(root, "rev-list", "--count", "HEAD")
    if commits is None:
        raise DemoError(f"--repo {path}: the current branch has no commits yet")
    # A detached HEAD is loaded as the emulator repository's `main`.
    branch = local_git(root, "symbolic-ref", "--short", "-q", "HEAD") or "main"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip("-.") or "repo"
    return LocalRepo(root, branch, int(commits), name)


def installation_token(app: EmulatedApp, github_url: str, installation_id: int) -> str:
    """A token minted as Kiln mints one: the App's JWT, then the REST call."""
    with GitHub(AppAuthStrategy(app.id, app.private_key_pem), base_url=github_url) as gh:
        made = gh.rest.apps.create_installation_access_token(installation_id)
        return made.parsed_data.token


def push_local_repo(emulator: GitHubEmulator, token: str, local: LocalRepo) -> None:
    """Push the current branch, history and all, with git itself over the emulator's HTTP;
    the token goes in a header of this one command, never into the repository's config."""
    pair = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    done = subprocess.run(
        ["git", "-c", f"http.extraHeader=Authorization: Basic {pair}", "push", "--quiet",
         emulator.clone_url(ORG, local.name), f"HEAD:refs/heads/{local.branch}"],
        cwd=local.path, capture_output=True, text=True, check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if done.returncode != 0:
        raise DemoError(f"could not push {local.path} into the emulator: "
                        f"{done.stderr.strip()[-800:]}")
    modes = [entry.mode for entry in emulator.entries(ORG, local.name, local.branch).values()]
    kinds = ", ".join(f"{modes.count(mode):,} {word}" for mode, word in LOADED_KINDS.items())
    history = len(emulator.commits(ORG, local.name, local.branch))
    say(f"  loaded {local.description} as {ORG}/{local.name}: {len(modes):,} files ({kinds}), "
        f"{history:,} commits")


def kiln_environment(app: Any, github_url: str, redis_url: str, app_url: str,
                     model: Model) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("GITHUB_PRIVATE_KEY_PATH", "DASHBOARD_USERNAME", "DASHBOARD_PASSWORD")}
    env.update({
        "GITHUB_APP_ID": str(app.id), "GITHUB_PRIVATE_KEY": app.private_key_pem,
        "GITHUB_WEBHOOK_SECRET": app.webhook_secret, "GITHUB_API_URL": github_url,
        "GITHUB_APP_SLUG": app.slug, "TRIGGER_LABEL": TRIGGER_LABEL, "REDIS_URL": redis_url,
        "PUBLIC_URL": app_url, "PYTHONUNBUFFERED": "1",
    })
    env.update(model.environment)
    return env


def start_web(processes: Processes, env: Mapping[str, str], port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    proc = processes.start("web", [sys.executable, "-m", "uvicorn", "bot.app:app", "--host",
                                   "127.0.0.1", "--port", str(port)], env)

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 60, "the web app", lambda: proc.poll() is None)
    return url


def start_worker(processes: Processes, env: Mapping[str, str], redis_url: str) -> None:
    queue = env.get("QUEUE_NAME", "kiln")
    proc = processes.start("worker", [
        sys.executable, "-m", "rq.cli", "worker", "--worker-class", "worker.runner.KilnWorker",
        "--with-scheduler", "--url", redis_url, f"{queue}-commands", queue], env)
    client = redis.Redis.from_url(redis_url)
    wait_until(lambda: bool(Worker.all(connection=client)), 60, "the rq worker",
               lambda: proc.poll() is None)


def replay_model(stack: ExitStack) -> Model:
    model = ScriptedModel.from_file(RECORDED_BUILD, models=[REPLAY_MODEL])
    url = stack.enter_context(model.serve())
    environment = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "replay-" + secrets.token_hex(4),
                   "KILN_MODEL": REPLAY_MODEL}
    return Model(True, environment, f"REPLAY of a recorded build ({RECORDED_BUILD.name}); "
                                    "no real model is called")


def real_model() -> Model:
    base = os.environ.get("OPENAI_BASE_URL") or "the OpenAI API"
    environment = {} if os.environ.get("OPENAI_API_KEY") else {"OPENAI_API_KEY": "unused"}
    name = os.environ.get("KILN_MODEL", "the default model")
    return Model(False, environment, f"real model {name} at {base}")


def check_docker() -> None:
    try:
        client = docker.from_env()
        client.ping()
        client.close()
    except docker.errors.DockerException as exc:
        raise DemoError(f"the worker runs tests in Docker, which is not reachable ({exc}); "
                        "run scripts/setup") from None


# --- the build --------------------------------------------------------------------------


def file_issue(emulator: GitHubEmulator, repo: str, title: str, body: str) -> int:
    number = emulator.open_issue(ORG, repo, title, body, USER)
    emulator.label_issue(ORG, repo, number, TRIGGER_LABEL, USER)
    say(f"\n{USER} filed issue {ORG}/{repo}#{number} \"{title}\" and labelled it "
        f"\"{TRIGGER_LABEL}\".\n")
    return number


def progress_comment(stack: Stack, number: int) -> str | None:
    comments = [c for c in stack.emulator.issue(ORG, stack.repo, number).comments
                if c.user == stack.bot_login]
    return comments[0].body if comments else None


def readable(body: str) -> str:
    """A comment without its hidden HTML markers, for the terminal."""
    return re.sub(r"<!--.*?-->\n?", "", body, flags=re.DOTALL).strip()


def final_record(history: BuildHistory) -> BuildRecord | None:
    records = history.page(1, 1)
    if records and records[0].finished:
        return records[0]
    return None


def follow_build(stack: Stack, number: int, timeout: float) -> BuildRecord:
    """Print the progress comment each time it changes until the build's record is final."""
    history = BuildHistory(redis.Redis.from_url(stack.redis_url, decode_responses=True), 3600)
    shown: str | None = None
    finished: BuildRecord | None = None
    deadline = time.monotonic() + timeout
    while True:
        body = progress_comment(stack, number)
        if body and body != shown:
            say(f"--- progress comment ({time.strftime('%H:%M:%S')}) ---\n{readable(body)}\n")
            shown = body
        if finished is not None:  # one more look: the comment's last edit may come after
            return finished
        finished = final_record(history)
        if time.monotonic() > deadline:
            raise DemoError(f"the build did not finish within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def describe_changes(base: dict[str, bytes], head: dict[str, bytes]) -> list[str]:
    marks = [(f"+ {path}", path) for path in sorted(set(head) - set(base))]
    marks += [(f"~ {path}", path) for path in sorted(set(head) & set(base))
              if head[path] != base[path]]
    marks += [(f"- {path}", path) for path in sorted(set(base) - set(head))]
    return [mark for mark, _ in marks]


def show_file(path: str, content: bytes) -> None:
    lines = content.decode(errors="replace").splitlines()
    say(f"\n  ---- {path} ----")
    for line in lines[:SHOWN_FILE_LINES]:
        say(f"  {line}")
    if len(lines) > SHOWN_FILE_LINES:
        say(f"  ... ({len(lines) - SHOWN_FILE_LINES} more lines)")


def show_pull_request(stack: Stack, record: BuildRecord) -> bool:
    """The pull request's files, test result and build page; False when there is none."""
    reason = f", {record.stop_reason}" if record.stop_reason else ""
    say(f"Build {record.state}{reason} (job {record.job_id}): {record.iterations} iterations, "
        f"{record.tokens:,} tokens, ${record.cost_usd:.4f}.")
    pulls = stack.emulator.pulls(ORG, stack.repo)
    if not pulls:
        say("No pull request was opened.")
        return False
    pull = pulls[-1]
    base = stack.emulator.files(ORG, stack.repo, pull.base_ref)
    head = stack.emulator.files(ORG, stack.repo, pull.head_sha)
    say(f"\nPull request {ORG}/{stack.repo}#{pull.number}: {pull.title}")
    say(f"  branch {pull.head_ref} -> {pull.base_ref}")
    say("  files: " + ", ".join(describe_changes(base, head)))
    for run in stack.emulator.check_runs(ORG, stack.repo):
        if run.head_sha == pull.head_sha:
            say(f"  test result: {run.conclusion} - {run.output.get('title', '')}")
    say(f"  build page: {build_page_url(stack.app_url, record.id)}")
    for path in sorted(set(head) - set(base)):
        show_file(path, head[path])
    return True


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request", help="what to build (needs a real model: "
                                          "OPENAI_API_KEY and/or OPENAI_BASE_URL)")
    parser.add_argument("--repo", metavar="PATH",
                        help="build --request into this local git repository's current "
                             "branch (files, modes and history) instead of the example")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds to wait for the build (default 600)")
    parser.add_argument("--exit", action="store_true",
                        help="stop everything when the build ends, instead of keeping the "
                             "dashboard up until Ctrl-C")
    return parser.parse_args(argv)


def hold(app_url: str) -> None:
    """Keep everything up, so the dashboard's link can be opened, until Ctrl-C."""
    say(f"\nThe dashboard stays up at {app_url}/builds/ : press Ctrl-C to stop everything.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return


def choose_model(args: argparse.Namespace, stack: ExitStack) -> Model:
    if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        return real_model()
    if args.repo:
        raise DemoError("--repo builds with a configured model only, and none is: set "
                        "OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server, "
                        "KILN_MODEL for its model); the recorded replay knows only the example")
    if args.request:
        raise DemoError("--request needs a real model: set OPENAI_API_KEY (and OPENAI_BASE_URL "
                        "for an OpenAI-compatible server); without one the demo replays its "
                        "recorded example")
    return replay_model(stack)


def start_emulator(exits: ExitStack, local: LocalRepo | None) -> tuple[GitHubEmulator, str,
                                                                       EmulatedApp, str]:
    """The emulator, seeded (a local repository pushed in): emulator, URL, app, repository."""
    emulator = GitHubEmulator()
    github_url = exits.enter_context(emulator.serve())
    say(f"  GitHub emulator        {github_url}")
    app, installation_id, repo = seed_emulator(emulator, secrets.token_hex(16), local)
    if local is not None:
        push_local_repo(emulator, installation_token(app, github_url, installation_id), local)
    return emulator, github_url, app, repo


def start_stack(exits: ExitStack, processes: Processes, model: Model,
                emulated: tuple[GitHubEmulator, str, EmulatedApp, str]) -> Stack:
    emulator, github_url, app, repo = emulated
    redis_url = start_redis(processes, processes.log_dir)
    port = free_port()
    env = kiln_environment(app, github_url, redis_url, f"http://127.0.0.1:{port}", model)
    app_url = start_web(processes, env, port)
    emulator.set_webhook_url(f"{app_url}/api/github/webhooks")
    start_worker(processes, env, redis_url)
    say(f"  web app and dashboard  {app_url}/builds/")
    return Stack(emulator, redis_url, app_url, app.bot_login, repo)


def shutdown(processes: Processes, redis_url: str) -> None:
    """The worker first, then the sandboxes it may have left (their job ids are in
    Redis, so before Redis stops), then the rest. Signals wait until it is done."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    say("\nStopping everything ...")
    processes.stop("worker")
    history = BuildHistory(redis.Redis.from_url(redis_url, decode_responses=True), 3600)
    client = docker.from_env()
    try:
        for record in history.page(1, 100):
            remove_by_label(client, JOB_LABEL, record.job_id)
    finally:
        client.close()
    processes.stop_all()


def run(args: argparse.Namespace, exits: ExitStack, processes: Processes) -> bool:
    if args.repo and not args.request:
        raise DemoError("--repo needs --request: say what to build in it")
    local = read_local_repo(args.repo) if args.repo else None
    check_docker()
    say("Kiln demo")
    # A local repository is loaded before the model is chosen, so a missing model is the
    # only thing left to fix when the demo stops there.
    emulated = start_emulator(exits, local)
    model = choose_model(args, exits)
    say(f"  model: {model.description}")
    stack = start_stack(exits, processes, model, emulated)
    exits.callback(shutdown, processes, stack.redis_url)
    title, body = (args.request.splitlines()[0][:70], args.request) if args.request else (
        EXAMPLE_TITLE, EXAMPLE_REQUEST)
    number = file_issue(stack.emulator, stack.repo, title, body)
    record = follow_build(stack, number, args.timeout)
    shown = show_pull_request(stack, record)
    if model.replay:
        say("\n(The model's answers were a REPLAY of a recorded build; "
            "Kiln's own code, the sandbox and the tests ran for real.)")
    if not args.exit:
        hold(stack.app_url)
    return shown and record.state is BuildState.DONE


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_interrupt)
    work = Path(tempfile.mkdtemp(prefix="kiln-demo-"))
    processes = Processes(work)
    ok = False
    try:
        with ExitStack() as exits:
            exits.callback(processes.stop_all)
            ok = run(args, exits, processes)
    except (DemoError, NotReady) as exc:
        say(f"\ndemo: {exc}")
        show_logs(work)
    except KeyboardInterrupt:
        say("\ndemo: interrupted; everything it started has been stopped.")
        shutil.rmtree(work, ignore_errors=True)
        return 130
    say("Everything the demo started has stopped.")
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    elif any(work.glob("*.log")):
        say(f"Logs: {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
