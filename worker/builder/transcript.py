"""The conversation sent to the model: append-only, with stale bulk elided in rare batches.

Prompt caches reuse the longest unchanged prefix of a request, so messages are only ever
appended. Left alone, though, every file the model wrote and every test log it saw would be
resent on each turn for the rest of the run. So each large piece (a tool's output, or the
arguments of a call such as write_file) carries a topic: a file path, "tests", a command line.
A newer piece on the same topic makes the older ones stale: the file was rewritten, the tests
ran again. Stale pieces are replaced by a one-line stub, but only once together they exceed
ELIDE_BATCH_CHARS, so the prefix changes once per batch rather than on every turn, and
between batches prompts grow by what changed and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openai.types.chat import ChatCompletionMessage

ELIDE_MIN_CHARS = 800
ELIDE_BATCH_CHARS = 24_000
ELIDED_OUTPUT = "[output elided: superseded later in this conversation]"
ELIDED_ARGUMENTS = json.dumps({"elided": "superseded later in this conversation"})


@dataclass
class _Piece:
    size: int
    elide: Callable[[], None]


class Transcript:
    """Messages in the order sent; ``messages`` is the list each request carries."""

    def __init__(self, system_prompt: str) -> None:
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt}]
        self._calls: dict[str, dict[str, Any]] = {}
        self._live: dict[str, list[_Piece]] = {}
        self._stale: list[_Piece] = []
        self.elided_batches = 0

    def user(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def assistant(self, message: ChatCompletionMessage) -> None:
        entry: dict[str, Any] = {"role": "assistant", "content": message.content}
        calls: list[dict[str, Any]] = []
        for call in message.tool_calls or ():
            if call.type == "function":
                function = {"name": call.function.name, "arguments": call.function.arguments}
                calls.append({"id": call.id, "type": "function", "function": function})
                self._calls[call.id] = function
        if calls:
            entry["tool_calls"] = calls
        self.messages.append(entry)

    def tool(self, call_id: str, content: str, topic: str | None = None, kept: str = "") -> None:
        """A tool's result; with a topic, it and its call's arguments supersede older pieces.
        ``kept`` (the end of ``content``) outlives the result's elision: it is said once."""
        entry = {"role": "tool", "tool_call_id": call_id, "content": content}
        self.messages.append(entry)
        if topic is None:
            return
        self._retire(topic)
        function = self._calls.get(call_id)
        if function is not None:
            self._keep(topic, len(function["arguments"]), _setter(function, "arguments",
                                                                  ELIDED_ARGUMENTS))
        self._keep(topic, len(content), _setter(entry, "content", ELIDED_OUTPUT + kept))
        self._elide_if_due()

    def _retire(self, topic: str) -> None:
        self._stale.extend(self._live.pop(topic, ()))

    def _keep(self, topic: str, size: int, elide: Callable[[], None]) -> None:
        if size >= ELIDE_MIN_CHARS:
            self._live.setdefault(topic, []).append(_Piece(size, elide))

    def _elide_if_due(self) -> None:
        if sum(piece.size for piece in self._stale) < ELIDE_BATCH_CHARS:
            return
        for piece in self._stale:
            piece.elide()
        self._stale.clear()
        self.elided_batches += 1


def _setter(target: dict[str, Any], key: str, value: str) -> Callable[[], None]:
    def elide() -> None:
        target[key] = value
    return elide
