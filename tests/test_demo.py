"""The local demo end to end: a replayed build becomes a pull request; nothing is left running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.localhost import NotReady, wait_until
from emulators.model import ScriptedModel, Turn
from tests.bot.sse_client import Event, read_events
from tests.worker import e2e_scripts as script

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo.py"
STARTED = re.compile(r"started (\S+)\s+pid (\d+)")
BUILD_PAGE = re.compile(r"\[Build log\]\((http://127\.0\.0\.1:\d+/builds/[0-9a-f]{16})\)")

pytestmark = pytest.mark.docker


class DemoRun:
    """The demo as a subprocess in its own session, its output collected line by line."""

    def __init__(self, *args: str, model_url: str | None = None) -> None:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("OPENAI_", "KILN_MODEL"))}
        env["PYTHONPATH"] = str(ROOT)
        if model_url is not None:  # a configured model, as a user's would be
            env.update(OPENAI_BASE_URL=model_url, OPENAI_API_KEY="demo-test")
        self.proc = subprocess.Popen([sys.executable, str(DEMO), *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, seconds: float) -> None:
        try:
            wait_until(lambda: text in self.output, seconds, f"{text!r} in the demo's output",
                       alive=lambda: self.proc.poll() is None, interval=0.2)
        except NotReady as exc:
            raise AssertionError(f"{exc}:\n{self.output}") from None

    def finish(self, seconds: float) -> int:
        try:
            code = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            pytest.fail(f"demo still running after {seconds} s:\n{self.output}")
        self._reader.join(10)
        return code

    def started_pids(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in STARTED.findall(self.output)}


def group_alive(pid: int) -> bool:
    """True while any process of the group ``pid`` leads is alive."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_all_stopped(run: DemoRun) -> None:
    pids = run.started_pids()
    assert set(pids) == {"redis-server", "web", "worker"}, run.output
    assert [name for name, pid in pids.items() if group_alive(pid)] == []


class LiveLog:
    """The dashboard's live stream of a running build, read in a background thread."""

    def __init__(self, page_url: str) -> None:
        self.page = httpx.get(page_url, timeout=10).text
        self.events: list[Event] = []
        self._thread = threading.Thread(target=self._follow, args=(page_url,), daemon=True)
        self._thread.start()

    def _follow(self, page_url: str) -> None:
        with httpx.stream("GET", f"{page_url}/events", timeout=60) as response:
            self.events.extend(read_events(response))

    def messages(self) -> list[str]:
        self._thread.join(30)
        return [str(event.data["message"]) for event in self.events if event.name == "message"]


def test_demo_builds_the_example_into_a_pull_request(docker_client: Any) -> None:
    run = DemoRun("--timeout", "240")
    run.wait_for("[Build log](", 120)
    page_url = BUILD_PAGE.findall(run.output)[0]
    live = LiveLog(page_url)
    # Without --exit the dashboard stays up once the build is over, until Ctrl-C.
    run.wait_for("press Ctrl-C to stop everything", 300)
    with urllib.request.urlopen(page_url, timeout=10) as answer:
        assert answer.status == 200 and "build done" in answer.read().decode()
    os.killpg(run.proc.pid, signal.SIGINT)
    code = run.finish(120)
    out = run.output
    assert code == 0, out
    assert "REPLAY of a recorded build" in out
    assert "--- progress comment" in out
    assert re.search(r"Pull request kiln-demo/hello#\d+", out), out
    assert "+ greet.py" in out and "+ test_greet.py" in out
    assert re.search(r"test result: success", out), out
    assert re.search(r"build page: http://127\.0\.0\.1:\d+/builds/[0-9a-f]{16}", out), out
    assert "def greet(name" in out
    assert "Add a greet() function" in live.page
    messages = live.messages()
    assert any("run_tests" in message for message in messages), messages
    assert messages[-1] == "build done" and live.events[-1].data == {"state": "done"}
    assert_all_stopped(run)
    job_ids = re.findall(r"\(job (\S+)\)", out)
    assert job_ids, out
    leftovers = docker_client.containers.list(
        all=True, filters={"label": f"kiln.job={job_ids[0]}"})
    assert leftovers == []


