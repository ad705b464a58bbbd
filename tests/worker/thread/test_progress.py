"""The progress comment's text for each state, and its final report."""

from __future__ import annotations

import pytest

from kiln.states import BuildState, JobKind
from worker.thread.progress import MARKER, Progress, Report, render


def test_every_state_renders_with_the_hidden_marker_first() -> None:
    for state in BuildState:
        body = render(Progress(JobKind.BUILD, state, "alice"))
        assert body.startswith(MARKER + "\n")
        assert f"Kiln build: {state.value}" in body


def test_queued_names_who_started_it() -> None:
    assert "Started by @alice" in render(Progress(JobKind.BUILD, BuildState.QUEUED, "alice"))


def test_building_shows_iteration_tests_plan_and_log_link() -> None:
    body = render(Progress(JobKind.BUILD, BuildState.BUILDING, "alice", plan=("Goal: x", "write a"),
                           iteration=3, tests="2 passed, 1 failed",
                           build_url="http://kiln.test/builds/ab"))
    assert "Iteration 3. Last test run: 2 passed, 1 failed" in body
    assert "- Goal: x\n- write a\n" in body
    assert "[Build log](http://kiln.test/builds/ab)" in body


def test_final_report_has_outcome_link_tests_usage_and_next_step() -> None:
    report = Report(tests="failing: 1 failed", iterations=4, tokens=12345, cost_usd=0.0123,
                    link="http://gh.test/o/r/pull/2", link_text="pull request #2",
                    reason="token budget spent", next_step="Comment `/kiln retry`.")
    body = render(Progress(JobKind.BUILD, BuildState.FAILED, "alice", report=report))
    assert "- **Result:** [pull request #2](http://gh.test/o/r/pull/2)" in body
    assert "- **Why it stopped:** token budget spent" in body
    assert "- **Tests:** failing: 1 failed" in body
    assert "**Iterations:** 4 · **Tokens:** 12,345 · **Cost:** $0.0123" in body
    assert body.rstrip().endswith("Comment `/kiln retry`.")


@pytest.mark.parametrize("state", list(BuildState))
def test_no_runs_of_blank_lines(state: BuildState) -> None:
    assert "\n\n\n" not in render(Progress(JobKind.REVISE, state, "bob", note="Cancelled by @bob."))
