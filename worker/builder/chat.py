"""Model calls: one place that sends the conversation, counts usage and turns errors into a stop."""

from __future__ import annotations

import time
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessage

from worker.builder import estimate
from worker.builder.budget import Estimate, Meter, answer_allowance, call_limits
from worker.builder.events import StopReason
from worker.builder.stopping import Stopped
from worker.builder.tools import TOOLS


class Chat:
    """Sends requests with the run's fixed tool definitions; keeps time and prompt-size figures.

    Each call is fitted to the budget before it is sent: its answer may use only the tokens the
    estimated prompt leaves (``max_completion_tokens``), and it may wait only the time left.
    """

    def __init__(self, llm: openai.OpenAI, model: str, meter: Meter) -> None:
        self.llm = llm
        self.model = model
        self.meter = meter
        self.seconds = 0.0
        self.last_prompt_tokens = 0

    def ask(self, messages: list[dict[str, Any]], **options: Any) -> ChatCompletionMessage:
        """The model's next message; Stopped(MODEL_ERROR) once the client's retries give up,
        Stopped(TOKENS or WALL_CLOCK) when the call would not fit in what the budget leaves."""
        prompt = estimate.prompt_tokens(messages, TOOLS, options)
        answer_tokens = self._answer_tokens(prompt)
        llm = self._bounded_client()
        began = time.perf_counter()
        try:
            # The transcript keeps plain dicts (it elides inside them); they match the params.
            response = llm.chat.completions.create(
                model=self.model, messages=cast(Any, messages), tools=cast(Any, TOOLS),
                max_completion_tokens=answer_tokens, **options)
        except openai.APIError as exc:
            # A call cut short by the wall-clock bound is the budget's doing, not the model's.
            reason = self.meter.clock_spent() or StopReason.MODEL_ERROR
            raise Stopped(reason, describe_error(exc)) from exc
        finally:
            self.seconds += time.perf_counter() - began
        message = response.choices[0].message if response.choices else None
        self.meter.usage.add(response.usage, Estimate(prompt, estimate.answer_tokens(message)))
        reported = response.usage.prompt_tokens if response.usage else 0
        self.last_prompt_tokens = reported or prompt
        if message is None:
            raise Stopped(StopReason.MODEL_ERROR, "the model answered with no choices")
        return message

    def _answer_tokens(self, prompt: int) -> int:
        left = self.meter.remaining_tokens()
        allowance = answer_allowance(left, prompt, self.meter.limits.answer_tokens)
        if allowance is None:
            raise Stopped(StopReason.TOKENS, f"the next request (about {prompt:,} tokens) and "
                                             f"its answer would not fit in the {left:,} left")
        return allowance

    def _bounded_client(self) -> openai.OpenAI:
        """The client with its timeout and retries cut to the wall-clock time left."""
        left = self.meter.remaining_seconds()
        if left <= 0:
            raise Stopped(StopReason.WALL_CLOCK)
        timeout, retries = call_limits(seconds_of(self.llm.timeout), self.llm.max_retries, left)
        return self.llm.with_options(timeout=timeout, max_retries=retries)


def seconds_of(timeout: Any) -> float | None:
    """The client's timeout in seconds (a number, or the read timeout of the ``openai.Timeout``
    a client holds when given none)."""
    if isinstance(timeout, int | float):
        return float(timeout)
    if isinstance(timeout, openai.Timeout):
        return timeout.read
    return None


def describe_error(exc: openai.APIError) -> str:
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}: {exc.message}" if status else f"{type(exc).__name__}: {exc.message}"
