"""Every delivery counted in ``kiln_webhooks_total`` by event and outcome, read from /metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from starlette.testclient import TestClient
from starlette.types import Message

from bot.body import GITHUB_MAX_PAYLOAD
from bot.connections import async_client
from bot.handlers.registry import HANDLERS
from bot.jobqueue import JobQueue
from bot.metrics import WebhookCounter
from bot.receiver import WEBHOOK_PATH, WebhookReceiver
from bot.router import Router
from emulators.localhost import free_port
from kiln.settings import Settings
from tests.bot.conftest import SECRET, fixture, post_signed, signed_headers

Counts = dict[tuple[str, str], float]
SCRAPER = ("prometheus", "scrape-secret")


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """The test client is no local address: /metrics wants the dashboard's credentials."""
    return make_settings(github_webhook_secret=SECRET, dashboard_username=SCRAPER[0],
                         dashboard_password=SCRAPER[1])


def webhook_counts(client: TestClient) -> Counts:
    """``kiln_webhooks_total`` by (event, outcome), as Prometheus would scrape it."""
    families = text_string_to_metric_families(client.get("/metrics", auth=SCRAPER).text)
    return {(sample.labels["event"], sample.labels["outcome"]): sample.value
            for family in families for sample in family.samples
            if sample.name == "kiln_webhooks_total"}


def test_a_fresh_app_has_counted_nothing(client) -> None:
    assert webhook_counts(client) == {}


def test_accepted_duplicate_ignored_and_noted_deliveries(deliver, client) -> None:
    deliver("issues", fixture("issues.labeled"), delivery="one")
    deliver("issues", fixture("issues.labeled"), delivery="one")
    deliver("issues", fixture("issues.labeled"), delivery="two")
    deliver("issues", fixture("issues.opened"))
    deliver("ping", fixture("ping"))

    assert webhook_counts(client) == {("issues", "accepted"): 2.0, ("issues", "duplicate"): 1.0,
                                      ("issues", "ignored"): 1.0, ("ping", "noted"): 1.0}


def test_a_job_another_delivery_queued_is_counted_apart(deliver, client) -> None:
    payload = fixture("issue_comment.created")
    payload["comment"].update(author_association="NONE", body="/kiln retry")

    deliver("issue_comment", payload)
    deliver("issue_comment", payload)  # a new delivery id: the refusal's once-key holds it

    assert webhook_counts(client) == {("issue_comment", "accepted"): 1.0,
                                      ("issue_comment", "already_queued"): 1.0}


def test_refusals_before_verification_never_take_the_event_from_the_header(client) -> None:
    body = json.dumps(fixture("issues.labeled")).encode()
    for event in ("issues", "made_up_one", "made_up_two"):
        headers = signed_headers(event, body)
        headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
        client.post(WEBHOOK_PATH, content=body, headers=headers)
    oversize = signed_headers("issues", body)
    oversize["Content-Length"] = str(GITHUB_MAX_PAYLOAD + 1)
    client.post(WEBHOOK_PATH, content=body, headers=oversize)
    client.post(WEBHOOK_PATH, content=b"[]", headers=signed_headers("issues", b"[]"))

    assert webhook_counts(client) == {("unverified", "bad_signature"): 3.0,
                                      ("unverified", "too_large"): 1.0,
                                      ("unverified", "malformed"): 1.0}


def test_a_signed_payload_without_a_routed_field_is_malformed(deliver, client) -> None:
    payload = fixture("issues.labeled")
    del payload["issue"]["number"]

    deliver("issues", payload)

    assert webhook_counts(client) == {("issues", "malformed"): 1.0}


def receiver_counting(settings: Settings, redis_conn: Redis) -> tuple[WebhookReceiver, Any]:
    """The receiver alone, with the registry it counts in (for counts /metrics cannot show)."""
    registry = CollectorRegistry()
    jobs = JobQueue(async_client(settings.redis_url), redis_conn, settings)
    return WebhookReceiver(SECRET.encode(), Router(settings, HANDLERS), jobs,
                           WebhookCounter(registry)), registry


def test_redis_down_is_counted_unavailable(settings, redis_conn) -> None:
    # /metrics itself reads Redis, so this count is read from the receiver's registry.
    redis_down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    receiver, registry = receiver_counting(redis_down, redis_conn)

    post_signed(TestClient(receiver), "issues", fixture("issues.labeled"))  # no lifespan

    assert registry.get_sample_value(
        "kiln_webhooks_total", {"event": "issues", "outcome": "unavailable"}) == 1.0


def test_a_sender_hanging_up_mid_body_is_counted_incomplete(settings, redis_conn) -> None:
    receiver, registry = receiver_counting(settings, redis_conn)
    messages: list[Message] = [{"type": "http.request", "body": b'{"action":', "more_body": True},
                               {"type": "http.disconnect"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": WEBHOOK_PATH,
             "headers": [(b"x-github-event", b"issues"), (b"x-github-delivery", b"cut")]}
    asyncio.run(receiver(scope, receive, send))

    assert sent[0]["status"] == 400
    assert registry.get_sample_value(
        "kiln_webhooks_total", {"event": "unverified", "outcome": "incomplete"}) == 1.0
