"""What a build returns: the final tree, its changes, the tests, the spend and the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from worker.builder.budget import Usage
from worker.builder.checklist import Checklist
from worker.builder.events import Step, StopReason
from worker.builder.outcome import TestOutcome
from worker.builder.plan import Plan


@dataclass(frozen=True)
class IterationStats:
    """Where one build-loop iteration's time went, and how big its prompt was.

    ``own_seconds`` is Kiln's own time: the iteration minus the model round-trip and the
    commands run in the sandbox. It includes ``file_seconds``, the sandbox's file calls.
    """

    iteration: int
    seconds: float
    model_seconds: float
    exec_seconds: float
    file_seconds: float
    prompt_tokens: int

    @property
    def own_seconds(self) -> float:
        return self.seconds - self.model_seconds - self.exec_seconds


@dataclass
class BuildResult:
    """The outcome of ``run_build``; ``changes`` maps paths to new bytes, or None when deleted.

    ``changes`` is what git in the sandbox reports changed since the base commit (``files``
    is the base with them applied), ``modes`` each changed file's git mode, and ``left_out``
    names what the change leaves out and why (ignored, a submodule, too large).

    ``tests`` is Kiln's latest test run, ``best_tests`` the best one seen during the run.
    ``notes`` are lines for the final report: the request's notes, and how tokens were counted
    when the server reported none.
    """

    passed: bool
    stop_reason: StopReason
    plan: Plan | None
    files: Mapping[str, bytes]
    changes: dict[str, bytes | None]
    tests: TestOutcome | None
    existing_tests_changed: list[str]
    iterations: int
    usage: Usage
    cost_usd: float
    steps: list[Step]
    summary: str
    replies: dict[int, str]
    best_tests: TestOutcome | None = None
    stats: list[IterationStats] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    modes: dict[str, str] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()
    checklist: Checklist | None = None  # the plan's steps as the run left them (#15)
