"""One verified webhook delivery: its headers and the few payload fields routing reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class PayloadError(ValueError):
    """A signed payload that lacks a field routing needs, or holds it with the wrong type."""


@dataclass(frozen=True)
class Delivery:
    """A delivery's id, event and action, with typed access into its JSON payload.

    Only the fields a handler asks for are read; the worker parses the rest.
    """

    id: str
    event: str
    payload: dict[str, Any]

    @property
    def action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None

    def get(self, kind: type[T], *path: str) -> T:
        """The value at ``path`` (e.g. ``"issue", "number"``), which must be a ``kind``."""
        value: Any = self.payload
        try:
            for key in path:
                value = value[key]
        except (KeyError, TypeError):  # absent, or a step that is not an object
            raise PayloadError(f"payload has no {'.'.join(path)}") from None
        if type(value) is kind:  # the usual case, checked first: this runs for every field
            return value
        # bool is an int subclass; an id or number must never be True/False.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PayloadError(f"payload field {'.'.join(path)} is not {kind.__name__}")
        return value

    def optional(self, kind: type[T], *path: str) -> T | None:
        """Like :meth:`get`, but None when the field is absent, null or of another type."""
        try:
            return self.get(kind, *path)
        except PayloadError:
            return None

    def has(self, *path: str) -> bool:
        """Whether ``path`` leads to a present, non-null value."""
        value: Any = self.payload
        for key in path:
            if not isinstance(value, dict) or value.get(key) is None:
                return False
            value = value[key]
        return True

    @property
    def repository(self) -> str | None:
        """``owner/name`` for the log line, when the event concerns a repository."""
        return self.optional(str, "repository", "full_name")

    @property
    def sender_is_bot(self) -> bool:
        return self.optional(str, "sender", "type") == "Bot"

    def repo_fields(self) -> dict[str, Any]:
        """The job arguments every repository job starts with."""
        return {
            "installation_id": self.get(int, "installation", "id"),
            "owner": self.get(str, "repository", "owner", "login"),
            "repo": self.get(str, "repository", "name"),
            "sender": self.get(str, "sender", "login"),
        }
