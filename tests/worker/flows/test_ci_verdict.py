"""The CI follow-up's pure decisions: which checks count, the verdict, the next move, the log
excerpt, a push that is not Kiln's."""

from __future__ import annotations

import dataclasses

from worker.flows.ci_verdict import (
    Follow,
    Move,
    Verdict,
    after_look,
    counted,
    interruption,
    log_excerpt,
    polls_for,
    red_names,
    someone_else_pushed,
    verdict,
)
from worker.github.checks import Check, Status
from worker.thread.ci_report import fenced, with_ci_section

FOLLOW = Follow(pull_number=2, thread=1, head_sha="abc", sender="mona", rounds=0, limit=2)


def run(id: int, name: str, conclusion: str | None, app: str = "github-actions",
        status: str = "completed") -> Check:
    return Check(id, name, app, status, conclusion)


def test_kilns_own_check_never_counts_and_a_rerun_replaces_its_earlier_run() -> None:
    checks = [run(1, "lint", "failure"), run(2, "Kiln", "success", app="kiln"),
              run(3, "lint", "success"), run(4, "lint", "failure", app="other-ci")]

    assert [(c.id, c.app) for c in counted(checks, "kiln")] == [(3, "github-actions"),
                                                                  (4, "other-ci")]


def test_the_verdict_is_red_at_the_first_failure_and_green_only_when_all_passed() -> None:
    passed, running = run(1, "test", "success"), run(2, "lint", None, status="in_progress")
    skipped = run(3, "docs", "skipped")

    assert verdict([], []) is Verdict.NONE
    assert verdict([passed, running], []) is Verdict.PENDING
    assert verdict([passed, running, run(4, "types", "timed_out")], []) is Verdict.RED
    assert verdict([passed, skipped], []) is Verdict.GREEN
    assert verdict([passed], [Status("ci/circle", "pending")]) is Verdict.PENDING
    assert verdict([passed], [Status("ci/circle", "error")]) is Verdict.RED
    assert red_names([run(4, "types", "cancelled"), passed],
                     [Status("deploy", "failure")]) == ["types", "deploy"]


def test_red_revises_while_rounds_are_left_then_gives_up() -> None:
    assert after_look(FOLLOW, Verdict.RED, 10) is Move.REVISE
    assert after_look(dataclasses.replace(FOLLOW, rounds=1), Verdict.RED, 10) is Move.REVISE
    assert after_look(dataclasses.replace(FOLLOW, rounds=2), Verdict.RED, 10) is Move.GIVE_UP
    assert after_look(FOLLOW, Verdict.GREEN, 10) is Move.GREEN


def test_waiting_ends_when_the_polls_are_spent() -> None:
    assert polls_for(3600, 120) == 30 and polls_for(60, 120) == 1
    assert after_look(dataclasses.replace(FOLLOW, polls=29), Verdict.PENDING, 30) is Move.WAIT
    assert after_look(dataclasses.replace(FOLLOW, polls=30), Verdict.NONE, 30) is Move.TIMED_OUT


def test_a_push_that_is_not_kilns_stops_the_loop_and_old_heads_are_ignored() -> None:
    assert someone_else_pushed("abc", "def") and not someone_else_pushed("abc", "abc")
    assert interruption(FOLLOW, "abc", True, "def") is Move.PUSHED
    assert interruption(FOLLOW, "old", True, "abc") is Move.IGNORE
    assert interruption(FOLLOW, "abc", False, "abc") is Move.CLOSED
    assert interruption(dataclasses.replace(FOLLOW, revising=True), "abc", True, "x") is Move.IGNORE
    assert interruption(FOLLOW, "abc", True, "abc") is None


def actions_log(noise_lines: int) -> str:
    stamp = "2026-12-03T07:00:00.1234567Z "
    lines = ["##[group]Run actions/checkout@v4", "Fetching the repository", "##[endgroup]",
             "##[group]Run ruff check .", "##[endgroup]"]
    lines += ["error: early configuration warning"] + [f"checked {n}" for n in range(noise_lines)]
    lines += ["calc.py:3:1: F401 `os` imported but unused", "Found 1 error.",
              "##[error]Process completed with exit code 1.",
              "##[group]Run actions/upload-artifact@v4", "Uploading nothing"]
    return "\n".join(stamp + line for line in lines)


def test_the_log_excerpt_keeps_the_failing_steps_command_errors_and_last_lines() -> None:
    excerpt = log_excerpt(actions_log(100), tail=10)

    lines = excerpt.splitlines()
    assert lines[0] == "Run ruff check ."
    assert "error: early configuration warning" in lines and "..." in lines
    assert lines[-3:] == ["calc.py:3:1: F401 `os` imported but unused", "Found 1 error.",
                          "##[error]Process completed with exit code 1."]
    assert "checked 50" not in excerpt and "Fetching" not in excerpt
    assert "Uploading" not in excerpt and "2026-12-03" not in excerpt
    assert len(lines) == 1 + 1 + 1 + 10


def test_a_long_excerpt_keeps_its_end_and_a_log_without_steps_is_one_step() -> None:
    assert log_excerpt(actions_log(5000), tail=5000, max_chars=500).endswith("exit code 1.")
    assert len(log_excerpt(actions_log(5000), tail=5000, max_chars=500)) == 501
    assert log_excerpt("just\nsome\nlines", tail=2) == "some\nlines"


def test_the_ci_line_is_added_to_the_progress_comment_then_replaced() -> None:
    body = "<!-- kiln:progress -->\n✅ Kiln build: done\n"

    once = with_ci_section(body, "🔴 CI failed")
    twice = with_ci_section(once, "✅ CI passed")

    assert once.startswith(body.rstrip()) and "🔴 CI failed" in once
    assert "✅ CI passed" in twice and "🔴" not in twice and twice.count("<!-- kiln:ci -->") == 1
    assert fenced("a ``` b").startswith("````\n")
