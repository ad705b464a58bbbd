"""Deterministic token accounting for scripted answers.

Real tokenizers are out of reach, so the scripted model estimates like a rule of thumb:

- the prompt is the request's ``tools``, ``response_format`` and ``messages``, serialized as
  compact JSON in that order (tools first, as providers render them ahead of the
  conversation, so a growing conversation keeps a growing shared prefix);
- ``prompt_tokens`` = ceil(len(prompt) / 4);
- ``completion_tokens`` = ceil(len(text) / 4) for the answer's content plus, per tool call,
  ceil((len(name) + len(arguments)) / 4); at least 1;
- ``cached_tokens`` = the characters the prompt shares as a prefix with the previous
  answered request's prompt, / 4, rounded down to a multiple of 128 tokens, and 0 when
  fewer than 1024 tokens are shared: OpenAI's prompt caching rules.

An answer longer than the request's ``max_completion_tokens`` (or ``max_tokens``) is cut to
it, as a provider stops generating there: the text keeps its first limit x 4 characters, then
tool calls keep what still fits (the last one with arguments cut mid-JSON), and the answer's
``finish_reason`` is ``length``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4
CACHE_BLOCK_TOKENS = 128
CACHE_MIN_TOKENS = 1024
PROMPT_KEYS = ("tools", "response_format", "messages")


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }


def prompt_text(body: dict[str, Any]) -> str:
    """The part of a request that counts as prompt, serialized deterministically."""
    prompt = {key: body[key] for key in PROMPT_KEYS if body.get(key) is not None}
    return json.dumps(prompt, ensure_ascii=False, separators=(",", ":"))


def tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


def cached_tokens(prompt: str, previous: str) -> int:
    pairs = zip(prompt, previous, strict=False)
    shared = next((index for index, (a, b) in enumerate(pairs) if a != b),
                  min(len(prompt), len(previous)))
    blocks = (shared // CHARS_PER_TOKEN) // CACHE_BLOCK_TOKENS * CACHE_BLOCK_TOKENS
    return blocks if blocks >= CACHE_MIN_TOKENS else 0


def completion_tokens(content: str | None, calls: Sequence[tuple[str, str]]) -> int:
    count = tokens(len(content or ""))
    count += sum(tokens(len(name) + len(arguments)) for name, arguments in calls)
    return max(count, 1)


def cut_answer(content: str | None, calls: Sequence[tuple[str, str]], limit: int | None,
               ) -> tuple[str | None, list[tuple[str, str]], bool]:
    """The answer as a provider sends it under a completion limit: (content, calls, was cut)."""
    if limit is None or completion_tokens(content, calls) <= limit:
        return content, list(calls), False
    room = limit * CHARS_PER_TOKEN
    text = None if content is None else content[:room]
    room -= len(text or "")
    kept: list[tuple[str, str]] = []
    for name, arguments in calls:
        if room <= len(name):
            break
        kept.append((name, arguments[:room - len(name)]))
        room -= len(name) + len(kept[-1][1])
    return text, kept, True


def estimate(prompt: str, previous: str, content: str | None,
             calls: Sequence[tuple[str, str]]) -> Usage:
    """Usage of one answer, given this prompt and the previous answered one."""
    return Usage(tokens(len(prompt)), completion_tokens(content, calls),
                 cached_tokens(prompt, previous))
