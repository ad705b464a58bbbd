"""The reduced payload routes every delivery exactly as the whole payload would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from bot.delivery import Delivery, PayloadError
from bot.handlers.registry import HANDLERS
from bot.payload import NotAnObject, routing_fields
from bot.router import Router
from tests.bot.conftest import fixture
from tests.bot.test_checks import status_payload

FIXTURES = sorted(path.stem for path in (Path(__file__).parents[1] / "fixtures").glob("*.json"))
BOT = "kiln[bot]"

Change = Callable[[dict[str, Any]], None]


def setter(*path: str, value: Any) -> Change:
    def change(payload: dict[str, Any]) -> None:
        target = payload
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                return  # this fixture has no such object
            target = target[key]
        target[path[-1]] = value

    return change


def combined(*changes: Change) -> Change:
    def change(payload: dict[str, Any]) -> None:
        for one in changes:
            one(payload)

    return change


OUTSIDER = setter("comment", "author_association", value="NONE")

# Each variant steers some handler down another branch, or gives a field an odd shape.
VARIANTS: dict[str, Change] = {
    "as recorded": lambda payload: None,
    "mention": setter("comment", "body", value="@kiln please rename it"),
    "command": setter("comment", "body", value="/kiln retry"),
    "changes requested": setter("review", "state", value="changes_requested"),
    "review mention": setter("review", "body", value="@kiln use a dataclass"),
    "kiln's issue pr": setter("issue", "user", "login", value=BOT),
    "kiln's pr": setter("pull_request", "user", "login", value=BOT),
    "closed": setter("issue", "state", value="closed"),
    "pr closed": setter("pull_request", "state", value="closed"),
    "other label": setter("label", "name", value="bug"),
    "outsider command": combined(setter("comment", "body", value="/kiln retry"), OUTSIDER),
    "outsider mention": combined(setter("comment", "body", value="@kiln rename it"), OUTSIDER),
    "outsider review": setter("review", "author_association", value="FIRST_TIMER"),
    "association as number": setter("comment", "author_association", value=3),
    "bot sender": setter("sender", "type", value="Bot"),
    "number as text": setter("issue", "number", value="7"),
    "number as bool": setter("pull_request", "number", value=True),
    "issue as text": setter("issue", value="7"),
    "sender is null": setter("sender", value=None),
    "repository as list": setter("repository", value=[1]),
    "no installation": lambda payload: payload.pop("installation", None),
}


def decide(router: Router, event: str, payload: dict[str, Any]) -> object:
    try:
        return router.route(Delivery("d-1", event, payload))
    except PayloadError as exc:
        return f"PayloadError: {exc}"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", FIXTURES)
def test_reduced_payload_routes_like_the_whole_one(settings, name: str, variant: str) -> None:
    payload = fixture(name)
    VARIANTS[variant](payload)
    raw = json.dumps(payload).encode()
    router = Router(settings, HANDLERS)
    event = name.split(".")[0]

    assert decide(router, event, routing_fields(raw)) == decide(router, event, orjson.loads(raw))


def test_unrouted_fields_are_left_out() -> None:
    raw = json.dumps(fixture("issues.labeled")).encode()

    fields = routing_fields(raw)

    assert set(fields["issue"]) == {"number", "state", "user", "title", "body"}
    assert len(orjson.dumps(fields)) < len(raw) / 10


def test_fields_of_another_shape_keep_the_whole_payload() -> None:
    payload = {**fixture("issues.labeled"), "issue": "7"}

    assert routing_fields(json.dumps(payload).encode()) == payload


@pytest.mark.parametrize(("raw", "error"), [
    (b"not json", "body is not JSON"),
    (b"[1]", "body is not a JSON object"),
    # Another shape sends it to the full parse, which has limits of its own.
    (b'{"issue": "7", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "body is not JSON"),
])
def test_bodies_that_are_not_objects_are_refused(raw: bytes, error: str) -> None:
    with pytest.raises(NotAnObject, match=error):
        routing_fields(raw)


@pytest.mark.parametrize("state", ["success", "pending"])
@pytest.mark.parametrize("variant", ["as recorded", "bot sender", "no installation"])
def test_a_reduced_status_routes_like_the_whole_one(settings, state: str, variant: str) -> None:
    payload = status_payload(state)
    VARIANTS[variant](payload)
    raw = json.dumps(payload).encode()
    router = Router(settings, HANDLERS)

    assert decide(router, "status", routing_fields(raw)) == decide(
        router, "status", orjson.loads(raw))
