"""Token estimates without a tokenizer: a deliberately high count from the characters sent.

The rule: serialize what is counted as compact JSON with non-ASCII escaped, and count one
token per ``CHARS_PER_TOKEN`` characters, rounded up. English and code average about four
characters a token with OpenAI's tokenizers, so three over-counts them (the budget check errs
towards refusing a call); escaping turns a non-ASCII character into six characters (two
tokens), as such characters often take a token or more each.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from openai.types.chat import ChatCompletionMessage

CHARS_PER_TOKEN = 3


def tokens_of(text: str) -> int:
    """The estimated tokens of a text: its characters / ``CHARS_PER_TOKEN``, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def serialized(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def prompt_tokens(messages: Sequence[Any], tools: Sequence[Any],
                  options: Mapping[str, Any]) -> int:
    """The estimated prompt of a request: its tools, options (e.g. the response format) and
    messages, the parts a provider feeds the model."""
    return tokens_of(serialized({"tools": tools, **options, "messages": messages}))


def answer_tokens(message: ChatCompletionMessage | None) -> int:
    """The estimated completion of an answer: its text, and each tool call's name and arguments."""
    if message is None:
        return 0
    calls = [call for call in message.tool_calls or () if call.type == "function"]
    text = (message.content or "") + "".join(
        call.function.name + call.function.arguments for call in calls)
    return tokens_of(serialized(text)[1:-1]) if text else 0
