"""The install step as the build log, the dashboard and the progress comment show it."""

from __future__ import annotations

from typing import Any, cast

from kiln.states import BuildState, JobKind
from sandbox.result import ExecResult
from worker.builder.events import Step, StepKind
from worker.builder.installnote import install_note
from worker.thread.progress import Progress, render
from worker.thread.reporter import StepReporter
from worker.thread.session import JobSession


def test_the_note_says_cached_or_not_how_long_and_how_it_failed() -> None:
    assert install_note(ExecResult(0, "", "", 0.0, cached=True), 0.42) == (
        "dependencies from the cache in 0.4 s")
    assert install_note(ExecResult(0, "", "", 31.0), 31.04) == "dependencies installed in 31.0 s"
    assert install_note(ExecResult(1, "", "boom", 9.0), 9.1) == (
        "install failed: exit code 1 after 9.1 s")
    assert install_note(ExecResult(124, "", "", 60.0, timed_out=True), 60.0) == (
        "install failed: exit code 124 (timed out) after 60.0 s")
    remembered = install_note(ExecResult(2, "", "earlier output", 0.0, cached=True), 0.01)
    assert remembered.startswith("install failed: exit code 2, as on an earlier try")


def test_the_progress_comment_shows_the_install_step() -> None:
    body = render(Progress(JobKind.BUILD, BuildState.BUILDING, "alice", iteration=1,
                           install="dependencies from the cache in 0.4 s", tests="3 passed"))
    assert ("Iteration 1. Install: dependencies from the cache in 0.4 s. "
            "Last test run: 3 passed") in body


class RecordingSession:
    """What StepReporter asks of a JobSession, written down."""

    def __init__(self) -> None:
        self.progress = Progress(JobKind.BUILD, BuildState.BUILDING, "alice")
        self.logged: list[tuple[str, int | None, str]] = []
        self.shown: list[dict[str, Any]] = []

    def log(self, message: str, iteration: int | None = None, detail: str = "") -> None:
        self.logged.append((message, iteration, detail))

    def show(self, *, urgent: bool = True, **changes: Any) -> None:
        self.shown.append(changes)

    def spent(self, tokens: int, cost_usd: float) -> None:
        self.totals = (tokens, cost_usd)


def test_an_install_step_reaches_the_log_with_its_excerpt_and_the_comment() -> None:
    session = RecordingSession()
    reporter = StepReporter(cast(JobSession, session))
    reporter(Step(StepKind.INSTALL, "install failed: exit code 1 after 9.1 s", 1, 12.0,
                  detail="ERROR: No matching distribution found for nothing-here"))
    assert session.logged == [("install failed: exit code 1 after 9.1 s", 1,
                               "ERROR: No matching distribution found for nothing-here")]
    assert session.shown == [{"state": BuildState.BUILDING, "iteration": 1,
                              "install": "install failed: exit code 1 after 9.1 s"}]
