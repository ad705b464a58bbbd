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
from tests.bot.sse_client import Event, read_events

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo.py"
STARTED = re.compile(r"started (\S+)\s+pid (\d+)")
BUILD_PAGE = re.compile(r"\[Build log\]\((http://127\.0\.0\.1:\d+/builds/[0-9a-f]{16})\)")

pytestmark = pytest.mark.docker


class DemoRun:
    """The demo as a subprocess in its own session, its output collected line by line."""

    def __init__(self, *args: str) -> None:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("OPENAI_", "KILN_MODEL"))}
        env["PYTHONPATH"] = str(ROOT)
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
