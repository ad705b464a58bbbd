"""Model calls: one place that sends the conversation, counts usage and turns errors into a stop."""

from __future__ import annotations

import time
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessage

from worker.builder.budget import Meter
from worker.builder.events import StopReason
from worker.builder.stopping import Stopped
from worker.builder.tools import TOOLS


class Chat:
    """Sends requests with the run's fixed tool definitions; keeps time and prompt-size figures."""

    def __init__(self, llm: openai.OpenAI, model: str, meter: Meter) -> None:
        self.llm = llm
        self.model = model
        self.meter = meter
        self.seconds = 0.0
        self.last_prompt_tokens = 0

    def ask(self, messages: list[dict[str, Any]], **options: Any) -> ChatCompletionMessage:
        """The model's next message; Stopped(MODEL_ERROR) once the client's retries give up."""
        began = time.perf_counter()
        try:
            # The transcript keeps plain dicts (it elides inside them); they match the params.
            response = self.llm.chat.completions.create(
                model=self.model, messages=cast(Any, messages), tools=cast(Any, TOOLS), **options)
        except openai.APIError as exc:
            raise Stopped(StopReason.MODEL_ERROR, describe_error(exc)) from exc
        finally:
            self.seconds += time.perf_counter() - began
        self.meter.usage.add(response.usage)
        self.last_prompt_tokens = response.usage.prompt_tokens if response.usage else 0
        if not response.choices:
            raise Stopped(StopReason.MODEL_ERROR, "the model answered with no choices")
        return response.choices[0].message


def describe_error(exc: openai.APIError) -> str:
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}: {exc.message}" if status else f"{type(exc).__name__}: {exc.message}"
