"""Missed webhook deliveries: which are asked for again, against the emulator's delivery log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis

from kiln.jobs import DELIVERY_CLAIM_KEY
from kiln.settings import Settings
from tests.worker.conftest import MAINTAINER, OWNER, REPO, GitHubWorld
from worker.flows.redelivery import MAX_ATTEMPTS, Attempt, Redelivery, missed
from worker.github.clients import GitHubClients
from worker.state.redelivery import DeliveryLog

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
UNREACHABLE = "http://127.0.0.1:9/api/github/webhooks"


def attempt(number: int, guid: str, status_code: int, minute: int = 0) -> Attempt:
    return Attempt(number, guid, T0 + timedelta(minutes=minute), status_code)


def test_an_event_is_missed_when_no_attempt_succeeded_and_its_newest_failure_can_mend() -> None:
    log = [attempt(1, "down", 503), attempt(2, "unreached", 0), attempt(3, "fine", 202),
           attempt(4, "late-ok", 502), attempt(5, "late-ok", 202, minute=1),
           attempt(6, "refused", 401), attempt(7, "retried", 0), attempt(8, "retried", 504, 2)]

    assert [a.id for a in missed(log)] == [1, 2, 8]


def test_an_event_tried_too_often_is_left_alone() -> None:
    log = [attempt(n, "flaky", 503, minute=n) for n in range(1, MAX_ATTEMPTS + 1)]

    assert missed(log) == []
    assert [a.id for a in missed(log[:-1])] == [MAX_ATTEMPTS - 1]


def _redelivery(world: GitHubWorld, settings: Settings, redis_conn: redis.Redis,
                ) -> tuple[Redelivery, DeliveryLog]:
    memory = DeliveryLog(redis_conn, settings.queue_name, 3600)
    gh = GitHubClients(settings, redis_conn).app()
    return Redelivery(gh, memory, timedelta(hours=1), lambda: datetime.now(UTC)), memory


def test_each_failed_attempt_is_asked_for_once_until_the_event_was_tried_enough(
        github_world: GitHubWorld, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis) -> None:
    emulator = github_world.emulator
    emulator.set_webhook_url(UNREACHABLE)  # the redeliveries fail too
    emulator.open_issue(OWNER, REPO, "One", "b", MAINTAINER)
    emulator.open_issue(OWNER, REPO, "Two", "b", MAINTAINER)
    taken, lost = [d.id for d in emulator.deliveries]
    settings = github_world.settings(make_settings)
    redis_conn.set(DELIVERY_CLAIM_KEY.format(prefix=settings.queue_name, guid=taken), "1")
    redelivery, memory = _redelivery(github_world, settings, redis_conn)

    passes = []
    with redelivery.gh:
        for _ in range(MAX_ATTEMPTS):
            passes.append(redelivery.run())
            emulator.wait_for_deliveries()

    assert passes == [[lost]] * (MAX_ATTEMPTS - 1) + [[]]
    tried = [d for d in emulator.deliveries if d.id == lost]
    assert [d.redelivery for d in tried] == [False] + [True] * (MAX_ATTEMPTS - 1)
    assert [memory.ask_once(d.number) for d in tried] == [False] * (MAX_ATTEMPTS - 1) + [True]
    assert [d.redelivery for d in emulator.deliveries if d.id == taken] == [False]
