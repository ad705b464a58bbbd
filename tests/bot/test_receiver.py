"""Rejections, dedupe and Redis outages at the webhook endpoint: never a 500, never a stray job."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.body import GITHUB_MAX_PAYLOAD
from bot.receiver import WEBHOOK_PATH
from emulators.localhost import free_port
from tests.bot.conftest import fixture, post_signed, signed_headers

BODY = json.dumps(fixture("issues.labeled")).encode()


def post(
    client: TestClient, headers: Mapping[str, Any], body: bytes | Iterator[bytes] = BODY
) -> Any:
    return client.post(WEBHOOK_PATH, content=body, headers=headers)


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=abc", ("sha256=" + "\u00e9" * 64).encode("latin-1")],
)
def test_missing_or_wrong_signature_is_401(client, queued, signature) -> None:
    headers: dict[str, str | bytes] = {**signed_headers("issues", BODY)}
    del headers["X-Hub-Signature-256"]
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature

    response = post(client, headers)

    assert response.status_code == 401
    assert queued() == []


def test_signature_of_another_secret_is_401(client, queued) -> None:
    headers = signed_headers("issues", BODY)

    response = post(client, headers, BODY + b" ")

    assert response.status_code == 401
    assert queued() == []


@pytest.mark.parametrize("header", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_missing_event_or_delivery_header_is_400(client, queued, header) -> None:
    headers = signed_headers("issues", BODY)
    del headers[header]

    response = post(client, headers)

    assert response.status_code == 400
    assert response.json() == {"error": f"missing {header.lower()} header"}
    assert queued() == []


@pytest.mark.parametrize(("header", "value"), [
    ("X-GitHub-Delivery", "../../etc"),
    ("X-GitHub-Delivery", "x" * 101),
    ("X-GitHub-Event", "Issues!"),
])
def test_malformed_headers_are_400(client, queued, header, value) -> None:
    headers = signed_headers("issues", BODY)
    headers[header] = value

    assert post(client, headers).status_code == 400
    assert queued() == []


@pytest.mark.parametrize(("body", "error"), [
    (b"not json", "body is not JSON"),
    (b"\xff\xfe", "body is not JSON"),
    (b"[1, 2]", "body is not a JSON object"),
    (b'"text"', "body is not a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "body is not JSON"),
])
def test_body_that_is_not_a_json_object_is_400(client, queued, body, error) -> None:
    response = post(client, signed_headers("issues", body), body)

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert queued() == []


@pytest.mark.parametrize(("path", "kind"), [
    (("installation",), "has no installation"),
    (("issue", "number"), "has no issue.number"),
])
def test_signed_payload_missing_a_routing_field_is_400(deliver, queued, path, kind) -> None:
    payload = fixture("issues.labeled")
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]

    response = deliver("issues", payload)

    assert response.status_code == 400
    assert kind in response.json()["error"]
    assert queued() == []


@pytest.mark.parametrize("issue", ["not an object", ["a", "list"], None])
def test_a_routed_object_of_another_type_is_400(deliver, queued, issue) -> None:
    payload = fixture("issues.labeled")
    payload["issue"] = issue

    response = deliver("issues", payload)

    assert response.status_code == 400
    assert "has no issue.number" in response.json()["error"]
    assert queued() == []


def test_field_of_the_wrong_type_is_400(deliver, queued) -> None:
    payload = fixture("issues.labeled")
    payload["issue"]["number"] = True

    assert deliver("issues", payload).status_code == 400
    assert queued() == []


def test_declared_oversize_body_is_413(client, queued) -> None:
    headers = signed_headers("issues", BODY)
    headers["Content-Length"] = str(GITHUB_MAX_PAYLOAD + 1)

    response = post(client, headers, BODY)

    assert response.status_code == 413
    assert queued() == []


def test_streamed_oversize_body_is_413(client, queued) -> None:
    chunk = b" " * (1024 * 1024)

    def chunks() -> Iterator[bytes]:
        # Chunked: no Content-Length to check, so the receiver must count.
        for _ in range(40):
            yield chunk

    response = post(client, signed_headers("issues", BODY), chunks())

    assert response.status_code == 413
    assert queued() == []


def test_redelivery_is_acknowledged_and_queued_once(deliver, queued) -> None:
    payload = fixture("issues.labeled")

    first = deliver("issues", payload, delivery="same-id")
    again = deliver("issues", payload, delivery="same-id")

    assert first.json() == {"queued": "build", "job": "build-same-id"}
    assert again.status_code == 202
    assert again.json() == {"ignored": "duplicate delivery", "job": "build-same-id"}
    assert [job.id for job in queued()] == ["build-same-id"]


def test_distinct_deliveries_queue_distinct_jobs(deliver, queued) -> None:
    deliver("issues", fixture("issues.labeled"), delivery="one")
    deliver("issues", fixture("issues.labeled"), delivery="two")

    assert [job.id for job in queued()] == ["build-one", "build-two"]


def test_redis_down_is_503_with_a_log_line(make_settings, caplog) -> None:
    settings = make_settings(github_webhook_secret="test-secret",
                             redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(settings)) as client, caplog.at_level(logging.INFO, "kiln"):
        response = post_signed(client, "issues", fixture("issues.labeled"), delivery="down")

    assert response.status_code == 503
    assert response.json() == {"error": "redis unavailable"}
    assert any("redis unavailable" in r.message and r.levelno == logging.ERROR
               for r in caplog.records)


def test_one_structured_log_line_per_delivery(deliver, caplog) -> None:
    with caplog.at_level(logging.INFO, "kiln.bot.deliveries"):
        deliver("issues", fixture("issues.labeled"), delivery="logged")

    lines = [json.loads(r.message) for r in caplog.records if r.name == "kiln.bot.deliveries"]
    assert len(lines) == 1
    line = lines[0]
    assert line.pop("duration_ms") >= 0
    assert line == {"delivery": "logged", "event": "issues", "action": "labeled",
                    "repo": "Codertocat/Hello-World", "outcome": "queued build", "status": 202}


def test_rejections_are_logged_as_warnings(client, caplog) -> None:
    headers = signed_headers("issues", BODY)
    del headers["X-Hub-Signature-256"]
    with caplog.at_level(logging.INFO, "kiln.bot.deliveries"):
        post(client, headers)

    (record,) = [r for r in caplog.records if r.name == "kiln.bot.deliveries"]
    assert record.levelno == logging.WARNING
    assert json.loads(record.message)["outcome"].startswith("rejected: missing or wrong")


def test_only_post_is_accepted(client) -> None:
    assert client.get(WEBHOOK_PATH).status_code == 405
