"""What a build is asked to do: the issue, the starting tree, instructions, feedback, budgets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from worker.builder.budget import Budget, Limits, Prices
from worker.builder.carryover import Carryover
from worker.builder.instruction_files import InstructionFile
from worker.builder.origin import CONFIGURED, TestOrigin
from worker.builder.protected import Protection


@dataclass(frozen=True)
class Feedback:
    """One review comment or instruction to act on when revising a pull request."""

    body: str
    path: str | None = None
    line: int | None = None
    comment_id: int | None = None


@dataclass(frozen=True)
class BuildRequest:
    """Everything the builder needs; ``files`` is the starting tree ({} for a new project).

    ``instructions`` is `.github/kiln.yml`'s; ``instruction_files`` are the repository's own
    (`AGENTS.md` and its peers, see ``worker.builder.instruction_files``).
    ``notes`` are what the operator's rules changed in the repository's request (a budget
    capped, a model refused); the result carries them to the final report.
    """

    title: str
    body: str
    files: Mapping[str, bytes]
    model: str
    budget: Budget
    prices: Prices
    instructions: str = ""
    instruction_files: tuple[InstructionFile, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    language: str | None = None
    install_command: str | None = None
    test_command: str | None = None
    test_origin: TestOrigin = CONFIGURED   # who fixed test_command: config, or derived
    plan_attempts: int = 3               # settings.plan_attempts
    limits: Limits = field(default_factory=Limits)   # Limits.from_settings(settings)
    notes: tuple[str, ...] = ()
    protection: Protection = field(default_factory=Protection)  # what the tools refuse
    carryover: Carryover | None = None  # a continued build's progress: no planning, no transcript
