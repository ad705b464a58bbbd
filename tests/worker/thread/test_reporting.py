"""What a finished build says, the builder's request, and how failures are explained."""

from __future__ import annotations

from collections.abc import Callable

from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException

from kiln.settings import Settings
from worker.builder import BuildResult, Plan, StopReason, TestOutcome, Usage
from worker.flows.briefing import budget_for, build_request
from worker.flows.failure import failure_reason
from worker.flows.repo_config import parse_repo_config
from worker.github.publisher import Publication
from worker.thread.reporting import final_report, plan_lines, pull_body, summarize_tests

PLAN = Plan(goal="add sub", language="python", files=["calc.py"], install_command=None,
            test_command="pytest -q", steps=["write sub", "test it"])


def _result(passed: bool = True, **changes: object) -> BuildResult:
    values: dict[str, object] = dict(
        passed=passed, stop_reason=StopReason.PASSED if passed else StopReason.TOKENS,
        plan=PLAN, files={}, changes={},
        tests=TestOutcome("pytest -q", passed, 0 if passed else 1, 3,
                          "3 passed" if passed else "1 failed, 2 passed", "log"),
        existing_tests_changed=[], iterations=2, usage=Usage(1000, 200, 0, 3),
        cost_usd=0.0007, steps=[], summary="Added sub.", replies={})
    values.update(changes)
    return BuildResult(**values)  # type: ignore[arg-type]


def test_test_summary_says_verdict_counts_and_command() -> None:
    assert summarize_tests(_result()) == "passing: 3 passed (`pytest -q`)"
    assert summarize_tests(_result(False)) == "failing: 1 failed, 2 passed (`pytest -q`)"
    assert summarize_tests(_result(tests=None)) == "no tests ran"


def test_plan_lines_lead_with_the_goal() -> None:
    assert plan_lines(PLAN) == ("**Goal:** add sub", "write sub", "test it",
                                "Tests: `pytest -q`")
    assert plan_lines(None) == ()


def test_final_report_of_a_failure_gives_reason_link_and_refusals() -> None:
    published = Publication("http://gh.test/pull/3", "pull request #3", "kiln/issue-1", "abc")
    report = final_report(_result(False), published, "Comment `/kiln retry`.",
                          [".github/workflows/ci.yml"])
    assert (report.link, report.reason, report.tokens) == (
        "http://gh.test/pull/3", "token budget spent", 1200)
    assert report.next_step.startswith("Held back, not pushed: `.github/workflows/ci.yml`")
    assert "/kiln retry" in report.next_step
    assert final_report(_result(), None).reason == ""


def test_final_report_says_what_the_operator_s_rules_changed() -> None:
    note = "budget capped by the operator: tokens 400,000 (asked 10,000,000)"
    report = final_report(_result(notes=(note,)), None, "Comment `/kiln retry`.")
    assert report.next_step == f"Note: {note}.\n\nComment `/kiln retry`."
    assert final_report(_result(notes=(note,)), None).next_step == f"Note: {note}."


def test_pull_body_closes_the_issue_and_flags_changed_tests() -> None:
    body = pull_body(_result(existing_tests_changed=["test_calc.py"]), 7, "alice", [])
    assert "Closes #7" in body and "Added sub." in body and "- write sub" in body
    assert "Existing tests were changed" in body and "`test_calc.py`" in body
    assert "Iterations: 2 · tokens: 1,200 · cost: $0.0007" in body


def test_repository_budgets_override_only_what_they_name(
        make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(budget_tokens=5000, budget_test_runs=4,
                             kiln_models={"m2": {"input": 1, "output": 2}})
    config = parse_repo_config("budgets: {tokens: 900, wall_seconds: 60}\nmodel: m2\n")
    budget = budget_for(settings, config)
    assert (budget.tokens, budget.test_runs, budget.wall_seconds) == (900, 4, 60.0)
    request = build_request(settings, config, "t", "b", {"a.py": b""})
    assert request.model == "m2" and request.plan_attempts == settings.plan_attempts


def test_failure_reasons_read_well_on_an_issue() -> None:
    assert "time limit" in failure_reason(JobTimeoutException, JobTimeoutException())
    assert "stopped responding" in failure_reason(AbandonedJobError, AbandonedJobError())
    assert failure_reason(KeyError, KeyError("x")) == "an internal error (KeyError: 'x')"
