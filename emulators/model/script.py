"""The script a scripted model replays: turns, tool calls, and their JSON file format.

A script file is a JSON list of turns, each an object with exactly one of these keys and an
optional ``"expect"`` (a substring the answered request's messages must contain):

    {"text": "Here is the plan."}
    {"json": {"summary": "...", "steps": ["..."]}}
    {"tool_calls": [{"name": "write_file", "arguments": {"path": "a.py", "content": "..."}}]}
    {"tool_calls": [{"name": "write_file", "arguments": "{not json"}]}   (raw string: malformed)
    {"error": 429, "retry_after": 1}
    {"error": 500}
    {"endless": {"name": "run_tests", "arguments": {}}}
    {"hang": true}    (the request is taken and never answered, as a model that stalls)

Any turn may also carry ``"delay"``: seconds the model "thinks" before it answers, as real
models take seconds per turn (``{"text": "Done.", "delay": 0.5}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

CALL_KEYS = frozenset({"name", "arguments"})
TURN_KEYS = frozenset({"text", "json", "tool_calls", "error", "endless", "hang"})
EXTRA_KEYS = frozenset({"expect", "retry_after", "delay"})


class TurnKind(StrEnum):
    TEXT = "text"
    JSON = "json"
    TOOL_CALLS = "tool_calls"
    ERROR = "error"
    ENDLESS = "endless"
    HANG = "hang"


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asks for; raw string arguments may be malformed on purpose."""

    name: str
    arguments: dict[str, Any] | str

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolCall:
        unknown = set(data) - CALL_KEYS
        if unknown or "name" not in data:
            raise ValueError(f"a tool call needs 'name' and 'arguments' only, got {sorted(data)}")
        return cls(data["name"], data.get("arguments", {}))


@dataclass(frozen=True)
class Turn:
    """One scripted answer; build them with the class methods, not the constructor."""

    kind: TurnKind
    content: str | None = None
    data: Any = None
    calls: tuple[ToolCall, ...] = ()
    status: int = 200
    retry_after: float | None = None
    expect: str | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.delay < 0:
            raise ValueError(f"a turn's delay cannot be negative, got {self.delay}")

    @classmethod
    def text(cls, content: str, expect: str | None = None, delay: float = 0.0) -> Turn:
        return cls(TurnKind.TEXT, content=content, expect=expect, delay=delay)

    @classmethod
    def json(cls, data: Any, expect: str | None = None, delay: float = 0.0) -> Turn:
        return cls(TurnKind.JSON, data=data, expect=expect, delay=delay)

    @classmethod
    def tool_calls(cls, calls: list[ToolCall], expect: str | None = None,
                   delay: float = 0.0) -> Turn:
        if not calls:
            raise ValueError("a tool_calls turn needs at least one call")
        return cls(TurnKind.TOOL_CALLS, calls=tuple(calls), expect=expect, delay=delay)

    @classmethod
    def error(cls, status: int, retry_after: float | None = None,
              expect: str | None = None, delay: float = 0.0) -> Turn:
        if status < 400:
            raise ValueError(f"an error turn needs an error status, got {status}")
        return cls(TurnKind.ERROR, status=status, retry_after=retry_after, expect=expect,
                   delay=delay)

    @classmethod
    def endless(cls, call: ToolCall, expect: str | None = None, delay: float = 0.0) -> Turn:
        return cls(TurnKind.ENDLESS, calls=(call,), expect=expect, delay=delay)

    @classmethod
    def hang(cls, expect: str | None = None) -> Turn:
        """A request the model takes and never answers (until the server stops)."""
        return cls(TurnKind.HANG, expect=expect)

    def answer_text(self) -> str | None:
        """The assistant message content this turn answers with (None for tool calls)."""
        if self.kind is TurnKind.JSON:
            return json.dumps(self.data)
        return self.content

    def to_dict(self) -> dict[str, Any]:
        value: Any = {
            TurnKind.TEXT: self.content,
            TurnKind.JSON: self.data,
            TurnKind.TOOL_CALLS: [call.to_dict() for call in self.calls],
            TurnKind.ERROR: self.status,
            TurnKind.ENDLESS: self.calls[0].to_dict() if self.calls else None,
            TurnKind.HANG: True,
        }[self.kind]
        entry: dict[str, Any] = {self.kind.value: value}
        if self.retry_after is not None:
            entry["retry_after"] = self.retry_after
        if self.expect is not None:
            entry["expect"] = self.expect
        if self.delay:
            entry["delay"] = self.delay
        return entry

    @classmethod
    def from_dict(cls, entry: dict[str, Any]) -> Turn:
        kinds = set(entry) & TURN_KEYS
        unknown = set(entry) - TURN_KEYS - EXTRA_KEYS
        if len(kinds) != 1 or unknown:
            raise ValueError(f"a turn needs one of {sorted(TURN_KEYS)}, got {sorted(entry)}")
        kind = TurnKind(kinds.pop())
        value, expect, delay = entry[kind.value], entry.get("expect"), float(entry.get("delay", 0))
        if kind is TurnKind.ERROR:
            return cls.error(int(value), entry.get("retry_after"), expect, delay)
        if "retry_after" in entry:
            raise ValueError("'retry_after' belongs to error turns only")
        if kind is TurnKind.TOOL_CALLS:
            return cls.tool_calls([ToolCall.from_dict(call) for call in value], expect, delay)
        if kind is TurnKind.ENDLESS:
            return cls.endless(ToolCall.from_dict(value), expect, delay)
        if kind is TurnKind.HANG:
            return cls.hang(expect)
        if kind is TurnKind.TEXT:
            return cls.text(value, expect, delay)
        return cls.json(value, expect, delay)


def load_script(path: str | Path) -> list[Turn]:
    """Read a JSON script file: a list of turn objects."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: a script is a JSON list of turns")
    return [Turn.from_dict(entry) for entry in entries]


def dump_script(turns: list[Turn], path: str | Path) -> None:
    """Write turns in the file format load_script reads."""
    text = json.dumps([turn.to_dict() for turn in turns], indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
