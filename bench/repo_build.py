"""Whole builds of a generated repository: label to first model call, to a ready sandbox, API calls.

Part of `bench.repos`: a real web app and `rq worker` (as `bench.e2e` runs them) build an
issue on the repository with a scripted model that plans, runs `git status`, adds a test and
finishes. The model's request times mark the steps: its first request is the plan (the
repository fetched, its map drawn); its third comes once `git status` has answered in a
started sandbox holding the checkout. API calls are the build record's count for the whole
build, publishing the pull request included.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.e2e import OWNER, Kiln
from emulators import localhost
from emulators.model import ToolCall, Turn
from kiln.history import BuildHistory, BuildRecord
from kiln.states import BuildState
from tests.worker.e2e_scripts import finish, plan, write

TEST_PATH = "tests/test_bench.py"
TEST_CODE = "def test_bench() -> None:\n    assert 2 + 2 == 4\n"
TITLE, BODY = "Add a smoke test", f"Add `{TEST_PATH}` with one passing test."
READY_REQUEST = 2  # the model's third request: it follows `git status` in the sandbox
BUILD_TIMEOUT = 300.0
POLL_SECONDS = 0.05


def bench_build() -> list[Turn]:
    """Plan, run `git status`, write one test, finish: the repository's tests (the new one
among them) pass at the first run."""
    return [plan(goal="add a smoke test", files=[TEST_PATH], steps=["add the test"]),
            Turn.tool_calls([ToolCall("run_command", {"command": "git status --short"})]),
            Turn.tool_calls([write(TEST_PATH, TEST_CODE)]),
            Turn.tool_calls([finish("Added a smoke test.")])]


@dataclass(frozen=True)
class Build:
    """One whole build of the repository of `size` files, timed from its label."""

    size: int
    first_call: float  # seconds to the model's first request
    ready: float  # seconds until git answered in the sandbox (the model's third request)
    total: float  # seconds until the build's record is final
    calls: int  # GitHub API calls of the whole build
    state: BuildState


def start(kiln: Kiln, builds: int) -> None:
    """One worker whose scripted model answers `builds` bench builds."""
    kiln.start_workers(1, builds, bench_build)


def build(kiln: Kiln, repo: str, size: int) -> Build:
    """Label an issue on `repo`, wait until its build is final, and time it."""
    model = kiln.models[0]
    seen = len(model.arrivals)
    number, began = kiln.label_new_issue(repo, TITLE, BODY)
    record = localhost.wait_until(lambda: _final(kiln, repo, number), BUILD_TIMEOUT,
                                  f"the build of {repo}", interval=POLL_SECONDS)
    total = time.perf_counter() - began
    arrivals = model.arrivals[seen:]
    if len(arrivals) <= READY_REQUEST:
        raise RuntimeError(f"the build of {repo} ended after {len(arrivals)} model requests: "
                           f"{kiln.progress(number, repo)}")
    return Build(size, arrivals[0] - began, arrivals[READY_REQUEST] - began, total,
                 record.github_calls, record.state)


def _final(kiln: Kiln, repo: str, number: int) -> BuildRecord | None:
    history = BuildHistory.from_settings(kiln.redis, kiln.settings)
    return next((record for record in history.page(1, 100)
                 if record.repo == f"{OWNER}/{repo}" and record.number == number
                 and record.finished), None)
