"""A webhook payload reduced to the fields routing reads, decoded without building the rest.

GitHub's payloads run to 12 KB and more, nearly all of it objects routing never looks at.
A schema of the few paths the handlers read lets msgspec skip the rest while decoding,
at a third of a full parse's cost. The leaves stay untyped: ``Delivery`` checks their types,
so a wrong type there means the same answer as before. A payload whose objects have another
shape entirely falls back to the full parse, and the handlers decide about it as before.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
from msgspec import UNSET, Struct, UnsetType


class NotAnObject(ValueError):
    """The body is not JSON, or not a JSON object."""


class _Account(Struct):
    login: Any = UNSET


class _User(Struct):
    login: Any = UNSET
    type: Any = UNSET


class _Label(Struct):
    name: Any = UNSET


class _Issue(Struct):
    number: Any = UNSET
    state: Any = UNSET
    pull_request: Any = UNSET
    user: _User | UnsetType | None = UNSET


class _Comment(Struct):
    id: Any = UNSET
    body: Any = UNSET
    pull_request_review_id: Any = UNSET


class _Installation(Struct):
    id: Any = UNSET
    account: _Account | UnsetType | None = UNSET


class _PullRequest(Struct):
    number: Any = UNSET
    user: _User | UnsetType | None = UNSET


class _Review(Struct):
    id: Any = UNSET
    state: Any = UNSET
    body: Any = UNSET


class _Repository(Struct):
    full_name: Any = UNSET
    name: Any = UNSET
    owner: _Account | UnsetType | None = UNSET


class _RoutingFields(Struct):
    """Every path a handler in ``bot.handlers`` reads; a new one must be added here."""

    action: Any = UNSET
    hook_id: Any = UNSET
    label: _Label | UnsetType | None = UNSET
    issue: _Issue | UnsetType | None = UNSET
    comment: _Comment | UnsetType | None = UNSET
    pull_request: _PullRequest | UnsetType | None = UNSET
    review: _Review | UnsetType | None = UNSET
    installation: _Installation | UnsetType | None = UNSET
    repository: _Repository | UnsetType | None = UNSET
    sender: _User | UnsetType | None = UNSET
    repositories_added: Any = UNSET
    repositories_removed: Any = UNSET


_DECODER = msgspec.json.Decoder(_RoutingFields)


def routing_fields(raw: bytes) -> dict[str, Any]:
    """The routed paths of a JSON object body (absent ones left out); NotAnObject otherwise."""
    try:
        fields: dict[str, Any] = msgspec.to_builtins(_DECODER.decode(raw))
        return fields
    except msgspec.ValidationError:
        pass  # valid JSON of another shape: the full parse below tells which
    except msgspec.DecodeError:
        raise NotAnObject("body is not JSON") from None
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:  # beyond orjson's limits: nesting, integers over 64 bits
        raise NotAnObject("body is not JSON") from None
    if not isinstance(payload, dict):
        raise NotAnObject("body is not a JSON object")
    return payload
