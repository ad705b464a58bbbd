"""The scripted model's logic: answer each chat request with the next turn of the script."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulators.model.answers import completion_body, error_body, retry_headers, tool_call_body
from emulators.model.conversation import (
    answer_limit,
    messages_text,
    protocol_problem,
    shape_problem,
)
from emulators.model.script import ToolCall, Turn, TurnKind
from emulators.model.usage import cut_answer, estimate, prompt_text

SNIPPET_CHARS = 300
# Failures are the test's fault or Kiln's, never transient: the client must not retry them.
NO_RETRY = {"x-should-retry": "false"}


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, and how long the model "thinks" before sending it (``hang``: for
    ever)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False


class Replay:
    """Script position, recorded failures and the previous prompt (for cached tokens).

    ``send_usage`` False answers without ``usage``, as some OpenAI-compatible servers do.
    """

    def __init__(self, turns: Iterable[Turn], clock: Callable[[], float] = time.time,
                 send_usage: bool = True) -> None:
        self.turns = list(turns)
        self.position = 0
        self.endless_reached = False
        self.requests_seen = 0
        self.failures: list[str] = []
        self.previous_prompt = ""
        self.clock = clock
        self.send_usage = send_usage

    @property
    def remaining(self) -> int:
        """Turns that answered no request yet."""
        return len(self.turns) - self.position - self.endless_reached

    def fail(self, status: int, message: str) -> Answer:
        self.failures.append(message)
        return Answer(status, error_body(status, message), dict(NO_RETRY))

    def answer(self, body: Any) -> Answer:
        """The answer to one chat completion request body."""
        self.requests_seen += 1
        problem = shape_problem(body) or protocol_problem(body["messages"])
        if problem:
            return self.fail(400, f"request {self.requests_seen} rejected: {problem}")
        number = self.position + 1
        turn = self.next_turn()
        if turn is None:
            return self.fail(500, f"script exhausted: request {self.requests_seen} came after "
                                  f"all {len(self.turns)} turns were used")
        miss = expectation_miss(turn, body["messages"])
        if miss:
            return self.fail(500, f"turn {number}, request {self.requests_seen}: {miss}")
        if turn.kind is TurnKind.HANG:
            return Answer(500, error_body(500, f"turn {number} hung"), hang=True)
        if turn.kind is TurnKind.ERROR:
            message = f"scripted error {turn.status} (turn {number})"
            return Answer(turn.status, error_body(turn.status, message),
                          retry_headers(turn.retry_after), turn.delay)
        return Answer(200, self.completion(body, turn), delay=turn.delay)

    def next_turn(self) -> Turn | None:
        if self.position >= len(self.turns):
            return None
        turn = self.turns[self.position]
        if turn.kind is TurnKind.ENDLESS:
            self.endless_reached = True
        else:
            self.position += 1
        return turn

    def completion(self, body: dict[str, Any], turn: Turn) -> dict[str, Any]:
        prompt = prompt_text(body)
        content, named_arguments, cut = cut_answer(
            turn.answer_text(), [(call.name, call.arguments_text()) for call in turn.calls],
            answer_limit(body))
        calls = [tool_call_body(ToolCall(name, arguments), f"call_{self.requests_seen}_{index}")
                 for index, (name, arguments) in enumerate(named_arguments)]
        usage = estimate(prompt, self.previous_prompt, content, named_arguments)
        self.previous_prompt = prompt
        return completion_body(
            answer_id=f"chatcmpl-scripted-{self.requests_seen}", model=body["model"],
            created=int(self.clock()), content=content, calls=calls,
            usage=usage if self.send_usage else None, cut=cut,
        )


def expectation_miss(turn: Turn, messages: list[dict[str, Any]]) -> str | None:
    """Why the request does not satisfy the turn's expectation, or None when it does."""
    if turn.expect is None:
        return None
    text = messages_text(messages)
    if turn.expect in text:
        return None
    return (f"expected the request to contain {turn.expect!r}; its messages end with "
            f"{text[-SNIPPET_CHARS:]!r}")