def test_with_exit_the_demo_ends_with_the_build(docker_client: Any) -> None:
    run = DemoRun("--timeout", "240", "--exit")
    assert run.finish(300) == 0, run.output
    assert "press Ctrl-C" not in run.output
    assert_all_stopped(run)


def test_ctrl_c_stops_everything_the_demo_started(docker_client: Any) -> None:
    run = DemoRun("--timeout", "240")
    run.wait_for("labelled it", 120)
    os.killpg(run.proc.pid, signal.SIGINT)
    assert run.finish(90) == 130, run.output
    assert "interrupted" in run.output
    assert_all_stopped(run)


def _git(repo: Path, *args: str) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(repo.parent), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def local_repository(repo: Path) -> Path:
    """A small project on branch `trunk` with two commits: a package, a test, an executable,
    a symlink and a submodule entry."""
    (repo / "pkg").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "core.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "tests" / "test_core.py").write_text("from pkg.core import add\n")
    run_script = repo / "run.sh"
    run_script.write_text("#!/bin/sh\npython3 -m pytest -q\n")
    run_script.chmod(0o755)
    _git(repo, "init", "-q", "-b", "trunk")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    (repo / "core.py").symlink_to("pkg/core.py")
    _git(repo, "add", ".")
    _git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'ab' * 20},vendor/lib")
    _git(repo, "commit", "-q", "-m", "second")
    return repo


def test_demo_loads_a_local_repository_then_says_it_needs_a_model(tmp_path: Path) -> None:
    repo = local_repository(tmp_path / "my project")
    run = DemoRun("--repo", str(repo), "--request", "Add a subtract function", "--exit")
    assert run.finish(120) == 1, run.output
    out = run.output
    assert "(branch trunk, 2 commits)" in out, out
    assert ("as kiln-demo/my-project: 6 files (1 executable, 1 symlinks, 1 submodules), "
            "2 commits" in out), out
    assert "--repo builds with a configured model only" in out and "OPENAI_API_KEY" in out
    assert run.started_pids() == {}  # stopped before Redis, the web app or a worker


def test_demo_refuses_a_directory_that_is_not_a_repository(tmp_path: Path) -> None:
    run = DemoRun("--repo", str(tmp_path), "--request", "Add a subtract function")
    assert run.finish(60) == 1
    assert "not a git repository" in run.output


SUB_CORE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
SUB_TEST = ("from pkg.core import add, sub\n\n\ndef test_both():\n"
            "    assert (add(2, 3), sub(5, 3)) == (5, 2)\n")


def test_demo_builds_a_request_into_a_local_repository(tmp_path: Path,
                                                      docker_client: Any) -> None:
    repo = local_repository(tmp_path / "calc")
    turns = [script.plan(expect="subtract", files=["pkg/core.py", "tests/test_core.py"]),
             Turn.tool_calls([script.write("pkg/core.py", SUB_CORE),
                              script.write("tests/test_core.py", SUB_TEST)]),
             Turn.tool_calls([script.finish("Added sub.")])]
    model = ScriptedModel(turns)
    with model.serve() as url:
        run = DemoRun("--repo", str(repo), "--request", "Add a subtract function to pkg.core",
                      "--exit", "--timeout", "240", model_url=url)
        code = run.finish(300)
    out = run.output
    assert code == 0, out
    assert "as kiln-demo/calc: 6 files" in out and "real model" in out
    assert re.search(r"Pull request kiln-demo/calc#\d+", out), out
    assert "~ pkg/core.py" in out and "test result: success" in out
    model.assert_done()
    assert_all_stopped(run)
