"""What a build is asked to do: the issue, the starting tree, instructions, feedback, budgets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from worker.builder.budget import Budget, Prices


@dataclass(frozen=True)
class Feedback:
    """One review comment or instruction to act on when revising a pull request."""

    body: str
    path: str | None = None
    line: int | None = None
    comment_id: int | None = None


@dataclass(frozen=True)
class BuildRequest:
    """Everything the builder needs; ``files`` is the starting tree ({} for a new project)."""

    title: str
    body: str
    files: Mapping[str, bytes]
    model: str
    budget: Budget
    prices: Prices
    instructions: str = ""
    feedback: tuple[Feedback, ...] = ()
    language: str | None = None
    install_command: str | None = None
    test_command: str | None = None
    plan_attempts: int = 3               # settings.plan_attempts
