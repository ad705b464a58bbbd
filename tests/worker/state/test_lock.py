"""The per-issue lock against a real Redis: one holder, re-entry by the same job, safe release."""

from __future__ import annotations

import redis

from worker.state.lock import IssueLock


def test_one_job_holds_an_issue_at_a_time(redis_conn: redis.Redis) -> None:
    lock = IssueLock(redis_conn, "Octo", "Repo", 3)
    assert lock.acquire("job-a", 60)
    assert not lock.acquire("job-b", 60)
    assert lock.holder() == "job-a"


def test_the_same_job_retried_gets_its_lock_back(redis_conn: redis.Redis) -> None:
    lock = IssueLock(redis_conn, "octo", "repo", 3)
    assert lock.acquire("job-a", 60)
    assert lock.acquire("job-a", 60)


def test_release_frees_only_the_holders_lock(redis_conn: redis.Redis) -> None:
    lock = IssueLock(redis_conn, "octo", "repo", 3)
    lock.acquire("job-a", 60)
    assert not lock.release("job-b")
    assert lock.holder() == "job-a"
    assert lock.release("job-a")
    assert lock.holder() is None
    assert lock.acquire("job-b", 60)


def test_issues_lock_separately_and_names_ignore_case(redis_conn: redis.Redis) -> None:
    assert IssueLock(redis_conn, "octo", "repo", 1).acquire("job-a", 60)
    assert IssueLock(redis_conn, "octo", "repo", 2).acquire("job-b", 60)
    assert not IssueLock(redis_conn, "OCTO", "REPO", 1).acquire("job-c", 60)


def test_the_lock_expires(redis_conn: redis.Redis) -> None:
    lock = IssueLock(redis_conn, "octo", "repo", 1)
    lock.acquire("job-a", 60)
    assert 0 < redis_conn.ttl(lock.key) <= 60


def test_the_last_hold_tells_who_held_the_issue_at_a_moment(redis_conn: redis.Redis) -> None:
    now = [100.0]
    lock = IssueLock(redis_conn, "octo", "repo", 3, lambda: now[0])
    assert lock.held_at(100.0) is None
    lock.acquire("job-a", 60)
    now[0] = 150.0
    assert lock.held_at(120.0) == "job-a" and lock.held_at(99.0) is None
    lock.release("job-a")
    assert lock.held_at(120.0) == "job-a"  # a trigger queued then came during job-a
    assert lock.held_at(151.0) is None  # one queued after it ended did not
