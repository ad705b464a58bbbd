"""A webhook payload reduced to the fields routing reads, decoded without building the rest.

GitHub's payloads run to 12 KB and more, nearly all of it objects routing never looks at.
A schema of the few paths the handlers read lets msgspec skip the rest while decoding,
at a third of a full parse's cost; the schema is made of TypedDicts, so the result is
plain dicts with no conversion pass. The leaves stay untyped: ``Delivery`` checks their types,
so a wrong type there means the same answer as before. A payload whose objects have another
shape entirely falls back to the full parse, and the handlers decide about it as before.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec
import orjson


class NotAnObject(ValueError):
    """The body is not JSON, or not a JSON object."""


# Every path a handler in ``bot.handlers`` reads; a handler that reads a new one adds it here.
ROUTED_PATHS = (
    "action", "hook_id", "label.name",
    "issue.number", "issue.state", "issue.pull_request", "issue.user.login", "issue.title",
    "issue.body",
    "comment.id", "comment.body", "comment.pull_request_review_id", "comment.author_association",
    "pull_request.number", "pull_request.user.login", "pull_request.state",
    "review.id", "review.state", "review.body", "review.author_association",
    "installation.id", "installation.account.login",
    "repository.full_name", "repository.name", "repository.owner.login",
    "sender.login", "sender.type",
    "repositories_added", "repositories_removed",
    "check_run.head_sha", "check_run.check_suite.head_branch", "check_run.app.slug",
    "check_suite.head_sha", "check_suite.head_branch", "check_suite.app.slug",
    "workflow_run.head_sha", "workflow_run.head_branch",
    "sha", "state", "branches",  # status: its commit, state and the branches holding it
)


def schema(name: str, paths: list[list[str]]) -> Any:
    """A TypedDict with an optional key per first key: untyped leaves, nested ones (or null)."""
    children: dict[str, list[list[str]]] = {}
    for first, *rest in paths:
        children.setdefault(first, [])
        if rest:
            children[first].append(rest)
    fields = {key: schema(f"{name}_{key}", rest) | None if rest else Any
              for key, rest in children.items()}
    return TypedDict(name, fields, total=False)  # type: ignore[operator]  # built at run time


_DECODER = msgspec.json.Decoder(schema("RoutingFields", [p.split(".") for p in ROUTED_PATHS]))


def routing_fields(raw: bytes) -> dict[str, Any]:
    """The routed paths of a JSON object body (absent ones left out); NotAnObject otherwise."""
    try:
        fields: dict[str, Any] = _DECODER.decode(raw)
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
