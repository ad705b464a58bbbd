"""How build records read on the dashboard."""

from __future__ import annotations

from bot.build_view import (
    cost_text,
    duration_text,
    elapsed_text,
    group_by_iteration,
    link_text,
    safe_link,
    started_text,
    subject_text,
)
from kiln.history import BuildRecord, LogLine
from kiln.states import BuildState


def record(**changes: object) -> BuildRecord:
    values: dict[str, object] = {"id": "ab", "repo": "o/r", "number": 3, "kind": "build",
                                 "trigger": "mona", "job_id": "j", "state": BuildState.BUILDING,
                                 "started_at": 1_000.0}
    return BuildRecord(**(values | changes))  # type: ignore[arg-type]


def test_durations_read_naturally() -> None:
    assert [duration_text(s) for s in (None, 0, 42.7, 65, 3 * 3600 + 120)] == [
        "–", "0s", "42s", "1m 05s", "3h 02m"]


def test_running_builds_show_time_so_far() -> None:
    assert elapsed_text(record(), now=1_090.0) == "1m 30s so far"
    assert elapsed_text(record(finished_at=1_010.0), now=5_000.0) == "10s"


def test_subject_names_issue_or_pull_request() -> None:
    assert subject_text(record()) == "issue #3"
    assert subject_text(record(kind="revise", number=12)) == "pull request #12"


def test_money_and_time() -> None:
    assert cost_text(0.01234) == "$0.0123"
    assert started_text(0) == "1970-01-01 00:00:00 UTC"


def test_only_http_links_survive() -> None:
    assert safe_link("https://github.test/o/r/pull/1") == "https://github.test/o/r/pull/1"
    for url in ("javascript:alert(1)", "data:text/html,x", "", None):
        assert safe_link(url) is None


def test_link_text_is_the_path() -> None:
    assert link_text("http://127.0.0.1:5/octo/app/pull/2") == "octo/app/pull/2"
    assert link_text("https://example.test") == "https://example.test"


def test_log_groups_follow_iterations() -> None:
    lines = [LogLine("1-0", "plan"), LogLine("2-0", "a", 1), LogLine("3-0", "b", 1),
             LogLine("4-0", "c", 2), LogLine("5-0", "publish")]
    groups = group_by_iteration(lines)
    assert [(g.heading, [line.message for line in g.lines]) for g in groups] == [
        ("Setup", ["plan"]), ("Iteration 1", ["a", "b"]), ("Iteration 2", ["c"]),
        ("Wrap-up", ["publish"])]
