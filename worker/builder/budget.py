"""Budgets and prices of a build, and the meter that spends them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiln.settings import Settings
from worker.builder.events import StopReason

MILLION = 1_000_000


@dataclass(frozen=True)
class Budget:
    """The most a build may spend: tokens, model calls, test runs and wall-clock seconds."""

    tokens: int
    model_calls: int
    test_runs: int
    wall_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        return cls(settings.budget_tokens, settings.budget_model_calls,
                   settings.budget_test_runs, float(settings.budget_wall_seconds))


@dataclass
class Usage:
    """Tokens and calls spent so far; ``cached_tokens`` is the prompt part served from cache."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    calls: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, usage: Any) -> None:
        """Count one model answer's ``usage`` object (None when the server sent none)."""
        self.calls += 1
        if usage is None:
            return
        self.prompt_tokens += usage.prompt_tokens or 0
        self.completion_tokens += usage.completion_tokens or 0
        details = getattr(usage, "prompt_tokens_details", None)
        self.cached_tokens += (getattr(details, "cached_tokens", 0) or 0) if details else 0


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens."""

    prompt_per_mtok: float
    cached_prompt_per_mtok: float
    completion_per_mtok: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Prices:
        return cls(settings.price_prompt_per_mtok, settings.price_cached_prompt_per_mtok,
                   settings.price_completion_per_mtok)

    def cost(self, usage: Usage) -> float:
        """Estimated dollars: uncached and cached prompt and completion tokens at their prices."""
        uncached = usage.prompt_tokens - usage.cached_tokens
        return (uncached * self.prompt_per_mtok + usage.cached_tokens * self.cached_prompt_per_mtok
                + usage.completion_tokens * self.completion_per_mtok) / MILLION


class Meter:
    """Spends a budget: counts usage and test runs, reads the clock, says what ran out."""

    def __init__(self, budget: Budget, clock: Callable[[], float]) -> None:
        self.budget = budget
        self.clock = clock
        self.started = clock()
        self.usage = Usage()
        self.test_runs = 0

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining_seconds(self) -> float:
        return max(0.0, self.budget.wall_seconds - self.elapsed())

    def model_spent(self) -> StopReason | None:
        """The budget that forbids another model call, if any."""
        if self.usage.total >= self.budget.tokens:
            return StopReason.TOKENS
        if self.usage.calls >= self.budget.model_calls:
            return StopReason.MODEL_CALLS
        return self.clock_spent()

    def tests_spent(self) -> StopReason | None:
        """The budget that forbids another test run, if any."""
        if self.test_runs >= self.budget.test_runs:
            return StopReason.TEST_RUNS
        return self.clock_spent()

    def clock_spent(self) -> StopReason | None:
        return StopReason.WALL_CLOCK if self.remaining_seconds() <= 0 else None
