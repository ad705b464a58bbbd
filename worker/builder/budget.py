"""Budgets and prices of a build, and the meter that spends them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiln.settings import Settings
from worker.builder.events import StopReason

MILLION = 1_000_000
# A call left less room than this for its answer would be cut off before it said anything
# useful, so it is refused instead (unless the per-call cap itself is smaller).
MIN_ANSWER_TOKENS = 256


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


@dataclass(frozen=True)
class Limits:
    """What one model answer, command or install may take before the budget cuts it shorter."""

    answer_tokens: int = 16_384        # settings.model_max_answer_tokens
    command_seconds: float = 300.0     # settings.sandbox_exec_timeout_seconds
    install_seconds: float = 900.0     # settings.sandbox_install_timeout_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.model_max_answer_tokens,
                   float(settings.sandbox_exec_timeout_seconds),
                   float(settings.sandbox_install_timeout_seconds))


@dataclass(frozen=True)
class Estimate:
    """A call's tokens as Kiln estimated them, counted when the server reports none."""

    prompt_tokens: int
    completion_tokens: int


@dataclass
class Usage:
    """Tokens and calls spent so far; ``cached_tokens`` is the prompt part served from cache.

    ``estimated_calls`` counts answers whose tokens (some or all) are Kiln's estimate, because
    the server reported none.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    calls: int = 0
    estimated_calls: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, usage: Any, estimate: Estimate = Estimate(0, 0)) -> None:
        """Count one model answer's ``usage`` (None when the server sent none). A figure the
        server left out or gave as zero is counted at the estimate: every call costs tokens."""
        self.calls += 1
        prompt = getattr(usage, "prompt_tokens", None) or 0
        completion = getattr(usage, "completion_tokens", None) or 0
        self.estimated_calls += int(prompt <= 0 or completion <= 0)
        self.prompt_tokens += prompt if prompt > 0 else estimate.prompt_tokens
        self.completion_tokens += completion if completion > 0 else estimate.completion_tokens
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


def answer_allowance(tokens_left: int, prompt_tokens: int, cap: int) -> int | None:
    """The ``max_completion_tokens`` of a call: the per-call cap, cut to what the budget leaves
    after the estimated prompt; None when too little is left for a useful answer."""
    allowance = min(cap, tokens_left - prompt_tokens)
    return allowance if allowance >= min(MIN_ANSWER_TOKENS, cap) else None


def call_limits(timeout: float | None, retries: int, seconds_left: float) -> tuple[float, int]:
    """Timeout and retries of a model call that keep it within the time left: each attempt
    waits at most ``min(timeout, seconds_left)``, and only as many retries as fit are allowed
    (the client's back-off sleeps come on top)."""
    per_try = seconds_left if timeout is None else min(timeout, seconds_left)
    fitting = int(seconds_left // per_try) if per_try > 0 else 1
    return per_try, max(0, min(retries, fitting - 1))


class Meter:
    """Spends a budget: counts usage and test runs, reads the clock, says what ran out."""

    def __init__(self, budget: Budget, clock: Callable[[], float],
                 limits: Limits = Limits()) -> None:
        self.budget = budget
        self.clock = clock
        self.limits = limits
        self.started = clock()
        self.usage = Usage()
        self.test_runs = 0

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining_seconds(self) -> float:
        return max(0.0, self.budget.wall_seconds - self.elapsed())

    def remaining_tokens(self) -> int:
        return max(0, self.budget.tokens - self.usage.total)

    def bounded(self, seconds: float) -> float:
        """A timeout of ``seconds`` cut to the wall-clock time left."""
        return min(seconds, self.remaining_seconds())

    def command_timeout(self) -> float:
        """The test command's timeout: the sandbox's limit, cut to the time left."""
        return self.bounded(self.limits.command_seconds)

    def install_timeout(self) -> float:
        """The install step's timeout: its own limit, cut to the time left."""
        return self.bounded(self.limits.install_seconds)

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
