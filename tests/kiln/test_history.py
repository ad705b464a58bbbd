"""Build history against a real Redis server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import redis

from kiln.history import DETAIL_MAX_CHARS, INDEX_KEY, BuildHistory, build_page_url
from kiln.settings import Settings
from kiln.states import BuildState

DAY = 24 * 3600


@pytest.fixture
def history(redis_conn: redis.Redis) -> BuildHistory:
    return BuildHistory(redis_conn, retention_seconds=DAY)


def start(history: BuildHistory, number: int = 1, kind: str = "build") -> str:
    return history.start(repo="octo/app", number=number, kind=kind, trigger="mona",
                         job_id=f"job-{number}", title=f"Issue {number}")


def test_start_records_a_queued_build(history: BuildHistory) -> None:
    build_id = start(history, 7)
    record = history.get(build_id)
    assert record is not None
    assert (record.repo, record.number, record.kind, record.trigger, record.job_id) == (
        "octo/app", 7, "build", "mona", "job-7")
    assert record.state is BuildState.QUEUED
    assert record.title == "Issue 7"
    assert record.finished_at is None and record.duration is None
    assert abs(record.started_at - time.time()) < 60


def test_update_changes_fields_with_their_types(history: BuildHistory) -> None:
    build_id = start(history)
    history.update(build_id, state=BuildState.BUILDING, plan="1. write a.py", iterations=3,
                   tokens=1200, cost_usd=0.0042, tests="3 passed")
    record = history.get(build_id)
    assert record is not None
    assert record.state is BuildState.BUILDING
    assert (record.plan, record.iterations, record.tokens, record.tests) == (
        "1. write a.py", 3, 1200, "3 passed")
    assert record.cost_usd == pytest.approx(0.0042)


def test_update_refuses_unknown_and_identity_fields(history: BuildHistory) -> None:
    build_id = start(history)
    with pytest.raises(TypeError, match="colour"):
        history.update(build_id, colour="red")
    with pytest.raises(TypeError, match="repo"):
        history.update(build_id, repo="other/repo")


def test_finish_sets_final_state_outcome_and_logs_it(history: BuildHistory) -> None:
    build_id = start(history)
    history.finish(build_id, BuildState.DONE, "http://example.test/pull/2")
    record = history.get(build_id)
    assert record is not None
    assert record.state is BuildState.DONE
    assert record.outcome_url == "http://example.test/pull/2"
    assert record.duration is not None and record.duration >= 0
    assert [message for _, message in history.tail(build_id)] == ["build done"]


def test_finish_refuses_a_state_that_is_not_final(history: BuildHistory) -> None:
    with pytest.raises(ValueError, match="building"):
        history.finish(start(history), BuildState.BUILDING, None)


def test_get_unknown_or_malformed_build_is_none(history: BuildHistory) -> None:
    build_id = start(history)
    history.log(build_id, "a line")
    assert history.get("0123456789abcdef") is None
    assert history.get(f"{build_id}:log") is None


def test_build_page_url_needs_a_public_url() -> None:
    assert build_page_url("https://kiln.example.test/", "ab12") == (
        "https://kiln.example.test/builds/ab12")
    assert build_page_url(None, "ab12") is None


def test_page_is_newest_first_and_paged(history: BuildHistory) -> None:
    ids = [start(history, number) for number in range(1, 6)]
    assert history.count() == 5
    first = [record.id for record in history.page(1, 2)]
    second = [record.id for record in history.page(2, 2)]
    third = [record.id for record in history.page(3, 2)]
    assert first + second + third == list(reversed(ids))
    assert history.page(4, 2) == []


def test_log_lines_come_back_in_order_after_a_given_id(history: BuildHistory) -> None:
    build_id = start(history)
    for word in ("planning", "writing a.py", "tests: 2 passed"):
        history.log(build_id, word)
    lines = history.tail(build_id)
    assert [message for _, message in lines] == ["planning", "writing a.py", "tests: 2 passed"]
    assert history.tail(build_id, lines[0][0]) == lines[1:]
    assert history.tail(build_id, lines[-1][0]) == []


def test_tail_blocks_until_a_line_arrives(history: BuildHistory) -> None:
    build_id = start(history)
    timer = threading.Timer(0.3, history.log, args=(build_id, "late line"))
    timer.start()
    try:
        lines = history.tail(build_id, "$", block_ms=10_000)
    finally:
        timer.join()
    assert [message for _, message in lines] == ["late line"]


def test_tail_without_lines_returns_after_the_block_time(history: BuildHistory) -> None:
    assert history.tail(start(history), "0", block_ms=50) == []


def test_records_and_logs_expire_after_the_retention(redis_conn: redis.Redis) -> None:
    history = BuildHistory(redis_conn, retention_seconds=100)
    build_id = start(history)
    history.log(build_id, "hello")
    assert 0 < redis_conn.ttl(f"kiln:build:{build_id}") <= 100
    assert 0 < redis_conn.ttl(f"kiln:build:{build_id}:log") <= 100


def test_index_drops_builds_older_than_the_retention(redis_conn: redis.Redis) -> None:
    history = BuildHistory(redis_conn, retention_seconds=100)
    kept = start(history)
    redis_conn.zadd(INDEX_KEY, {"old-build": time.time() - 1000})
    assert history.count() == 1
    assert [record.id for record in history.page(1, 10)] == [kept]


def test_page_skips_records_that_expired_before_the_index(history: BuildHistory,
                                                         redis_conn: redis.Redis) -> None:
    kept = start(history, 1)
    gone = start(history, 2)
    redis_conn.delete(f"kiln:build:{gone}")
    assert [record.id for record in history.page(1, 10)] == [kept]


def test_works_with_a_decoding_client(redis_url: str, redis_conn: redis.Redis) -> None:
    history = BuildHistory(redis.Redis.from_url(redis_url, decode_responses=True), DAY)
    build_id = start(history)
    history.log(build_id, "decoded")
    record = history.get(build_id)
    assert record is not None and record.repo == "octo/app"
    assert [message for _, message in history.tail(build_id)] == ["decoded"]


def test_lines_carry_the_iteration_they_belong_to(history: BuildHistory) -> None:
    build_id = start(history)
    history.log(build_id, "planned")
    history.log(build_id, "wrote a.py", iteration=1)
    assert [(line.message, line.iteration) for line in history.lines(build_id)] == [
        ("planned", None), ("wrote a.py", 1)]


def test_retention_comes_from_the_settings(make_settings: Callable[..., Settings],
                                           redis_conn: redis.Redis) -> None:
    history = BuildHistory.from_settings(redis_conn, make_settings(history_retention_days=2))
    build_id = start(history)
    assert 24 * 3600 < redis_conn.ttl(f"kiln:build:{build_id}") <= 2 * 24 * 3600


def test_a_record_is_finished_only_by_finish(history: BuildHistory) -> None:
    build_id = start(history)
    history.update(build_id, state=BuildState.DONE)
    record = history.get(build_id)
    assert record is not None and not record.finished
    history.finish(build_id, BuildState.DONE, None)
    record = history.get(build_id)
    assert record is not None and record.finished


def test_a_line_keeps_its_detail_cut_visibly(history: BuildHistory) -> None:
    build_id = history.start(repo="o/r", number=1, kind="build", trigger="t", job_id="j")

    history.log(build_id, "ran make", 1, "x" * (DETAIL_MAX_CHARS + 10))
    history.log(build_id, "read a.py", 1)

    ran, read = history.lines(build_id)
    assert ran.detail.startswith("x" * DETAIL_MAX_CHARS)
    assert ran.detail.endswith("(10 more characters not shown)")
    assert read.detail == ""


def test_the_published_diff_is_kept_apart_from_the_record(history: BuildHistory,
                                                          redis_conn: redis.Redis) -> None:
    build_id = history.start(repo="o/r", number=1, kind="build", trigger="t", job_id="j")
    assert history.diff(build_id) == ""

    history.set_diff(build_id, "+x\n")

    assert history.diff(build_id) == "+x\n"
    assert b"+x" not in b"".join(redis_conn.hvals(f"kiln:build:{build_id}"))
    assert history.diff("../../etc") == ""
