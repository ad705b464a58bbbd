"""Fixtures for the web side: the app on a real Redis, signed deliveries, the queued jobs."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
import redis
from rq import Queue
from rq.job import Job
from starlette.testclient import TestClient

from bot.app import create_app
from bot.receiver import WEBHOOK_PATH
from bot.signature import sign
from kiln.rqjob import JOB_SERIALIZER
from kiln.settings import Settings
from tests.conftest import FIXTURES

SECRET = "test-secret"


@cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text()


def fixture(name: str) -> dict[str, Any]:
    """A fresh copy of ``tests/fixtures/<name>.json`` for a test to adjust."""
    return copy.deepcopy(json.loads(_fixture_text(name)))


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(github_webhook_secret=SECRET)


@pytest.fixture
def client(settings: Settings, redis_conn: redis.Redis) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def signed_headers(event: str, body: bytes, delivery: str | None = None) -> dict[str, str]:
    """The headers GitHub sends with a delivery of ``body``."""
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
        "Content-Type": "application/json",
    }


def post_signed(
    client: TestClient, event: str, payload: dict[str, Any], delivery: str | None = None
) -> Any:
    """POST ``payload`` to the webhook endpoint as GitHub would."""
    body = json.dumps(payload).encode()
    return client.post(WEBHOOK_PATH, content=body, headers=signed_headers(event, body, delivery))


@pytest.fixture
def deliver(client: TestClient) -> Callable[..., Any]:
    """``deliver("issues", payload, delivery="...")`` through the test app."""
    return lambda *args, **kwargs: post_signed(client, *args, **kwargs)


@pytest.fixture
def queued(settings: Settings, redis_conn: redis.Redis) -> Callable[[], list[Job]]:
    """The jobs waiting on Kiln's queues (commands first), oldest first."""
    names = (settings.command_queue_name, settings.queue_name)
    return lambda: [job for name in names
                    for job in Queue(name, connection=redis_conn,
                                     serializer=JOB_SERIALIZER).get_jobs()]
